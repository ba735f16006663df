/**
 * The device side of a capture: raw s16le bytes as a backend delivers them
 * (in pieces of any size, even odd), converted to 8 kHz and pushed into the
 * drift buffer that the media clock drains. Buffers grow to the largest piece
 * seen and are then reused.
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
