/**
 * The RFC 4733 sender: a queue of digits polled once per packet time, with
 * no timer of its own (as in libre's `telev`). The caller passes the RTP
 * timestamp of each packet time; the sender answers with the event packet
 * to send, if any, and says through `active` whether audio is to be held
 * back meanwhile.
 *
 * Packet sequence for one digit (defaults: 100 ms tone, 50 ms updates,
 * 20 ms packet time, 8 kHz; times relative to the event start):
 *
 * ```
 *  poll at   sent   M  E  timestamp  duration
 *    0 ms    yes    1  0  T          160      start (marker on the first packet)
 *   20, 40   -                                (active: no audio)
 *   60 ms    yes    0  0  T          640      first poll at or after start + 50 ms
 *   80 ms    yes    0  1  T          800      tone length reached: end
 *  140 ms    yes    0  1  T          800      end again, one update interval later
 *  180 ms    yes    0  1  T          800      and a third time (RFC 4733 2.5.1.4)
 *  200 ms    next digit, after the gap (100 ms after the tone's end at 100 ms,
 *            and never before the last end packet has gone)
 * ```
 *
 * Durations count to the end of the packet time being reported, so a tone
 * of a whole number of packet times reports exactly its length.
 */
import { MediaStateError } from './errors.js';
import { eventOfDigit, serializeTelephoneEvent } from './telephone-event.js';

export interface DtmfSenderOptions {
  /** Telephone-event clock rate (RFC 4733: the same as the audio codec's). Default 8000. */
  readonly clockRate?: number;
  /** Tone power in -dBm0, 0-63 (0 loudest). Default 10. */
  readonly volume?: number;
  /** Tone length in ms. Default 100. */
  readonly durationMs?: number;
  /** Silence between two digits in ms. Default 100. */
  readonly gapMs?: number;
  /** Interval between duration updates, and between the three end packets, in ms. Default 50. */
  readonly updateIntervalMs?: number;
  /** The packet time the sender is polled at, in ms. Default 20. */
  readonly packetTimeMs?: number;
}

/** One telephone-event packet to send. */
export interface TelephoneEventPacket {
  readonly payload: Uint8Array;
  readonly marker: boolean;
  /** The event's start timestamp (the same on every packet of the event). */
  readonly timestamp: number;
  readonly event: number;
  readonly end: boolean;
  readonly duration: number;
}

type Phase = 'idle' | 'tone' | 'ending';

/**
 * @example
 * const dtmf = new DtmfSender({ durationMs: 100 });
 * dtmf.send('123#');
 * // every 20 ms, with the RTP timestamp of this packet time:
 * const pkt = dtmf.poll(ts);
 * if (pkt) session.sendEvent(pkt, now); else if (!dtmf.active) session.sendAudio(frame, now);
 */
export class DtmfSender {
  private readonly rate: number;
  private readonly volume: number;
  private readonly toneSamples: number;
  private readonly gapSamples: number;
  private readonly updateSamples: number;
  private readonly packetSamples: number;
  private readonly queue: number[] = [];
  private phase: Phase = 'idle';
  private event = 0;
  private start = 0;
  private nextUpdate = 0;
  private endDuration = 0;
  private endsSent = 0;
  /** The earliest timestamp the next digit may start at (undefined: any). */
  private notBefore: number | undefined;

  constructor(opts: DtmfSenderOptions = {}) {
    this.rate = opts.clockRate ?? 8000;
    const samples = (ms: number) => Math.round((ms * this.rate) / 1000);
    this.volume = opts.volume ?? 10;
    if (!Number.isInteger(this.volume) || this.volume < 0 || this.volume > 63)
      throw new MediaStateError(`DTMF volume ${this.volume} is not in 0-63 (-dBm0)`);
    this.packetSamples = samples(opts.packetTimeMs ?? 20);
    this.toneSamples = samples(opts.durationMs ?? 100);
    this.gapSamples = samples(opts.gapMs ?? 100);
    this.updateSamples = Math.max(this.packetSamples, samples(opts.updateIntervalMs ?? 50));
    if (this.toneSamples < this.packetSamples || this.toneSamples > 0xffff)
      throw new MediaStateError(
        `DTMF tone length ${opts.durationMs} ms must be between one packet time and ` +
          `${Math.floor((0xffff * 1000) / this.rate)} ms at ${this.rate} Hz`,
      );
  }

