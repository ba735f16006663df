/**
 * The RFC 4475 and RFC 5118 vectors in test/vectors are the bytes their
 * READMEs describe: every file listed in SHA256SUMS is there and hashes as
 * listed, so an editor's line-ending conversion cannot quietly change a
 * torture test.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { vectorsDir } from './support/vectors.js';

function check(dir: string, sums: string): number {
  const lines = readFileSync(join(dir, sums), 'utf8').trim().split('\n');
  for (const line of lines) {
    const [hash, name] = line.split(/\s+\*?/);
    const got = createHash('sha256')
      .update(readFileSync(join(dir, name!)))
      .digest('hex');
    expect(got, name).toBe(hash);
  }
  return lines.length;
}

describe('conformance vectors', () => {
  it('RFC 4475: the 50 archive members and the terminated baddn variant hash as listed', () => {
    expect(check(join(vectorsDir(), 'rfc4475'), 'SHA256SUMS')).toBeGreaterThanOrEqual(50);
  });
  it('RFC 5118: the 12 archive members and their wire forms hash as listed', () => {
    expect(check(join(vectorsDir(), 'rfc5118'), 'SHA256SUMS')).toBe(12);
    expect(check(join(vectorsDir(), 'rfc5118', 'wire'), '../SHA256SUMS.wire')).toBe(12);
  });
});
