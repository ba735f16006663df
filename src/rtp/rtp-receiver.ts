/**
 * The receiving half of an RTP session: which packets are accepted, from
 * which source, and where to send (symmetric RTP, RFC 4961).
 *
 * Rules, in order:
 * 1. The payload type must be one the session negotiated; others are
 *    discarded (`unknownPayloadType`).
 * 2. A packet from an address the latching policy refuses (`rtp-latch.ts`:
 *    in `strict` mode, an IP that is neither the peer's SDP one nor its
 *    signalling one) is foreign and discarded.
 * 3. Packets of the current source (its SSRC) are accepted from its
 *    address. From another address they are foreign, unless they make a run
 *    that moves the stream there (`RtpLatch.offer`: the peer's NAT binding
 *    changed): only the SSRC that is already flowing, in sequence, while the
 *    latched address is silent, and not too often, can move the stream.
 * 4. A packet with another SSRC is a candidate source. Once latched, a
 *    candidate from any address but the latched one (or the peer's SDP
 *    address) is foreign and discarded: a stray or injected stream cannot
 *    take the call over. A candidate becomes the current source of its kind
 *    (audio, or RFC 4733 events when a peer sends them with their own SSRC)
 *    after RFC 3550 A.1 probation (two packets in sequence); the previous
 *    source of that kind is replaced (an SSRC change, e.g. the peer
 *    restarted its stream).
 * 5. With symmetric RTP the first valid source latches the destination to
 *    the address its packets come from (RFC 4961: "send ... to the same
 *    address and port it receives from").
 */
import { SourceStatistics, type SequenceVerdict } from './source-stats.js';
import type { RtpLatch } from './rtp-latch.js';
import type { RtpPacket } from './rtp-packet.js';
import type { PayloadKind, TransportAddress } from './rtp-session-types.js';

export function sameAddress(a: TransportAddress | undefined, b: TransportAddress | undefined): boolean {
  return a !== undefined && b !== undefined && a.port === b.port && a.address === b.address;
}

export function formatAddress(a: TransportAddress): string {
  return a.address.includes(':') ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}

/** What to do with one received packet. */
export type ReceiveDecision =
  | { readonly action: 'discard'; readonly reason: 'unknownPayloadType' | 'foreign' | 'sequence' }
  | { readonly action: 'hold' }
  | { readonly action: 'duplicate'; readonly kind: PayloadKind }
  | {
      readonly action: 'deliver';
      readonly kind: PayloadKind;
      /** Packets held during probation, to deliver before this one. */
      readonly held: readonly RtpPacket[];
      /** Set when this packet made a new source current. */
      readonly newSource?: { readonly ssrc: number; readonly kind: PayloadKind; readonly previous?: number };
      /** Set when the destination moved to the packet's address. */
      readonly latched?: TransportAddress;
    };

const NO_HELD: readonly RtpPacket[] = Object.freeze([]);
/** The decisions without per-packet data, made once (no allocation per packet). */
const DELIVER: Readonly<Record<PayloadKind, ReceiveDecision>> = {
  audio: Object.freeze({ action: 'deliver', kind: 'audio', held: NO_HELD }),
  'telephone-event': Object.freeze({ action: 'deliver', kind: 'telephone-event', held: NO_HELD }),
};
const DUPLICATE: Readonly<Record<PayloadKind, ReceiveDecision>> = {
  audio: Object.freeze({ action: 'duplicate', kind: 'audio' }),
  'telephone-event': Object.freeze({ action: 'duplicate', kind: 'telephone-event' }),
};
const HOLD: ReceiveDecision = Object.freeze({ action: 'hold' });
const DISCARD_UNKNOWN: ReceiveDecision = Object.freeze({ action: 'discard', reason: 'unknownPayloadType' });
const DISCARD_FOREIGN: ReceiveDecision = Object.freeze({ action: 'discard', reason: 'foreign' });
const DISCARD_SEQUENCE: ReceiveDecision = Object.freeze({ action: 'discard', reason: 'sequence' });

interface Candidate {
  readonly stats: SourceStatistics;
  readonly held: RtpPacket[];
  from: TransportAddress;
}

export class RtpReceiver {
  /** The current source per kind (often one source carries both). */
  private readonly current = new Map<PayloadKind, Candidate>();
  /** `current.get('audio')`, at hand for the hot path. */
  private currentAudio: Candidate | undefined;
  /** `payloadTypes` by number (0-127), at hand for the hot path. */
  private readonly kinds: (PayloadKind | undefined)[] = new Array<PayloadKind | undefined>(128).fill(undefined);
  private readonly candidates = new Map<number, Candidate>();
  sourceChanges = 0;
  foreign = 0;
  unknownPayloadType = 0;

  private sdp: TransportAddress | undefined;

  constructor(
    payloadTypes: ReadonlyMap<number, PayloadKind>,
    private readonly clockRate: number,
    /** Where packets may come from and where the stream goes (strict, any, off). */
    readonly latch: RtpLatch,
    /** The peer's SDP address for RTP (also trusted before latching). */
    sdpAddress: TransportAddress | undefined,
  ) {
    for (const [pt, kind] of payloadTypes) if (pt >= 0 && pt < 128) this.kinds[pt] = kind;
    this.sdpAddress = sdpAddress;
  }

  /** Where RTP goes (symmetric RTP), once latched. */
  get latched(): TransportAddress | undefined {
    return this.latch.latched;
  }

  get sdpAddress(): TransportAddress | undefined {
    return this.sdp;
  }

  set sdpAddress(a: TransportAddress | undefined) {
    this.sdp = a;
    this.latch.setSdp(a);
  }

  /** The current audio source (else the events source). */
  get source(): SourceStatistics | undefined {
    return (this.current.get('audio') ?? this.current.get('telephone-event'))?.stats;
  }

