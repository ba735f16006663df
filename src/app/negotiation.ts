/**
 * One call's offer/answer state (RFC 3264): our offers and the answers to
 * them, the peer's offers and our answers, what is agreed now, the hold
 * state both ways, and early media. Pure: SDP in, SDP and `NegotiatedMedia`
 * out; the call sends and receives the bodies.
 *
 * The exchanges a call goes through:
 * - outgoing: our offer in the INVITE; its answer in a 18x (early media,
 *   RFC 3261 13.2.1) and/or the 2xx (`takeAnswer`, `takeFinalAnswer`);
 * - incoming: the peer's offer in the INVITE, our answer in the 2xx
 *   (`answerOffer`); or no offer (a delayed offer): ours in the 2xx, its
 *   answer in the ACK (`offer`, `takeAnswer`);
 * - in the call: a re-INVITE from the peer (`answerReoffer`: the codec and
 *   rtcp-mux cannot change), or ours for hold and resume (`reoffer`,
 *   `takeReanswer`, RFC 3264 8.4).
 */
import { randomBytes } from 'node:crypto';
import type { Codec } from '../codecs/codec.js';
import { SRTP_SUITES, type SrtpSuiteName } from '../rtp/srtp/srtp-suites.js';
import type { RtpChannel } from '../rtp/rtp-channel.js';
import type { MediaDirection } from '../rtp/rtp-session-types.js';
import { SdpNegotiationError } from '../sdp/errors.js';
import { isTelephoneEvent } from '../sdp/media-format.js';
import { createAnswer, createOffer, processAnswer, type LocalSrtp, type NegotiatedMedia } from '../sdp/offer-answer.js';
import { parseSdp } from '../sdp/parse.js';
import type { SessionDescription } from '../sdp/types.js';
import { currentFormats, formatsFor, SdpOrigin } from './sdp-local.js';

export interface NegotiationOptions {
  /** The call's RTP sockets: their address and ports go in our descriptions. */
  readonly channel: RtpChannel;
  /** The address our SDP names when the channel is bound to a wildcard. */
  readonly address: () => string;
  /** Offer and accept rtcp-mux (RFC 5761). */
  readonly rtcpMux: boolean;
  /** Uniform in [0, 1): the `o=` session id and first version. */
  readonly random?: () => number;
  /** Accept offers whose connection address is a multicast group (default: refused). */
  readonly allowMulticast?: boolean;
  /** SRTP with SDES keys (default: off). */
  readonly srtp?: SrtpSettings;
  /**
   * The transport of the call's signalling (`tls` keeps SDES keys
   * confidential); undefined while unknown.
   */
  readonly signalling?: () => string | undefined;
  /** Random bytes for SRTP master keys (default: `crypto.randomBytes`). */
  readonly randomBytes?: (n: number) => Uint8Array;
}

/** The SRTP options of the calls of a phone (`--srtp`, `--srtp-suites`, `--srtp-allow-insecure-keys`). */
export interface SrtpSettings {
  readonly mode: 'off' | 'optional' | 'mandatory';
  /** Suites offered and accepted, in our order of preference. */
  readonly suites: readonly SrtpSuiteName[];
  /** Keys may go in SDP over signalling that is not TLS (anyone on the path reads them). */
  readonly allowInsecureKeys: boolean;
  /** The replay window of received streams, packets (RFC 3711 3.3.2; default 64). */
  readonly replayWindow?: number;
}

/** A re-INVITE's offer we refuse, with the status to answer. */
export interface Refusal {
  readonly status: number;
  readonly reason: string;
}

/**
 * Our SRTP side for a first offer or answer: undefined with `--srtp off`,
 * or when keys may not go over this signalling and SRTP is only optional.
 * Mandatory SRTP whose keys may not go over this signalling throws
 * `SdpNegotiationError` (488 for an offer; the call fails for ours).
 * `keys` gives our key for each suite (zeros will do to screen an offer).
 */
export function localSrtp(
  s: SrtpSettings | undefined,
  transport: string | undefined,
  keys: (suites: readonly SrtpSuiteName[]) => LocalSrtp['keys'],
): LocalSrtp | undefined {
  if (!s || s.mode === 'off') return undefined;
  // RFC 4568 8.3: the keys are in the clear in SDP: only signalling that is encrypted keeps them secret.
  if (transport !== 'tls' && !s.allowInsecureKeys) {
    const over = `${transport ?? 'unencrypted'} signalling: use TLS, or --srtp-allow-insecure-keys`;
    if (s.mode === 'mandatory') throw new SdpNegotiationError(`SRTP is mandatory but its keys would go over ${over}`);
    return { mode: 'optional', keys: [], unavailable: `SRTP keys may not go over ${over}` };
  }
  return { mode: s.mode, keys: keys(s.suites) };
}

