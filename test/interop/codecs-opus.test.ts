/**
 * Opus against Debian's native libopus (1.3.1, libopus-dev), both ways, on
 * a corpus this test makes itself at 48 and 16 kHz (espeak-ng speech, sine
 * sweeps, noise, clipping): packets shtoom encodes decode in libopus to
 * what shtoom's own decoder makes of them, and libopus's packets decode in
 * shtoom to what libopus makes of them, within a few steps of 16 bits (the
 * two builds round floating point differently); most packets are even
 * identical, libopus 1.3.1 being inside both. Then in-band FEC on libopus's
 * packets of speech: every tenth packet lost, each rebuilt by shtoom from
 * the next packet, counted, and compared with concealment.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpusFrameDecoder, OpusFrameEncoder, type OpusSampleRate } from '../../src/codecs/opus/index.js';
import { clippedSine, concat, pinkNoise, sineSweep, whiteNoise } from '../codecs/support/signals.js';
import { buildHarness, runTool, samplesOf } from './support/codecs.js';

let dir: string;
let harness: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'shtoom-opus-interop-'));
  harness = buildHarness(dir, 'opus-harness.c', 'opus', 'libopus-dev');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function speech(rate: number): Int16Array {
  const wav = join(dir, 'speech.wav');
  runTool('espeak-ng', ['-v', 'en-us', '-s', '150', '-w', wav, 'Press one for sales, press two for support.']);
  const raw = runTool('sox', [
    '-D',
    wav,
    ...['-t', 'raw', '-r', String(rate), '-c', '1', '-b', '16', '-e', 'signed-integer', '-L', '-'],
  ]);
  return samplesOf(raw);
}

function corpus(rate: number): Int16Array {
  const all = concat([
    speech(rate),
    sineSweep(3, 50, rate / 2 - 200, 20000, rate),
    whiteNoise(1, 8000, 1, rate),
    pinkNoise(1, 20000, 2, rate),
    clippedSine(1, 440, 4, rate),
    new Int16Array(rate / 2),
  ]);
  return all.subarray(0, all.length - (all.length % (rate / 50)));
}

/** Packets as the harness stores them: each after a 2-byte little-endian length. */
function framed(packets: readonly Uint8Array[]): Uint8Array {
  return Buffer.concat(packets.flatMap((p) => [Buffer.of(p.length & 0xff, p.length >> 8), Buffer.from(p)]));
}

function unframed(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at + 2 <= bytes.length; ) {
    const n = bytes[at]! | (bytes[at + 1]! << 8);
    out.push(bytes.subarray(at + 2, at + 2 + n));
    at += 2 + n;
  }
  return out;
}

function nativeEncode(pcm: Int16Array, rate: number, fec: boolean): Uint8Array[] {
  const inFile = join(dir, 'in.raw');
  const out = join(dir, 'native.pkts');
  writeFileSync(inFile, new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength));
  runTool(harness, ['enc', inFile, out, String(rate), '32000', fec ? '1' : '0', fec ? '20' : '0']);
  return unframed(readFileSync(out));
}

function nativeDecode(packets: readonly Uint8Array[], rate: number): Int16Array {
  const inFile = join(dir, 'in.pkts');
  const out = join(dir, 'native.raw');
  writeFileSync(inFile, framed(packets));
  runTool(harness, ['dec', inFile, out, String(rate)]);
  return samplesOf(readFileSync(out));
}

function ourDecode(packets: readonly Uint8Array[], rate: OpusSampleRate): Int16Array {
  const dec = new OpusFrameDecoder({ sampleRate: rate });
  return concat(packets.map((p) => dec.decode(p)));
}

function maxDiff(a: Int16Array, b: Int16Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function rms(x: Int16Array): number {
  let s = 0;
  for (const v of x) s += v * v;
  return Math.sqrt(s / x.length);
}

describe('Opus against native libopus', () => {
  for (const rate of [48000, 16000] as const) {
    it(`${rate / 1000} kHz: shtoom's packets decode in libopus as in shtoom, and most are libopus's own`, () => {
      const pcm = corpus(rate);
      const frame = rate / 50;
      for (const fec of [false, true]) {
        const enc = new OpusFrameEncoder({ sampleRate: rate, bitrate: 32000, fec, packetLossPercent: fec ? 20 : 0 });
        const ours = Array.from({ length: pcm.length / frame }, (_, f) =>
          enc.encode(pcm.subarray(f * frame, f * frame + frame)).slice(),
        );
        const theirs = nativeDecode(ours, rate);
        const mine = ourDecode(ours, rate);
        expect(maxDiff(mine, theirs), `fec ${fec}`).toBeLessThanOrEqual(4);
        expect(rms(theirs)).toBeGreaterThan(rms(pcm) / 4);
        const native = nativeEncode(pcm, rate, fec);
        expect(native).toHaveLength(ours.length);
        const same = native.filter((p, i) => Buffer.from(p).equals(ours[i]!)).length;
        // Once the two builds round one value apart their states part ways for a while; most packets still match.
        expect(same / ours.length, `fec ${fec}: identical packets`).toBeGreaterThan(0.5);
      }
    });

    it(`${rate / 1000} kHz: libopus's packets decode in shtoom as in libopus`, () => {
      const pcm = corpus(rate);
      const native = nativeEncode(pcm, rate, true);
      expect(maxDiff(ourDecode(native, rate), nativeDecode(native, rate))).toBeLessThanOrEqual(4);
    });
  }

  it("rebuilds libopus's lost packets from their successors' in-band FEC, far better than concealment", () => {
    const rate = 48000;
    const one = speech(rate);
    const pcm = concat([one, one, one]).subarray(0, 3 * one.length - ((3 * one.length) % 960));
    const packets = nativeEncode(pcm, rate, true);
    const reference = ourDecode(packets, rate);
    const fecDec = new OpusFrameDecoder({ sampleRate: rate });
    const plcDec = new OpusFrameDecoder({ sampleRate: rate });
    let fecErr = 0;
    let plcErr = 0;
    let signal = 0;
    let recovered = 0;
    for (let f = 0; f < packets.length; f++) {
      if (f % 10 === 5 && f + 1 < packets.length) {
        // Lost: rebuilt from the next packet's FEC, or concealed.
        const ref = reference.subarray(f * 960, f * 960 + 960);
        const fec = fecDec.decodeFec(packets[f + 1]!, 960);
        const plc = plcDec.conceal(960);
        for (let i = 0; i < 960; i++) {
          signal += ref[i]! ** 2;
          fecErr += (fec[i]! - ref[i]!) ** 2;
          plcErr += (plc[i]! - ref[i]!) ** 2;
        }
        recovered++;
        continue;
      }
      fecDec.decode(packets[f]!);
      plcDec.decode(packets[f]!);
    }
    expect(recovered).toBeGreaterThan(40);
    const fecSnr = 10 * Math.log10(signal / fecErr);
    const plcSnr = 10 * Math.log10(signal / plcErr);
    expect(fecSnr, `FEC ${fecSnr.toFixed(1)} dB, PLC ${plcSnr.toFixed(1)} dB`).toBeGreaterThan(plcSnr + 6);
  });
});
