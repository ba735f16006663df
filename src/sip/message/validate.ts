/**
 * The checks a received message must pass before the transaction and UA
 * layers see it (RFC 3261 8.1.3.1, 8.2, 16.3 step 1, 18.3; RFC 4475 3.1.2,
 * 3.3). A request that fails gets the error's status (400, 505…) with a
 * Warning; a response that fails is dropped.
 */
import { SipParseError } from '../errors.js';
import { isToken, isWord, MAX_U32, parseUnsigned, splitList } from './grammar.js';
import { SINGLE } from './header-names.js';
import type { SipMessage, SipRequest, SipResponse } from './message.js';
import { parseNameAddr } from './name-addr.js';
import { getParam } from './params.js';

function guard(fn: () => void): SipParseError | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    if (e instanceof SipParseError) return e;
    throw e;
  }
}

const CONTENT_TYPE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+\/[!#$%&'*+.^_`|~0-9A-Za-z-]+\s*(;.*)?$/;

/** A bit per single-valued header (RFC 3261 7.3, Table 2), to count them without a map per message. */
const SINGLE_BIT: ReadonlyMap<string, number> = new Map([...SINGLE].map((k, i) => [k, 1 << i]));
const REQUIRED = ['from', 'to', 'call-id', 'cseq'] as const;

function checkCommon(msg: SipMessage): void {
  // One pass over the fields: count the single-valued ones, check the lists we rely on.
  let singles = 0;
  let via = 0;
  for (const h of msg.headers) {
    const k = h.key;
    const bit = SINGLE_BIT.get(k);
    if (bit !== undefined) {
      // RFC 4475 3.3.8: single-valued header fields present more than once.
      if (singles & bit) throw new SipParseError(`2 ${k} headers where one is allowed`, 400, k);
      singles |= bit;
      if (k === 'content-type' && !CONTENT_TYPE.test(h.value)) {
        throw new SipParseError(`Content-Type ${JSON.stringify(h.value)} is not type/subtype`, 400, 'content-type');
      }
    } else if (k === 'via') via++;
    else if (k === 'route' || k === 'record-route') {
      for (const v of splitList(h.value)) {
        if (v === '') throw new SipParseError(`${k}: empty value in the list`, 400, k);
        parseNameAddr(v, k);
      }
    } else if (k === 'require' || k === 'proxy-require' || k === 'supported' || k === 'allow') {
      for (const v of splitList(h.value)) {
        if (v !== '' && !isToken(v)) throw new SipParseError(`${k}: ${JSON.stringify(v)} is not a token`, 400, k);
      }
    }
  }
  if (via === 0) throw new SipParseError('missing via header', 400, 'via');
  for (const k of REQUIRED) {
    if (!(singles & SINGLE_BIT.get(k)!)) throw new SipParseError(`missing ${k} header`, 400, k);
  }
  void msg.via;
  void msg.from;
  void msg.to;
  void msg.cseq;
  const callId = msg.callId;
  // callid = word [ "@" word ]
  const at = callId.indexOf('@');
  if (!(at < 0 ? isWord(callId) : isWord(callId.slice(0, at)) && isWord(callId.slice(at + 1)))) {
    throw new SipParseError(`Call-ID ${JSON.stringify(callId)} is not word[@word]`, 400, 'call-id');
  }
  void msg.maxForwards;
  const contacts = msg.contacts;
  if (contacts !== '*') {
    for (const c of contacts) {
      const e = getParam(c.params, 'expires');
      if (e !== undefined && (e === null || parseUnsigned(e, MAX_U32) === undefined)) {
        throw new SipParseError(`Contact expires ${JSON.stringify(e)} is not a 32-bit delta-seconds`, 400, 'contact');
      }
    }
  }
}

/**
 * Check a received request. Returns the first problem, with the status to
 * answer (400, or 505 for another SIP version), or undefined when it is fine.
 */
export function checkRequest(req: SipRequest): SipParseError | undefined {
  // RFC 3261 8.2 / RFC 4475 3.1.2.16: another protocol version is a 505.
  if (req.version.toUpperCase() !== 'SIP/2.0') {
    return new SipParseError(`SIP version ${req.version} is not supported`, 505, 'start-line');
  }
  return guard(() => {
    const uri = req.uri;
    // RFC 4475 3.1.2.11: headers in a Request-URI are not allowed.
    if (uri.kind === 'sip' && uri.headers.length > 0) {
      throw new SipParseError('the Request-URI has URI headers (RFC 3261 19.1.5)', 400, 'request-uri');
    }
    checkCommon(req);
    const exp = req.header('expires');
    if (exp !== undefined && parseUnsigned(exp.trim(), MAX_U32) === undefined) {
      throw new SipParseError(
        `Expires ${JSON.stringify(exp.slice(0, 30))} is not a 32-bit delta-seconds`,
        400,
        'expires',
      );
    }
  });
}

/** Check a received response; a response that fails is dropped (RFC 4475 3.1.2.5, 3.1.2.19). */
export function checkResponse(res: SipResponse): SipParseError | undefined {
  if (res.version.toUpperCase() !== 'SIP/2.0')
    return new SipParseError(`SIP version ${res.version}`, 505, 'start-line');
  return guard(() => {
    checkCommon(res);
    const ra = res.header('retry-after');
    if (ra !== undefined) {
      const m = /^\s*(\d+)/.exec(ra);
      if (!m || parseUnsigned(m[1]!, MAX_U32) === undefined)
        throw new SipParseError(`Retry-After ${JSON.stringify(ra.slice(0, 30))}`, 400, 'retry-after');
    }
    for (const w of res.fields('warning')) {
      for (const v of splitList(w.value)) {
        if (!/^\d{3} /.test(v))
          throw new SipParseError(`Warning ${JSON.stringify(v.slice(0, 30))} has no 3-digit code`, 400, 'warning');
      }
    }
  });
}
