/**
 * The command-line side of the schema: commander options generated from
 * schema entries, and the raw argv values read back by option id.
 *
 * Commander only collects strings (and booleans for flags); it gets no
 * defaults and no parsers, so an absent option stays absent and every value
 * is checked by `values.ts` exactly like env and ini values are.
 */
import { Option, type Command } from 'commander';
import { envOf, flagOf } from './define.js';
import { allowedOf, formatValue } from './values.js';
import type { OptionSpec } from './types.js';

/** The commander options that one command got, by option id. */
export type BoundOptions = Map<
  string,
  { readonly spec: OptionSpec; readonly option: Option; readonly negate?: Option }
>;

/** Help text of one option: its help, what it takes, its default and its environment variable. */
export function helpLine(spec: OptionSpec): string {
  const parts = [spec.help];
  if (spec.type === 'enum' || spec.type === 'list') parts.push(`(${allowedOf(spec)})`);
  if (spec.type === 'duration')
    parts.push(`(e.g. 500ms, 20s, 2m; a bare number is in ${spec.unit === 's' ? 'seconds' : 'ms'})`);
  if (spec.default !== undefined && spec.type !== 'bool') parts.push(`[default: ${formatValue(spec, spec.default)}]`);
  const env = envOf(spec);
  if (env) parts.push(`[env ${env}]`);
  return parts.join(' ');
}

/** Add the command-line flags of `specs` to a commander command. */
export function addSchemaOptions(cmd: Command, specs: readonly OptionSpec[]): BoundOptions {
  const bound: BoundOptions = new Map();
  for (const spec of specs) {
    const flag = flagOf(spec);
    if (!flag) continue;
    const short = spec.short ? `-${spec.short}, ` : '';
    if (spec.type === 'bool') {
      const option = new Option(`${short}--${flag}`, helpLine(spec));
      const negate = new Option(`--no-${flag}`, `turn off --${flag}`).hideHelp();
      cmd.addOption(option);
      cmd.addOption(negate);
      bound.set(spec.id, { spec, option, negate });
    } else {
      const arg = spec.argName ?? (spec.type === 'int' ? 'n' : spec.type === 'list' ? 'items' : 'value');
      const option = new Option(`${short}--${flag} <${arg}>`, helpLine(spec));
      cmd.addOption(option);
      bound.set(spec.id, { spec, option });
    }
  }
  return bound;
}

/**
 * Read back what argv gave for the bound options of each command in the
 * chain (program first, the running subcommand last: later ones win).
 */
export function readArgv(chain: readonly { cmd: Command; bound: BoundOptions }[]): Map<string, string | boolean> {
  const out = new Map<string, string | boolean>();
  for (const { cmd, bound } of chain) {
    for (const [id, { option }] of bound) {
      const attr = option.attributeName();
      if (cmd.getOptionValueSource(attr) !== 'cli') continue;
      const v = cmd.getOptionValue(attr) as unknown;
      if (typeof v === 'string' || typeof v === 'boolean') out.set(id, v);
    }
  }
  return out;
}
