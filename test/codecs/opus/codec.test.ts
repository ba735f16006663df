/**
 * Opus through libopus (the optional package @evan/opus, a dependency of
 * the test suite: these tests fail, not skip, without it).
 */
import { describe, expect, it } from 'vitest';
import { CodecFrameError, CodecInputError } from '../../../src/codecs/errors.js';
import { OPUS, opusCodec } from '../../../src/codecs/opus.js';
import { OPUS as OPUS_CTL } from '../../../src/codecs/opus/libopus.js';
import { OpusFrameDecoder, OpusFrameEncoder, parseOpusPacket } from '../../../src/codecs/opus/index.js';
import { Random } from '../../../src/sim/random.js';

function tone(hz: number, n: number, rate: number, amp = 8000): Int16Array {
  return Int16Array.from({ length: n }, (_, i) => Math.round(amp * Math.sin((2 * Math.PI * hz * i) / rate)));
}

/** Voiced-speech-like 48 kHz signal: a gliding pitch with harmonics under a syllable envelope, and some noise. */
function speech48k(seconds: number, seed: number): Int16Array {
  const rnd = new Random(seed);
  let phase = 0;
  return Int16Array.from({ length: seconds * 48000 }, (_, i) => {
    const t = i / 48000;
    phase += (2 * Math.PI * (140 + 50 * Math.sin(2 * Math.PI * 0.9 * t))) / 48000;
    let v = 0;
    for (let h = 1; h <= 20; h++) v += Math.sin(h * phase) / h;
    return Math.round(9000 * (0.3 + Math.max(0, Math.sin(2 * Math.PI * 2.7 * t)) ** 2) * v + 200 * rnd.next());
  });
}

