/**
 * Wideband calls between two phones in virtual time: G.722 and Opus carry a
 * 6 kHz tone (impossible in any 8 kHz codec) both ways, a recording follows
 * the call's rate, devices of another rate are resampled once, and Opus
 * rebuilds lost packets from the next one's in-band FEC. The control: the
 * same check on a PCMU call finds no 6 kHz tone.
 */
import { describe, expect, it } from 'vitest';
import type { Call } from '../../src/app/call.js';
import type { Phone } from '../../src/app/phone.js';
import type { AudioSink, AudioSource } from '../../src/audio/device.js';
import { ToneSource } from '../../src/audio/devices/generators.js';
import { ToneBin } from '../../src/audio/dsp/tone-bin.js';
import type { CodecId } from '../../src/codecs/codec.js';
import { PhoneWorld } from './support/sim-phones.js';

const A = '10.0.0.1';
const B = '10.0.0.2';
const ALL: readonly CodecId[] = ['g722', 'opus', 'pcmu', 'pcma', 'gsm'];

/** A device of a fixed rate (a sound card behind its backend): a sine at `freq`, no `follow`. */
function fixedSine(freq: number, rate: number): AudioSource {
  let phase = 0;
  const w = (2 * Math.PI * freq) / rate;
  return {
    uri: `fixed:${freq}@${rate}`,
    rate,
    read: (f) => {
      if (f.length !== rate / 50) throw new Error(`asked for ${f.length} samples at ${rate} Hz`);
      for (let i = 0; i < f.length; i++) {
        f[i] = Math.round(8000 * Math.sin(phase));
        phase += w;
      }
      phase %= 2 * Math.PI;
      return true;
    },
    close: async () => {},
  };
}

/** A recorder: of a fixed rate, or following the call's (as a WAV file does before its first frame). */
class Recorder implements AudioSink {
  readonly uri = 'recorder:';
  private readonly chunks: Int16Array[] = [];
  constructor(
    public rate: number,
    private readonly follows: boolean,
  ) {}
  follow(rate: number): void {
    if (this.follows && this.chunks.length === 0) this.rate = rate;
  }
  write(frame: Int16Array): void {
    if (frame.length !== this.rate / 50) throw new Error(`given ${frame.length} samples at ${this.rate} Hz`);
    this.chunks.push(frame.slice());
  }
  async close(): Promise<void> {}
  /**
   * Seconds (in 25 ms blocks) in which `freq` sounds at an amplitude of at
   * least `min`; a frequency this recording's rate cannot hold is never found.
   */
  seconds(freq: number, min = 2000): number {
    if (freq >= this.rate / 2) return 0;
    const x = new Int16Array(this.chunks.length * (this.rate / 50));
    for (const [i, c] of this.chunks.entries()) x.set(c, i * c.length);
    const n = this.rate / 40;
    const bin = new ToneBin(freq, this.rate, n);
    let blocks = 0;
    for (let i = 0; i + n <= x.length; i += n) {
      bin.measure(x, i);
      if (bin.amplitude() >= min) blocks++;
    }
    return blocks / 40;
  }
}

async function wideCall(seed: number, codec: CodecId, net: { loss?: number } = {}) {
  const world = new PhoneWorld(seed);
  world.net.setProfile({ delayMs: 15, ...net });
  const alice: Phone = await world.phone(A, { codecs: ALL });
  const bob: Phone = await world.phone(B, { codecs: ALL });
  // Alice: a 16 kHz device each way (no follow: resampled when the call is not 16 kHz).
  const aSink = new Recorder(16000, false);
  // Bob: a tone generator and a recorder that both follow the call's rate.
  const bSink = new Recorder(8000, true);
  let callee: Call | undefined;
  bob.on('incoming', (c) => {
    callee = c;
    void c.answer({ source: new ToneSource('tone:5000', [5000], -12), sink: bSink });
  });
  const call = alice.call(`sip:bob@${B}`, { source: fixedSine(6000, 16000), sink: aSink, codecs: [codec] });
  const info = await world.until(call.answered);
  await world.run(5000);
  const stats = call.stats()!;
  const calleeStats = callee!.stats()!;
  await world.until(call.hangup());
  await world.until(Promise.all([alice.close(), bob.close()]));
  return { info, aSink, bSink, stats, calleeStats };
}

