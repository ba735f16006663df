/**
 * The offer/answer model (RFC 3264) for one audio stream.
 *
 * - `createOffer(local)`: an offer listing our formats in preference order.
 * - `createAnswer(offer, local)`: answers the first usable audio stream with
 *   the codecs both sides have, in the answerer's (our) preference order,
 *   and rejects every other stream (port 0). No usable stream: an
 *   `SdpNegotiationError` carrying 488 and the reason.
 * - `processAnswer(offer, answer)`: what the offerer learns from the answer.
 * Both give a `NegotiatedMedia`: where to send, with which payload types,
 * in which direction — everything an RTP session needs (`rtpSessionOptions`).
 */
import type { MediaDirection, PayloadKind, TransportAddress } from '../rtp/rtp-session-types.js';
import type { SrtpSuiteName } from '../rtp/srtp/srtp-suites.js';
import { connectionProblem } from './connection-address.js';
import { SdpAnswerError, SdpLocalError, SdpNegotiationError } from './errors.js';
import {
  chooseOfferedCrypto,
  CryptoLineError,
  cryptoAttributes,
  type CryptoLine,
  type NegotiatedSrtp,
  parseCryptoLine,
  serializeCryptoLine,
} from './sdes.js';
import {
  STATIC_PAYLOAD_TYPES,
  connectionOf,
  directionOf,
  formatLabel,
  formatsOf,
  hasRtcpMux,
  hostOf,
  isHoldAddress,
  isTelephoneEvent,
  ptimeOf,
  rtcpConnectionOf,
  rtcpOf,
  sameCodec,
  type MediaFormat,
  type RtpFormat,
} from './media-format.js';
import type { Attribute, MediaDescription, SessionDescription } from './types.js';

/** Our side of a negotiation. */
export interface LocalMedia {
  /** Our IP address for `o=` and `c=` (IPv4 or IPv6). */
  readonly address: string;
  /** Our RTP port. */
  readonly port: number;
  /** Formats in preference order; include `telephone-event` to offer/accept RFC 4733. */
  readonly formats: readonly MediaFormat[];
  /** What we want to do. Default sendrecv. */
  readonly direction?: MediaDirection;
  /** Our packet time, ms (`a=ptime`). Default 20. */
  readonly ptime?: number;
  readonly maxptime?: number;
  /** Offer rtcp-mux, and accept it when offered (RFC 5761). Default true. */
  readonly rtcpMux?: boolean;
  /** Our RTCP port when it is not RTP + 1 (RFC 3605 `a=rtcp`). */
  readonly rtcpPort?: number;
  /** `o=` fields. Defaults: `-`, a random id, the same number as version. */
  readonly username?: string;
  readonly sessionId?: string;
  readonly sessionVersion?: string;
  /** `s=`. Default `-`. */
  readonly sessionName?: string;
  /** Accept an offer whose connection address is a multicast group (default: refused with 488). */
  readonly allowMulticast?: boolean;
  /** SRTP with SDES keys (RFC 4568); absent: plain RTP only (RTP/SAVP offers are refused, crypto lines ignored). */
  readonly srtp?: LocalSrtp;
}

/**
 * Our SRTP side: `optional` offers RTP/AVP with crypto lines (best effort)
 * and takes SRTP whenever the peer's SDP has a usable line; `mandatory`
 * offers RTP/SAVP and refuses (488) or fails a negotiation without SRTP.
 */
export interface LocalSrtp {
  readonly mode: 'optional' | 'mandatory';
  /** Our master key || salt for each suite we allow, in our order of preference (offered with tags 1, 2, ...). */
  readonly keys: readonly { readonly suite: SrtpSuiteName; readonly keySalt: Uint8Array }[];
  /** Why SRTP cannot be used for this negotiation after all (no keys then): the reason an RTP/SAVP offer gets. */
  readonly unavailable?: string;
}

