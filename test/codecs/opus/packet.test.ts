import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseOpusPacket } from '../../../src/codecs/opus/packet.js';

const info = (bytes: number[]) => {
  const r = parseOpusPacket(Uint8Array.from(bytes));
  if (!r.ok) throw new Error(r.problem);
  return r.info;
};
const problem = (bytes: number[]) => {
  const r = parseOpusPacket(Uint8Array.from(bytes));
  return r.ok ? undefined : r.problem;
};

describe('Opus packet framing (RFC 6716 3)', () => {
  it('reads the TOC: config, mode, bandwidth, stereo and frame size (Table 2)', () => {
    // config 1: SILK NB 20 ms; config 13: hybrid SWB 20 ms; config 31: CELT FB 20 ms; config 16: CELT NB 2.5 ms.
    expect(info([(1 << 3) | 0, 0xaa])).toMatchObject({ mode: 'silk', bandwidth: 'nb', frames: 1, samples: 960 });
    expect(info([(13 << 3) | 4])).toMatchObject({ mode: 'hybrid', bandwidth: 'swb', stereo: true, samples: 960 });
    expect(info([(31 << 3) | 0, 1, 2])).toMatchObject({ mode: 'celt', bandwidth: 'fb', frameSamples: 960 });
    expect(info([(16 << 3) | 0])).toMatchObject({ bandwidth: 'nb', frameSamples: 120 });
    expect(info([(3 << 3) | 0])).toMatchObject({ frameSamples: 2880 });
  });

  it('counts frames for codes 0-3', () => {
    expect(info([(31 << 3) | 1, 1, 2, 3, 4]).frames).toBe(2);
    expect(info([(31 << 3) | 2, 1, 9, 8, 7]).frames).toBe(2);
    // Code 3, CBR, 3 frames of 2 bytes each.
    expect(info([(31 << 3) | 3, 3, 1, 1, 2, 2, 3, 3])).toMatchObject({ frames: 3, samples: 2880 });
    // Code 3, VBR with padding: 2 frames, 2 bytes of padding, first frame 1 byte.
    expect(info([(31 << 3) | 3, 0x80 | 0x40 | 2, 2, 1, 0xaa, 0xbb, 0xcc, 0, 0]).frames).toBe(2);
    // A frame length of 252 or more takes two bytes: 4·1 + 252 = 256.
    expect(info([(31 << 3) | 2, 252, 1, ...new Array<number>(256 + 5).fill(0)]).frames).toBe(2);
  });

  it('refuses what breaks R1-R7 of 3.4, naming the rule', () => {
    expect(problem([])).toMatch(/R1/);
    expect(problem([(31 << 3) | 0, ...new Array<number>(1276).fill(0)])).toMatch(/R2/);
    expect(problem([(31 << 3) | 1, 1, 2, 3])).toMatch(/R3/);
    expect(problem([(31 << 3) | 2, 5, 1])).toMatch(/R4/);
    expect(problem([(31 << 3) | 2])).toMatch(/R4/);
    expect(problem([(31 << 3) | 3, 0])).toMatch(/R5/);
    expect(problem([(3 << 3) | 3, 3])).toMatch(/R5: at most 120 ms/);
    expect(problem([(31 << 3) | 3, 3, 1, 2, 3, 4])).toMatch(/R6/);
    expect(problem([(31 << 3) | 3, 0x40 | 1, 200])).toMatch(/padding/);
    expect(problem([(31 << 3) | 3, 0x80 | 2, 9, 1])).toMatch(/R7/);
    expect(problem([(31 << 3) | 3])).toMatch(/frame count/);
  });

  it('never throws, and never claims more than 120 ms (fuzzed)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        const r = parseOpusPacket(bytes);
        if (r.ok) {
          expect(r.info.samples).toBeLessThanOrEqual(5760);
          expect(r.info.frames).toBeGreaterThan(0);
        } else expect(r.problem.length).toBeGreaterThan(0);
      }),
      { numRuns: 3000 },
    );
  });
});
