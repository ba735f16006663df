/**
 * The SIP conformance vectors: RFC 4475 and RFC 5118 from the project's own
 * `test/vectors/` (IETF code components), and the PROTOS c07-sip suite (GPL
 * test data, not part of the repository) from `$SHTOOM_PROTOS_DIR`, by default
 * `../shared/vectors/protos-c07-sip` beside the repository. A missing
 * directory fails the test that asks for it.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The project's own vectors. */
export function vectorsDir(): string {
  return join(ROOT, 'test', 'vectors');
}

/** The PROTOS c07-sip suite's folder (it holds `cases/`). */
export function protosDir(): string {
  const dir = process.env.SHTOOM_PROTOS_DIR ?? join(ROOT, '..', 'shared', 'vectors', 'protos-c07-sip');
  if (!existsSync(join(dir, 'cases'))) {
    throw new Error(`PROTOS c07-sip cases not found in ${dir} (set SHTOOM_PROTOS_DIR to the suite's folder)`);
  }
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
  const dir = join(protosDir(), 'cases');
  return readdirSync(dir)
    .sort()
    .map((name) => ({ name, path: join(dir, name) }));
}