/** The outcome of a negotiation for the audio stream. */
export interface NegotiatedMedia {
  /** Index of the audio m= line. */
  readonly index: number;
  /** Where the peer receives RTP and RTCP (its SDP). Undefined address when the peer holds (c=0.0.0.0). */
  readonly remoteRtp?: TransportAddress;
  readonly remoteRtcp?: TransportAddress;
  /** The codec we send, with the payload type the peer expects. */
  readonly send: RtpFormat;
  /** Every common audio format, with the peer's payload types (ours to send with). */
  readonly formats: readonly RtpFormat[];
  /** Payload types we accept, with their format. */
  readonly receive: ReadonlyMap<number, MediaFormat>;
  /** RFC 4733, when both sides have it: the payload type to send with, and its rate. */
  readonly telephoneEvent?: RtpFormat;
  /** What we do (RFC 3264 6.1 applied to both sides' wishes). */
  readonly direction: MediaDirection;
  /** The peer put the stream on hold (a=sendonly/inactive, or c=0.0.0.0 per RFC 3264 8.4). */
  readonly remoteHold: boolean;
  readonly rtcpMux: boolean;
  /** The peer's `a=ptime` / `a=maxptime`. */
  readonly ptime?: number;
  readonly maxptime?: number;
  /** The profile of the stream (`RTP/SAVP`: SRTP was required by the offer). */
  readonly proto?: string;
  /** SRTP agreed with SDES: the suite and both keys. Absent: plain RTP. */
  readonly srtp?: NegotiatedSrtp;
}

const DYNAMIC_MIN = 96;
const DEFAULT_TE_PT = 101;

function addrType(address: string): 'IP4' | 'IP6' {
  return address.includes(':') ? 'IP6' : 'IP4';
}

function isAvp(proto: string): boolean {
  return proto === 'RTP/AVP' || proto === 'RTP/SAVP';
}

const SAVP = 'RTP/SAVP';

/** Our offer's crypto lines: tags 1, 2, ... in our order of preference. */
function offeredCrypto(srtp: LocalSrtp | undefined): Attribute[] {
  if (!srtp || srtp.unavailable !== undefined) return [];
  return srtp.keys.map((k, i) => ({
    name: 'crypto',
    value: serializeCryptoLine({ tag: i + 1, suite: k.suite, keySalt: k.keySalt }),
  }));
}

/**
 * What an answerer does about SRTP for an offered stream: the crypto line
 * to answer with and what it agrees, nothing (plain RTP), or why the stream
 * cannot be accepted.
 */
function answerSrtp(
  m: MediaDescription,
  srtp: LocalSrtp | undefined,
): { attribute?: Attribute; agreed?: NegotiatedSrtp } | { refused: string } {
  const savp = m.proto === SAVP;
  const lines = cryptoAttributes(m);
  if (!srtp || srtp.unavailable !== undefined) {
    // RFC 4568 7.1.2: an answerer that does not do SRTP ignores crypto lines on RTP/AVP.
    if (!savp) return {};
    return { refused: `RTP/SAVP offered but ${srtp?.unavailable ?? 'SRTP is off (--srtp)'}` };
  }
  if (lines.length === 0) {
    if (savp) return { refused: 'RTP/SAVP offered without a=crypto (only SDES keying is supported)' };
    return srtp.mode === 'mandatory' ? { refused: 'SRTP is mandatory and the offer has no a=crypto line' } : {};
  }
  const chosen = chooseOfferedCrypto(
    m,
    srtp.keys.map((k) => k.suite),
  );
  if ('reasons' in chosen) {
    if (savp || srtp.mode === 'mandatory') return { refused: `no usable a=crypto line: ${chosen.reasons.join('; ')}` };
    return {};
  }
  const line: CryptoLine = chosen.line;
  const ours = srtp.keys.find((k) => k.suite === line.suite)!;
  return {
    attribute: {
      name: 'crypto',
      value: serializeCryptoLine({ tag: line.tag, suite: line.suite, keySalt: ours.keySalt }),
    },
    agreed: {
      suite: line.suite,
      local: ours.keySalt,
      remote: line.keySalt,
      ...(line.windowSizeHint !== undefined ? { replayWindow: line.windowSizeHint } : {}),
    },
  };
}

