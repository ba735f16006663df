/**
 * Bytes → SIP message (RFC 3261 7, 18.3, 25).
 *
 * Parsing is lenient where the RFC asks receivers to be (any header name
 * case, compact forms, folded lines, LWS around the colon, bare LF line
 * ends) and strict where a sloppy reading would be dangerous (request line
 * spacing, Content-Length). A message that parses far enough to be answered
 * comes back even when it is broken, with the error that says why, so the
 * caller can answer 400 with a Warning; `message` is undefined only when not
 * even the start line and header lines could be read.
 *
 * @example
 * const r = parseMessage(bytes, { datagram: true });
 * if (r.message?.type === 'request' && r.error) answer(400, r.error.message);
 */
import { SipParseError } from '../errors.js';
import { controlCharacterIn, hasControlBytes } from './control-chars.js';
import { inTable, isToken, TOKEN } from './grammar.js';
import { internName, internNameAt } from './header-names.js';
import { SIP_VERSION, SipRequest, SipResponse, type HeaderField, type SipMessage } from './message.js';

export interface ParseOptions {
  /**
   * The bytes are one whole UDP datagram (RFC 3261 18.3): the body is what
   * follows the headers, cut to Content-Length; without Content-Length it is
   * the rest of the datagram. Otherwise the bytes are one message framed by a
   * stream transport and must match Content-Length exactly.
   */
  readonly datagram: boolean;
}

export interface ParseResult {
  /** The message, when the start line and header lines could be read. */
  readonly message?: SipMessage;
  /** What is wrong with it, if anything (framing or syntax of the start line and header lines). */
  readonly error?: SipParseError;
}

/**
 * Where the header section ends: `[headerEnd, bodyStart]`, or undefined when
 * no empty line was found. Accepts CRLF and bare LF line ends.
 */
export function findHeaderEnd(buf: Uint8Array, from = 0): [number, number] | undefined {
  const b = asBuffer(buf);
  for (let j = b.indexOf(10, from); j >= 0; j = b.indexOf(10, j + 1)) {
    const end = j > from && b[j - 1] === 13 ? j - 1 : j;
    if (b[j + 1] === 10) return [end, j + 2];
    if (b[j + 1] === 13 && b[j + 2] === 10) return [end, j + 3];
  }
  return undefined;
}