  /**
   * Queue digits (0-9 * # A-D, F or ! for flash; spaces and commas are ignored). Throws DtmfDigitError on anything
   * else.
   */
  send(digits: string): void {
    const events = [...digits].filter((c) => c !== ' ' && c !== ',').map(eventOfDigit);
    this.queue.push(...events);
  }

  /** Digits queued or in progress. */
  get pending(): number {
    return this.queue.length + (this.phase === 'idle' ? 0 : 1);
  }

  /** True while an event is being sent (tone or end repeats): audio is held back. */
  get active(): boolean {
    return this.phase !== 'idle';
  }

  /** Drop queued digits (the one in progress still ends properly). */
  clear(): void {
    this.queue.length = 0;
  }

  /** One packet time has come, with RTP timestamp `ts`; returns the packet to send, if any. */
  poll(ts: number): TelephoneEventPacket | undefined {
    switch (this.phase) {
      case 'idle': {
        if (this.queue.length === 0) return undefined;
        if (this.notBefore !== undefined && ((ts - this.notBefore) | 0) < 0) return undefined;
        this.event = this.queue.shift()!;
        this.start = ts >>> 0;
        this.phase = 'tone';
        this.nextUpdate = this.updateSamples;
        // RFC 4733 2.5.1.2: "The RTP marker bit ... set to 1 in the first packet of the event".
        return this.toneReport(ts, true);
      }
      case 'tone': {
        const elapsed = ((ts - this.start) | 0) + this.packetSamples;
        if (elapsed >= this.toneSamples) {
          // RFC 4733 2.5.1.4: the final packet carries the E bit and the total duration.
          this.phase = 'ending';
          this.endDuration = this.toneSamples;
          this.endsSent = 1;
          this.nextUpdate = ((ts - this.start) | 0) + this.updateSamples;
          return this.packet(false, true, this.endDuration);
        }
        if (((ts - this.start) | 0) >= this.nextUpdate) {
          // Updates every update interval, on the grid start + k x interval (never drifting).
          while (this.nextUpdate <= ((ts - this.start) | 0)) this.nextUpdate += this.updateSamples;
          return this.toneReport(ts, false);
        }
        return undefined;
      }
      case 'ending': {
        if (((ts - this.start) | 0) < this.nextUpdate) return undefined;
        // RFC 4733 2.5.1.4: "The final packet for each event ... SHOULD be sent
        // a total of three times at the interval used by the source for updates."
        this.endsSent++;
        this.nextUpdate += this.updateSamples;
        const pkt = this.packet(false, true, this.endDuration);
        if (this.endsSent === 3) {
          this.phase = 'idle';
          const afterGap = (this.start + this.toneSamples + this.gapSamples) >>> 0;
          const afterLast = (ts + this.packetSamples) >>> 0;
          this.notBefore = ((afterGap - afterLast) | 0) > 0 ? afterGap : afterLast;
        }
        return pkt;
      }
    }
  }

  private toneReport(ts: number, marker: boolean): TelephoneEventPacket {
    const duration = Math.min(this.toneSamples, ((ts - this.start) | 0) + this.packetSamples);
    return this.packet(marker, false, duration);
  }

  private packet(marker: boolean, end: boolean, duration: number): TelephoneEventPacket {
    return {
      payload: serializeTelephoneEvent({ event: this.event, end, volume: this.volume, duration }),
      marker,
      timestamp: this.start,
      event: this.event,
      end,
      duration,
    };
  }
}
