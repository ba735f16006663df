/**
 * libgsm's output pinned by hash: `toast -l -c` of the integer corpus and
 * `untoast -l -c` of random frames, one hash per second (50 frames), so a
 * failure names the second where shtoom first departs from libgsm. The
 * interop suite (test/interop/codecs-gsm.test.ts) compares with libgsm
 * itself on a much larger corpus.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Gsm610Decoder, Gsm610Encoder } from '../../../src/codecs/gsm610/index.js';
import { integerCorpus, randomGsmFrames } from '../support/integer-corpus.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const perSecond = (b: Uint8Array, size: number) => {
  const out: string[] = [];
  for (let i = 0; i < b.length; i += size) out.push(sha(b.subarray(i, i + size)).slice(0, 16));
  return out;
};

describe('GSM 06.10 against pinned libgsm output', () => {
  it('encodes the integer corpus as toast -l -c does', () => {
    const pcm = integerCorpus();
    expect(pcm.length).toBe(112000);
    const bytes = new Gsm610Encoder().encode(pcm);
    expect(perSecond(bytes, 33 * 50)).toEqual([
      '2716c40766a45fb6',
      '0e4836dd960b65c9',
      '383d2f2c992a3556',
      '0057658efd1b5d2a',
      '8c516b78cbebbb77',
      'd152033f6dc9dc32',
      '9d5055ae64794beb',
      '0d620e7169dae742',
      '35cdea717b0c4ed4',
      '9d86b5271ac5865c',
      'a23b3856c0c84036',
      'c23bc1efa5342b48',
      'c774de1d16845fc2',
      '930c43ef2cb2cbaa',
    ]);
    expect(sha(bytes)).toBe('8fc83ee8e603b61e5819651a3b3aadae8349efad7e1a866bb1ea04ee71b46f57');
  });

  it('decodes random frames as untoast -l -c does', () => {
    const pcm = new Gsm610Decoder().decode(randomGsmFrames(500, 11));
    const bytes = new Uint8Array(pcm.buffer);
    expect(perSecond(bytes, 320 * 50)).toEqual([
      '7adbaef360566dd8',
      'f8cf26520cf1cb1f',
      '0a416a88f4899a76',
      '9d61ba093a6d841f',
      'ef90a43a85546ab0',
      '3a8211093d75959e',
      '908f0d864a4c42d4',
      'a645827e76fa2a23',
      '62787abebc1cac59',
      'e643c513ec984fe7',
    ]);
    expect(sha(bytes)).toBe('b6766ce18e542c1134e544f38459221b3548df2e463e427777354e87bd802012');
  });
});