/** What the offerer learns about SRTP from the answer's stream `am` to its offered stream `om`. */
function answeredSrtp(om: MediaDescription, am: MediaDescription): NegotiatedSrtp | undefined {
  const ours = cryptoAttributes(om);
  const theirs = cryptoAttributes(am);
  if (theirs.length === 0) {
    if (om.proto === SAVP) throw new SdpAnswerError('SRTP is mandatory and the answer has no a=crypto line');
    return undefined;
  }
  if (ours.length === 0) throw new SdpAnswerError('the answer has a=crypto but we offered no SRTP');
  // RFC 4568 7.1.2: "the answer MUST contain exactly one crypto attribute".
  if (theirs.length > 1) throw new SdpAnswerError('the answer has more than one a=crypto line');
  let line: CryptoLine;
  try {
    line = parseCryptoLine(theirs[0]!.value ?? '');
  } catch (e) {
    if (e instanceof CryptoLineError) throw new SdpAnswerError(`the answer's ${e.message}`);
    throw e;
  }
  const offered = ours.map((a) => parseCryptoLine(a.value ?? '')).find((o) => o.tag === line.tag);
  // RFC 4568 7.1.3: the tag and the crypto suite of the answer must be those of an offered line.
  if (!offered || offered.suite !== line.suite)
    throw new SdpAnswerError(`the answer's a=crypto:${line.tag} ${line.suite} matches no line of our offer`);
  return {
    suite: line.suite,
    local: offered.keySalt,
    remote: line.keySalt,
    ...(line.windowSizeHint !== undefined ? { replayWindow: line.windowSizeHint } : {}),
  };
}

/** Give every format a payload type: its own, the static one, or a free dynamic one. */
function assignPayloadTypes(formats: readonly MediaFormat[]): RtpFormat[] {
  const used = new Set<number>();
  const out: (RtpFormat | MediaFormat)[] = formats.map((f) => {
    let pt = f.payloadType;
    if (pt === undefined) for (const [n, s] of STATIC_PAYLOAD_TYPES) if (sameCodec(s, f)) pt = n;
    if (pt === undefined) return f;
    if (pt < 0 || pt > 127 || !Number.isInteger(pt))
      throw new SdpLocalError(`payload type ${pt} of ${formatLabel(f)} is not in 0-127`);
    if (used.has(pt)) throw new SdpLocalError(`payload type ${pt} is given to two formats`);
    used.add(pt);
    return { ...f, payloadType: pt };
  });
  let next = DYNAMIC_MIN;
  return out.map((f) => {
    if (f.payloadType !== undefined) return f as RtpFormat;
    let pt: number;
    if (isTelephoneEvent(f) && !used.has(DEFAULT_TE_PT)) pt = DEFAULT_TE_PT;
    else {
      while (used.has(next)) next++;
      if (next > 127) throw new SdpLocalError('more formats than dynamic payload types');
      pt = next;
    }
    used.add(pt);
    return { ...f, payloadType: pt };
  });
}

function formatAttributes(formats: readonly RtpFormat[]): Attribute[] {
  const a: Attribute[] = [];
  for (const f of formats) a.push({ name: 'rtpmap', value: `${f.payloadType} ${formatLabel(f)}` });
  for (const f of formats) if (f.fmtp !== undefined) a.push({ name: 'fmtp', value: `${f.payloadType} ${f.fmtp}` });
  return a;
}

