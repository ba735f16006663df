/**
 * The media side of a playback: an 8 kHz frame converted to the device's
 * rate and encoded as s16le bytes for the backend.
 */
import { AUDIO_RATE, FRAME_SAMPLES } from '../device.js';
import { Resampler } from '../dsp/resampler.js';

export class PlaybackOutput {
  private readonly resampler: Resampler | undefined;
  private readonly converted: Int16Array;

  constructor(deviceRate: number) {
    this.resampler = deviceRate === AUDIO_RATE ? undefined : new Resampler(AUDIO_RATE, deviceRate);
    this.converted = new Int16Array(this.resampler?.maxOutput(FRAME_SAMPLES) ?? FRAME_SAMPLES);
  }

  /** The bytes to hand the device for `frame` (a new Buffer: backends keep it until written). */
  encode(frame: Int16Array): Buffer {
    let out = frame;
    if (this.resampler) {
      const converted =
        this.resampler.maxOutput(frame.length) > this.converted.length
          ? new Int16Array(this.resampler.maxOutput(frame.length))
          : this.converted;
      out = converted.subarray(0, this.resampler.process(frame, converted));
    }
    const buf = Buffer.allocUnsafe(out.length * 2);
    for (let i = 0; i < out.length; i++) buf.writeInt16LE(out[i]!, 2 * i);
    return buf;
  }
}