  /** What a payload type carries (undefined: not negotiated). Held packets are delivered by their own kind. */
  kindOf(payloadType: number): PayloadKind | undefined {
    return this.kinds[payloadType];
  }

  /** Statistics of a source by SSRC (current or candidate). */
  statsOf(ssrc: number): SourceStatistics | undefined {
    return this.currentBySsrc(ssrc)?.stats ?? this.candidates.get(ssrc)?.stats;
  }

  /**
   * The statistics of the current audio source when `ssrc` is its SSRC and
   * `from` the address its packets came from so far: such a packet needs
   * nothing of `receive` but `SourceStatistics.update` and the verdict
   * (an echo's hot path decides it from the header alone). Undefined
   * otherwise: give the packet to `receive`.
   */
  currentAudioFrom(ssrc: number, from: TransportAddress): SourceStatistics | undefined {
    const c = this.currentAudio;
    return c !== undefined && c.stats.ssrc === ssrc && sameAddress(from, c.from) ? c.stats : undefined;
  }

  private currentBySsrc(ssrc: number): Candidate | undefined {
    for (const c of this.current.values()) if (c.stats.ssrc === ssrc) return c;
    return undefined;
  }

  /**
   * Decide one packet. `lastHeardAt`: when the session last accepted a
   * packet (undefined: never), which tells whether the latched address is
   * silent.
   */
  receive(p: RtpPacket, from: TransportAddress, now: number, lastHeardAt?: number): ReceiveDecision {
    const kind = this.kinds[p.payloadType];
    if (kind === undefined) {
      this.unknownPayloadType++;
      return DISCARD_UNKNOWN;
    }
    if (!this.latch.eligible(from)) {
      this.foreign++;
      return DISCARD_FOREIGN;
    }
    const forJitter = kind === 'audio';
    const cur = this.currentBySsrc(p.ssrc);
    if (cur) {
      const latched = this.latch.latched;
      if (!sameAddress(from, cur.from) && latched !== undefined && !sameAddress(from, latched)) {
        // The current SSRC from another address: an attacker who guessed SSRC and sequence (RTP bleed), or
        // the peer's NAT binding changed. Only a run of them, while the latched address is silent, moves it.
        if (!this.latch.offer(from, p.ssrc, p.sequenceNumber, now, lastHeardAt)) {
          this.foreign++;
          return DISCARD_FOREIGN;
        }
        cur.from = from;
        const v = cur.stats.update(p.sequenceNumber, p.timestamp, now, p.payload.length, forJitter);
        const d = this.verdict(v, kind);
        return d.action === 'deliver' ? { ...d, latched: from } : d;
      }
      const v = cur.stats.update(p.sequenceNumber, p.timestamp, now, p.payload.length, forJitter);
      const d = this.verdict(v, kind);
      if (d.action === 'deliver' && !sameAddress(from, cur.from)) cur.from = from;
      return d;
    }
    // Another SSRC: a candidate source.
    const latchedTo = this.latch.latched;
    if (latchedTo && !sameAddress(from, latchedTo) && !sameAddress(from, this.sdp)) {
      this.foreign++;
      return DISCARD_FOREIGN;
    }
    let c = this.candidates.get(p.ssrc);
    if (!c) {
      if (this.candidates.size >= 8) this.candidates.delete(this.candidates.keys().next().value!);
      c = { stats: new SourceStatistics(p.ssrc, this.clockRate, p.sequenceNumber), held: [], from };
      this.candidates.set(p.ssrc, c);
    }
    c.from = from;
    const v = c.stats.update(p.sequenceNumber, p.timestamp, now, p.payload.length, forJitter);
    if (v === 'probation') {
      // RFC 3550 A.1 restarts probation on a non-sequential packet: keep only the run in progress.
      if (c.held.length && ((p.sequenceNumber - c.held[c.held.length - 1]!.sequenceNumber) & 0xffff) !== 1)
        c.held.length = 0;
      c.held.push(p);
      return HOLD;
    }
    if (v !== 'validated') return this.verdict(v, kind);
    // The candidate is valid: it becomes the current source of its kind — audio when any of its
    // packets so far was audio (an RFC 4733 event may be what completes the probation of the
    // audio stream it shares an SSRC with: a call that starts with a key press).
    this.candidates.delete(p.ssrc);
    const sourceKind: PayloadKind =
      kind === 'audio' || c.held.some((h) => this.kindOf(h.payloadType) === 'audio') ? 'audio' : kind;
    const previous = this.current.get(sourceKind)?.stats.ssrc;
    this.current.set(sourceKind, c);
    if (sourceKind === 'audio') this.currentAudio = c;
    if (previous !== undefined) this.sourceChanges++;
    const held = c.held.splice(0);
    // The first source latches the stream; a new source from the SDP address (the peer restarted its
    // stream there) takes it back to the SDP address.
    let latched: TransportAddress | undefined;
    if (this.latch.latched === undefined) latched = this.latch.first(from);
    else if (!sameAddress(from, this.latch.latched)) latched = this.latch.latched = from;
    return {
      action: 'deliver',
      kind,
      held,
      newSource:
        previous === undefined ? { ssrc: p.ssrc, kind: sourceKind } : { ssrc: p.ssrc, kind: sourceKind, previous },
      ...(latched ? { latched } : {}),
    };
  }

  private verdict(v: SequenceVerdict, kind: PayloadKind): ReceiveDecision {
    switch (v) {
      case 'valid':
      case 'validated':
        return DELIVER[kind];
      case 'duplicate':
        return DUPLICATE[kind];
      case 'probation':
        return HOLD;
      case 'invalid':
        return DISCARD_SEQUENCE;
    }
  }
}
