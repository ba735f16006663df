/**
 * The echo of an RTP session (its `reflect` option): every accepted packet
 * goes straight back, re-originated — our SSRC and sequence numbers, its
 * timestamp moved onto our timeline by a fixed offset per remote source (so
 * pauses, packet times and RFC 4733 events keep their timing), its marker
 * and payload unchanged.
 *
 * The hot path (`reflectPlain`): an audio packet with a plain 12-byte
 * header from the current source, at the address it came from so far, is
 * accounted for and echoed from its header alone — no packet object, no
 * event, no closure — from a copy in a slab, or from the datagram's own
 * bytes when the channel gives each datagram a buffer of its own. Anything
 * else takes the session's general path and comes back through `relay`;
 * both send the same bytes.
 */
import { readU32, RTP_HEADER_SIZE, type RtpPacket } from './rtp-packet.js';
import type { RtpReceiver } from './rtp-receiver.js';
import type { RtpSender } from './rtp-sender.js';
import type { PayloadKind, RtpActivity, RtpRoute, RtpTransmit, TransportAddress } from './rtp-session-types.js';

/** Echoed packets are copied into slabs of this size (about 380 G.711 packets each). */
const SLAB_BYTES = 64 * 1024;

export interface ReflectOptions {
  /** The media time an audio payload of that type and size covers (it moves our clock). */
  readonly samplesOf: (payloadType: number, payloadBytes: number) => number;
  /** Datagrams are the session's to write into (each a buffer of its own that nothing reads afterwards). */
  readonly inPlace?: boolean;
}

export class RtpReflector {
  // Per remote source, the offset from its timestamps to ours (the last one looked up at hand).
  private readonly offsets = new Map<number, number>();
  private lastSsrc: number | undefined;
  private lastOffset = 0;
  // Echoed packets are copied into slices of a slab, never reused (a send may still hold one).
  private slab = new Uint8Array(0);
  private slabUsed = 0;
  private readonly inPlace: boolean;

  constructor(
    private readonly o: ReflectOptions,
    private readonly sender: RtpSender,
    private readonly receiver: RtpReceiver,
    private readonly route: RtpRoute,
    private readonly activity: RtpActivity,
    private readonly transmits: RtpTransmit[],
  ) {
    this.inPlace = o.inPlace ?? false;
  }

  /** The media time `bytes` of audio payload of type `pt` covers. */
  samplesOf(pt: number, bytes: number): number {
    return this.o.samplesOf(pt, bytes);
  }

  /**
   * Echo a packet (`relay` of the general path). `samples` is the media
   * time it covers (audio); events do not move our clock. Returns whether
   * it was sent.
   */
  relay(p: RtpPacket, kind: PayloadKind, samples: number, now: number): boolean {
    const to = this.route.to;
    if (!this.route.sending || !to) return false;
    const timestamp = (p.timestamp + this.offsetOf(p.ssrc, p.timestamp)) >>> 0;
    const event = kind === 'telephone-event';
    this.transmits.push({
      data: this.sender.packet(p.payloadType, p.payload, { marker: p.marker, timestamp, now, event }),
      to,
      channel: 'rtp',
    });
    this.relayed(p.marker, event, timestamp, samples, now);
    return true;
  }

  /**
   * The hot path. Returns false, having changed nothing, for any datagram
   * but a plain audio packet of the current source from its address: the
   * session's general path takes it.
   */
  reflectPlain(data: Uint8Array, from: TransportAddress, now: number): boolean {
    const out = this.plainOut(data, from, now);
    if (out === undefined) return false;
    if (out !== null) this.transmits.push({ data: out, to: this.route.to!, channel: 'rtp' });
    return true;
  }

  /**
   * `reflectPlain` without the queue: the bytes to send to `route.to`, null
   * for a packet taken and not echoed (invalid, a duplicate, not sending),
   * undefined for one the general path must take (nothing changed).
   */
  plainOut(data: Uint8Array, from: TransportAddress, now: number): Uint8Array | null | undefined {
    const n = data.length;
    // V=2, P=0, X=0, CC=0.
    if (n < RTP_HEADER_SIZE || data[0] !== 0x80) return undefined;
    const b1 = data[1]!;
    const pt = b1 & 0x7f;
    if (this.receiver.kindOf(pt) !== 'audio') return undefined;
    const stats = this.receiver.currentAudioFrom(readU32(data, 8), from);
    if (stats === undefined) return undefined;
    const seq = (data[2]! << 8) | data[3]!;
    const ts = readU32(data, 4);
    const v = stats.update(seq, ts, now, n - RTP_HEADER_SIZE, true);
    // What `receive` decides for the current source from its own address: only these three verdicts.
    if (v === 'invalid') return null;
    const a = this.activity;
    a.lastRtpAt = now;
    a.heard = true;
    a.timedOut = false;
    a.remoteSentSince = true;
    if (v === 'duplicate') return null;
    if (!this.route.sending || this.route.to === undefined) return null;
    const timestamp = (ts + this.offsetOf(stats.ssrc, ts)) >>> 0;
    let out = data;
    if (!this.inPlace) {
      out = this.slice(n);
      out.set(data);
    }
    this.sender.stamp(out, timestamp, now, false);
    this.relayed((b1 & 0x80) !== 0, false, timestamp, this.o.samplesOf(pt, n - RTP_HEADER_SIZE), now);
    return out;
  }

  /** The offset from a remote source's timestamps to ours: its first packet lands on our clock as it is now. */
  private offsetOf(ssrc: number, timestamp: number): number {
    if (ssrc === this.lastSsrc) return this.lastOffset;
    let offset = this.offsets.get(ssrc);
    if (offset === undefined) {
      if (this.offsets.size >= 8) this.offsets.clear();
      offset = (this.sender.timestamp - timestamp) >>> 0;
      this.offsets.set(ssrc, offset);
    }
    this.lastSsrc = ssrc;
    this.lastOffset = offset;
    return offset;
  }

  /** What follows a relayed packet: events count, audio moves our media clock past it. */
  private relayed(marker: boolean, event: boolean, timestamp: number, samples: number, now: number): void {
    if (event) {
      if (marker) this.sender.events++;
    } else {
      this.sender.moveTo((timestamp + samples) >>> 0, now);
    }
    this.activity.weSentSince = true;
  }

  /** `n` fresh bytes from the slab (a new slab when it is full; a slice is never handed out twice). */
  private slice(n: number): Uint8Array {
    if (this.slabUsed + n > this.slab.length) {
      this.slab = new Uint8Array(Math.max(SLAB_BYTES, n));
      this.slabUsed = 0;
    }
    const out = this.slab.subarray(this.slabUsed, this.slabUsed + n);
    this.slabUsed += n;
    return out;
  }
}
