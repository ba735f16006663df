/**
 * Builders for schema entries and the naming rules that derive a flag, an
 * environment variable and an ini location from an option's id.
 *
 * `opt.int('sip.port', { default: 5060, help: '…' })` gives an entry whose
 * literal type keeps its id and default, so `options.get('sip.port')` is typed
 * `number` without any hand-written interface.
 */
import type {
  AddressSpec,
  BoolSpec,
  DurationSpec,
  EnumSpec,
  IntSpec,
  ListSpec,
  OptionSpec,
  StringSpec,
} from './types.js';

type Fields<S> = Omit<S, 'id' | 'type'>;

export const opt = {
  string: <const Id extends string, const S extends Fields<StringSpec<Id>>>(id: Id, s: S) =>
    ({ ...s, id, type: 'string' }) as S & { readonly id: Id; readonly type: 'string' },
  int: <const Id extends string, const S extends Fields<IntSpec<Id>>>(id: Id, s: S) =>
    ({ ...s, id, type: 'int' }) as S & { readonly id: Id; readonly type: 'int' },
  bool: <const Id extends string, const S extends Fields<BoolSpec<Id>>>(id: Id, s: S) =>
    ({ ...s, id, type: 'bool' }) as S & { readonly id: Id; readonly type: 'bool' },
  enum: <const Id extends string, const C extends string, const S extends Fields<EnumSpec<Id, C>>>(
    id: Id,
    s: S & { readonly choices: readonly C[] },
  ) => ({ ...s, id, type: 'enum' }) as S & { readonly id: Id; readonly type: 'enum'; readonly choices: readonly C[] },
  duration: <const Id extends string, const S extends Fields<DurationSpec<Id>>>(id: Id, s: S) =>
    ({ ...s, id, type: 'duration' }) as S & { readonly id: Id; readonly type: 'duration' },
  address: <const Id extends string, const S extends Fields<AddressSpec<Id>>>(id: Id, s: S) =>
    ({ ...s, id, type: 'address' }) as S & { readonly id: Id; readonly type: 'address' },
  list: <const Id extends string, const S extends Fields<ListSpec<Id>>>(id: Id, s: S) =>
    ({ ...s, id, type: 'list' }) as S & { readonly id: Id; readonly type: 'list' },
};

/** The ini section of an option: the part of its id before the first dot. */
export function sectionOf(spec: OptionSpec): string {
  const dot = spec.id.indexOf('.');
  return dot < 0 ? 'general' : spec.id.slice(0, dot);
}

/** The ini key of an option: the part of its id after the first dot. */
export function keyOf(spec: OptionSpec): string {
  const dot = spec.id.indexOf('.');
  return dot < 0 ? spec.id : spec.id.slice(dot + 1);
}

/** The long flag (without dashes), or undefined when the option is not on the command line. */
export function flagOf(spec: OptionSpec): string | undefined {
  if (spec.flag === false) return undefined;
  return spec.flag ?? `${sectionOf(spec)}-${keyOf(spec)}`.replace(/[._]/g, '-');
}

/** The environment variable, or undefined when the option has none. */
export function envOf(spec: OptionSpec): string | undefined {
  if (spec.env === false) return undefined;
  return spec.env ?? `SHTOOM_${sectionOf(spec)}_${keyOf(spec)}`.toUpperCase().replace(/[.-]/g, '_');
}

/** Whether the option lives in the ini file. */
export function inIni(spec: OptionSpec): boolean {
  return spec.ini !== false;
}

/**
 * Whether the option is offered by a command, named by its path
 * (`'register'`, `'config save'`). Global options are offered by all; an
 * option listed for `'config'` is offered by its subcommands too.
 */
export function offeredBy(spec: OptionSpec, commandPath: string): boolean {
  const c = spec.commands ?? 'global';
  if (c === 'global') return true;
  const words = commandPath.split(' ');
  for (let i = 1; i <= words.length; i++) if (c.includes(words.slice(0, i).join(' '))) return true;
  return false;
}

export function isGlobal(spec: OptionSpec): boolean {
  return (spec.commands ?? 'global') === 'global';
}
