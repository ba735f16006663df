/**
 * Building messages: responses to a request (RFC 3261 8.2.6), Content-Length
 * and Content-Type, the default reason phrases (RFC 3261 21 and later RFCs).
 */
import type { HeaderField, HeaderInit, SipRequest } from './message.js';
import { field, SipResponse } from './message.js';

const REASONS: Readonly<Record<number, string>> = {
  100: 'Trying',
  180: 'Ringing',
  181: 'Call Is Being Forwarded',
  182: 'Queued',
  183: 'Session Progress',
  199: 'Early Dialog Terminated',
  200: 'OK',
  202: 'Accepted',
  204: 'No Notification',
  300: 'Multiple Choices',
  301: 'Moved Permanently',
  302: 'Moved Temporarily',
  305: 'Use Proxy',
  380: 'Alternative Service',
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  407: 'Proxy Authentication Required',
  408: 'Request Timeout',
  410: 'Gone',
  413: 'Request Entity Too Large',
  414: 'Request-URI Too Long',
  415: 'Unsupported Media Type',
  416: 'Unsupported URI Scheme',
  420: 'Bad Extension',
  421: 'Extension Required',
  423: 'Interval Too Brief',
  480: 'Temporarily Unavailable',
  481: 'Call/Transaction Does Not Exist',
  482: 'Loop Detected',
  483: 'Too Many Hops',
  484: 'Address Incomplete',
  485: 'Ambiguous',
  486: 'Busy Here',
  487: 'Request Terminated',
  488: 'Not Acceptable Here',
  491: 'Request Pending',
  493: 'Undecipherable',
  500: 'Server Internal Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Server Time-out',
  505: 'Version Not Supported',
  513: 'Message Too Large',
  600: 'Busy Everywhere',
  603: 'Decline',
  604: 'Does Not Exist Anywhere',
  606: 'Not Acceptable',
};

/** The usual reason phrase of a status code (`Unknown` for codes no RFC names, by class). */
export function reasonPhrase(status: number): string {
  return REASONS[status] ?? REASONS[Math.floor(status / 100) * 100] ?? 'Unknown';
}

/** Content-Type (when there is a body) and Content-Length fields for a body. */
export function bodyFields(body: Uint8Array, contentType?: string): HeaderField[] {
  const out: HeaderField[] = [];
  if (body.length > 0 && contentType) out.push(field('Content-Type', contentType));
  out.push(field('Content-Length', String(body.length)));
  return out;
}

/** Header fields a response copies from its request, with the spelling we write. */
const COPIED: ReadonlyMap<string, string> = new Map([
  ['via', 'Via'],
  ['from', 'From'],
  ['call-id', 'Call-ID'],
  ['cseq', 'CSeq'],
]);

export interface ResponseOptions {
  readonly reason?: string;
  /** To tag to add when the request's To has none (RFC 3261 8.2.6.2). */
  readonly toTag?: string;
  /** Extra header fields (Contact, Allow, Warning…). */
  readonly headers?: HeaderInit;
  readonly body?: Uint8Array;
  readonly contentType?: string;
  /** Copy Record-Route (RFC 3261 12.1.1: responses that create a dialog). */
  readonly recordRoute?: boolean;
}

/**
 * A response to `req` (RFC 3261 8.2.6.2): Via, From, Call-ID and CSeq copied
 * as received, To copied with our tag added unless it already has one.
 */
export function buildResponse(req: SipRequest, status: number, opts: ResponseOptions = {}): SipResponse {
  const h: HeaderField[] = [];
  for (const f of req.headers) {
    const name = COPIED.get(f.key);
    if (name !== undefined) h.push({ name, key: f.key, value: f.value });
    else if (f.key === 'to') {
      const tagged = opts.toTag !== undefined && status > 100 && !hasTag(f.value);
      h.push(field('To', tagged ? `${f.value};tag=${opts.toTag}` : f.value));
    } else if (f.key === 'record-route' && opts.recordRoute) h.push(field('Record-Route', f.value));
  }
  if (opts.headers)
    for (const x of opts.headers)
      h.push(
        'key' in x
          ? (x as HeaderField)
          : field((x as readonly [string, string])[0], (x as readonly [string, string])[1]),
      );
  const body = opts.body ?? new Uint8Array(0);
  h.push(...bodyFields(body, opts.contentType));
  return new SipResponse(status, opts.reason === undefined ? reasonPhrase(status) : printable(opts.reason), h, body);
}

/**
 * Text fit for a reason phrase or a quoted string (RFC 3261 25.1): control
 * characters become spaces. Reasons and warnings often carry what a peer
 * sent (a codec name, a host name): it must not start a header line of its own.
 */
function printable(text: string): string {
  return /[\x00-\x1f\x7f]/.test(text) ? text.replace(/[\x00-\x1f\x7f]+/g, ' ') : text;
}

function hasTag(toValue: string): boolean {
  // Cheap check: a ;tag= parameter after the URI (outside <> and quotes).
  const gt = toValue.lastIndexOf('>');
  return /;\s*tag\s*=/i.test(gt >= 0 ? toValue.slice(gt) : toValue);
}

/** A Warning header value (RFC 3261 20.43): `399 agent "text"`. */
export function warningValue(agent: string, text: string, code = 399): string {
  return `${code} ${agent} "${printable(text).replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}
