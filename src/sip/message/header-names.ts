/**
 * Header field names: compact forms (RFC 3261 7.3.3 and the IANA registry),
 * case-insensitive keys, the spelling we write, and which headers are
 * comma-separated lists (RFC 3261 7.3.1).
 */

/** Compact form → full name (lower case). */
const COMPACT: Readonly<Record<string, string>> = {
  i: 'call-id',
  m: 'contact',
  f: 'from',
  t: 'to',
  v: 'via',
  l: 'content-length',
  c: 'content-type',
  k: 'supported',
  s: 'subject',
  e: 'content-encoding',
  o: 'event',
  u: 'allow-events',
  r: 'refer-to',
  b: 'referred-by',
  x: 'session-expires',
  y: 'identity',
};

function slowKey(name: string): string {
  const lower = name.toLowerCase();
  return lower.length === 1 && Object.hasOwn(COMPACT, lower) ? COMPACT[lower]! : lower;
}

/**
 * Spellings seen on the wire → the one shared string for that spelling and
 * its key, for the headers every message carries (filled below). Lookups
 * through it allocate nothing; other spellings go the slow way.
 */
const KNOWN = new Map<string, { readonly name: string; readonly key: string }>();

/** The case-insensitive key of a header name, compact forms expanded: `V` → `via`. */
export function headerKey(name: string): string {
  return KNOWN.get(name)?.key ?? slowKey(name);
}

/**
 * The name and key of a header name as read from the wire: for the usual
 * spellings the same shared strings every time (a parsed message then holds
 * no copy of its header names).
 */
export function internName(name: string): { readonly name: string; readonly key: string } {
  return KNOWN.get(name) ?? { name, key: slowKey(name) };
}

/**
 * The known spellings by first character and length (`first * 32 + length`,
 * names under 32 characters), so a name can be recognised where it stands
 * in the text: no slice, no hashing.
 */
const BY_SHAPE: { readonly name: string; readonly key: string }[][] = [];

/**
 * `internName(text.slice(from, to))` without slicing when the name is one
 * of the usual spellings.
 */
export function internNameAt(text: string, from: number, to: number): { readonly name: string; readonly key: string } {
  const len = to - from;
  const c = text.charCodeAt(from);
  if (len < 32 && c < 128) {
    const candidates = BY_SHAPE[c * 32 + len];
    if (candidates) for (const k of candidates) if (text.startsWith(k.name, from)) return k;
  }
  return internName(text.slice(from, to));
}

const SPELLING: Readonly<Record<string, string>> = {
  'call-id': 'Call-ID',
  cseq: 'CSeq',
  'www-authenticate': 'WWW-Authenticate',
  'mime-version': 'MIME-Version',
  rack: 'RAck',
  rseq: 'RSeq',
};

/**
 * The usual spelling of a header name for messages we write: `call-id` → `Call-ID`, `max-forwards` → `Max-Forwards`.
 */
export function canonicalName(name: string): string {
  const key = headerKey(name);
  return (
    (Object.hasOwn(SPELLING, key) ? SPELLING[key] : undefined) ??
    key.replace(/(^|-)([a-z])/g, (_, d: string, c: string) => d + c.toUpperCase())
  );
}

/**
 * Headers whose value is a comma-separated list (RFC 3261 7.3.1). Others
 * (Date, WWW-Authenticate, Subject…) may contain commas that separate nothing.
 */
const LIST = new Set([
  'via',
  'contact',
  'route',
  'record-route',
  'allow',
  'supported',
  'require',
  'proxy-require',
  'unsupported',
  'accept',
  'accept-encoding',
  'accept-language',
  'content-encoding',
  'content-language',
  'warning',
  'alert-info',
  'call-info',
  'error-info',
  'in-reply-to',
  'allow-events',
  'reason',
  'path',
  'service-route',
]);

export function isListHeader(key: string): boolean {
  return LIST.has(key);
}

/** Headers that may appear at most once (RFC 3261 7.3 and Table 2); a second copy is a 400 (RFC 4475 3.3.8). */
export const SINGLE = new Set([
  'call-id',
  'cseq',
  'from',
  'to',
  'max-forwards',
  'content-length',
  'content-type',
  'expires',
]);

// Usual spellings of the headers of everyday messages: the canonical one, all lower case, all upper case,
// and the compact form in both cases.
for (const key of [
  ...LIST,
  ...SINGLE,
  'subject',
  'user-agent',
  'server',
  'organization',
  'date',
  'timestamp',
  'priority',
  'authorization',
  'proxy-authorization',
  'www-authenticate',
  'proxy-authenticate',
  'authentication-info',
  'min-expires',
  'retry-after',
  'reply-to',
  'event',
  'refer-to',
  'referred-by',
  'session-expires',
  'min-se',
  'rseq',
  'rack',
  'mime-version',
  'p-asserted-identity',
  'privacy',
  'identity',
  'content-disposition',
]) {
  for (const spelling of [key, canonicalName(key), key.toUpperCase()]) KNOWN.set(spelling, { name: spelling, key });
}
for (const [c, key] of Object.entries(COMPACT)) {
  KNOWN.set(c, { name: c, key });
  KNOWN.set(c.toUpperCase(), { name: c.toUpperCase(), key });
}
for (const entry of KNOWN.values()) {
  const len = entry.name.length;
  const c = entry.name.charCodeAt(0);
  if (len < 32 && c < 128) (BY_SHAPE[c * 32 + len] ??= []).push(entry);
}