/** Our SRTP side to screen an offer before its call exists (zero keys: the answer is thrown away). */
export function screeningSrtp(s: SrtpSettings | undefined, transport: string | undefined): LocalSrtp | undefined {
  return localSrtp(s, transport, (suites) =>
    suites.map((suite) => ({
      suite,
      keySalt: new Uint8Array(SRTP_SUITES[suite].keyLength + SRTP_SUITES[suite].saltLength),
    })),
  );
}

function text(body: Uint8Array): string {
  return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
}

/** Whether two negotiations send the same codec to the same place (early media may go on as the call's media). */
export function sameStream(a: NegotiatedMedia, b: NegotiatedMedia): boolean {
  const at = (x: NegotiatedMedia) => (x.remoteRtp ? `${x.remoteRtp.address}:${x.remoteRtp.port}` : '');
  return (
    at(a) === at(b) &&
    a.send.payloadType === b.send.payloadType &&
    a.send.name === b.send.name &&
    a.rtcpMux === b.rtcpMux &&
    a.srtp?.suite === b.srtp?.suite &&
    Buffer.from(a.srtp?.remote ?? new Uint8Array(0)).equals(Buffer.from(b.srtp?.remote ?? new Uint8Array(0)))
  );
}

/**
 * @example
 * const n = new Negotiation({ channel, address: () => '192.0.2.1', rtcpMux: true });
 * const offer = n.offer(codecs);                 // into the INVITE
 * const media = n.takeFinalAnswer(twoHundred.body).media; // from the 2xx
 */
export class Negotiation {
  /** What is agreed now (undefined until the first answer). */
  current: NegotiatedMedia | undefined;
  /** The direction we asked for last (`sendonly` while we hold the peer). */
  localDirection: MediaDirection = 'sendrecv';
  /** Whether the peer holds the stream now. */
  remoteHeld = false;
  /** Our offer waiting for its answer. */
  private offered: SessionDescription | undefined;
  /** The answer a provisional response carried (early media), until the 2xx. */
  private early: NegotiatedMedia | undefined;
  private readonly origin: SdpOrigin;

  /** Our SRTP keys of this call, one per suite (drawn at the first description that needs them). */
  private keys: LocalSrtp['keys'] | undefined;

  constructor(private readonly o: NegotiationOptions) {
    this.origin = new SdpOrigin(o.random, { allowMulticast: o.allowMulticast ?? false });
  }

  /** Our description now, for `formats` and `direction` (a new `o=` version each time). */
  private local(
    formats: Parameters<typeof createOffer>[0]['formats'],
    direction: MediaDirection,
    rtcpMux: boolean,
    srtp: LocalSrtp | undefined,
  ) {
    const l = this.origin.local(this.o.channel, this.o.address(), formats, direction, rtcpMux);
    return srtp ? { ...l, srtp } : l;
  }

  /**
   * Our SRTP side for the first exchange: undefined with `--srtp off`, or
   * when keys may not go over this signalling and SRTP is only optional.
   * Mandatory SRTP whose keys may not go over this signalling throws
   * `SdpNegotiationError` (488 for an offer; the call fails for ours).
   */
  private srtp(): LocalSrtp | undefined {
    const draw = this.o.randomBytes ?? ((n: number) => new Uint8Array(randomBytes(n)));
    return localSrtp(this.o.srtp, this.o.signalling?.(), (suites) => {
      this.keys ??= suites.map((suite) => ({
        suite,
        keySalt: draw(SRTP_SUITES[suite].keyLength + SRTP_SUITES[suite].saltLength),
      }));
      return this.keys;
    });
  }

  /** During a call: the SRTP agreed stays (same suite, our same key), in the profile first agreed. */
  private currentSrtp(current: NegotiatedMedia): LocalSrtp | undefined {
    const c = current.srtp;
    if (!c) return undefined;
    return {
      mode: current.proto === 'RTP/SAVP' ? 'mandatory' : 'optional',
      keys: [{ suite: c.suite, keySalt: c.local }],
    };
  }

  /** A re-negotiation must keep the SRTP of the call (keys are not changed during a call). */
  private sameSrtp(current: NegotiatedMedia, media: NegotiatedMedia): boolean {
    const a = current.srtp;
    const b = media.srtp;
    if (!a || !b) return a === b;
    return a.suite === b.suite && Buffer.from(a.remote).equals(Buffer.from(b.remote));
  }

  /** Our first offer: in the INVITE, or in the 2xx of an INVITE that had none. */
  offer(codecs: readonly Codec[]): SessionDescription {
    const offer = createOffer(this.local(formatsFor(codecs), 'sendrecv', this.o.rtcpMux, this.srtp()));
    this.offered = offer;
    return offer;
  }

  /** The answer to our first offer (the 2xx's, the ACK's): what it agrees. Throws on a bad or unfitting one. */
  takeAnswer(body: Uint8Array): NegotiatedMedia {
    const media = this.answerOf(body);
    this.agree(media);
    this.remoteHeld = media.remoteHold;
    return media;
  }

