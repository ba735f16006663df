/**
 * The RFC 4733 receiver: one DTMF event per digit, with its duration, even
 * when the start or end packets are lost or duplicated.
 *
 * An event is identified by its source and RTP timestamp (RFC 4733 2.5.2.1:
 * all packets of an event carry the event's start timestamp). It is reported
 * once, when it ends:
 * - an end packet (E bit) arrives: complete, with the end packet's duration;
 * - a packet of a newer event arrives while one is open: the open one ended
 *   without an end packet (all three were lost);
 * - no packet for `timeoutMs`: ended by timeout.
 * Packets of an event already reported (the end repeats, duplicates, late
 * packets) are ignored. A lost start packet is harmless: any packet of an
 * unknown event opens it.
 */
import { TelephoneEventParseError } from './errors.js';
import { digitOfEvent, parseTelephoneEvent } from './telephone-event.js';

export interface DtmfReceiverOptions {
  /** Telephone-event clock rate. Default 8000. */
  readonly clockRate?: number;
  /** An open event with no packet for this long is reported as ended. Default 1000 ms. */
  readonly timeoutMs?: number;
}

/** One received digit. */
export interface DtmfEvent {
  /** 0-9 * # A-D, F for flash, ? for other events. */
  readonly digit: string;
  readonly event: number;
  /** Duration in timestamp units and in ms. */
  readonly duration: number;
  readonly durationMs: number;
  /** -dBm0. */
  readonly volume: number;
  /** The event's RTP timestamp and source. */
  readonly timestamp: number;
  readonly ssrc: number;
  /** How it ended: an end packet, a newer event, or the timeout. */
  readonly endedBy: 'end' | 'next-event' | 'timeout';
}

/** The parts of an RTP packet the receiver needs. */
export interface TelephoneEventInput {
  readonly ssrc: number;
  readonly timestamp: number;
  readonly payload: Uint8Array;
}

interface Open {
  ssrc: number;
  timestamp: number;
  event: number;
  volume: number;
  duration: number;
  lastAt: number;
}

const DONE_MEMORY = 32;

/**
 * @example
 * const rx = new DtmfReceiver();
 * rx.handlePacket(rtpPacket, now);
 * for (let e = rx.pollEvent(); e; e = rx.pollEvent()) console.log(e.digit, e.durationMs);
 */
export class DtmfReceiver {
  private readonly rate: number;
  private readonly timeoutMs: number;
  private open: Open | undefined;
  private readonly done: string[] = [];
  private readonly events: DtmfEvent[] = [];
  /** Packets that were not valid telephone events. */
  malformed = 0;
  /** Packets ignored because their event was already reported. */
  ignored = 0;

  constructor(opts: DtmfReceiverOptions = {}) {
    this.rate = opts.clockRate ?? 8000;
    this.timeoutMs = opts.timeoutMs ?? 1000;
  }

  handlePacket(p: TelephoneEventInput, now: number): void {
    let ev;
    try {
      ev = parseTelephoneEvent(p.payload);
    } catch (e) {
      if (!(e instanceof TelephoneEventParseError)) throw e;
      this.malformed++;
      return;
    }
    const key = `${p.ssrc}:${p.timestamp}`;
    if (this.done.includes(key)) {
      this.ignored++;
      return;
    }
    const o = this.open;
    if (o && (o.ssrc !== p.ssrc || o.timestamp !== p.timestamp)) {
      // A newer event began: the open one lost all its end packets.
      if (o.ssrc === p.ssrc && ((p.timestamp - o.timestamp) | 0) < 0) {
        // An older event's straggler (its end was never seen, and it is not the open one): ignore it.
        this.ignored++;
        return;
      }
      this.finish(o, 'next-event');
    }
    if (!this.open)
      this.open = {
        ssrc: p.ssrc,
        timestamp: p.timestamp,
        event: ev.event,
        volume: ev.volume,
        duration: 0,
        lastAt: now,
      };
    const cur = this.open;
    cur.lastAt = now;
    cur.volume = ev.volume;
    if (ev.duration > cur.duration) cur.duration = ev.duration;
    if (ev.end) {
      // RFC 4733 2.5.1.4: the end packet carries the total duration.
      cur.duration = ev.duration;
      this.finish(cur, 'end');
    }
  }

  handleTimeout(now: number): void {
    const o = this.open;
    if (o && now - o.lastAt >= this.timeoutMs) this.finish(o, 'timeout');
  }

  pollTimeout(): number | undefined {
    return this.open ? this.open.lastAt + this.timeoutMs : undefined;
  }

  pollEvent(): DtmfEvent | undefined {
    return this.events.shift();
  }

  /** The digit being received right now, if any (for early barge-in). */
  get current(): { digit: string; event: number } | undefined {
    return this.open && { digit: digitOfEvent(this.open.event), event: this.open.event };
  }

  private finish(o: Open, endedBy: DtmfEvent['endedBy']): void {
    this.open = undefined;
    this.done.push(`${o.ssrc}:${o.timestamp}`);
    if (this.done.length > DONE_MEMORY) this.done.shift();
    this.events.push({
      digit: digitOfEvent(o.event),
      event: o.event,
      duration: o.duration,
      durationMs: (o.duration * 1000) / this.rate,
      volume: o.volume,
      timestamp: o.timestamp,
      ssrc: o.ssrc,
      endedBy,
    });
  }
}
