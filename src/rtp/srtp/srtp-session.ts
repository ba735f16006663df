/**
 * SRTP and SRTCP for one RTP session (RFC 3711), sans-I/O: `protectRtp`,
 * `protectRtcp` for what we send (our master key), `unprotectRtp`,
 * `unprotectRtcp` for what arrives (the peer's master key). Each SSRC has
 * its own cryptographic state (RFC 3711 3.2.3): the rollover counter and
 * highest sequence number (`srtp-index.ts`), the SRTCP index we send, and
 * the replay lists of what we receive (`srtp-replay.ts`).
 *
 * A packet that cannot be read, is replayed or too old, or fails
 * authentication, is dropped: `unprotect*` returns undefined and counts it.
 * Nothing about a stream changes (no new SSRC, no ROC, no replay list)
 * until one of its packets has been authenticated, so a third party
 * without the key moves nothing.
 */
import { RtcpParseError } from '../errors.js';
import { parseRtcp } from '../rtcp-compound.js';
import { deriveSessionKeys } from './srtp-kdf.js';
import { guessRoc, type RolloverState, updateRoc } from './srtp-index.js';
import { DEFAULT_REPLAY_WINDOW, ReplayWindow } from './srtp-replay.js';
import { SRTP_SUITES, type SrtpSuite, type SrtpSuiteName } from './srtp-suites.js';
import { rtpHeaderLength, SrtpTransform } from './srtp-transform.js';

/** A master key and salt (RFC 3711 8.2; SDES `inline:` carries them concatenated). */
export interface SrtpMasterKey {
  readonly key: Uint8Array;
  readonly salt: Uint8Array;
}

export interface SrtpSessionOptions {
  readonly suite: SrtpSuiteName;
  /** Our master key: what we send is protected with it. */
  readonly local: SrtpMasterKey;
  /** The peer's master key: what arrives is checked and decrypted with it. */
  readonly remote: SrtpMasterKey;
  /** Packets in the replay window of each received stream (RFC 3711 3.3.2). Default 64. */
  readonly replayWindow?: number;
  /** Streams (SSRCs) kept per direction; the oldest is forgotten past it. Default 32. */
  readonly maxStreams?: number;
}

/** What happened to one direction's packets of one kind. */
export interface SrtpCounters {
  /** Packets protected (sent) or authenticated and decrypted (received). */
  ok: number;
  /** Received packets whose authentication tag was wrong (a wrong key, tampering, noise). */
  authFailed: number;
  /** Received packets already seen or older than the replay window. */
  replayed: number;
  /** Received packets too short or not RTP/RTCP at all. */
  malformed: number;
  /**
   * Received RTCP sent in clear text where SRTCP was due: a compound whose
   * length fields fill the datagram exactly, with no room for the SRTCP
   * index and tag (baresip sends its RTCP BYE so as a call ends). Dropped,
   * like a failure, but not a wrong key or tampering. Always 0 for RTP,
   * where clear text cannot be told from a wrong tag.
   */
  unprotected: number;
}

export interface SrtpStats {
  readonly suite: SrtpSuiteName;
  readonly sent: { readonly rtp: number; readonly rtcp: number };
  readonly received: { readonly rtp: SrtpCounters; readonly rtcp: SrtpCounters };
  /** Received RTP and RTCP packets that failed authentication. */
  readonly authFailed: number;
  /**
   * SRTCP packets received with the SRTP tag's length, 32 bits, where RFC
   * 4568 6.2.2 asks 80 for AES_CM_128_HMAC_SHA1_32 (libre, so baresip,
   * sends them so): authenticated with that tag and counted in `ok`. Once
   * one came, our SRTCP to that peer carries the short tag too, or it could
   * not read our reports. Always 0 for the other suites.
   */
  readonly rtcpShortTags: number;
}

interface SendStream extends RolloverState {
  /** The next SRTCP index (RFC 3711 3.3.2: "set to zero before the first SRTCP packet is sent"). */
  rtcpIndex: number;
}

interface ReceiveStream extends RolloverState {
  readonly rtp: ReplayWindow;
  readonly rtcp: ReplayWindow;
}

const counters = (): SrtpCounters => ({ ok: 0, authFailed: 0, replayed: 0, malformed: 0, unprotected: 0 });

