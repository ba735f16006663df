/**
 * Control characters in the start line and header values (RFC 3261 25.1).
 *
 * SIP text is printable: `TEXT-UTF8char = %x21-7E / UTF8-NONASCII`, with
 * LWS between words. The only place a control character may appear is a
 * quoted-pair inside a quoted string or a comment (`quoted-pair = "\"
 * (%x00-09 / %x0B-0C / %x0E-7F)`; RFC 4475 3.1.1.2 escapes a NUL, a BEL and
 * a DEL that way). Anywhere else a NUL, an escape sequence or a lone CR is
 * refused: C peers truncate strings at NUL, a lone CR starts a header line
 * for some parsers, and escape sequences rewrite the terminal that shows a
 * log. The body is not looked at: bodies carry any bytes.
 *
 * Bytes that are not UTF-8 are not refused: they are read as U+FFFD (legacy
 * peers send Latin-1 display names), so what we log, show or send back is
 * always valid UTF-8.
 *
 * @example
 * controlCharacterIn('INVITE sip:a@b SIP/2.0', [{ name: 'Subject', key: 'subject', value: 'hi\x1b[2J' }]);
 * // SipParseError: Subject has a control character (0x1b) outside a quoted string
 */
import { SipParseError } from '../errors.js';
import type { HeaderField } from './message.js';

/** C0 controls but HTAB, and DEL; CR and LF included (within a value they are never line ends). */
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;

/** A control character outside quoted strings and comments (where a quoted-pair may carry one), or -1. */
function looseControl(value: string): number {
  let quoted = false;
  let comment = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if ((quoted || comment > 0) && c === 92) {
      // quoted-pair: the next character is taken as it is, unless it is CR or LF.
      const next = value.charCodeAt(i + 1);
      if (next === 10 || next === 13) return i + 1;
      i++;
      continue;
    }
    if (c === 34 && comment === 0) quoted = !quoted;
    else if (!quoted && c === 40) comment++;
    else if (!quoted && c === 41 && comment > 0) comment--;
    else if ((c < 32 && c !== 9) || c === 127) return i;
  }
  return -1;
}

function hex(c: number): string {
  return `0x${c.toString(16).padStart(2, '0')}`;
}

/**
 * Whether the header section `bytes[from, to)` holds a control character
 * other than HTAB and the line ends (LF, CRLF): the one scan every message
 * pays; `controlCharacterIn` then says where, in the rare case it does.
 */
export function hasControlBytes(bytes: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = bytes[i]!;
    if (c >= 32) {
      if (c === 127) return true;
      continue;
    }
    if (c === 9 || c === 10) continue;
    if (c === 13 && bytes[i + 1] === 10) continue;
    return true;
  }
  return false;
}

/**
 * The first control character where RFC 3261 allows none (in the start
 * line, or in a header value outside a quoted-pair), as the error to answer
 * with (400), or undefined.
 */
export function controlCharacterIn(startLine: string, headers: readonly HeaderField[]): SipParseError | undefined {
  const m = CONTROL.exec(startLine);
  if (m) {
    const code = hex(m[0].charCodeAt(0));
    return new SipParseError(`the start line has a control character (${code})`, 400, 'start-line');
  }
  for (const h of headers) {
    if (!CONTROL.test(h.value)) continue;
    const at = looseControl(h.value);
    if (at >= 0) {
      return new SipParseError(
        `${h.name} has a control character (${hex(h.value.charCodeAt(at))}) outside a quoted string`,
        400,
        h.key,
      );
    }
  }
  return undefined;
}