  private answerOf(body: Uint8Array): NegotiatedMedia {
    if (!this.offered) throw new SdpNegotiationError('an answer without an offer of ours');
    if (body.length === 0) throw new SdpNegotiationError('no SDP answer to our offer');
    return processAnswer(this.offered, parseSdp(text(body)));
  }

  /**
   * A provisional response's SDP: the answer to our offer, and early media
   * from now on. Only the first is used; one that does not fit is ignored
   * (the 2xx decides). Undefined when there is nothing (new) to play.
   */
  takeEarlyAnswer(body: Uint8Array): NegotiatedMedia | undefined {
    if (this.early || body.length === 0) return undefined;
    let media: NegotiatedMedia;
    try {
      media = this.answerOf(body);
    } catch {
      return undefined;
    }
    // The offer stays open: the 2xx answers it too (the same answer, or another fork's).
    this.early = this.current = media;
    this.remoteHeld = media.remoteHold;
    return media;
  }

  /**
   * The 2xx's SDP. It repeats the early media's answer or has none: the
   * same stream goes on (`restart` false); it answers differently (another
   * fork): the media must restart on the same sockets.
   */
  takeFinalAnswer(body: Uint8Array): { media: NegotiatedMedia; restart: boolean } {
    const early = this.early;
    this.early = undefined;
    if (early && body.length === 0) {
      this.offered = undefined;
      return { media: early, restart: false };
    }
    const media = this.takeAnswer(body);
    return { media, restart: early !== undefined && !sameStream(early, media) };
  }

  /** Our answer to the peer's first offer (the 2xx of an incoming call). Throws `SdpNegotiationError` (488). */
  answerOffer(
    offer: SessionDescription,
    codecs: readonly Codec[],
  ): { answer: SessionDescription; media: NegotiatedMedia } {
    const r = createAnswer(offer, this.local(formatsFor(codecs), 'sendrecv', this.o.rtcpMux, this.srtp()));
    this.agree(r.media);
    this.remoteHeld = r.media.remoteHold;
    return r;
  }

  /**
   * The peer's re-INVITE offer (hold, resume, a new address). The codec in
   * use and rtcp-mux must stay (488 otherwise); our direction stays ours.
   */
  answerReoffer(offer: SessionDescription): { answer: SessionDescription; media: NegotiatedMedia } | Refusal {
    const current = this.current;
    if (!current) return { status: 491, reason: 'Request Pending' };
    let answer: SessionDescription;
    let media: NegotiatedMedia;
    try {
      const formats = currentFormats(current).filter((f) => !isTelephoneEvent(f) || current.telephoneEvent);
      ({ answer, media } = createAnswer(
        offer,
        this.local(formats, this.localDirection, this.o.rtcpMux, this.currentSrtp(current)),
      ));
    } catch (err) {
      const reason = err instanceof SdpNegotiationError ? err.reason.slice(0, 100) : 'Not Acceptable Here';
      return { status: 488, reason };
    }
    if (media.send.name.toLowerCase() !== current.send.name.toLowerCase() || media.rtcpMux !== current.rtcpMux)
      return { status: 488, reason: 'the codec and rtcp-mux cannot change during a call' };
    if (!this.sameSrtp(current, media)) return { status: 488, reason: 'SRTP and its keys cannot change during a call' };
    this.agree(media);
    return { answer, media };
  }

  /** Our re-offer for a direction (RFC 3264 8.4: `sendonly` holds the peer, `sendrecv` resumes). */
  reoffer(direction: MediaDirection): SessionDescription {
    const current = this.current;
    if (!current) throw new SdpNegotiationError('nothing agreed yet to offer again');
    const offer = createOffer(
      this.local(currentFormats(current), direction, current.rtcpMux, this.currentSrtp(current)),
    );
    this.offered = offer;
    return offer;
  }

  /** The answer to our re-offer: what is agreed now, with our direction taken. */
  takeReanswer(body: Uint8Array, direction: MediaDirection): NegotiatedMedia {
    const media = this.answerOf(body);
    if (this.current && !this.sameSrtp(this.current, media))
      throw new SdpNegotiationError('the answer changes SRTP or its keys during the call');
    this.agree(media);
    this.localDirection = direction;
    return media;
  }

  /**
   * Whether the peer's hold state changed with what was just agreed
   * (`a=sendonly`, `a=inactive`, legacy `c=0.0.0.0`, RFC 3264 8.4).
   */
  remoteHoldChanged(): boolean {
    const held = this.current?.remoteHold ?? false;
    if (held === this.remoteHeld) return false;
    this.remoteHeld = held;
    return true;
  }

  private agree(media: NegotiatedMedia): void {
    this.current = media;
    this.offered = undefined;
  }
}