/**
 * @example
 * const srtp = new SrtpSession({ suite: 'AES_CM_128_HMAC_SHA1_80', local: ours, remote: theirs });
 * socket.send(srtp.protectRtp(rtpBytes));
 * const rtp = srtp.unprotectRtp(datagram); // undefined: dropped (counted in srtp.stats())
 */
export class SrtpSession {
  readonly suite: SrtpSuite;
  private readonly out: SrtpTransform;
  private readonly in: SrtpTransform;
  private readonly sending = new Map<number, SendStream>();
  private readonly receiving = new Map<number, ReceiveStream>();
  private readonly window: number;
  private readonly maxStreams: number;
  private readonly sent = { rtp: 0, rtcp: 0 };
  private readonly received = { rtp: counters(), rtcp: counters() };
  /** The suite's SRTP tag when it is shorter than its SRTCP tag (AES_CM_128_HMAC_SHA1_32), else undefined. */
  private readonly shortTag: number | undefined;
  private rtcpShortTags = 0;

  constructor(opts: SrtpSessionOptions) {
    const suite = SRTP_SUITES[opts.suite];
    this.suite = suite;
    for (const [who, k] of [
      ['local', opts.local],
      ['remote', opts.remote],
    ] as const)
      if (k.key.length !== suite.keyLength || k.salt.length !== suite.saltLength)
        throw new RangeError(
          `${who} ${suite.name} master key: ${k.key.length}+${k.salt.length} bytes, ` +
            `needs ${suite.keyLength}+${suite.saltLength}`,
        );
    const mine = deriveSessionKeys(suite, opts.local.key, opts.local.salt);
    const theirs = deriveSessionKeys(suite, opts.remote.key, opts.remote.salt);
    this.out = new SrtpTransform(suite, mine.rtp, mine.rtcp);
    this.in = new SrtpTransform(suite, theirs.rtp, theirs.rtcp);
    this.shortTag = suite.kind === 'cm' && suite.rtpTagLength < suite.rtcpTagLength ? suite.rtpTagLength : undefined;
    this.window = opts.replayWindow ?? DEFAULT_REPLAY_WINDOW;
    new ReplayWindow(this.window); // validates the size now, not at the first packet
    this.maxStreams = opts.maxStreams ?? 32;
  }

  /** SRTP of an RTP packet we send. Throws a RangeError when the bytes are not an RTP packet (our bug). */
  protectRtp(packet: Uint8Array): Uint8Array {
    const h = rtpHeaderLength(packet);
    if (h === undefined) throw new RangeError('protectRtp: not an RTP packet');
    const ssrc = ssrcAt(packet, 8);
    const seq = (packet[2]! << 8) | packet[3]!;
    const s = this.sendStream(ssrc);
    // Our own sequence numbers only go forward: the receiver's estimate is the sender's ROC too.
    const v = Math.max(guessRoc(s, seq), 0);
    updateRoc(s, v, seq);
    this.sent.rtp++;
    return this.out.protectRtp(packet, h, v);
  }

  /** SRTCP of an RTCP compound packet we send. */
  protectRtcp(packet: Uint8Array): Uint8Array {
    if (packet.length < 8) throw new RangeError('protectRtcp: not an RTCP packet');
    const s = this.sendStream(ssrcAt(packet, 4));
    const index = s.rtcpIndex;
    // RFC 3711 3.3.2: "incremented by one, modulo 2^31, after each SRTCP packet is sent".
    s.rtcpIndex = (index + 1) & 0x7fffffff;
    this.sent.rtcp++;
    return this.out.protectRtcp(packet, index, this.rtcpShortTags > 0 ? this.shortTag : undefined);
  }

  /** The RTP packet of an SRTP packet received, or undefined: dropped (malformed, replayed, not authentic). */
  unprotectRtp(packet: Uint8Array): Uint8Array | undefined {
    const c = this.received.rtp;
    const h = rtpHeaderLength(packet);
    if (h === undefined || packet.length < h + this.suite.rtpTagLength) {
      c.malformed++;
      return undefined;
    }
    const ssrc = ssrcAt(packet, 8);
    const seq = (packet[2]! << 8) | packet[3]!;
    const known = this.receiving.get(ssrc);
    const s = known ?? this.newReceiveStream();
    const v = guessRoc(s, seq);
    const index = v * 0x10000 + seq;
    // RFC 3711 3.3: the replay check comes before authentication, the list's update after it.
    if (v < 0 || s.rtp.check(index) !== 'new') {
      c.replayed++;
      return undefined;
    }
    const plain = this.in.unprotectRtp(packet, h, v);
    if (!plain) {
      c.authFailed++;
      return undefined;
    }
    s.rtp.accept(index);
    updateRoc(s, v, seq);
    if (!known) this.keep(this.receiving, ssrc, s);
    c.ok++;
    return plain;
  }

