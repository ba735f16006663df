/**
 * Loading the effective options outside the command line: a library user's
 * script gets the same values (defaults < ini < env < given) as the CLI.
 */
import { readFileSync } from 'node:fs';
import { defaultConfigPath } from './config-path.js';
import { ConfigFileError } from './errors.js';
import { readIni, type IniReadResult } from './ini-file.js';
import { resolveOptions, type EffectiveOptions } from './resolve.js';
import type { Schema } from './types.js';

export interface LoadOptionsInput {
  /** The ini file to read; when absent, the default path is read if it exists. */
  readonly configFile?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Raw values that take the place of argv, by option id. */
  readonly argv?: ReadonlyMap<string, string | boolean>;
}

export interface Loaded<S extends Schema> {
  readonly options: EffectiveOptions<S>;
  /** The ini file that was (or would have been) read. */
  readonly configFile: string;
  readonly configFound: boolean;
  readonly warnings: readonly string[];
}

export function loadOptions<S extends Schema>(schema: S, input: LoadOptionsInput = {}): Loaded<S> {
  const env = input.env ?? process.env;
  const fromArgv = input.argv?.get('general.config');
  const explicit =
    input.configFile ?? (typeof fromArgv === 'string' ? fromArgv : undefined) ?? (env.SHTOOM_CONFIG || undefined);
  const configFile = explicit ?? defaultConfigPath(env);
  let ini: IniReadResult | undefined;
  let text: string | undefined;
  try {
    text = readFileSync(configFile, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (explicit || code !== 'ENOENT') throw new ConfigFileError(configFile, describeFsError(err));
  }
  if (text !== undefined) ini = readIni(text, configFile, schema);
  const options = resolveOptions(schema, {
    ini: ini ? { file: configFile, values: ini.values } : undefined,
    env,
    argv: input.argv,
  });
  return { options, configFile, configFound: text !== undefined, warnings: ini?.warnings ?? [] };
}

export function describeFsError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e.code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    default:
      return e.message ?? String(err);
  }
}