function powerAt(x: Int16Array, hz: number, rate: number): number {
  const k = 2 * Math.cos((2 * Math.PI * hz) / rate);
  let s1 = 0;
  let s2 = 0;
  for (const v of x) {
    const s = v + k * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  return (s1 * s1 + s2 * s2 - k * s1 * s2) / x.length;
}

function snr(ref: Int16Array, x: Int16Array): number {
  let sig = 0;
  let err = 0;
  for (let i = 0; i < ref.length; i++) {
    sig += ref[i]! ** 2;
    err += (x[i]! - ref[i]!) ** 2;
  }
  return 10 * Math.log10(sig / Math.max(err, 1));
}

describe('the Opus codec', () => {
  it('has the RTP facts of RFC 7587: opus/48000/2, dynamic PT, 48 kHz clock, 20 ms = 960 ticks', () => {
    expect([OPUS.name, OPUS.id, OPUS.payloadType, OPUS.dynamicPayloadType]).toEqual(['opus', 'opus', 111, true]);
    expect([OPUS.clockRate, OPUS.channels, OPUS.sampleRate]).toEqual([48000, 2, 48000]);
    expect([OPUS.samplesPerFrame, OPUS.ticksPerFrame, OPUS.frameMs, OPUS.sampleBased]).toEqual([960, 960, 20, false]);
    expect(OPUS.fmtp).toBe(
      'maxplaybackrate=48000; sprop-maxcapturerate=48000; stereo=0; sprop-stereo=0; useinbandfec=1',
    );
    expect(OPUS.payloadSamples(100)).toBeUndefined();
    expect(OPUS.unavailable()).toBeUndefined();
    const at16k = opusCodec({ sampleRate: 16000, payloadType: 96 });
    expect([at16k.sampleRate, at16k.clockRate, at16k.samplesPerFrame, at16k.ticksPerFrame]).toEqual([
      16000, 48000, 320, 960,
    ]);
    expect(at16k.fmtp).toMatch(/^maxplaybackrate=16000; sprop-maxcapturerate=16000;/);
  });

  it('encodes 20 ms into one packet whose TOC says 20 ms, and decodes it to 20 ms, into caller buffers', () => {
    const enc = OPUS.createEncoder();
    const dec = OPUS.createDecoder();
    const buf = new Uint8Array(OPUS.bytesPerFrame);
    const pcm = new Int16Array(960);
    const packet = enc.encode(tone(1000, 960, 48000), buf);
    expect(packet.buffer).toBe(buf.buffer);
    expect(packet.length).toBeGreaterThan(2);
    expect(OPUS.samplesIn(packet)).toBe(960);
    expect(dec.decode(packet, pcm)).toBe(pcm);
    expect(opusCodec({ sampleRate: 16000 }).samplesIn(packet)).toBe(320);
    expect(() => enc.encode(new Int16Array(1000))).toThrow(/1000 samples at 48000 Hz are not one Opus frame/);
  });

  it('keeps a 1 kHz tone and a 6 kHz tone (wideband) within 2 dB', () => {
    for (const hz of [1000, 6000]) {
      const x = tone(hz, 48000, 48000);
      const enc = new OpusFrameEncoder();
      const dec = new OpusFrameDecoder();
      const y = new Int16Array(48000);
      for (let f = 0; f < 50; f++) y.set(dec.decode(enc.encode(x.subarray(f * 960, f * 960 + 960))), f * 960);
      const gain = 10 * Math.log10(powerAt(y.subarray(9600), hz, 48000) / powerAt(x.subarray(9600), hz, 48000));
      expect(Math.abs(gain), `${hz} Hz`).toBeLessThan(2);
    }
  });

  it('follows the peer fmtp: FEC, bandwidth, bit rate and CBR (RFC 7587 7.1)', () => {
    const plain = new OpusFrameEncoder().settings;
    expect(plain).toMatchObject({ bitrate: 32000, fec: false, packetLossPercent: 0, vbr: true });
    const enc = OPUS.createEncoder('useinbandfec=1; maxplaybackrate=16000; maxaveragebitrate=20000; cbr=1');
    expect((enc as OpusFrameEncoder).settings).toEqual({
      bitrate: 20000,
      fec: true,
      packetLossPercent: 10,
      maxBandwidth: OPUS_CTL.BANDWIDTH_WIDEBAND,
      vbr: false,
    });
    // What it sends is at most wideband, whatever it is fed.
    const x = speech48k(1, 3);
    for (let f = 0; f < 50; f++) {
      const p = parseOpusPacket(enc.encode(x.subarray(f * 960, f * 960 + 960)));
      expect(p.ok && ['nb', 'mb', 'wb'].includes(p.info.bandwidth)).toBe(true);
    }
  });

  it('rebuilds a lost packet from the next one with in-band FEC, much better than concealment does', () => {
    const x = speech48k(2, 9);
    const frames = 100;
    const encode = (fec: boolean) => {
      const enc = new OpusFrameEncoder({ fec, packetLossPercent: 20, bitrate: 32000 });
      return Array.from({ length: frames }, (_, f) => enc.encode(x.subarray(f * 960, f * 960 + 960)));
    };
    const withFec = encode(true);
    const withoutFec = encode(false);
    const lose = 60;
    const run = (packets: Uint8Array[], recover: 'fec' | 'plc') => {
      const full = new OpusFrameDecoder();
      const lossy = new OpusFrameDecoder();
      let ref: Int16Array = new Int16Array(0);
      let got: Int16Array = new Int16Array(0);
      for (let f = 0; f < frames; f++) {
        const all = full.decode(packets[f]!);
        if (f === lose) ref = all;
        if (f === lose) continue;
        if (f === lose + 1) got = recover === 'fec' ? lossy.decodeFec(packets[f]!, 960) : lossy.conceal(960);
        lossy.decode(packets[f]!);
      }
      return { ref, got };
    };
    const fec = run(withFec, 'fec');
    const plc = run(withFec, 'plc');
    expect(fec.got).toHaveLength(960);
    expect(snr(fec.ref, fec.got)).toBeGreaterThan(snr(plc.ref, plc.got) + 6);
    expect(snr(fec.ref, fec.got)).toBeGreaterThan(10);
    // Without FEC data in the next packet, libopus conceals: the same samples as conceal().
    const noFec = run(withoutFec, 'fec');
    const noFecPlc = run(withoutFec, 'plc');
    expect(noFec.got).toEqual(noFecPlc.got);
  });

  it('conceals a lost packet with audio, not silence, and checks the duration asked for', () => {
    const x = tone(440, 960 * 10, 48000);
    const enc = new OpusFrameEncoder();
    const dec = new OpusFrameDecoder();
    for (let f = 0; f < 10; f++) dec.decode(enc.encode(x.subarray(f * 960, f * 960 + 960)));
    const plc = dec.conceal(960);
    expect(powerAt(plc, 440, 48000)).toBeGreaterThan(powerAt(x, 440, 48000) / 100);
    expect(() => dec.conceal(1000)).toThrow(CodecInputError);
    expect(() => dec.conceal(0)).toThrow(CodecInputError);
    expect(() => dec.conceal(5761)).toThrow(CodecInputError);
  });

  it('refuses malformed packets with CodecFrameError naming the rule', () => {
    const dec = OPUS.createDecoder();
    expect(() => dec.decode(new Uint8Array(0))).toThrow(CodecFrameError);
    expect(() => dec.decode(Uint8Array.of((31 << 3) | 1, 1, 2, 3))).toThrow(/R3/);
    expect(OPUS.samplesIn(new Uint8Array(0))).toBeUndefined();
  });

  it('decodes random bytes without crashing: a packet or a CodecFrameError', () => {
    const rnd = new Random(6716);
    const dec = new OpusFrameDecoder();
    let decoded = 0;
    for (let i = 0; i < 2000; i++) {
      const p = Uint8Array.from({ length: 1 + rnd.int(200) }, () => rnd.int(256));
      try {
        const pcm = dec.decode(p);
        expect(pcm.length).toBe(OPUS.samplesIn(p));
        decoded++;
      } catch (err) {
        expect(err).toBeInstanceOf(CodecFrameError);
      }
    }
    expect(decoded).toBeGreaterThan(100);
  });
});
