/**
 * The shared conformance vectors (RFC 4475, RFC 5118, PROTOS c07-sip), read
 * where they live: `<repository>/../shared/vectors`, or $SHTOOM_VECTORS_DIR.
 * A missing directory fails the test that asks for it.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export function vectorsDir(): string {
  const dir = process.env.SHTOOM_VECTORS_DIR ?? join(ROOT, '..', 'shared', 'vectors');
  if (!existsSync(dir)) throw new Error(`test vectors not found at ${dir} (set SHTOOM_VECTORS_DIR)`);
  return dir;
}

export interface Vector {
  readonly name: string;
  readonly class: 'valid' | 'invalid' | 'n/a';
  readonly expected: string;
  readonly section: string;
  readonly bytes: Buffer;
}

/** Every vector of a suite (`rfc4475`, `rfc5118`), with its expected.tsv row. `wire` picks RFC 5118's wire/ forms. */
export function vectors(suite: 'rfc4475' | 'rfc5118', form: 'archive' | 'wire' = 'archive'): Vector[] {
  const dir = join(vectorsDir(), suite);
  const rows = readFileSync(join(dir, 'expected.tsv'), 'utf8').trim().split('\n').slice(1);
  const out: Vector[] = [];
  for (const row of rows) {
    const [name, cls, expected, section] = row.split('\t');
    const file =
      suite === 'rfc4475'
        ? join(dir, `${name}.dat`)
        : form === 'wire'
          ? join(dir, 'wire', `${name}.dat`)
          : join(dir, name!);
    out.push({
      name: name!,
      class: cls as Vector['class'],
      expected: expected!,
      section: section!,
      bytes: readFileSync(file),
    });
  }
  return out;
}

export function vector(suite: 'rfc4475' | 'rfc5118', name: string, form: 'archive' | 'wire' = 'archive'): Buffer {
  const v = vectors(suite, form).find((x) => x.name === name);
  if (!v) throw new Error(`no vector ${suite}/${name}`);
  return v.bytes;
}

/** RFC 4475's baddn with its final empty line (variants/), for stream transports. */
export function baddnTerminated(): Buffer {
  return readFileSync(join(vectorsDir(), 'rfc4475', 'variants', 'baddn.terminated.dat'));
}

/** The PROTOS c07-sip case files, sorted. */
export function protosCases(): { name: string; path: string }[] {
  const dir = join(vectorsDir(), 'protos-c07-sip', 'cases');
  return readdirSync(dir)
    .sort()
    .map((name) => ({ name, path: join(dir, name) }));
}
