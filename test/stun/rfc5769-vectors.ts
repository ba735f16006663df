/** Reads the RFC 5769 vector files of test/vectors/rfc5769 (hex bytes, then the RFC's notes). */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Vector {
  readonly bytes: Uint8Array;
  readonly params: Readonly<Record<string, string>>;
  /** The padding byte the vector uses. */
  readonly padding: number;
}

const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'vectors', 'rfc5769');

export function readVector(name: string): Vector {
  const params: Record<string, string> = {};
  const bytes: number[] = [];
  for (const line of readFileSync(join(DIR, name), 'utf8').split('\n')) {
    const p = /^#\s*([a-z-]+):\s*(.*)$/.exec(line);
    if (p) {
      params[p[1]!] = p[2]!.replace(/\\u([0-9A-Fa-f]{4})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
      continue;
    }
    for (const tok of line.trim().split(/\s+/)) {
      if (!/^[0-9a-f]{2}$/.test(tok)) break;
      bytes.push(parseInt(tok, 16));
    }
  }
  return { bytes: Uint8Array.from(bytes), params, padding: Number(params.padding ?? '0') };
}
