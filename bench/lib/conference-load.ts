/**
 * The conference load of the project's load generator: participant i is in
 * room i / 10; in every room participants 1-3 talk (a tone each, 600, 1000
 * and 1400 Hz, −16 dBFS) and the rest send silence, as a conference
 * sounds; participant 0 of room 0 is the probe, whose received audio is
 * decoded. While `measuring`, each participant counts the packets it gets,
 * the gaps in their sequence numbers and how far their spacing is from
 * 20 ms. Used by the participants_per_core benchmark and the conference's
 * interop test.
 */
import { ToneBin } from '../../src/audio/dsp/tone-bin.js';
import { PCMU } from '../../src/codecs/g711.js';
import { type CallBehaviour, type LoadCall, PAYLOAD } from './load-generator.js';

/** Participants per room. */
export const ROOM = 10;
/** The talkers' tones (participants 1, 2 and 3 of each room). */
export const TALKERS = [600, 1000, 1400];

/** One second of each talker's tone as PCMU payloads (50 frames; whole periods, so it loops cleanly). */
const toneFrames = TALKERS.map((hz) => {
  const enc = PCMU.createEncoder();
  const amp = 32768 * 10 ** (-16 / 20);
  return Array.from({ length: 50 }, (_, f) =>
    Buffer.from(
      enc.encode(
        Int16Array.from({ length: 160 }, (_, i) =>
          Math.round(amp * Math.sin((2 * Math.PI * hz * (f * 160 + i)) / 8000)),
        ),
      ),
    ),
  );
});

export interface ConfState {
  lastSeq: number;
  lastAt: number;
  received: number;
  gaps: number;
}

/** What each participant sends (its room's tone, or silence) and what it counts of what it hears. */
export class ConferenceLoad implements CallBehaviour {
  measuring = false;
  readonly spacing: number[] = [];
  readonly probe: Int16Array[] = [];
  private readonly decoder = PCMU.createDecoder();

  fill(c: LoadCall, payload: Buffer): void {
    const talker = (c.index % ROOM) - 1;
    if (talker >= 0 && talker < TALKERS.length) toneFrames[talker]![c.counter % 50]!.copy(payload);
    else payload.fill(0xff, 0, PAYLOAD);
  }

  receive(c: LoadCall, msg: Buffer, now: number): void {
    if (msg.length < 12 || (msg[1]! >= 192 && msg[1]! <= 223)) return; // RTCP
    if (!this.measuring) return;
    const s = c.state as unknown as ConfState;
    const seq = msg.readUInt16BE(2);
    if (s.received > 0) {
      const d = (seq - s.lastSeq) & 0xffff;
      if (d > 1 && d < 3000) s.gaps += d - 1;
      this.spacing.push(Math.abs(now - s.lastAt - 20));
    }
    s.lastSeq = seq;
    s.lastAt = now;
    s.received++;
    if (c.index === 0) {
      const off = 12 + 4 * (msg[0]! & 0x0f);
      this.probe.push(this.decoder.decode(msg.subarray(off)).slice());
    }
  }

  reset(calls: readonly LoadCall[]): void {
    this.spacing.length = 0;
    this.probe.length = 0;
    for (const c of calls) c.state = { lastSeq: 0, lastAt: 0, received: 0, gaps: 0 } satisfies ConfState;
  }

  /** Which talkers the probe heard in most of the window. */
  probeHeard(): number[] {
    const x = new Int16Array(this.probe.length * 160);
    for (const [i, f] of this.probe.entries()) x.set(f, i * 160);
    return talkersHeard(x);
  }
}

/** Which talkers' tones are in most of `x` (8 kHz samples: what the probe heard). */
export function talkersHeard(x: Int16Array): number[] {
  return TALKERS.filter((hz) => {
    const bin = new ToneBin(hz, 8000, 320);
    let on = 0;
    let all = 0;
    for (let at = 0; at + 320 <= x.length; at += 160, all++) {
      bin.measure(x, at);
      if (bin.amplitude() > 300) on++;
    }
    return all > 0 && on / all > 0.8;
  });
}
