/**
 * Types of the one declarative options schema.
 *
 * Every option shtoom has is one `OptionSpec` entry. The command-line parser,
 * the ini reader and writer, the environment variables, `--help` and
 * `shtoom config show` are all generated from these entries; nothing else
 * defines an option (the seed's "Preferences" idea).
 */

/** A host with an optional port: `127.0.0.1:5060`, `[::1]:5060`, `example.com`. */
export interface Address {
  host: string;
  port?: number;
}

export type OptionType = 'string' | 'int' | 'bool' | 'enum' | 'duration' | 'address' | 'list';

/** Fields every option has. `V` is the parsed value type. */
export interface SpecBase<Id extends string, V> {
  /** `section.key`: the ini section and key; also names the option in code. */
  readonly id: Id;
  /** One line of help: shown by `--help` and written as a comment by `config save`. */
  readonly help: string;
  readonly default?: V;
  /** Long flag without dashes. Default `section-key`; `false`: not on the command line. */
  readonly flag?: string | false;
  /** One-letter short flag. */
  readonly short?: string;
  /** Environment variable. Default `SHTOOM_SECTION_KEY`; `false`: none. */
  readonly env?: string | false;
  /** Read from and written to the ini file (default true). */
  readonly ini?: boolean;
  /** `'global'` (default): every command. Otherwise the commands that take it. */
  readonly commands?: 'global' | readonly string[];
  /** Never written by `config save` unless asked, and masked by `config show`. */
  readonly secret?: boolean;
  /** Placeholder shown in help (`--sip-port <port>`). */
  readonly argName?: string;
  /** Extra check after type parsing: return what is allowed when the value is wrong. */
  readonly validate?: (value: V) => string | undefined;
}

export interface StringSpec<Id extends string = string> extends SpecBase<Id, string> {
  readonly type: 'string';
}
export interface IntSpec<Id extends string = string> extends SpecBase<Id, number> {
  readonly type: 'int';
  readonly min?: number;
  readonly max?: number;
}
export interface BoolSpec<Id extends string = string> extends SpecBase<Id, boolean> {
  readonly type: 'bool';
}
export interface EnumSpec<Id extends string = string, C extends string = string> extends SpecBase<Id, C> {
  readonly type: 'enum';
  readonly choices: readonly C[];
}
/** A duration; the parsed value is in milliseconds. A bare number is in `unit`. */
export interface DurationSpec<Id extends string = string> extends SpecBase<Id, number> {
  readonly type: 'duration';
  readonly unit: 'ms' | 's';
  readonly min?: number;
  readonly max?: number;
}
export interface AddressSpec<Id extends string = string> extends SpecBase<Id, Address> {
  readonly type: 'address';
  /** Whether the port may be left out (default true). */
  readonly portOptional?: boolean;
}
/** A comma-separated list; `choices` restricts the items. */
export interface ListSpec<Id extends string = string> extends SpecBase<Id, readonly string[]> {
  readonly type: 'list';
  readonly choices?: readonly string[];
}

export type OptionSpec<Id extends string = string> =
  | StringSpec<Id>
  | IntSpec<Id>
  | BoolSpec<Id>
  | EnumSpec<Id>
  | DurationSpec<Id>
  | AddressSpec<Id>
  | ListSpec<Id>;

export type OptionValue = string | number | boolean | Address | readonly string[];

/** The parsed value type of one spec's `type`. */
export type BaseValueOf<S> = S extends { readonly type: 'string' }
  ? string
  : S extends { readonly type: 'int' | 'duration' }
    ? number
    : S extends { readonly type: 'bool' }
      ? boolean
      : S extends { readonly type: 'enum'; readonly choices: readonly (infer C)[] }
        ? C
        : S extends { readonly type: 'address' }
          ? Address
          : S extends { readonly type: 'list' }
            ? readonly string[]
            : never;

/** The effective value type of one spec: `undefined` is possible when it has no default. */
export type ValueOfSpec<S> = S extends { readonly default: unknown } ? BaseValueOf<S> : BaseValueOf<S> | undefined;

/** Where an effective value came from. */
export type ValueSource =
  | { readonly kind: 'default' }
  | { readonly kind: 'ini'; readonly file: string; readonly line: number }
  | { readonly kind: 'env'; readonly name: string }
  | { readonly kind: 'argv'; readonly flag: string };

export type Schema = readonly OptionSpec[];