function streamAttributes(local: LocalMedia, direction: MediaDirection, mux: boolean): Attribute[] {
  const a: Attribute[] = [{ name: 'ptime', value: String(local.ptime ?? 20) }];
  if (local.maxptime !== undefined) a.push({ name: 'maxptime', value: String(local.maxptime) });
  if (local.rtcpPort !== undefined && !mux)
    a.push({ name: 'rtcp', value: `${local.rtcpPort} IN ${addrType(local.address)} ${local.address}` });
  if (mux) a.push({ name: 'rtcp-mux' });
  a.push({ name: direction });
  return a;
}

function sessionShell(local: LocalMedia, media: MediaDescription[]): SessionDescription {
  const id = local.sessionId ?? String(Math.floor(Math.random() * 1e12));
  return {
    version: 0,
    origin: {
      username: local.username ?? '-',
      sessionId: id,
      sessionVersion: local.sessionVersion ?? id,
      netType: 'IN',
      addrType: addrType(local.address),
      address: local.address,
    },
    sessionName: local.sessionName ?? '-',
    emails: [],
    phones: [],
    connection: { netType: 'IN', addrType: addrType(local.address), address: local.address },
    bandwidths: [],
    timing: [{ start: '0', stop: '0', repeats: [] }],
    attributes: [],
    media,
  };
}

/**
 * An offer for one audio stream.
 *
 * @example
 * const offer = createOffer({ address: '192.0.2.1', port: 40000,
 *   formats: [{ name: 'PCMU', clockRate: 8000 }, { name: 'telephone-event', clockRate: 8000, fmtp: '0-16' }] });
 */
export function createOffer(local: LocalMedia): SessionDescription {
  if (local.formats.length === 0) throw new SdpLocalError('an offer needs at least one format');
  const formats = assignPayloadTypes(local.formats);
  const mux = local.rtcpMux ?? true;
  return sessionShell(local, [
    {
      media: 'audio',
      port: local.port,
      proto: local.srtp?.mode === 'mandatory' ? SAVP : 'RTP/AVP',
      formats: formats.map((f) => String(f.payloadType)),
      connections: [],
      bandwidths: [],
      attributes: [
        ...formatAttributes(formats),
        ...streamAttributes(local, local.direction ?? 'sendrecv', mux),
        ...offeredCrypto(local.srtp),
      ],
    },
  ]);
}

/** RFC 3264 6.1: the answer's direction from the offer's and what we want. */
function answerDirection(offered: MediaDirection, local: MediaDirection): MediaDirection {
  const peerSends = offered === 'sendrecv' || offered === 'sendonly';
  const peerReceives = offered === 'sendrecv' || offered === 'recvonly';
  const weSend = peerReceives && (local === 'sendrecv' || local === 'sendonly');
  const weReceive = peerSends && (local === 'sendrecv' || local === 'recvonly');
  return weSend && weReceive ? 'sendrecv' : weSend ? 'sendonly' : weReceive ? 'recvonly' : 'inactive';
}

function remoteOf(
  m: MediaDescription,
  s: SessionDescription,
  mux: boolean,
): { rtp?: TransportAddress; rtcp?: TransportAddress; hold: boolean } {
  const c = connectionOf(m, s);
  if (!c || isHoldAddress(c)) return { hold: true };
  const address = hostOf(c);
  const rtp = { address, port: m.port };
  if (mux) return { rtp, rtcp: rtp, hold: false };
  const r = rtcpOf(m);
  return {
    rtp,
    rtcp: r ? { address: r.address ?? address, port: r.port } : { address, port: m.port + 1 },
    hold: false,
  };
}

/**
 * Why media of `m` cannot be sent where its description says (a host name,
 * the other IP family, multicast, broadcast: `connection-address.ts`), or
 * undefined. The RTCP address of RFC 3605 counts when RTCP has its own port.
 */
