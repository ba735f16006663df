/**
 * Ogg Opus files (RFC 7845) through libopus (the optional package
 * @evan/opus, a dependency of the test suite: these tests fail without it).
 */
import { describe, expect, it } from 'vitest';
import { MalformedAudioFileError, UnsupportedAudioEncodingError } from '../../../src/audio/formats/errors.js';
import { readOggStream, oggCrc } from '../../../src/audio/formats/ogg.js';
import { decodeOggOpus, encodeOggOpus } from '../../../src/audio/formats/ogg-opus.js';

function tone(hz: number, n: number, rate: number, amp = 8000): Int16Array {
  return Int16Array.from({ length: n }, (_, i) => Math.round(amp * Math.sin((2 * Math.PI * hz * i) / rate)));
}

/**
 * The SNR of `x` against `ref` at the lag (within ±maxLag samples) that lines
 * them up best, and that lag. libopus's SILK path delays the signal by a
 * few samples more than the lookahead pre-skip removes.
 */
function alignedSnr(ref: Int16Array, x: Int16Array, from: number, maxLag = 8): { snr: number; lag: number } {
  let best = { snr: -Infinity, lag: 0 };
  for (let lag = -maxLag; lag <= maxLag; lag++) {
    let sig = 0;
    let err = 0;
    for (let i = from; i < ref.length - 8; i++) {
      sig += ref[i]! ** 2;
      err += (x[i + lag]! - ref[i]!) ** 2;
    }
    const snr = 10 * Math.log10(sig / Math.max(err, 1));
    if (snr > best.snr) best = { snr, lag };
  }
  return best;
}

/** Rewrite the first packet (OpusHead, alone on page 1) with `edit` and fix the page's CRC. */
function editHead(file: Uint8Array, edit: (head: Uint8Array) => void): Uint8Array {
  const f = file.slice();
  const segs = f[26]!;
  edit(f.subarray(27 + segs, 27 + segs + 19));
  const page = f.slice(0, 27 + segs + 19);
  page.fill(0, 22, 26);
  new DataView(f.buffer).setUint32(22, oggCrc(page), true);
  return f;
}

describe('Ogg Opus files', () => {
  const pcm = tone(1000, 48000 + 123, 48000);
  const file = encodeOggOpus(pcm, { sampleRate: 48000, serial: 42 });

  it('writes OpusHead and OpusTags alone on their pages, then 20 ms packets with 48 kHz granule positions', () => {
    const s = readOggStream(file, 'a.opus');
    const [head, tags, ...audio] = s.packets;
    expect(new TextDecoder().decode(head!.data.subarray(0, 8))).toBe('OpusHead');
    const hv = new DataView(head!.data.buffer, head!.data.byteOffset);
    expect([head!.data[8], head!.data[9], hv.getUint16(10, true), hv.getUint32(12, true), head!.data[18]]).toEqual([
      1, 1, 312, 48000, 0,
    ]);
    expect([head!.page, tags!.page, audio[0]!.page]).toEqual([0, 1, 2]);
    expect(new TextDecoder().decode(tags!.data.subarray(0, 8))).toBe('OpusTags');
    // 48123 samples and 312 of pre-skip need 51 packets of 960; the last page trims to 312 + 48123.
    expect(audio).toHaveLength(51);
    expect(s.lastGranule).toBe(312n + 48123n);
    const granules = audio.filter((p) => p.granule !== undefined).map((p) => p.granule);
    expect(granules).toEqual([48000n, 48435n]); // a page per second
  });

  it('reads its own file back: the same length, lined up, the tone kept', () => {
    const d = decodeOggOpus(file, 'a.opus');
    expect(d.samples.length).toBe(pcm.length);
    expect([d.channels, d.preSkip, d.inputRate, d.vendor, d.packets]).toEqual([1, 312, 48000, 'shtoom', 51]);
    const { snr, lag } = alignedSnr(pcm, d.samples, 960);
    expect(snr).toBeGreaterThan(20);
    expect(Math.abs(lag)).toBeLessThanOrEqual(4); // lined up within 0.1 ms
  });

  it('codes at 16 and 8 kHz too (pre-skip still in 48 kHz samples)', () => {
    for (const rate of [16000, 8000] as const) {
      const src = tone(1000, rate, rate);
      const d = decodeOggOpus(encodeOggOpus(src, { sampleRate: rate, serial: 1 }), 'b.opus');
      expect(d.inputRate).toBe(rate);
      expect(d.preSkip % (48000 / rate)).toBe(0);
      expect(d.samples.length).toBe(48000);
      // Decoded at 48 kHz: every (48000/rate)-th sample lines up with the source.
      const down = Int16Array.from({ length: rate }, (_, i) => d.samples[i * (48000 / rate)]!);
      const { snr, lag } = alignedSnr(src, down, rate / 50, 3); // a 1 kHz period is 8 samples at 8 kHz
      expect(snr).toBeGreaterThan(12);
      expect(Math.abs(lag)).toBeLessThanOrEqual(1);
    }
  });

  it('applies the output gain', () => {
    const loud = decodeOggOpus(file, 'a.opus').samples;
    const quiet = decodeOggOpus(
      editHead(file, (h) => new DataView(h.buffer, h.byteOffset).setInt16(16, -6 * 256, true)),
      'q.opus',
    ).samples;
    expect(quiet[5000]).toBe(Math.round(loud[5000]! * 10 ** (-6 / 20)));
  });

  it('accepts a header version 2-15 (compatible) and refuses 16 with one line', () => {
    expect(
      decodeOggOpus(
        editHead(file, (h) => void (h[8] = 15)),
        'v15.opus',
      ).samples.length,
    ).toBe(pcm.length);
    const run = () =>
      decodeOggOpus(
        editHead(file, (h) => void (h[8] = 16)),
        'v16.opus',
      );
    expect(run).toThrow(UnsupportedAudioEncodingError);
    expect(run).toThrow(/v16\.opus: OpusHead version 16 \(major 1\) is not one shtoom reads/);
  });

  const bad: [string, Uint8Array, RegExp][] = [
    ['mapping family 1', editHead(file, (h) => void (h[18] = 1)), /channel mapping family 1/],
    ['three channels', editHead(file, (h) => void (h[9] = 3)), /OpusHead says 3 channels/],
    ['no OpusHead', editHead(file, (h) => void (h[0] = 0x78)), /first Ogg packet is not an OpusHead/],
    [
      'a corrupt page',
      (() => {
        const f = file.slice();
        f[f.length - 30]! ^= 1;
        return f;
      })(),
      /has CRC 0x[0-9a-f]+, but its contents give/,
    ],
    ['a cut file', file.subarray(0, file.length - 100), /is cut short/],
  ];

  it.each(bad)('refuses %s with one line', (_what, f, message) => {
    const run = () => decodeOggOpus(f, 'x.opus');
    expect(run).toThrow(message);
    try {
      run();
    } catch (err) {
      expect(err instanceof MalformedAudioFileError || err instanceof UnsupportedAudioEncodingError).toBe(true);
      expect((err as Error).message).not.toContain('\n');
    }
  });
});
