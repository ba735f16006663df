/**
 * The sending half of an RTP session: SSRC, sequence numbers and media
 * timestamps (RFC 3550 5.1), the marker bit at the start of each talkspurt
 * (RFC 3551 4.1), and what a sender report needs.
 */
import { RtpEncodeError } from './errors.js';
import { packetBytes } from './packet-bytes.js';
import { RTP_HEADER_SIZE, RTP_VERSION, writeU32 } from './rtp-packet.js';

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
  // A number from the start (never undefined): V8 then keeps it as an unboxed double, no allocation per packet.
  private sentAt = 0;

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

  /** When the last packet was sent (undefined before the first). */
  get lastSentAt(): number | undefined {
    return this.packets > 0 ? this.sentAt : undefined;
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
  packet(
    payloadType: number,
    payload: Uint8Array,
    opts: { marker?: boolean; timestamp?: number; now: number; event?: boolean },
  ): Uint8Array {
    // RFC 3551 4.1: "the marker bit is set ... in the first packet of a talkspurt".
    const marker = opts.marker ?? (opts.event ? false : this.talkspurt);
    if (!Number.isInteger(payloadType) || payloadType < 0 || payloadType > 127)
      throw new RtpEncodeError(`RTP payload type ${payloadType} is not in 0-127`);
    // The fixed header only (no CSRC, extension or padding: what writeRtp writes for them), straight
    // into the packet: one allocation per packet, the packet itself, from a shared slab. Every byte
    // is written below.
    const out = packetBytes(RTP_HEADER_SIZE + payload.length);
    const seq = this.seq;
    out[0] = RTP_VERSION << 6;
    out[1] = (marker ? 0x80 : 0) | payloadType;
    out[2] = (seq >> 8) & 0xff;
    out[3] = seq & 0xff;
    writeU32(out, 4, opts.timestamp ?? this.timestamp);
    writeU32(out, 8, this.ssrc);
    out.set(payload, RTP_HEADER_SIZE);
    this.sent(payload.length, opts.now, opts.event ?? false);
    return out;
  }

  /**
   * Re-originate a packet whose bytes are already in `out` (a 12-byte
   * header without CSRCs, extension or padding, then the payload; its
   * first two octets — version, marker, payload type — are kept): write our
   * next sequence number, `timestamp` and our SSRC into the header, and
   * count it as `packet` does. No allocation: a relay's hot path.
   */
  stamp(out: Uint8Array, timestamp: number, now: number, event: boolean): void {
    const seq = this.seq;
    out[2] = seq >> 8;
    out[3] = seq & 0xff;
    writeU32(out, 4, timestamp);
    writeU32(out, 8, this.ssrc);
    this.sent(out.length - RTP_HEADER_SIZE, now, event);
  }

  /** Account for one packet sent with the current sequence number. */
  private sent(payloadBytes: number, now: number, event: boolean): void {
    if (!event) this.talkspurt = false;
    if (this.anchor === undefined) this.anchor = { now, timestamp: this.timestamp };
    this.seq = (this.seq + 1) & 0xffff;
    this.packets++;
    this.bytes += payloadBytes;
    this.sentAt = now;
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