function addressProblem(
  m: MediaDescription,
  s: SessionDescription,
  localAddress: string,
  mux: boolean,
  allowMulticast: boolean,
): string | undefined {
  const c = connectionOf(m, s);
  if (!c) return 'no connection address (c=)';
  const problem = connectionProblem(c, localAddress, allowMulticast);
  if (problem || mux) return problem;
  const rtcp = rtcpConnectionOf(m);
  const rtcpProblem = rtcp && connectionProblem(rtcp, localAddress, allowMulticast);
  return rtcpProblem && `a=rtcp: ${rtcpProblem}`;
}

function rejected(m: MediaDescription): MediaDescription {
  // RFC 3264 6: a rejected stream has port zero and keeps at least one format.
  return {
    media: m.media,
    port: 0,
    proto: m.proto,
    formats: m.formats.length ? [...m.formats] : ['0'],
    connections: [],
    bandwidths: [],
    attributes: [],
  };
}

/**
 * Answer an offer: the first audio stream with a common codec is accepted,
 * the others are rejected.
 *
 * @throws SdpNegotiationError (status 488) with the reason when no stream can be accepted.
 * @example
 * try {
 *   const { answer, media } = createAnswer(parseSdp(invite.body), local);
 *   respond(200, serializeSdp(answer));
 * } catch (e) {
 *   if (e instanceof SdpNegotiationError) respond(e.status, e.reason);
 * }
 */
export function createAnswer(
  offer: SessionDescription,
  local: LocalMedia,
): { answer: SessionDescription; media: NegotiatedMedia } {
  const localAudio = local.formats.filter((f) => !isTelephoneEvent(f));
  const localTe = local.formats.find(isTelephoneEvent);
  const reasons: string[] = [];
  let negotiated: NegotiatedMedia | undefined;
  const answerMedia = offer.media.map((m, index): MediaDescription => {
    if (negotiated || m.media !== 'audio' || m.port === 0) return rejected(m);
    if (!isAvp(m.proto)) {
      reasons.push(`audio stream ${index + 1} uses ${m.proto}; only RTP/AVP and RTP/SAVP are supported`);
      return rejected(m);
    }
    const sdes = answerSrtp(m, local.srtp);
    if ('refused' in sdes) {
      reasons.push(`audio stream ${index + 1}: ${sdes.refused}`);
      return rejected(m);
    }
    const mux = (local.rtcpMux ?? true) && hasRtcpMux(m);
    const bad = addressProblem(m, offer, local.address, mux, local.allowMulticast ?? false);
    if (bad) {
      reasons.push(`audio stream ${index + 1}: ${bad}`);
      return rejected(m);
    }
    const offered = formatsOf(m);
    // Our preference order, the offer's payload types (RFC 3264 6.1: the answer uses the offer's numbers).
    const common: RtpFormat[] = [];
    for (const lf of localAudio) {
      const of = offered.find((o) => !isTelephoneEvent(o) && sameCodec(o, lf));
      if (of && !common.some((c) => c.payloadType === of.payloadType))
        common.push({ ...lf, payloadType: of.payloadType, ...(of.fmtp !== undefined ? { fmtp: of.fmtp } : {}) });
    }
    if (common.length === 0) {
      const theirs = offered.filter((o) => !isTelephoneEvent(o)).map(formatLabel);
      reasons.push(
        `no common codec: offered ${theirs.join(', ') || 'none we recognise'}; supported ` +
          `${localAudio.map(formatLabel).join(', ')}`,
      );
      return rejected(m);
    }
    // RFC 4733 7.1.1 / 2.1: telephone-event at the clock rate of the audio codec.
    const te = localTe && offered.find((o) => isTelephoneEvent(o) && o.clockRate === common[0]!.clockRate);
    const teFormat: RtpFormat | undefined = te && {
      ...localTe!,
      clockRate: te.clockRate,
      payloadType: te.payloadType,
      ...((localTe!.fmtp ?? te.fmtp) ? { fmtp: (localTe!.fmtp ?? te.fmtp)! } : {}),
    };
    const remote = remoteOf(m, offer, mux);
    let offeredDir = directionOf(m, offer);
    // RFC 3264 8.4: c=0.0.0.0 is the legacy way of saying "do not send to me".
    if (remote.hold) offeredDir = offeredDir === 'sendrecv' || offeredDir === 'sendonly' ? 'sendonly' : 'inactive';
    const direction = answerDirection(offeredDir, local.direction ?? 'sendrecv');
    // What we send follows the peer's fmtp (`common`: its receiver); our answer states our own receiver
    // (RFC 7587 7.1 for Opus: maxplaybackrate, sprop-maxcapturerate, stereo, useinbandfec are each side's
    // own). Where we have no fmtp for a codec, the offer's parameters, which we do not interpret, stand.
    const ours = common.map((c) => {
      const lf = localAudio.find((l) => sameCodec(l, c));
      return lf?.fmtp !== undefined ? { ...c, fmtp: lf.fmtp } : c;
    });
    const formats = teFormat ? [...ours, teFormat] : ours;
    const receive = new Map<number, MediaFormat>(formats.map((f) => [f.payloadType, f]));
    negotiated = negotiatedMedia(index, m, remote, common, receive, teFormat, direction, offeredDir, mux, sdes.agreed);
    return {
      media: 'audio',
      port: local.port,
      proto: m.proto,
      formats: formats.map((f) => String(f.payloadType)),
      connections: [],
      bandwidths: [],
      attributes: [
        ...formatAttributes(formats),
        ...streamAttributes(local, direction, mux),
        ...(sdes.attribute ? [sdes.attribute] : []),
      ],
    };
  });
  if (!negotiated) throw new SdpNegotiationError(reasons.length ? reasons.join('; ') : 'no audio stream offered');
  return { answer: sessionShell(local, answerMedia), media: negotiated };
}

