/** The shapes a `Call` shows: why it ended, its events and its statistics (plain JSON). */
import type { RtpSessionStats } from '../rtp/rtp-session-types.js';
import type { SrtpStats } from '../rtp/srtp/srtp-session.js';

/**
 * Why a call ended:
 * - `hangup`: we hung up (BYE, or CANCEL before the answer);
 * - `remote-hangup`: the other side hung up (BYE);
 * - `cancelled`: the caller gave up before we answered;
 * - `rejected`: the callee refused (a 3xx-6xx final response: see `status`);
 * - `busy`: the callee was busy (486 Busy Here, 600 Busy Everywhere);
 * - `no-answer`: nobody answered in time (we sent CANCEL), or 408/480;
 * - `rtp-timeout`: no media arrived for the RTP timeout;
 * - `failed`: a network or protocol failure (no response, a transport
 *   error, an SDP answer that does not fit the offer, no ACK);
 * - `transferred`: the call was handed on — we transferred the peer
 *   (REFER, RFC 3515) and it reached the target, or we followed the peer's
 *   REFER and the peer then hung up;
 * - `replaced`: another call took its place (an INVITE with Replaces, RFC 3891);
 * - `shutdown`: the phone was closed.
 */
export type CallEndReason =
  | 'hangup'
  | 'remote-hangup'
  | 'cancelled'
  | 'rejected'
  | 'busy'
  | 'no-answer'
  | 'rtp-timeout'
  | 'failed'
  | 'transferred'
  | 'replaced'
  | 'shutdown';

/** How a call ended. */
export interface CallEnd {
  readonly reason: CallEndReason;
  /** The SIP status that ended it, when there was one (the final response, 487 for a CANCEL…). */
  readonly status?: number;
  /** One line for people. */
  readonly message: string;
  /** Whether the call was ever answered. */
  readonly answered: boolean;
  /** From the answer to the end, ms (0 when never answered). */
  readonly durationMs: number;
}

/** How a DTMF key reached us: RFC 4733 events, SIP INFO, or tones in the audio. */
export type DtmfHow = 'rfc4733' | 'info' | 'inband';

export interface DtmfReceived {
  /** 0-9 * # A-D. */
  readonly digit: string;
  /** How long the key was held, ms (when the peer said). */
  readonly durationMs?: number;
  readonly how: DtmfHow;
}

/** How to send DTMF: `auto` is RFC 4733 when the peer has telephone-event, else in-band tones. */
export type DtmfMode = 'auto' | 'rfc4733' | 'info' | 'inband';

export interface AnsweredInfo {
  /** The codec we send (`PCMU`, `PCMA`, `GSM`). */
  readonly codec: string;
  /** Where our RTP goes (`host:port`), when the peer gave an address. */
  readonly peer?: string;
  /** The remote party (From of an incoming call, To of an outgoing one). */
  readonly remote: string;
  /** Whether RFC 4733 telephone-event was negotiated. */
  readonly telephoneEvent: boolean;
}

/** How a transfer we asked for goes: the status of the transferee's call to the target (RFC 3515 sipfrag). */
export interface TransferProgress {
  readonly status: number;
  readonly reason: string;
}

export interface HoldChange {
  /** Whether the media is held after the change. */
  readonly held: boolean;
  /** Who changed it: we sent the re-INVITE (`local`) or the peer did (`remote`). */
  readonly by: 'local' | 'remote';
  /** The direction our media takes now. */
  readonly direction: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
}

/** A call's statistics (what `shtoom call` prints and `--json` holds). */
export interface CallStats {
  readonly durationMs: number;
  readonly codec: string;
  readonly sent: { readonly packets: number; readonly bytes: number; readonly dtmfEvents: number };
  readonly received: {
    readonly packets: number;
    /** Packets never received (RFC 3550 A.3). */
    readonly lost: number;
    readonly expected: number;
    /** lost / expected, in percent. */
    readonly lossPercent: number;
    /** RFC 3550 A.8 interarrival jitter, ms: the last estimate and its largest value. */
    readonly jitterMs: number;
    readonly maxJitterMs: number;
  };
  /** What the peer's RTCP reports say about our stream, if it sent any. */
  readonly remote?: {
    readonly lost: number;
    /** Percent of our packets the peer says it lost (over the packets we had sent at its last report). */
    readonly lossPercent: number;
    readonly jitterMs: number;
  };
  /** RTCP round-trip time (RFC 3550 6.4.1), ms, when measured. */
  readonly rttMs?: number;
  /**
   * The playout side: delay of the jitter buffer, frames played from
   * packets, frames concealed, and of those the frames rebuilt from the
   * next packet's in-band FEC (Opus).
   */
  readonly playout?: {
    readonly delayMs: number;
    readonly played: number;
    readonly concealed: number;
    readonly late: number;
    readonly recovered: number;
  };
  /** Everything the RTP session counts. */
  readonly rtp: RtpSessionStats;
  /** SRTP (when the call uses it): the suite, packets protected and checked, and those dropped. */
  readonly srtp?: SrtpStats;
}
