/**
 * The checks of RFC 3261 8.2 a UAS runs on a new request before it does
 * anything with it, in the RFC's order. Each failure is a response to send:
 *
 * | check | status |
 * |---|---|
 * | method unknown / not allowed (8.2.1) | 501 / 405 with Allow |
 * | CSeq method differs from the request method (RFC 4475 3.1.2.17) | 400 |
 * | Request-URI scheme not sip/sips (8.2.2.1) | 416 |
 * | a sips: Request-URI that came over UDP or TCP (RFC 3261 26.2.2, RFC 5630) | 416 with Warning |
 * | Max-Forwards 0 on anything but OPTIONS (16.3 step 3; RFC 4475 3.3.11) | 483 |
 * | merged request (8.2.2.2) | 482 |
 * | Require with an option tag we lack (8.2.2.3) | 420 with Unsupported |
 * | Content-Encoding or Content-Type we cannot read (8.2.3) | 415 with Accept(-Encoding) |
 * | INVITE whose Accept excludes SDP (RFC 4475 3.3.15) | 406 with Warning |
 */
import type { SipRequest } from '../message/message.js';
import type { HeaderInit } from '../message/message.js';
import { warningValue } from '../message/build.js';
import type { TransportKind } from '../transport/types.js';
import { KNOWN_METHODS, type ResolvedConfig } from './config.js';

export interface AutoResponse {
  readonly status: number;
  readonly reason?: string;
  readonly headers: HeaderInit;
  /** Why, for the log. */
  readonly why: string;
}

function accepts(accept: readonly string[], type: string): boolean {
  const [main] = type.split('/');
  return accept.some((a) => a === '*' || a === '*/*' || a === type || a === `${main}/*`);
}

/** Transports a `sips:` request may arrive over (TLS, or WebSocket over TLS). */
const SECURE_TRANSPORTS: readonly TransportKind[] = ['tls', 'wss'];

