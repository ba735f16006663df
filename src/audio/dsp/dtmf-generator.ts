/**
 * In-band DTMF (ITU-T Q.23): each key is its low- and high-group sines
 * together, at levels that leave the high group a little louder than the low
 * group (positive twist, so the line's high-frequency loss evens them out).
 *
 * Like an RFC 4733 sender it has no timer of its own: `send()` queues keys,
 * and `fill()`, called once per 20 ms frame by whoever paces the media, writes
 * (or mixes in) the next samples. The oscillators keep their phase across
 * frames and each tone starts and ends with a 2 ms raised-cosine ramp, so no
 * click spreads energy outside the two frequencies.
 */
import { DspMisuseError } from '../errors.js';
import { dtmfFrequencies, isDtmfDigit, type DtmfDigit } from './dtmf.js';
import { sineAmplitudeForDbm0 } from './level.js';

export interface DtmfGeneratorOptions {
  /** Level of the low-group tone, dBm0 (default −9). */
  readonly lowDbm0?: number;
  /** High-group level minus low-group level, dB (default +2). */
  readonly twistDb?: number;
  /** Tone length, ms (default 100). */
  readonly toneMs?: number;
  /** Pause after each tone, ms (default 100). */
  readonly pauseMs?: number;
  /** Sample rate (default 8000). */
  readonly rate?: number;
}

const RAMP_MS = 2;

/**
 * Generates queued DTMF keys into audio frames.
 *
 * @example
 * const gen = new DtmfGenerator();
 * gen.send('123#');
 * while (gen.busy) { gen.fill(frame); send(frame); } // 20 ms frames
 */
export class DtmfGenerator {
  private readonly queue: DtmfDigit[] = [];
  private readonly lowAmp: number;
  private readonly highAmp: number;
  private readonly toneLen: number;
  private readonly pauseLen: number;
  private readonly ramp: number;
  private readonly rate: number;
  /** Position within the current key (tone then pause), in samples; -1 when idle. */
  private pos = -1;
  private wLow = 0;
  private wHigh = 0;
  private phLow = 0;
  private phHigh = 0;

  constructor(options: DtmfGeneratorOptions = {}) {
    this.rate = options.rate ?? 8000;
    const low = options.lowDbm0 ?? -9;
    const twist = options.twistDb ?? 2;
    if (low > 0 || low + twist > 0) throw new DspMisuseError(`DTMF levels above 0 dBm0 (low ${low}, twist ${twist})`);
    this.lowAmp = sineAmplitudeForDbm0(low);
    this.highAmp = sineAmplitudeForDbm0(low + twist);
    this.toneLen = Math.round(((options.toneMs ?? 100) * this.rate) / 1000);
    this.pauseLen = Math.round(((options.pauseMs ?? 100) * this.rate) / 1000);
    this.ramp = Math.min(Math.round((RAMP_MS * this.rate) / 1000), this.toneLen >> 1);
    if (this.toneLen <= 0 || this.pauseLen < 0) throw new DspMisuseError('DTMF tone must last more than 0 ms');
  }

  /** Queue keys to send; throws on a character that is not a DTMF key (0-9 * # A-D). */
  send(digits: string): void {
    for (const c of digits) {
      const d = c.toUpperCase();
      if (!isDtmfDigit(d)) throw new DspMisuseError(`not a DTMF key: ${JSON.stringify(c)}`);
    }
    for (const c of digits) this.queue.push(c.toUpperCase() as DtmfDigit);
  }

  /** Whether a key is sounding, pausing or queued. */
  get busy(): boolean {
    return this.pos >= 0 || this.queue.length > 0;
  }

  /** Keys still waiting (not counting the one sounding). */
  get pending(): number {
    return this.queue.length;
  }

  /** Drop every queued key and stop at once. */
  cancel(): void {
    this.queue.length = 0;
    this.pos = -1;
  }

  /**
   * Write the next `frame.length` samples: tone or pause while busy, and
   * leave the rest of the frame alone once idle. With `mix`, add to what is
   * there (saturating) instead of replacing it. Returns whether any sample
   * belonged to a key.
   */
  fill(frame: Int16Array, mix = false): boolean {
    let active = false;
    for (let i = 0; i < frame.length; i++) {
      if (this.pos < 0 && !this.next()) break;
      active = true;
      let v = 0;
      if (this.pos < this.toneLen) {
        let g = 1;
        if (this.pos < this.ramp) g = 0.5 - 0.5 * Math.cos((Math.PI * (this.pos + 0.5)) / this.ramp);
        else if (this.pos >= this.toneLen - this.ramp)
          g = 0.5 - 0.5 * Math.cos((Math.PI * (this.toneLen - this.pos - 0.5)) / this.ramp);
        v = g * (this.lowAmp * Math.sin(this.phLow) + this.highAmp * Math.sin(this.phHigh));
        this.phLow += this.wLow;
        this.phHigh += this.wHigh;
      }
      const s = Math.round(mix ? frame[i]! + v : v);
      frame[i] = s > 32767 ? 32767 : s < -32768 ? -32768 : s;
      if (++this.pos >= this.toneLen + this.pauseLen) this.pos = -1;
    }
    // Keep the phases small so precision does not drift over a long call.
    this.phLow %= 2 * Math.PI;
    this.phHigh %= 2 * Math.PI;
    return active;
  }

  private next(): boolean {
    const d = this.queue.shift();
    if (d === undefined) return false;
    const [fl, fh] = dtmfFrequencies(d);
    this.wLow = (2 * Math.PI * fl) / this.rate;
    this.wHigh = (2 * Math.PI * fh) / this.rate;
    this.phLow = 0;
    this.phHigh = 0;
    this.pos = 0;
    return true;
  }
}
