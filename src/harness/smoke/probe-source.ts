/** The smoke call's test signal as an audio source: the probe, sample after sample, for a given time. */
import type { AudioSource } from '../../audio/device.js';
import type { Probe } from './probe-signal.js';

/**
 * Sends `probe` from sample 0 for `frames` 20 ms frames, then ends.
 *
 * @example
 * const src = new ProbeSource(makeProbe(), 500); // 10 s
 */
export class ProbeSource implements AudioSource {
  readonly uri = 'probe:chirp';
  /** Samples sent so far. */
  position = 0;

  constructor(
    private readonly probe: Probe,
    private readonly frames: number,
  ) {}

  read(frame: Int16Array): boolean {
    if (this.position >= this.frames * frame.length) {
      frame.fill(0);
      return false;
    }
    const p = this.probe;
    const start = this.position;
    for (let i = 0; i < frame.length; i++) frame[i] = p.sample(start + i);
    this.position += frame.length;
    return true;
  }

  async close(): Promise<void> {}
}