export function uasCheck(
  req: SipRequest,
  config: ResolvedConfig,
  merged: boolean,
  transport: TransportKind,
): AutoResponse | undefined {
  const method = req.method;
  // RFC 3261 8.2.1: "If a UAS does not understand a request method, it MUST respond with a 501 (Not
  // Implemented) response" / "the UAS MUST generate a 405 (Method Not Allowed) response ... MUST also add an
  // Allow header field to the 405".
  if (!config.allow.includes(method)) {
    const known = (KNOWN_METHODS as readonly string[]).includes(method);
    return {
      status: known ? 405 : 501,
      headers: [['Allow', config.allow.join(', ')]],
      why: `method ${method} ${known ? 'not allowed' : 'unknown'}`,
    };
  }
  if (req.cseq.method !== method) {
    return {
      status: 400,
      headers: [
        ['Warning', warningValue(config.warningAgent, `CSeq method ${req.cseq.method} does not match ${method}`)],
      ],
      why: 'CSeq method mismatch',
    };
  }
  // RFC 3261 8.2.2.1: "If the Request-URI uses a scheme not supported by the UAS, it SHOULD reject the request
  // with a 416 (Unsupported URI Scheme) response."
  if (req.uri.kind !== 'sip') return { status: 416, headers: [], why: `Request-URI scheme ${req.uri.scheme}` };
  // RFC 3261 26.2.2, as RFC 5630 (appendix A) rewrites it: a SIPS URI asks that every hop of the request, up
  // to the UAS, be secured with TLS; RFC 5630 (3.3, 5.3) deprecates the "last-hop exception" that let the
  // hop to the UAS go in clear. A sips: request that reached us over UDP or TCP has had a hop in clear text,
  // so what it asked for did not hold: refuse it rather than answer as if it had. RFC 5630 names two
  // refusals a UAC must not answer by retrying with sip: on its own (5.1.1, and appendix A on RFC 3261
  // 8.1.3.5): 480 with Warning 380 (SIPS Not Allowed), for a UAS that will not be reached with SIPS at all
  // (5.1.2), and 416 (Unsupported URI Scheme, RFC 3261 8.2.2.1 above). We do take sips:, over TLS, so it is
  // the scheme over this transport that we do not support: 416, with a Warning saying why.
  if (req.uri.scheme === 'sips' && !SECURE_TRANSPORTS.includes(transport)) {
    return {
      status: 416,
      headers: [
        [
          'Warning',
          warningValue(config.warningAgent, `a sips: request must arrive over TLS, not ${transport.toUpperCase()}`),
        ],
      ],
      why: `sips: Request-URI over ${transport}`,
    };
  }
  const mf = req.maxForwards;
  if (mf === 0 && method !== 'OPTIONS' && method !== 'ACK' && method !== 'CANCEL') {
    return { status: 483, headers: [], why: 'Max-Forwards is 0' };
  }
  // RFC 3261 8.2.2.2: "If the From tag, Call-ID, and CSeq exactly match those associated with an ongoing
  // transaction, but the request does not match that transaction ... the UAS core SHOULD generate a 482."
  if (merged) return { status: 482, headers: [], why: 'merged request (another branch of the same request)' };
  // RFC 3261 8.2.2.3: "If a UAS does not understand an option-tag listed in a Require header field, it MUST
  // respond by generating a response with status code 420 (Bad Extension). The UAS MUST add an Unsupported
  // header field, and list in it those options it does not understand amongst those in the Require header
  // field of the request." Not for CANCEL or ACK.
  if (method !== 'CANCEL' && method !== 'ACK' && req.has('require')) {
    const unsupported = req.tokens('require').filter((t) => !config.supported.map((s) => s.toLowerCase()).includes(t));
    if (unsupported.length > 0)
      return {
        status: 420,
        headers: [['Unsupported', unsupported.join(', ')]],
        why: `Require ${unsupported.join(',')}`,
      };
  }
  // RFC 3261 8.2.3: "If a UAS does not understand the content type or encoding of a body, it MUST reject
  // the request with a 415 ... The response MUST contain an Accept header field listing the types of all
  // bodies it understands ... If the request contained content encodings not understood by the UAS, the
  // response MUST contain an Accept-Encoding header field listing the encodings understood by the UAS."
  const acceptList = (Object.hasOwn(config.accept, method) ? config.accept[method] : undefined) ?? ['*'];
  const listed = () => acceptList.filter((a) => a !== '*');
  const encodings =
    req.body.length > 0 && req.has('content-encoding')
      ? req.tokens('content-encoding').filter((e) => e !== 'identity')
      : [];
  if (encodings.length > 0) {
    const types = listed();
    return {
      status: 415,
      headers: [['Accept-Encoding', 'identity'], ...(types.length ? [['Accept', types.join(', ')] as const] : [])],
      why: `Content-Encoding ${encodings.join(',')}`,
    };
  }
  const ct = req.contentType;
  if (req.body.length > 0 && ct !== undefined && !accepts(acceptList, ct)) {
    return { status: 415, headers: [['Accept', listed().join(', ')]], why: `Content-Type ${ct}` };
  }
  // RFC 4475 3.3.15: an INVITE whose Accept leaves out SDP cannot be answered with a session description.
  if (method === 'INVITE' && req.has('accept')) {
    const wanted = req.tokens('accept').map((a) => a.split(';')[0]!.trim());
    if (wanted.length > 0 && !wanted.some((w) => w === 'application/sdp' || w === 'application/*' || w === '*/*')) {
      return {
        status: 406,
        headers: [
          [
            'Warning',
            warningValue(
              config.warningAgent,
              `cannot answer with an acceptable type (${wanted.join(', ')}); only application/sdp`,
            ),
          ],
        ],
        why: 'Accept excludes application/sdp',
      };
    }
  }
  return undefined;
}

/** The 200 answer to OPTIONS (RFC 3261 11.2): what we allow, accept and support. */
export function optionsHeaders(config: ResolvedConfig): [string, string][] {
  return [
    ['Allow', config.allow.join(', ')],
    ['Accept', 'application/sdp'],
    ['Accept-Encoding', 'identity'],
    ['Accept-Language', 'en'],
    ['Supported', config.supported.join(', ')],
    ...(config.events && config.events.length > 0
      ? [['Allow-Events', config.events.join(', ')] as [string, string]]
      : []),
  ];
}
