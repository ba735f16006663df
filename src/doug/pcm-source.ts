/** A prompt held in memory (rendered speech, a cached file) as an audio source. */
import type { AudioSource } from '../audio/device.js';

/**
 * Plays `samples` (8 kHz mono) once, then ends.
 *
 * @example
 * await call.play(new PcmSource('say:hello', await tts.render('hello')));
 */
export class PcmSource implements AudioSource {
  private at = 0;

  constructor(
    readonly uri: string,
    private readonly samples: Int16Array,
  ) {}

  read(frame: Int16Array): boolean {
    const left = this.samples.length - this.at;
    if (left <= 0) {
      frame.fill(0);
      return false;
    }
    const n = Math.min(left, frame.length);
    frame.set(this.samples.subarray(this.at, this.at + n));
    if (n < frame.length) frame.fill(0, n);
    this.at += n;
    return true;
  }

  async close(): Promise<void> {}
}
