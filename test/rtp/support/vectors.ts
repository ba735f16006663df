/** Reads the hex vector files beside the RTP tests: `# comment` lines, then hex bytes (whitespace ignored). */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'vectors');

export function vector(name: string): Uint8Array {
  const text = readFileSync(join(DIR, name), 'utf8')
    .split('\n')
    .filter((l) => !l.trim().startsWith('#'))
    .join('')
    .replace(/\s+/g, '');
  if (!/^([0-9a-f]{2})*$/i.test(text)) throw new Error(`${name}: not hex`);
  return Uint8Array.from(text.match(/../g) ?? [], (h) => parseInt(h, 16));
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}
