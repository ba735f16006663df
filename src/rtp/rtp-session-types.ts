/**
 * Types of the RTP session core (`rtp-session.ts`): its options, what it
 * transmits, the events it emits and its statistics (a plain JSON shape).
 */
import type { DtmfEvent, DtmfReceiverOptions } from './dtmf-receiver.js';
import type { DtmfSenderOptions } from './dtmf-sender.js';
import type { JitterBufferOptions, JitterBufferStats } from './jitter-buffer.js';
import type { SourceStatsJson } from './source-stats.js';

/** A UDP endpoint. */
export interface TransportAddress {
  readonly address: string;
  readonly port: number;
}

export type MediaDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** What a payload type carries. */
export type PayloadKind = 'audio' | 'telephone-event';

export interface RtpSessionOptions {
  /** Send RTP here (from the peer's SDP). Until set, nothing is sent (and the first valid source is latched). */
  readonly remoteRtp?: TransportAddress;
  /** Send RTCP here (RFC 3605 `a=rtcp`). Default: the RTP port + 1, or the RTP address with rtcp-mux. */
  readonly remoteRtcp?: TransportAddress;
  /** RTP and RTCP on one port (RFC 5761). Default false. */
  readonly rtcpMux?: boolean;
  /** Payload type and clock rate we send audio with. */
  readonly payloadType: number;
  readonly clockRate: number;
  /** Samples per packet time. Default 20 ms worth (160 at 8 kHz). */
  readonly samplesPerFrame?: number;
  /** Payload types accepted from the peer, and what they carry. Default: `payloadType` as audio (+ telephone-event). */
  readonly receivePayloadTypes?: ReadonlyMap<number, PayloadKind>;
  /** RFC 4733 payload type (sent and accepted), if negotiated. */
  readonly telephoneEventPayloadType?: number;
  /** Symmetric RTP (RFC 4961): send to where the peer's valid packets come from. Default true. */
  readonly symmetric?: boolean;
  /** Initial direction. Default sendrecv. */
  readonly direction?: MediaDirection;
  /** Our SSRC; default random. */
  readonly ssrc?: number;
  /** RTCP CNAME (RFC 3550 6.5.1). Default `shtoom@<random>`. */
  readonly cname?: string;
  /** Uniform random numbers in [0, 1): SSRC, sequence and timestamp bases, RTCP intervals. Default: crypto. */
  readonly random?: () => number;
  /** RFC 3550 6.2 minimum RTCP interval, ms. Default 5000. 0 disables RTCP reports. */
  readonly rtcpIntervalMs?: number;
  /** RTCP bandwidth in bytes/s (5 % of the session's). Default 500. */
  readonly rtcpBandwidth?: number;
  /** Emit `timeout` when no RTP arrives for this long while receiving, ms. 0 (default): never. */
  readonly rtpTimeoutMs?: number;
  /** Unix time minus monotonic time, ms: how `now` maps to the NTP timestamps of sender reports. Default 0. */
  readonly wallClockOffsetMs?: number;
  /** The jitter buffer for received audio; `false` to emit raw `rtp` events instead. */
  readonly jitterBuffer?: JitterBufferOptions | false;
  /** Emit an `rtp` event for every accepted packet (also with a jitter buffer). Default false. */
  readonly emitPackets?: boolean;
  /**
   * An echo service: every accepted packet, audio and RFC 4733 events alike,
   * is sent straight back re-originated (see `RtpSession.relay`) as soon as
   * it is accepted, instead of being emitted as an `rtp` event (unless
   * `emitPackets`). `samplesOf` gives the media time an audio payload of
   * that type covers (it moves our media clock). Without a jitter buffer,
   * a packet of the current source arriving from where it came from before
   * is relayed without building a packet object. With `inPlace`, the
   * datagrams given to `handleDatagram` are the session's to change (each a
   * buffer of its own that nothing reads afterwards, as a UDP socket's
   * are): such a packet is re-originated in its own bytes and sent from
   * them, with no copy; without it, the input is never written to.
   */
  readonly reflect?: {
    readonly samplesOf: (payloadType: number, payloadBytes: number) => number;
    readonly inPlace?: boolean;
  };
  /**
   * Send only to where the peer's packets come from until `confirm()`: the
   * callee's media before the ACK of its 2xx, when the SDP address is not
   * yet vouched for (an INVITE may name a third party it wants flooded).
   * RTP then goes to the latched address only (none before the peer's first
   * valid packet), RTCP likewise — but for the first packet `sendFrame`
   * sends, which goes to the SDP address to open our own NAT's mapping
   * (one packet: no amplification). Default false.
   */
  readonly unconfirmed?: boolean;
  readonly dtmf?: DtmfSenderOptions;
  readonly dtmfReceiver?: DtmfReceiverOptions;
}