  /** The RTCP compound packet of an SRTCP packet received, or undefined: dropped. */
  unprotectRtcp(packet: Uint8Array): Uint8Array | undefined {
    const c = this.received.rtcp;
    if (packet.length < 8 + 4 + (this.shortTag ?? this.suite.rtcpTagLength) || packet[0]! >> 6 !== 2) {
      if (isPlainRtcp(packet)) c.unprotected++;
      else c.malformed++;
      return undefined;
    }
    const ssrc = ssrcAt(packet, 4);
    const known = this.receiving.get(ssrc);
    const s = known ?? this.newReceiveStream();
    // The suite's own tag first; for AES_CM_128_HMAC_SHA1_32 then the SRTP tag's length (see `rtcpShortTags`).
    let verdict = this.unprotectRtcpAs(packet, s, this.suite.rtcpTagLength);
    if (typeof verdict === 'string' && this.shortTag !== undefined) {
      const short = this.unprotectRtcpAs(packet, s, this.shortTag);
      if (typeof short !== 'string') this.rtcpShortTags++;
      verdict = typeof short !== 'string' || short === 'replayed' ? short : verdict;
    }
    if (typeof verdict === 'string') {
      // Clear text has no index: whatever a layout read as one (even a "replay") says nothing.
      if (isPlainRtcp(packet)) c.unprotected++;
      else if (verdict === 'replayed') c.replayed++;
      else c.authFailed++;
      return undefined;
    }
    if (!known) this.keep(this.receiving, ssrc, s);
    c.ok++;
    return verdict;
  }

  /** One SRTCP layout: the RTCP packet (its index accepted), or why not. */
  private unprotectRtcpAs(
    packet: Uint8Array,
    s: ReceiveStream,
    tagLength: number,
  ): Uint8Array | 'replayed' | 'authFailed' {
    // The index travels in the packet (no estimation), before or after the tag depending on the suite.
    const at = this.suite.kind === 'gcm' ? packet.length - 4 : packet.length - tagLength - 4;
    const index = ssrcAt(packet, at) & 0x7fffffff;
    if (s.rtcp.check(index) !== 'new') return 'replayed';
    const r = this.in.unprotectRtcp(packet, tagLength);
    if (!r) return 'authFailed';
    s.rtcp.accept(index);
    return r.packet;
  }

  /** Received packets that failed authentication so far (RTP and RTCP). */
  get authFailures(): number {
    return this.received.rtp.authFailed + this.received.rtcp.authFailed;
  }

  stats(): SrtpStats {
    const { rtp, rtcp } = this.received;
    return {
      suite: this.suite.name,
      sent: { ...this.sent },
      received: { rtp: { ...rtp }, rtcp: { ...rtcp } },
      authFailed: rtp.authFailed + rtcp.authFailed,
      rtcpShortTags: this.rtcpShortTags,
    };
  }

  private sendStream(ssrc: number): SendStream {
    let s = this.sending.get(ssrc);
    if (!s) {
      s = { roc: 0, sl: -1, rtcpIndex: 0 };
      this.keep(this.sending, ssrc, s);
    }
    return s;
  }

  private newReceiveStream(): ReceiveStream {
    return { roc: 0, sl: -1, rtp: new ReplayWindow(this.window), rtcp: new ReplayWindow(this.window) };
  }

  private keep<T>(map: Map<number, T>, ssrc: number, s: T): void {
    if (map.size >= this.maxStreams) {
      const oldest = map.keys().next();
      if (!oldest.done) map.delete(oldest.value);
    }
    map.set(ssrc, s);
  }
}

/**
 * Whether a datagram is an RTCP compound in clear text: it passes RFC 3550
 * A.2 (`parseRtcp`: version 2, lengths that add up to the datagram
 * exactly; reduced-size allowed). An SRTCP packet has its index and tag
 * after the compound (and, encrypted, only its first header in clear), so
 * it does not.
 */
function isPlainRtcp(b: Uint8Array): boolean {
  try {
    parseRtcp(b, { requireReport: false });
    return true;
  } catch (e) {
    if (e instanceof RtcpParseError) return false;
    throw e;
  }
}

function ssrcAt(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}
