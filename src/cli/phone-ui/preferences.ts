/**
 * The preferences screen's rows, generated from the options schema (as the
 * original Shtoom generated its preferences dialogs from its options
 * object): every option `shtoom phone` takes that lives in the ini file,
 * with its value, where the value comes from, its help and what it allows.
 * A typed value is checked by the schema's own rules (`parseValue`), and
 * refused in the words the command line and the ini reader use.
 */
import { inIni, offeredBy } from '../../options/define.js';
import type { EffectiveOptions } from '../../options/resolve.js';
import type { OptionSpec, OptionValue } from '../../options/types.js';
import { allowedOf, formatValue, parseValue } from '../../options/values.js';
import type { PreferenceRow } from './model.js';

/** The phone's options that the ini file holds, in schema order. */
export function preferenceRows(options: EffectiveOptions): PreferenceRow[] {
  return options
    .entries()
    .filter((e) => inIni(e.spec) && offeredBy(e.spec, 'phone'))
    .map((e) => ({ spec: e.spec, value: formatValue(e.spec, e.value), source: e.source.kind }));
}

export type Checked =
  | { readonly ok: true; readonly value: OptionValue }
  | { readonly ok: false; readonly message: string };

/**
 * Check a typed value by the option's schema rules.
 *
 * @example
 * checkPreference(sipPort, 'abc')
 * // { ok: false, message: 'sip.port: "abc" is not an integer; allowed: an integer from 0 to 65535' }
 */
export function checkPreference(spec: OptionSpec, raw: string): Checked {
  const parsed = parseValue(spec, raw);
  if (parsed.ok) return { ok: true, value: parsed.value };
  return {
    ok: false,
    message: `${spec.id}: ${JSON.stringify(raw.trim())} ${parsed.problem}; allowed: ${allowedOf(spec)}`,
  };
}

/** How a row's value is shown: secrets masked. */
export function shownValue(row: PreferenceRow): string {
  if (row.spec.secret && row.value !== '') return '********';
  return row.value === '' ? '(unset)' : row.value;
}
