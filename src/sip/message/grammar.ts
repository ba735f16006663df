/**
 * Character classes and small scanners of the RFC 3261 section 25 grammar,
 * shared by the URI, header and message parsers. Everything here is pure and
 * works on JavaScript strings (the header section decoded as UTF-8).
 */

function table(chars: string, ranges: readonly [string, string][] = []): Uint8Array {
  const t = new Uint8Array(128);
  for (const c of chars) t[c.charCodeAt(0)] = 1;
  for (const [a, b] of ranges) for (let i = a.charCodeAt(0); i <= b.charCodeAt(0); i++) t[i] = 1;
  return t;
}

const ALNUM: [string, string][] = [
  ['a', 'z'],
  ['A', 'Z'],
  ['0', '9'],
];

/** RFC 3261 25.1: token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~") */
export const TOKEN = table("-.!%*_+`'~", ALNUM);
/** word (Call-ID): token characters plus ( ) < > : \ DQUOTE / [ ] ? { } */
export const WORD = table('-.!%*_+`\'~()<>:\\"/[]?{}', ALNUM);
/** unreserved = alphanum / mark */
export const UNRESERVED = table("-_.!~*'()", ALNUM);
/** user: unreserved / escaped / user-unreserved */
export const USER = table("-_.!~*'()&=+$,;?/", ALNUM);
/** password: unreserved / escaped / "&" / "=" / "+" / "$" / "," */
export const PASSWORD = table("-_.!~*'()&=+$,", ALNUM);
/** paramchar: param-unreserved / unreserved / escaped */
export const PARAMCHAR = table("-_.!~*'()[]/:&+$", ALNUM);
/** hname / hvalue characters: hnv-unreserved / unreserved / escaped */
export const HNV = table("-_.!~*'()[]/?:+$", ALNUM);
/** hostname characters (and IPv4). */
export const HOST = table('-.', ALNUM);
/** scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
export const SCHEME = table('+-.', ALNUM);

export function inTable(t: Uint8Array, code: number): boolean {
  return code < 128 && t[code] === 1;
}

export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!inTable(TOKEN, s.charCodeAt(i))) return false;
  return true;
}

export function isWord(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!inTable(WORD, s.charCodeAt(i))) return false;
  return true;
}

/**
 * The character code at `i`, or -1 past the end. Scanners read one past
 * the end of what they scan; asking `charCodeAt` for that would give NaN
 * and make the optimised code fall back to a slower, bounds-tolerant form.
 */
export function codeAt(s: string, i: number): number {
  return i < s.length ? s.charCodeAt(i) : -1;
}

export function isWs(code: number): boolean {
  return code === 32 || code === 9;
}

/** Index of the first non-SP/HTAB character at or after `i`. */
export function skipWs(s: string, i: number): number {
  while (i < s.length && isWs(s.charCodeAt(i))) i++;
  return i;
}

/**
 * Read a quoted-string starting at `s[i] === '"'`. Returns the unescaped
 * content and the index after the closing quote, or undefined when the
 * quote is never closed (RFC 4475 3.1.2.6).
 */
export function readQuoted(s: string, i: number): { value: string; end: number } | undefined {
  // Usually there is nothing to unescape: the value is one slice.
  for (let j = i + 1; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === 34 /* " */) return { value: s.slice(i + 1, j), end: j + 1 };
    if (c === 92 /* \ */) break;
  }
  let out = '';
  for (let j = i + 1; j < s.length; j++) {
    const c = s[j]!;
    if (c === '\\') {
      // quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F)
      if (j + 1 >= s.length) return undefined;
      out += s[j + 1];
      j++;
    } else if (c === '"') {
      return { value: out, end: j + 1 };
    } else {
      out += c;
    }
  }
  return undefined;
}

/**
 * Where the quoted-string starting at `s[i] === '"'` ends (the index after its closing quote), or -1 when it never
 * does.
 */
export function quotedEnd(s: string, i: number): number {
  for (let j = i + 1; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === 92 /* \ */) {
      if (j + 1 >= s.length) return -1;
      j++;
    } else if (c === 34 /* " */) return j + 1;
  }
  return -1;
}

/** Quote a string for a quoted-string (display names, digest parameters). */
export function quote(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** The value of a parameter with surrounding quotes removed and quoted-pairs resolved. */
export function unquote(s: string): string {
  if (s.length >= 2 && s.startsWith('"') && s.endsWith('"')) return readQuoted(s, 0)?.value ?? s.slice(1, -1);
  return s;
}

/**
 * Split a header value on commas that separate list elements, leaving
 * commas inside quoted strings and `<…>` alone (RFC 3261 7.3.1). Elements
 * are trimmed; an empty element (`a,,b`) is reported as `''` so callers can
 * reject it (RFC 4475 3.1.2.1).
 */
export function splitList(value: string): string[] {
  const out: string[] = [];
  let start = 0;
  let inQuote = false;
  let inAngle = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (inQuote) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inQuote = false;
    } else if (c === 34) inQuote = true;
    else if (c === 60 /* < */) inAngle = true;
    else if (c === 62 /* > */) inAngle = false;
    else if (c === 44 /* , */ && !inAngle) {
      out.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(value.slice(start).trim());
  return out;
}

const HEX = '0123456789ABCDEF';

/** Percent-decode (RFC 3261 25.1 escaped). Returns undefined when a `%` is not followed by two hex digits. */
export function unescapeUri(s: string): string | undefined {
  if (!s.includes('%')) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 37 /* % */) {
      const h = s.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(h)) return undefined;
      bytes.push(parseInt(h, 16));
      i += 2;
    } else if (c < 128) {
      bytes.push(c);
    } else {
      for (const b of Buffer.from(s[i]!, 'utf8')) bytes.push(b);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Percent-encode every character not in `allowed` (UTF-8 for non-ASCII). */
export function escapeUri(s: string, allowed: Uint8Array): string {
  let out = '';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (c < 128 && allowed[c] === 1) out += ch;
    else for (const b of Buffer.from(ch, 'utf8')) out += `%${HEX[b >> 4]}${HEX[b & 15]}`;
  }
  return out;
}

/** Whether every character of `s` is in `t` or is a well-formed `%HH` escape. */
export function escapedOnly(s: string, t: Uint8Array): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 37) {
      if (!/^[0-9a-fA-F]{2}$/.test(s.slice(i + 1, i + 3))) return false;
      i += 2;
    } else if (!inTable(t, c)) return false;
  }
  return true;
}

/** Parse an unsigned decimal within `max`; undefined when not all digits or too large (RFC 4475 3.1.2.4). */
export function parseUnsigned(s: string, max: number): number | undefined {
  if (s.length === 0) return undefined;
  // Leading zeros are allowed (RFC 4475 3.1.1.1): only the digits after them count towards the size.
  let first = -1;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
    if (first < 0 && c !== 48) first = i;
  }
  if (first >= 0 && s.length - first > 16) return undefined;
  const n = first < 0 ? 0 : Number(first === 0 ? s : s.slice(first));
  return n <= max ? n : undefined;
}

export const MAX_U32 = 4294967295;
