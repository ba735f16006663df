/**
 * Call-progress tones (North American precise tone plan, ANSI T1.401 / ITU-T
 * E.180 Supplement 2) told apart by frequency and cadence:
 *
 * | tone     | frequencies | cadence                    |
 * |----------|-------------|----------------------------|
 * | dial     | 350 + 440   | continuous (≥ 1 s heard)   |
 * | ringback | 440 + 480   | 2 s on, 4 s off            |
 * | busy     | 480 + 620   | 0.5 s on, 0.5 s off        |
 * | reorder  | 480 + 620   | 0.25 s on, 0.25 s off      |
 *
 * Cadence is judged with ±25 % on each on and off period. Ringback is called
 * after one 2 s burst (its 4 s pause takes too long to wait for); busy and
 * reorder after two on periods and the off period between them, once for
 * as long as the cadence goes on.
 */
import { ToneDetector, type ToneDetectorOptions, type ToneEvent } from './tone-detector.js';

export type CallProgressTone = 'dial' | 'ringback' | 'busy' | 'reorder';

export interface CallProgressEvent {
  readonly tone: CallProgressTone;
  /** Sample index where the tone's first on period began. */
  readonly start: number;
  /** Sample index at which it was recognised. */
  readonly at: number;
}

const RATE = 8000;
const near = (samples: number, seconds: number) => Math.abs(samples / RATE - seconds) <= seconds * 0.25;

/**
 * Recognises dial tone, ringback, busy and reorder in 8 kHz audio.
 *
 * @example
 * const cp = new CallProgressDetector();
 * cp.process(frame);
 * const e = cp.pollEvent(); // { tone: 'busy', start, at }
 */
export class CallProgressDetector {
  private readonly tones: ToneDetector;
  private readonly events: CallProgressEvent[] = [];
  /** Raw tone segments seen so far, for reports. */
  readonly segments: { name: string; start: number; duration: number }[] = [];
  private cadence: CallProgressTone | undefined;
  private dialStart = -1;
  private dialReported = false;
  private readonly last: Map<string, { start: number; end: number }[]> = new Map();

  constructor(options: ToneDetectorOptions = {}) {
    this.tones = new ToneDetector(
      [
        { name: '350+440', freqs: [350, 440] },
        { name: '440+480', freqs: [440, 480] },
        { name: '480+620', freqs: [480, 620] },
      ],
      options,
    );
  }

  process(samples: ArrayLike<number>): void {
    this.tones.process(samples);
    this.drain();
    if (this.dialStart >= 0 && !this.dialReported && this.tones.position - this.dialStart >= RATE) this.reportDial();
  }

  flush(): void {
    this.tones.flush();
    this.drain();
  }

  pollEvent(): CallProgressEvent | undefined {
    return this.events.shift();
  }

  private drain(): void {
    for (let e: ToneEvent | undefined; (e = this.tones.pollEvent()); ) {
      if (e.name === '350+440') {
        if (e.type === 'start') {
          this.dialStart = e.start;
          this.dialReported = false;
        } else {
          if (!this.dialReported && e.duration! >= RATE) this.reportDial();
          this.dialStart = -1;
        }
        if (e.type === 'end') this.segments.push({ name: e.name, start: e.start, duration: e.duration! });
        continue;
      }
      if (e.type !== 'end') continue;
      this.segments.push({ name: e.name, start: e.start, duration: e.duration! });
      const list = this.last.get(e.name) ?? [];
      list.push({ start: e.start, end: e.start + e.duration! });
      if (list.length > 2) list.shift();
      this.last.set(e.name, list);
      const at = e.start + e.duration!;
      if (e.name === '440+480') {
        if (near(e.duration!, 2)) this.events.push({ tone: 'ringback', start: e.start, at });
        continue;
      }
      if (list.length < 2) continue;
      const [a, b] = list as [{ start: number; end: number }, { start: number; end: number }];
      const gap = b.start - a.end;
      let matched: CallProgressTone | undefined;
      for (const [tone, period] of [
        ['busy', 0.5],
        ['reorder', 0.25],
      ] as const) {
        if (near(a.end - a.start, period) && near(b.end - b.start, period) && near(gap, period)) matched = tone;
      }
      // Report a cadence once while it keeps going.
      if (matched !== undefined && matched !== this.cadence) this.events.push({ tone: matched, start: a.start, at });
      this.cadence = matched;
    }
  }

  private reportDial(): void {
    this.dialReported = true;
    this.events.push({ tone: 'dial', start: this.dialStart, at: this.dialStart + RATE });
  }
}
