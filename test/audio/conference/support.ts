/** Participants for the conference engine's tests: sines in, what they hear kept and measured. */
import type { Codec, FrameDecoder } from '../../../src/codecs/codec.js';
import type { RoomInput, RoomOutput } from '../../../src/audio/conference/room.js';
import { ToneBin } from '../../../src/audio/dsp/tone-bin.js';

/** A sine input whose amplitude can change (0: silence). */
export class SineInput implements RoomInput {
  private phase = 0;
  constructor(
    readonly hz: number,
    public amplitude = 8000,
  ) {}
  read(frame: Int16Array): void {
    const w = (2 * Math.PI * this.hz) / 8000;
    for (let i = 0; i < frame.length; i++) {
      frame[i] = Math.round(this.amplitude * Math.sin(this.phase));
      this.phase += w;
    }
    this.phase %= 2 * Math.PI;
  }
}

/** An output that keeps what it hears (decoding a shared payload, as the far end would). */
export class KeepOutput implements RoomOutput {
  readonly frames: Int16Array[] = [];
  readonly payloads: (Uint8Array | undefined)[] = [];
  private readonly decoder: FrameDecoder | undefined;
  private readonly own: ReturnType<Codec['createEncoder']> | undefined;
  onWrite: (() => void) | undefined;
  constructor(readonly codec?: Codec) {
    this.decoder = codec?.createDecoder();
    this.own = codec?.createEncoder();
  }
  write(frame: Int16Array, payload: Uint8Array | undefined): void {
    this.onWrite?.();
    this.payloads.push(payload);
    if (!this.codec) {
      this.frames.push(frame.slice());
      return;
    }
    // What the far end gets: the shared payload, or our own encoding of the frame.
    const bytes = payload ?? this.own!.encode(frame);
    this.frames.push(this.decoder!.decode(bytes).slice());
  }
  /** The last `count` frames joined. */
  last(count: number): Int16Array {
    const f = this.frames.slice(-count);
    const out = new Int16Array(f.length * 160);
    for (const [i, x] of f.entries()) out.set(x, i * 160);
    return out;
  }
  /** Peak amplitude of a sine at `hz` in the last `count` frames (a 320-sample Hann bin, averaged). */
  amplitudeOf(hz: number, count = 10): number {
    const x = this.last(count);
    const bin = new ToneBin(hz, 8000, 320);
    let sum = 0;
    let k = 0;
    for (let at = 0; at + 320 <= x.length; at += 160, k++) {
      bin.measure(x, at);
      sum += bin.amplitude();
    }
    return k ? sum / k : 0;
  }
  /** The frequencies of `hz` heard (amplitude above 500) in the last `count` frames. */
  hears(hzs: readonly number[], count = 10): number[] {
    return hzs.filter((hz) => this.amplitudeOf(hz, count) > 500);
  }
}