/** A datagram to send. With rtcp-mux, `channel: 'rtcp'` still goes out of the RTP socket. */
export interface RtpTransmit {
  readonly data: Uint8Array;
  readonly to: TransportAddress;
  readonly channel: 'rtp' | 'rtcp';
}

/** What the peer says about our stream in its reports. */
export interface RemoteReport {
  readonly fractionLost: number;
  readonly cumulativeLost: number;
  readonly jitterMs: number;
  readonly highestSequence: number;
}

export type RtpSessionEvent =
  /** An accepted media packet (only with `emitPackets`, or without a jitter buffer when not reflecting). */
  | {
      readonly type: 'rtp';
      readonly packet: import('./rtp-packet.js').RtpPacket;
      readonly kind: PayloadKind;
      readonly arrival: number;
    }
  | { readonly type: 'dtmf'; readonly event: DtmfEvent }
  /** We now send to `address` (symmetric RTP/RTCP). */
  | { readonly type: 'latched'; readonly channel: 'rtp' | 'rtcp'; readonly address: TransportAddress }
  /** A remote source became valid; `previous` is set when it replaced another (SSRC change). */
  | { readonly type: 'source'; readonly ssrc: number; readonly kind: PayloadKind; readonly previous?: number }
  /** An RTCP report from the peer: what it says about our stream, and the round-trip time. */
  | { readonly type: 'report'; readonly ssrc: number; readonly remote?: RemoteReport; readonly rttMs?: number }
  | { readonly type: 'bye'; readonly ssrc: number; readonly reason?: string }
  /** No RTP for `rtpTimeoutMs` while receiving. */
  | { readonly type: 'timeout'; readonly silentMs: number };

export interface RttStats {
  readonly lastMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  readonly meanMs: number;
  readonly samples: number;
}

/** The session's statistics, as plain JSON. */
export interface RtpSessionStats {
  readonly ssrc: number;
  readonly remoteSsrc?: number;
  /** Where RTP goes now (`host:port`), if anywhere. */
  readonly remote?: string;
  readonly latched: boolean;
  readonly direction: MediaDirection;
  readonly sent: {
    readonly packets: number;
    readonly bytes: number;
    readonly dtmfEvents: number;
    readonly rtcp: number;
  };
  /** The current remote source (RFC 3550 A.1/A.3/A.8 figures), if any. */
  readonly received?: SourceStatsJson;
  readonly rtcpReceived: number;
  readonly discarded: {
    readonly malformed: number;
    readonly unknownPayloadType: number;
    /** From another address than the one latched, with an unknown SSRC (stray or injected). */
    readonly foreign: number;
    readonly rtcpMalformed: number;
  };
  readonly sourceChanges: number;
  readonly rtt?: RttStats;
  readonly remoteReport?: RemoteReport;
  readonly jitterBuffer?: JitterBufferStats;
}

/** Where the session sends now: shared with its reflector (read per packet, changed by the session). */
export interface RtpRoute {
  /** The destination of our RTP (undefined: nowhere yet). */
  to: TransportAddress | undefined;
  /** Whether our direction sends (not on hold). */
  sending: boolean;
}

/**
 * When RTP last arrived, and what each side sent since the last RTCP report:
 * shared by the session, its reflector and its reporter (numbers and flags,
 * so nothing is allocated per packet).
 */
export interface RtpActivity {
  /** When RTP last arrived; meaningful once `heard`. */
  lastRtpAt: number;
  heard: boolean;
  /** The RTP timeout fired and nothing arrived since. */
  timedOut: boolean;
  /** RTP arrived since the last RTCP report. */
  remoteSentSince: boolean;
  /** We sent RTP since the last RTCP report. */
  weSentSince: boolean;
}

export type { DtmfEvent, DtmfReceiverOptions, DtmfSenderOptions };