/** The bytes as a Buffer (the same object when they are one already). */
function asBuffer(buf: Uint8Array): Buffer {
  return Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** The methods and version every message carries, as one shared string each (nothing per message to keep). */
const SHARED = new Map<string, string>(
  [
    SIP_VERSION,
    'INVITE',
    'ACK',
    'BYE',
    'CANCEL',
    'OPTIONS',
    'REGISTER',
    'PRACK',
    'SUBSCRIBE',
    'NOTIFY',
    'PUBLISH',
    'INFO',
    'REFER',
    'MESSAGE',
    'UPDATE',
  ].map((x) => [x, x]),
);

function shared(s: string): string {
  return SHARED.get(s) ?? s;
}

/** 1 to `max` decimal digits and nothing else. */
function isDigits(s: string, max: number): boolean {
  if (s.length === 0 || s.length > max) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Index of the first byte that is not CR or LF (RFC 3261 7.5: CRLFs before the start line are ignored). */
export function skipLeadingCrlf(buf: Uint8Array, from = 0): number {
  let i = from;
  while (i < buf.length && (buf[i] === 13 || buf[i] === 10)) i++;
  return i;
}

interface Head {
  readonly startLine: string;
  readonly headers: HeaderField[];
  /** The first problem found in the header lines, if any. */
  readonly error?: SipParseError;
}

/**
 * Whether `trim()` could remove something at this character: SP, HTAB, the
 * other ASCII controls, and every non-ASCII character (a superset of the
 * Unicode white space `String.prototype.trim` removes, checked exactly by
 * calling it).
 */
function maybeSpace(c: number): boolean {
  return c <= 32 || c >= 0xa0;
}

/** `text.slice(from, to).trim()`, usually with a single slice. */
function trimmedSlice(text: string, from: number, to: number): string {
  while (from < to && (text.charCodeAt(from) === 32 || text.charCodeAt(from) === 9)) from++;
  while (to > from && (text.charCodeAt(to - 1) === 32 || text.charCodeAt(to - 1) === 9)) to--;
  const v = text.slice(from, to);
  return v.length > 0 && (maybeSpace(v.charCodeAt(0)) || maybeSpace(v.charCodeAt(v.length - 1))) ? v.trim() : v;
}

/**
 * Split the header section into the start line and unfolded header fields.
 * Lines end at LF, a CR just before the LF dropped (CRLF and bare LF line
 * ends alike, as RFC 3261 7.5 lets receivers accept); empty lines are
 * skipped; a line that starts with SP or HTAB continues the field before it
 * (7.3.1). The scan walks the text by index: no array of lines is built, and
 * a field's value is one slice of the text unless it was folded.
 */
export function parseHead(text: string): Head {
  const len = text.length;
  const firstLf = text.indexOf('\n');
  const startLine = firstLf < 0 ? text : text.slice(0, lineEnd(text, 0, firstLf));
  const headers: HeaderField[] = [];
  let error: SipParseError | undefined;
  // The field being read: its name, where its value starts and ends on its first line, and the folded value
  // once a continuation line was seen.
  let open: { readonly name: string; readonly key: string } | undefined;
  let valueFrom = 0;
  let valueTo = 0;
  let folded: string | undefined;
  for (let pos = firstLf < 0 ? len : firstLf + 1; pos < len; ) {
    const lf = text.indexOf('\n', pos);
    const end = lf < 0 ? len : lineEnd(text, pos, lf);
    const from = pos;
    pos = lf < 0 ? len : lf + 1;
    if (end === from) continue;
    const c = text.charCodeAt(from);
    if (c === 32 || c === 9) {
      // RFC 3261 7.3.1: a line starting with whitespace continues the previous one.
      if (open) folded = (folded ?? text.slice(valueFrom, valueTo)) + ' ' + text.slice(from, end).trim();
      else error ??= new SipParseError('continuation line before any header field', 400, 'header');
      continue;
    }
    if (open) headers.push(fieldOf(open, text, valueFrom, valueTo, folded));
    open = undefined;
    const colon = nameEnd(text, from, end);
    if (colon < 0) {
      error ??= new SipParseError(
        `malformed header line ${JSON.stringify(text.slice(from, end).slice(0, 40))}`,
        400,
        'header',
      );
      continue;
    }
    // Usually the name ends at the colon; LWS before it (`Via :`) is trimmed off.
    open = maybeSpace(text.charCodeAt(colon - 1))
      ? internName(text.slice(from, colon).trimEnd())
      : internNameAt(text, from, colon);
    valueFrom = colon + 1;
    valueTo = end;
    folded = undefined;
  }
  if (open) headers.push(fieldOf(open, text, valueFrom, valueTo, folded));
  return error ? { startLine, headers, error } : { startLine, headers };
}

function fieldOf(
  n: { readonly name: string; readonly key: string },
  text: string,
  from: number,
  to: number,
  folded: string | undefined,
): HeaderField {
  return { name: n.name, key: n.key, value: folded === undefined ? trimmedSlice(text, from, to) : folded.trim() };
}

/**
 * The colon ending the header name of the line `[from, end)`, or -1 when
 * what comes before the first colon is not a token (LWS before the colon
 * allowed: `Via :`).
 */
function nameEnd(text: string, from: number, end: number): number {
  let i = from;
  while (i < end && inTable(TOKEN, text.charCodeAt(i))) i++;
  if (i === from) return -1;
  if (i < end && text.charCodeAt(i) === 58) return i;
  // Anything else up to the colon must be white space (what trimEnd removes).
  const colon = text.indexOf(':', i);
  if (colon < 0 || colon >= end) return -1;
  return text.slice(i, colon).trim() === '' ? colon : -1;
}

/** Where the line from `from` ending at the LF at `lf` ends: before a CR that precedes the LF. */
function lineEnd(text: string, from: number, lf: number): number {
  return lf > from && text.charCodeAt(lf - 1) === 13 ? lf - 1 : lf;
}

const VERSION = /^SIP\/\d+\.\d+$/i;

/** Parse one message (see `ParseOptions` for the framing rules). */
export function parseMessage(buf: Uint8Array, opts: ParseOptions): ParseResult {
  const start = skipLeadingCrlf(buf);
  if (start >= buf.length) return { error: new SipParseError('empty message', 400, 'start-line') };
  const end = findHeaderEnd(buf, start);
  let headEnd: number;
  let bodyStart: number;
  let unterminated = false;
  if (end) [headEnd, bodyStart] = end;
  else {
    // No empty line: the header section never ends (RFC 4475 baddn in its archive form).
    headEnd = bodyStart = buf.length;
    unterminated = true;
  }
  const text = asBuffer(buf).toString('utf8', start, headEnd);
  const head = parseHead(text);
  let error = head.error;
  if (unterminated) error ??= new SipParseError('the header section is not ended by an empty line', 400, 'framing');
  if (!error && hasControlBytes(buf, start, headEnd)) error = controlCharacterIn(head.startLine, head.headers);

  // Content-Length (RFC 3261 20.14, 18.3).
  let clCount = 0;
  let clValue = '';
  for (const h of head.headers) {
    if (h.key === 'content-length' && clCount++ === 0) clValue = h.value;
  }
  let contentLength: number | undefined;
  if (clCount > 1) {
    error ??= new SipParseError(`${clCount} Content-Length headers (RFC 4475 3.3.9)`, 400, 'content-length');
  } else if (clCount === 1) {
    if (!isDigits(clValue, 10))
      error ??= new SipParseError(
        `Content-Length ${JSON.stringify(clValue)} is not a non-negative integer`,
        400,
        'content-length',
      );
    else contentLength = Number(clValue);
  }
  const available = buf.length - bodyStart;
  let body: Uint8Array;
  if (contentLength === undefined) {
    // Datagram without Content-Length: the body is the rest (18.3). A stream
    // framer already cut the message, so there the rest is the body too.
    body = error ? new Uint8Array(0) : buf.subarray(bodyStart);
  } else if (contentLength > available) {
    error ??= new SipParseError(
      `Content-Length ${contentLength} is larger than the ${available} body bytes received`,
      400,
      'content-length',
    );
    body = new Uint8Array(0);
  } else {
    if (!opts.datagram && contentLength < available && !error) {
      error = new SipParseError(`${available - contentLength} bytes after the body`, 400, 'content-length');
    }
    body = buf.subarray(bodyStart, bodyStart + contentLength);
  }
  // Copy the body out of the (possibly large, reused) input buffer.
  body = body.length === 0 ? new Uint8Array(0) : Uint8Array.prototype.slice.call(body);

  const sl = head.startLine;
  if (sl.startsWith('SIP/') || /^sip\//i.test(sl)) {
    // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase
    const m = /^(\S+) (\d{3})(?: (.*))?$/.exec(sl);
    if (!m || !VERSION.test(m[1]!))
      return {
        error: new SipParseError(`malformed status line ${JSON.stringify(sl.slice(0, 60))}`, 400, 'start-line'),
      };
    const status = Number(m[2]);
    if (status < 100 || status > 699)
      return { error: new SipParseError(`status code ${status} out of range`, 400, 'start-line') };
    const message = new SipResponse(status, m[3] ?? '', head.headers, body, shared(m[1]!));
    return error ? { message, error } : { message };
  }
  // Request-Line = Method SP Request-URI SP SIP-Version: exactly single spaces (RFC 4475 3.1.2.9, 3.1.2.10).
  const sp1 = sl.indexOf(' ');
  const sp2 = sp1 < 0 ? -1 : sl.indexOf(' ', sp1 + 1);
  const method = sp1 < 0 ? sl : sl.slice(0, sp1);
  if (sp2 < 0 || sl.indexOf(' ', sp2 + 1) >= 0 || !isToken(method) || sp2 === sp1 + 1) {
    const words = sl.trim().split(/[ \t]+/);
    if (words.length >= 3 && isToken(words[0]!) && VERSION.test(words[words.length - 1]!)) {
      // Answerable with a 400: extra spaces between or after the elements, or LWS inside the Request-URI.
      const message = new SipRequest(
        words[0]!,
        words.slice(1, -1).join(' '),
        head.headers,
        body,
        words[words.length - 1]!,
      );
      return {
        message,
        error: new SipParseError(`malformed request line ${JSON.stringify(sl.slice(0, 80))}`, 400, 'start-line'),
      };
    }
    return { error: new SipParseError(`malformed start line ${JSON.stringify(sl.slice(0, 60))}`, 400, 'start-line') };
  }
  const version = sl.slice(sp2 + 1);
  if (!VERSION.test(version)) {
    return { error: new SipParseError(`malformed request line ${JSON.stringify(sl.slice(0, 80))}`, 400, 'start-line') };
  }
  const message = new SipRequest(shared(method), sl.slice(sp1 + 1, sp2), head.headers, body, shared(version));
  return error ? { message, error } : { message };
}
