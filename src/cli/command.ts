/**
 * What a shtoom command is: a name, its positional arguments and an async
 * `run` that returns an exit code. Its options come from the schema (entries
 * whose `commands` list names it); the CLI hands it the effective options.
 */
import type { Logger } from '../log/logger.js';
import type { ShtoomOptions } from '../options/index.js';
import type { Readable } from 'node:stream';
import type { Output, Writable } from './output.js';

/** Standard input as commands read it: a stream, and on a terminal its raw mode. */
export type Input = Readable & { readonly isTTY?: boolean; setRawMode?(mode: boolean): unknown };

export interface ArgSpec {
  readonly name: string;
  readonly description: string;
  readonly required?: boolean;
  readonly variadic?: boolean;
}

export interface CommandContext {
  /** Effective options (defaults < ini < env < argv). */
  readonly options: ShtoomOptions;
  /** Positional arguments, in the order of `args`. */
  readonly args: readonly string[];
  readonly log: Logger;
  /** Where results go: JSON with --json, human text otherwise. */
  readonly out: Output;
  /** Aborted on the first Ctrl-C or SIGTERM: end gracefully (BYE, unregister, flush). */
  readonly signal: AbortSignal;
  /**
   * Aborted on the second: hurry — stop waiting for calls and peers, but
   * still remove a registration (its un-REGISTER gets a moment) and finish
   * what was written.
   */
  readonly urgent: AbortSignal;
  /** Standard output as a stream: a full-screen UI draws on it when it is a terminal. */
  readonly stdout?: Writable;
  /** Standard input, made on first use (so that commands that never read it do not open it). */
  readonly stdin?: () => Input;
  /** The ini file in effect, and whether it exists. */
  readonly configFile: string;
  readonly configFound: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
}

export interface CommandSpec {
  /** One word; subcommands are nested in `subcommands`. */
  readonly name: string;
  readonly description: string;
  readonly args?: readonly ArgSpec[];
  readonly subcommands?: readonly CommandSpec[];
  /**
   * The global options that matter for this command, by id (`sip.port`,
   * `account.user`): its `--help` shows them after its own; every other
   * global option is listed by `shtoom help options`.
   */
  readonly globals?: readonly string[];
  /** Extra help text shown after the options (examples). */
  readonly examples?: readonly string[];
  readonly run?: (ctx: CommandContext) => Promise<number>;
}
