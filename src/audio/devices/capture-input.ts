/**
 * A capture, for every backend that delivers bytes (PortAudio, a helper
 * process): raw s16le bytes as the device delivers them (in pieces of any
 * size, even odd), converted to 8 kHz and pushed into the drift buffer, and
 * the media clock's side of it (`read`, `stats`, `buffered`). Buffers grow
 * to the largest piece seen and are then reused.
 */
import { AUDIO_RATE } from '../device.js';
import { DriftBuffer, type DriftBufferOptions } from '../drift-buffer.js';
import { Resampler } from '../dsp/resampler.js';

export class CaptureInput {
  readonly drift: DriftBuffer;
  private readonly resampler: Resampler | undefined;
  private carry = -1;
  private samples = new Int16Array(2048);
  private converted = new Int16Array(2048);

  constructor(deviceRate: number, drift?: DriftBufferOptions) {
    this.drift = new DriftBuffer(drift);
    this.resampler = deviceRate === AUDIO_RATE ? undefined : new Resampler(deviceRate, AUDIO_RATE);
  }

  /** Drift and underrun counts. */
  get stats(): DriftBuffer['stats'] {
    return this.drift.stats;
  }

  /** 8 kHz samples captured and not yet read. */
  get buffered(): number {
    return this.drift.fill;
  }

  /** The next 20 ms for the media clock (silence while the device has not caught up); a device failure throws. */
  read(frame: Int16Array, failure: Error | undefined): true {
    if (failure) throw failure;
    this.drift.pull(frame);
    return true;
  }

  /** Take the next bytes from the device. */
  push(b: Uint8Array): void {
    const need = (b.length >> 1) + 1;
    if (this.samples.length < need) this.samples = new Int16Array(need * 2);
    const out = this.samples;
    let p = 0;
    let n = 0;
    if (this.carry >= 0 && b.length > 0) {
      out[n++] = ((this.carry | (b[p++]! << 8)) << 16) >> 16;
      this.carry = -1;
    }
    for (; p + 1 < b.length; p += 2) out[n++] = ((b[p]! | (b[p + 1]! << 8)) << 16) >> 16;
    if (p < b.length) this.carry = b[p]!;
    if (!this.resampler) {
      this.drift.push(out.subarray(0, n));
      return;
    }
    const max = this.resampler.maxOutput(n);
    if (this.converted.length < max) this.converted = new Int16Array(max * 2);
    const m = this.resampler.process(out.subarray(0, n), this.converted);
    this.drift.push(this.converted.subarray(0, m));
  }
}