describe('wideband calls (virtual time)', () => {
  it.each(['g722', 'opus'] as const)(
    '%s: a 6 kHz tone goes both ways and the recording keeps 16 kHz',
    async (codec) => {
      const { info, aSink, bSink } = await wideCall(3, codec);
      expect(info.codec).toBe(codec === 'g722' ? 'G722' : 'opus');
      expect(bSink.rate).toBe(16000); // the recorder followed the call's rate
      expect(bSink.seconds(6000)).toBeGreaterThan(4.5);
      expect(aSink.seconds(5000)).toBeGreaterThan(4.5);
      expect(aSink.seconds(6000)).toBe(0); // never its own tone
    },
  );

  it('PCMU (the control): the same check finds no 6 kHz tone either way', async () => {
    const { info, aSink, bSink } = await wideCall(3, 'pcmu');
    expect(info.codec).toBe('PCMU');
    expect(bSink.rate).toBe(8000);
    expect(bSink.seconds(6000)).toBe(0);
    expect(aSink.seconds(5000)).toBe(0);
    // …while the call itself works: a tone an 8 kHz call carries is heard.
  });

  it('PCMU carries what 8 kHz can: 3 kHz through a 16 kHz device, resampled once each way', async () => {
    const world = new PhoneWorld(5);
    world.net.setProfile({ delayMs: 15 });
    const alice = await world.phone(A, { codecs: ALL });
    const bob = await world.phone(B, { codecs: ['pcmu'] });
    const aSink = new Recorder(16000, false);
    const bSink = new Recorder(8000, true);
    bob.on('incoming', (c) => void c.answer({ source: new ToneSource('tone:1000', [1000], -12), sink: bSink }));
    const call = alice.call(`sip:bob@${B}`, { source: fixedSine(3000, 16000), sink: aSink });
    expect((await world.until(call.answered)).codec).toBe('PCMU');
    await world.run(3000);
    await world.until(call.hangup());
    expect(bSink.seconds(3000)).toBeGreaterThan(2.5);
    expect(aSink.seconds(1000)).toBeGreaterThan(2.5);
    await world.until(Promise.all([alice.close(), bob.close()]));
  });

  it('Opus through 8 % loss: lost packets rebuilt from in-band FEC are counted, the tone stays', async () => {
    const { stats, calleeStats, bSink, aSink } = await wideCall(11, 'opus', { loss: 0.08 });
    expect(stats.received.lost + calleeStats.received.lost).toBeGreaterThan(10);
    expect(stats.playout!.recovered + calleeStats.playout!.recovered).toBeGreaterThan(5);
    expect(bSink.seconds(6000)).toBeGreaterThan(4);
    expect(aSink.seconds(5000)).toBeGreaterThan(4);
  });
});

describe('DTMF in wideband calls (virtual time)', () => {
  it.each(['pcmu', 'g722', 'opus'] as const)('%s: RFC 4733 events and in-band tones', async (codec) => {
    const world = new PhoneWorld(8);
    world.net.setProfile({ delayMs: 15 });
    const alice = await world.phone(A, { codecs: ALL });
    const bob = await world.phone(B, { codecs: ALL });
    const heardByBob: string[] = [];
    let callee: Call | undefined;
    bob.on('incoming', (c) => {
      callee = c;
      c.on('dtmf', (d) => heardByBob.push(`${d.how}:${d.digit}`));
      void c.answer();
    });
    const call = alice.call(`sip:bob@${B}`, { codecs: [codec] });
    const info = await world.until(call.answered);
    expect(info.telephoneEvent).toBe(true);
    await world.run(500);
    // In-band first: a phone listens for tones only until RFC 4733 events arrive.
    await world.until(call.sendDtmf('3', 'inband'));
    await world.run(500);
    await world.until(call.sendDtmf('12', 'rfc4733'));
    await world.run(1000);
    expect(heardByBob).toEqual(['inband:3', 'rfc4733:1', 'rfc4733:2']);
    expect(callee).toBeDefined();
    await world.until(call.hangup());
    await world.until(Promise.all([alice.close(), bob.close()]));
  });
});
