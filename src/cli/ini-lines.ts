/**
 * What the ini files of the servers (`--conference-rooms`, `--mailboxes`,
 * `--auth`) share: reading the file with one clear line when it cannot be
 * read, and walking its lines as sections and `key = value` entries, each
 * with the `file:line` its messages name. Each file's own rules (which
 * keys, which values) stay with its reader.
 */
import { readFileSync } from 'node:fs';
import { unsafe } from 'ini';
import { UsageError } from '../errors.js';

/** One meaningful line of an ini file; blank lines and `;`/`#` comments are skipped. */
export type IniLine =
  | { readonly kind: 'section'; readonly where: string; readonly name: string }
  | { readonly kind: 'entry'; readonly where: string; readonly key: string; readonly value: string }
  /** Neither a `[section]` nor a `key = value` line. */
  | { readonly kind: 'other'; readonly where: string };

/**
 * The text of the file an option names; a usage error (exit 2) naming the
 * option and the file when it cannot be read.
 *
 * @example
 * const text = readIniText('--mailboxes', 'mailboxes.ini');
 */
export function readIniText(option: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`${option} ${file}: cannot read it: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
}

/**
 * The sections and entries of ini text, in order. Section names and keys
 * are trimmed; values are unquoted and unescaped as the `ini` package does.
 *
 * @example
 * for (const l of iniLines('[100]\npin = 1\n', 'mb.ini')) console.log(l.where, l.kind);
 */
export function* iniLines(text: string, file: string): Generator<IniLine> {
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    const where = `${file}:${i + 1}`;
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith(';') || line.startsWith('#')) continue;
    const header = /^\[([^\]]*)\]\s*(?:[;#].*)?$/.exec(line);
    if (header) {
      yield { kind: 'section', where, name: header[1]!.trim() };
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) {
      yield { kind: 'other', where };
      continue;
    }
    yield { kind: 'entry', where, key: line.slice(0, eq).trim(), value: String(unsafe(line.slice(eq + 1).trim())) };
  }
}
