/**
 * Reading and writing shtoom's ini file (`shtoom.ini`).
 *
 * Sections are the areas of the schema (`[sip]`, `[rtp]`, `[audio]`,
 * `[account]`, …) and keys are the option keys. Value quoting and escaping
 * follow the `ini` package (`safe`/`unsafe`), so files written by other ini
 * tools read the same; the line-by-line reading here is ours because every
 * warning and error must name its line.
 */
import { safe, unsafe } from 'ini';
import { inIni, keyOf, sectionOf } from './define.js';
import { allowedOf, formatValue, parseValue, sameValue } from './values.js';
import { OptionValueError } from './errors.js';
import type { OptionSpec, OptionValue, Schema } from './types.js';

export interface IniValue {
  readonly value: OptionValue;
  readonly line: number;
}

export interface IniReadResult {
  /** Parsed values by option id. */
  readonly values: Map<string, IniValue>;
  /** Problems that do not stop the program: unknown keys, stray lines. */
  readonly warnings: string[];
}

/**
 * Read ini text. Unknown keys and malformed lines are warnings with their line
 * number; a value its option does not accept throws `OptionValueError`.
 */
export function readIni(text: string, file: string, schema: Schema): IniReadResult {
  const bySection = new Map<string, Map<string, OptionSpec>>();
  for (const spec of schema) {
    if (!inIni(spec)) continue;
    const s = sectionOf(spec);
    if (!bySection.has(s)) bySection.set(s, new Map());
    bySection.get(s)!.set(keyOf(spec), spec);
  }
  const values = new Map<string, IniValue>();
  const warnings: string[] = [];
  let section: string | undefined;
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith(';') || line.startsWith('#')) continue;
    const header = /^\[([^\]]*)\]\s*(?:[;#].*)?$/.exec(line);
    if (header) {
      section = header[1]!.trim();
      if (!bySection.has(section))
        warnings.push(`${file}:${lineNo}: unknown section [${section}] (its keys are ignored)`);
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) {
      warnings.push(`${file}:${lineNo}: not a "key = value" line (ignored)`);
      continue;
    }
    const key = line.slice(0, eq).trim();
    const raw = unsafe(line.slice(eq + 1).trim());
    if (section === undefined) {
      warnings.push(`${file}:${lineNo}: "${key}" is outside any [section] (ignored)`);
      continue;
    }
    const keys = bySection.get(section);
    if (!keys) continue; // already warned for the section
    const spec = keys.get(key);
    if (!spec) {
      const hint = closest(key, [...keys.keys()]);
      warnings.push(
        `${file}:${lineNo}: unknown option "${key}" in [${section}] ` +
          `(ignored)${hint ? `; did you mean "${hint}"?` : ''}`,
      );
      continue;
    }
    const parsed = parseValue(spec, raw);
    if (!parsed.ok) {
      throw new OptionValueError(
        spec.id,
        { kind: 'ini', file, line: lineNo },
        raw,
        parsed.problem,
        allowedOf(spec),
        `${file}:${lineNo}: [${section}] ${key}`,
      );
    }
    if (values.has(spec.id)) warnings.push(`${file}:${lineNo}: [${section}] ${key} is set again (this line wins)`);
    values.set(spec.id, { value: parsed.value, line: lineNo });
  }
  return { values, warnings };
}

export interface WriteIniOptions {
  /** Write secret options (passwords) too. */
  readonly includeSecrets?: boolean;
  /** First comment lines of the file. */
  readonly header?: readonly string[];
}

/**
 * Write the effective values as ini text, each key under its help text.
 * Values equal to the default are written commented out, so a later change
 * of a default still reaches the user; reading the file back gives the same
 * effective options.
 */
export function writeIni(
  schema: Schema,
  valueFor: (spec: OptionSpec) => OptionValue | undefined,
  opts: WriteIniOptions = {},
): string {
  const out: string[] = [];
  for (const h of opts.header ?? []) out.push(`; ${h}`);
  const sections = new Map<string, OptionSpec[]>();
  for (const spec of schema) {
    if (!inIni(spec)) continue;
    const s = sectionOf(spec);
    if (!sections.has(s)) sections.set(s, []);
    sections.get(s)!.push(spec);
  }
  for (const [section, specs] of sections) {
    if (out.length > 0) out.push('');
    out.push(`[${section}]`);
    for (const spec of specs) {
      const value = valueFor(spec);
      out.push(`; ${spec.help}`);
      out.push(
        `; ${allowedOf(spec)}${spec.default !== undefined ? `; default ${formatValue(spec, spec.default)}` : ''}`,
      );
      const key = keyOf(spec);
      if (spec.secret && !opts.includeSecrets) {
        out.push(`;${key} =  (secret: not written; use --include-secrets)`);
      } else if (value === undefined) {
        out.push(`;${key} =`);
      } else {
        const text = iniQuote(formatValue(spec, value));
        out.push(sameValue(value, spec.default) ? `;${key} = ${text}` : `${key} = ${text}`);
      }
    }
  }
  return out.join('\n') + '\n';
}

/** Quote a value so `unsafe` reads it back exactly (the `ini` package's `safe` is lossy around backslashes). */
function iniQuote(value: string): string {
  const text = safe(value);
  return unsafe(text) === value ? text : JSON.stringify(value);
}

/** The candidate within edit distance 2 of `word`, if any. */
function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
