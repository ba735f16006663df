/**
 * The sending half of an RTP session: SSRC, sequence numbers and media
 * timestamps (RFC 3550 5.1), the marker bit at the start of each talkspurt
 * (RFC 3551 4.1), and what a sender report needs.
 */
import { writeRtp, RTP_HEADER_SIZE } from './rtp-packet.js';

/** A monotonic-ms instant and the RTP timestamp that belongs to it. */
interface TimePoint {
  readonly now: number;
  readonly timestamp: number;
}

export class RtpSender {
  private seq: number;
  private readonly tsBase: number;
  /** Samples since the start: the media clock. */
  private samples = 0;
  private talkspurt = true;
  private anchor: TimePoint | undefined;
  packets = 0;
  /** Payload octets (RFC 3550 6.4.1 "sender's octet count"). */
  bytes = 0;
  events = 0;
  lastSentAt: number | undefined;

  constructor(
    readonly ssrc: number,
    readonly clockRate: number,
    random: () => number,
  ) {
    // RFC 3550 5.1: "The initial value of the sequence number SHOULD be random
    // (unpredictable)", and likewise for the timestamp.
    this.seq = Math.floor(random() * 0x10000) & 0xffff;
    this.tsBase = Math.floor(random() * 0x100000000) >>> 0;
  }

  /** The RTP timestamp of the current packet time. */
  get timestamp(): number {
    return (this.tsBase + this.samples) >>> 0;
  }

  get sequenceNumber(): number {
    return this.seq;
  }

  /** Let `n` samples of media time pass (one packet time, sent or not). */
  advance(n: number, now: number): void {
    if (this.anchor === undefined) this.anchor = { now, timestamp: this.timestamp };
    this.samples += n;
  }

  /**
   * Move the media clock forward to `timestamp` (a relay whose packets carry
   * their own timing); never backward.
   */
  moveTo(timestamp: number, now: number): void {
    if (this.anchor === undefined) this.anchor = { now, timestamp: this.timestamp };
    const ahead = (timestamp - this.timestamp) | 0;
    if (ahead > 0) this.samples += ahead;
  }

  /** A silence (nothing sent): the next audio packet starts a talkspurt. */
  silence(): void {
    this.talkspurt = true;
  }

  /** Build one packet with the next sequence number. */
  packet(payloadType: number, payload: Uint8Array, opts: { marker?: boolean; timestamp?: number; now: number; event?: boolean }): Uint8Array {
    // RFC 3551 4.1: "the marker bit is set ... in the first packet of a talkspurt".
    const marker = opts.marker ?? (opts.event ? false : this.talkspurt);
    if (!opts.event) this.talkspurt = false;
    const timestamp = opts.timestamp ?? this.timestamp;
    if (this.anchor === undefined) this.anchor = { now: opts.now, timestamp: this.timestamp };
    const out = new Uint8Array(RTP_HEADER_SIZE + payload.length);
    writeRtp({ marker, payloadType, sequenceNumber: this.seq, timestamp, ssrc: this.ssrc, csrcs: [], payload, padding: 0 }, out, 0);
    this.seq = (this.seq + 1) & 0xffff;
    this.packets++;
    this.bytes += payload.length;
    this.lastSentAt = opts.now;
    return out;
  }

  /**
   * The RTP timestamp corresponding to `now` (for a sender report): the
   * media clock extrapolated from when it started, in the clock rate.
   */
  timestampAt(now: number): number {
    if (!this.anchor) return this.timestamp;
    return (this.anchor.timestamp + Math.round(((now - this.anchor.now) * this.clockRate) / 1000)) >>> 0;
  }
}
