/**
 * spandsp's G.722 output pinned by hash: `g722_encode` (64 kbit/s, 16 kHz)
 * of the integer corpus and `g722_decode` of random code words, one hash
 * per second, so a failure names the second where shtoom first departs from
 * spandsp. The interop suite (test/interop/codecs-g722.test.ts) runs
 * spandsp itself on a larger corpus, both directions.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { G722Decoder, G722Encoder } from '../../../src/codecs/g722/index.js';
import { Random } from '../../../src/sim/random.js';
import { integerCorpus } from '../support/integer-corpus.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const perSecond = (b: Uint8Array, size: number) => {
  const out: string[] = [];
  for (let i = 0; i < b.length; i += size) out.push(sha(b.subarray(i, i + size)).slice(0, 16));
  return out;
};

/** `n` random code words: every byte is one. */
function randomG722Codes(n: number, seed: number): Uint8Array {
  const rnd = new Random(seed);
  return Uint8Array.from({ length: n }, () => rnd.int(256));
}

describe('G.722 against pinned spandsp output', () => {
  it('encodes the integer corpus (as 16 kHz: 7 s, full-scale square and noise included) as g722_encode does', () => {
    const pcm = integerCorpus();
    const bytes = new G722Encoder().encode(pcm);
    expect(bytes.length).toBe(56000);
    expect(perSecond(bytes, 8000)).toEqual([
      'da8b8478daaf38a2',
      'f2885d57b004f868',
      '506a4a621086b33d',
      '1dd7ad1db339e6f1',
      '39bc1d7c6253f063',
      '577df2538836e10a',
      '65858c4a51507655',
    ]);
    expect(sha(bytes)).toBe('cfec6ab6c97cb74907b3d9e5d763b92d0ccefb269cae61de39488387bad66584');
  });

  it('decodes 5 s of random code words as g722_decode does (output beyond full scale wraps)', () => {
    const pcm = new G722Decoder().decode(randomG722Codes(40000, 722));
    const bytes = new Uint8Array(pcm.buffer);
    expect(perSecond(bytes, 32000)).toEqual([
      '82c0fbc13130e9b4',
      '04b8f6d099914007',
      '021f8cafc7ebb764',
      'f227a2ca467e4347',
      'f618544b09b32df6',
    ]);
    expect(sha(bytes)).toBe('bddb455c372b013e0d6b23d025734325553a635151d4029a8369a0f862e87bd1');
  });
});