/**
 * What the offerer learns from the answer.
 *
 * @throws SdpAnswerError when the answer does not fit the offer (m= line count, unknown codecs) or rejects the audio.
 * @example
 * const media = processAnswer(offer, parseSdp(response.body));
 * const session = new RtpSession({ ...rtpSessionOptions(media), ... });
 */
export function processAnswer(offer: SessionDescription, answer: SessionDescription): NegotiatedMedia {
  // RFC 3264 6: "The answer MUST contain exactly the same number of "m=" lines as the offer."
  if (answer.media.length !== offer.media.length)
    throw new SdpAnswerError(`the answer has ${answer.media.length} m= lines; the offer had ${offer.media.length}`);
  const index = offer.media.findIndex((m) => m.media === 'audio' && m.port !== 0 && isAvp(m.proto));
  if (index < 0) throw new SdpAnswerError('the offer has no audio stream');
  const om = offer.media[index]!;
  const am = answer.media[index]!;
  if (am.port === 0) throw new SdpAnswerError('the peer rejected the audio stream');
  const mux = hasRtcpMux(om) && hasRtcpMux(am);
  // Our own address is the offer's; a multicast answer is not something we asked for.
  const bad = addressProblem(am, answer, offer.connection?.address ?? '', mux, false);
  if (bad) throw new SdpAnswerError(`the answer's audio stream: ${bad}`);
  const offered = formatsOf(om);
  const answered = formatsOf(am);
  const common = answered.filter(
    (a) => !isTelephoneEvent(a) && offered.some((o) => !isTelephoneEvent(o) && sameCodec(o, a)),
  );
  if (common.length === 0)
    throw new SdpAnswerError(
      `none of the answer's codecs (${answered.map(formatLabel).join(', ') || 'none'}) was offered`,
    );
  const te = offered.some(isTelephoneEvent)
    ? answered.find((a) => isTelephoneEvent(a) && a.clockRate === common[0]!.clockRate)
    : undefined;
  // We receive on the numbers we offered; accept the answer's numbers too when they differ (lenient peers).
  const receive = new Map<number, MediaFormat>();
  for (const f of [...common, ...(te ? [te] : [])]) {
    const ours = offered.find((o) => sameCodec(o, f));
    if (ours) receive.set(ours.payloadType, ours);
    if (!receive.has(f.payloadType) && !offered.some((o) => o.payloadType === f.payloadType))
      receive.set(f.payloadType, f);
  }
  const remote = remoteOf(am, answer, mux);
  let answeredDir = directionOf(am, answer);
  if (remote.hold) answeredDir = answeredDir === 'sendrecv' || answeredDir === 'sendonly' ? 'sendonly' : 'inactive';
  // What we do: what the answer lets us do, within what we offered.
  const direction = answerDirection(answeredDir, directionOf(om, offer));
  const srtp = answeredSrtp(om, am);
  return negotiatedMedia(index, am, remote, common, receive, te, direction, answeredDir, mux, srtp);
}

