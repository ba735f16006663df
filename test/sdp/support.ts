import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DIR = join(dirname(fileURLToPath(import.meta.url)), 'vectors');

export function sdpVector(name: string): string {
  return readFileSync(join(DIR, name), 'utf8');
}

export function sdpVectorNames(prefix: string): string[] {
  return readdirSync(DIR).filter((f) => f.startsWith(prefix) && f.endsWith('.sdp'));
}
