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
import { isToken } from './grammar.js';
import { headerKey } from './header-names.js';
import { SipRequest, SipResponse, type HeaderField, type SipMessage } from './message.js';

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
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  for (let j = b.indexOf(10, from); j >= 0; j = b.indexOf(10, j + 1)) {
    const end = j > from && b[j - 1] === 13 ? j - 1 : j;
    if (b[j + 1] === 10) return [end, j + 2];
    if (b[j + 1] === 13 && b[j + 2] === 10) return [end, j + 3];
  }
  return undefined;
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

/** Split the header section into the start line and unfolded header fields. */
export function parseHead(text: string): Head {
  const lines = text.split(CRLF_OR_LF);
  const startLine = lines[0] ?? '';
  const headers: HeaderField[] = [];
  let error: SipParseError | undefined;
  let name = '';
  let value = '';
  let open = false;
  for (let n = 1; n <= lines.length; n++) {
    const line = n < lines.length ? lines[n]! : undefined;
    if (line !== undefined && line.length === 0) continue;
    const c = line === undefined ? -1 : line.charCodeAt(0);
    if (c === 32 || c === 9) {
      // RFC 3261 7.3.1: a line starting with whitespace continues the previous one.
      if (open) value += ' ' + line!.trim();
      else error ??= new SipParseError('continuation line before any header field', 400, 'header');
      continue;
    }
    if (open) headers.push({ name, key: headerKey(name), value: value.trim() });
    open = false;
    if (line === undefined) break;
    const colon = line.indexOf(':');
    const nm = colon < 0 ? '' : line.slice(0, colon).trimEnd();
    if (!isToken(nm)) {
      error ??= new SipParseError(`malformed header line ${JSON.stringify(line.slice(0, 40))}`, 400, 'header');
      continue;
    }
    name = nm;
    value = line.slice(colon + 1);
    open = true;
  }
  return error ? { startLine, headers, error } : { startLine, headers };
}

const CRLF_OR_LF = /\r?\n/;

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
  const text = Buffer.from(buf.buffer, buf.byteOffset + start, headEnd - start).toString('utf8');
  const head = parseHead(text);
  let error = head.error;
  if (unterminated) error ??= new SipParseError('the header section is not ended by an empty line', 400, 'framing');

  // Content-Length (RFC 3261 20.14, 18.3).
  const clFields = head.headers.filter((h) => h.key === 'content-length');
  let contentLength: number | undefined;
  if (clFields.length > 1) {
    error ??= new SipParseError(`${clFields.length} Content-Length headers (RFC 4475 3.3.9)`, 400, 'content-length');
  } else if (clFields.length === 1) {
    const v = clFields[0]!.value;
    if (!/^\d{1,10}$/.test(v)) error ??= new SipParseError(`Content-Length ${JSON.stringify(v)} is not a non-negative integer`, 400, 'content-length');
    else contentLength = Number(v);
  }
  const available = buf.length - bodyStart;
  let body: Uint8Array;
  if (contentLength === undefined) {
    // Datagram without Content-Length: the body is the rest (18.3). A stream
    // framer already cut the message, so there the rest is the body too.
    body = error ? new Uint8Array(0) : buf.subarray(bodyStart);
  } else if (contentLength > available) {
    error ??= new SipParseError(`Content-Length ${contentLength} is larger than the ${available} body bytes received`, 400, 'content-length');
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
    if (!m || !VERSION.test(m[1]!)) return { error: new SipParseError(`malformed status line ${JSON.stringify(sl.slice(0, 60))}`, 400, 'start-line') };
    const status = Number(m[2]);
    if (status < 100 || status > 699) return { error: new SipParseError(`status code ${status} out of range`, 400, 'start-line') };
    const message = new SipResponse(status, m[3] ?? '', head.headers, body, m[1]!);
    return error ? { message, error } : { message };
  }
  // Request-Line = Method SP Request-URI SP SIP-Version: exactly single spaces (RFC 4475 3.1.2.9, 3.1.2.10).
  const parts = sl.split(' ');
  if (parts.length !== 3 || !isToken(parts[0]!) || parts[1]!.length === 0) {
    const words = sl.trim().split(/[ \t]+/);
    if (words.length >= 3 && isToken(words[0]!) && VERSION.test(words[words.length - 1]!)) {
      // Answerable with a 400: extra spaces between or after the elements, or LWS inside the Request-URI.
      const message = new SipRequest(words[0]!, words.slice(1, -1).join(' '), head.headers, body, words[words.length - 1]!);
      return { message, error: new SipParseError(`malformed request line ${JSON.stringify(sl.slice(0, 80))}`, 400, 'start-line') };
    }
    return { error: new SipParseError(`malformed start line ${JSON.stringify(sl.slice(0, 60))}`, 400, 'start-line') };
  }
  if (!VERSION.test(parts[2]!)) {
    return { error: new SipParseError(`malformed request line ${JSON.stringify(sl.slice(0, 80))}`, 400, 'start-line') };
  }
  const message = new SipRequest(parts[0]!, parts[1]!, head.headers, body, parts[2]!);
  return error ? { message, error } : { message };
}