/**
 * What offer and answer agreed on for one audio stream. `m` is the remote
 * side's media description; `remoteDir` the direction it declared (a
 * remote sendonly or inactive stream is the remote holding the call).
 */
function negotiatedMedia(
  index: number,
  m: MediaDescription,
  remote: ReturnType<typeof remoteOf>,
  common: RtpFormat[],
  receive: ReadonlyMap<number, MediaFormat>,
  te: RtpFormat | undefined,
  direction: MediaDirection,
  remoteDir: MediaDirection,
  mux: boolean,
  srtp: NegotiatedSrtp | undefined,
): NegotiatedMedia {
  const ptime = ptimeOf(m);
  const maxptime = ptimeOf(m, 'maxptime');
  return {
    index,
    ...(remote.rtp ? { remoteRtp: remote.rtp } : {}),
    ...(remote.rtcp ? { remoteRtcp: remote.rtcp } : {}),
    send: common[0]!,
    formats: common,
    receive,
    ...(te ? { telephoneEvent: te } : {}),
    direction,
    remoteHold: remote.hold || remoteDir === 'sendonly' || remoteDir === 'inactive',
    rtcpMux: mux,
    ...(ptime !== undefined ? { ptime } : {}),
    ...(maxptime !== undefined ? { maxptime } : {}),
    proto: m.proto,
    ...(srtp ? { srtp } : {}),
  };
}

/**
 * The RTP session settings a negotiation gives (addresses, payload types,
 * direction, rtcp-mux).
 *
 * @example
 * const session = new RtpSession({ ...rtpSessionOptions(media), rtpTimeoutMs: 30_000 });
 */
export function rtpSessionOptions(n: NegotiatedMedia): {
  remoteRtp?: TransportAddress;
  remoteRtcp?: TransportAddress;
  rtcpMux: boolean;
  payloadType: number;
  clockRate: number;
  receivePayloadTypes: ReadonlyMap<number, PayloadKind>;
  telephoneEventPayloadType?: number;
  direction: MediaDirection;
} {
  const kinds = new Map<number, PayloadKind>();
  for (const [pt, f] of n.receive) kinds.set(pt, isTelephoneEvent(f) ? 'telephone-event' : 'audio');
  return {
    ...(n.remoteRtp ? { remoteRtp: n.remoteRtp } : {}),
    ...(n.remoteRtcp ? { remoteRtcp: n.remoteRtcp } : {}),
    rtcpMux: n.rtcpMux,
    payloadType: n.send.payloadType,
    clockRate: n.send.clockRate,
    receivePayloadTypes: kinds,
    ...(n.telephoneEvent ? { telephoneEventPayloadType: n.telephoneEvent.payloadType } : {}),
    direction: n.direction,
  };
}

/** The same session description with the `o=` version incremented (for a re-offer, RFC 3264 8). */
export function nextVersion(d: SessionDescription): SessionDescription {
  return { ...d, origin: { ...d.origin, sessionVersion: (BigInt(d.origin.sessionVersion) + 1n).toString() } };
}
