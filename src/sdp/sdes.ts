/**
 * SDES (RFC 4568): SRTP master keys in SDP `a=crypto` lines, and the
 * offer/answer rules for them. Pure: keys come in (drawn by the caller),
 * lines and chosen keys go out.
 *
 * ```
 * a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4 KDR=0
 *          |   |                       |      |                                       |    |   +- session parameters
 *          |   |                       |      |                                       |    +- MKI:length (refused)
 *          |   |                       |      |                                       +- lifetime
 *          |   |                       |      +- base64 of master key || master salt
 *          |   |                       +- key method
 *          |   +- crypto suite
 *          +- tag
 * ```
 * shtoom refuses a line with an MKI, several keys, a key derivation rate
 * other than 0, or the `UNENCRYPTED_*` / `UNAUTHENTICATED_SRTP` session
 * parameters (it always encrypts and authenticates); `WSH=` sets the replay
 * window, and FEC_ORDER / FEC_KEY are refused.
 */
import { SRTP_SUITES, type SrtpSuiteName, srtpSuite } from '../rtp/srtp/srtp-suites.js';
import { SdpParseError } from './errors.js';
import type { Attribute, MediaDescription } from './types.js';

/** One `a=crypto` line as shtoom uses it. */
export interface CryptoLine {
  /** 1-999999999 (RFC 4568 9.1: 1*9DIGIT). */
  readonly tag: number;
  readonly suite: SrtpSuiteName;
  /** Master key || master salt. */
  readonly keySalt: Uint8Array;
  /** `WSH=`: the replay window the sender asks for (RFC 4568 6.3.7). */
  readonly windowSizeHint?: number;
}

/** A line shtoom cannot use, and why (the offer may hold others). */
export class CryptoLineError extends SdpParseError {}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Read the value of an `a=crypto` attribute. Throws `CryptoLineError` for
 * what RFC 4568 9.1 does not allow or shtoom refuses (MKI, KDR, unknown
 * suites, unencrypted or unauthenticated SRTP).
 */
export function parseCryptoLine(value: string): CryptoLine {
  const bad = (why: string) => new CryptoLineError(`a=crypto:${value.slice(0, 80)}: ${why}`);
  const parts = value.trim().split(/[ \t]+/);
  const [tagText, suiteName, keyParams, ...sessionParams] = parts;
  if (tagText === undefined || suiteName === undefined || keyParams === undefined)
    throw bad('needs a tag, a crypto suite and key parameters');
  if (!/^[0-9]{1,9}$/.test(tagText)) throw bad('the tag must be 1 to 9 digits');
  const suite = srtpSuite(suiteName);
  if (!suite) throw bad(`unknown crypto suite ${suiteName}`);
  // RFC 4568 6.1: several key-params (one per MKI) are allowed; shtoom refuses MKIs, so one key only.
  if (keyParams.includes(';')) throw bad('several keys (MKIs) are not supported');
  const m = /^inline:([^|]+)((?:\|[^|]*)*)$/.exec(keyParams);
  if (!m) throw bad('the key parameter must be inline:<key||salt>');
  const b64 = m[1]!;
  if (!BASE64.test(b64)) throw bad('the key is not base64');
  const keySalt = new Uint8Array(Buffer.from(b64, 'base64'));
  if (keySalt.length !== suite.keyLength + suite.saltLength)
    throw bad(`${suite.name} needs ${suite.keyLength + suite.saltLength} bytes of key and salt, not ${keySalt.length}`);
  const extras = m[2] ? m[2].split('|').slice(1) : [];
  for (const x of extras) {
    // RFC 4568 9.1: lifetime = ["2^"] 1*(DIGIT); mki = mki-value ":" mki-length.
    if (/^(2\^)?[0-9]+$/.test(x)) continue;
    if (/^[0-9]+:[0-9]+$/.test(x)) throw bad('MKI is not supported');
    throw bad(`unreadable key parameter |${x}`);
  }
  let windowSizeHint: number | undefined;
  for (const p of sessionParams) {
    const [name, arg] = p.split('=', 2);
    if (name === 'KDR') {
      if (arg !== '0') throw bad('a key derivation rate other than 0 is not supported');
    } else if (name === 'WSH') {
      const n = Number(arg);
      // RFC 4568 6.3.7: "the minimum value ... is 64".
      if (!Number.isInteger(n) || n < 64) throw bad(`WSH=${arg ?? ''}: must be a whole number, 64 or more`);
      windowSizeHint = Math.min(n, 32768);
    } else throw bad(`session parameter ${p} is not supported`);
  }
  return {
    tag: Number(tagText),
    suite: suite.name,
    keySalt,
    ...(windowSizeHint !== undefined ? { windowSizeHint } : {}),
  };
}

/** The value of an `a=crypto` attribute for a line. */
export function serializeCryptoLine(c: CryptoLine): string {
  return `${c.tag} ${c.suite} inline:${Buffer.from(c.keySalt).toString('base64')}`;
}

/** The `a=crypto` attributes of a media description. */
export function cryptoAttributes(m: MediaDescription): Attribute[] {
  return m.attributes.filter((a) => a.name === 'crypto');
}

/** Split key || salt of a line into the master key and salt. */
export function masterKeyOf(c: CryptoLine): { key: Uint8Array; salt: Uint8Array } {
  const s = SRTP_SUITES[c.suite];
  return { key: c.keySalt.subarray(0, s.keyLength), salt: c.keySalt.subarray(s.keyLength) };
}

/** What a negotiation agreed for SRTP: the suite, our key (we send with it) and the peer's (it sends with it). */
export interface NegotiatedSrtp {
  readonly suite: SrtpSuiteName;
  /** Master key || salt we send with. */
  readonly local: Uint8Array;
  /** Master key || salt the peer sends with. */
  readonly remote: Uint8Array;
  /** The replay window to use (the larger of ours and the peer's WSH=). */
  readonly replayWindow?: number;
}

/**
 * RFC 4568 7.1.1 / 7.1.2: the answerer takes the first offered line it
 * can use (the offer lists them "in order of preference") whose suite is
 * one of `suites`, and answers with the same tag and suite and a key of
 * its own. Returns the line chosen, or the reasons none could be.
 */
export function chooseOfferedCrypto(
  m: MediaDescription,
  suites: readonly SrtpSuiteName[],
): { line: CryptoLine } | { reasons: string[] } {
  const reasons: string[] = [];
  for (const a of cryptoAttributes(m)) {
    let line: CryptoLine;
    try {
      line = parseCryptoLine(a.value ?? '');
    } catch (e) {
      if (!(e instanceof CryptoLineError)) throw e;
      reasons.push(e.message);
      continue;
    }
    if (!suites.includes(line.suite)) {
      reasons.push(`${line.suite} is not among the SRTP suites allowed (${suites.join(', ')})`);
      continue;
    }
    return { line };
  }
  if (reasons.length === 0) reasons.push('no a=crypto line');
  return { reasons };
}
