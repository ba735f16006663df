/**
 * MESSAGE-INTEGRITY (RFC 5389 15.4): an HMAC-SHA1 over the message up to the
 * attribute, with the header's length field counting up to and including
 * MESSAGE-INTEGRITY (and not a FINGERPRINT that may follow). Keys come from
 * short-term or long-term credentials (RFC 5389 15.4).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { HEADER_LENGTH } from './constants.js';
import { StunEncodeError } from './errors.js';
import type { ParsedStunMessage } from './message.js';
import { saslprep } from './saslprep.js';

/** Size of the MESSAGE-INTEGRITY attribute (header + 20-byte HMAC-SHA1). */
export const INTEGRITY_ATTR_LENGTH = 24;

/**
 * The key for short-term credentials: "key = SASLprep(password)".
 *
 * @example shortTermKey('VOkJxbRl1RmTxUk/WvJxBt')
 */
export function shortTermKey(password: string): Uint8Array {
  return Buffer.from(prepare(password), 'utf8');
}

/**
 * The key for long-term credentials: "key = MD5(username ":" realm ":" SASLprep(password))".
 *
 * @example longTermKey('\u30DE\u30C8\u30EA\u30C3\u30AF\u30B9', 'example.org', 'TheMatrIX')
 */
export function longTermKey(username: string, realm: string, password: string): Uint8Array {
  return createHash('md5')
    .update(`${username}:${realm}:${prepare(password)}`, 'utf8')
    .digest();
}

function prepare(password: string): string {
  const p = saslprep(password);
  if (p === undefined) throw new StunEncodeError('the password has characters SASLprep prohibits');
  return p;
}

/**
 * The HMAC over `bytes[0, end)` (the message before MESSAGE-INTEGRITY), with
 * the length field set as if the message ended right after the attribute.
 */
export function computeIntegrity(bytes: Uint8Array, end: number, key: Uint8Array): Uint8Array {
  const header = Buffer.from(bytes.subarray(0, HEADER_LENGTH));
  header.writeUInt16BE(end - HEADER_LENGTH + INTEGRITY_ATTR_LENGTH, 2);
  return createHmac('sha1', key).update(header).update(bytes.subarray(HEADER_LENGTH, end)).digest();
}

/**
 * Whether a parsed message carries a MESSAGE-INTEGRITY valid for `key`.
 * False when it has none.
 *
 * @example verifyIntegrity(parsed, shortTermKey('VOkJxbRl1RmTxUk/WvJxBt'))
 */
export function verifyIntegrity(msg: ParsedStunMessage, key: Uint8Array): boolean {
  const at = msg.integrityOffset;
  if (at === undefined) return false;
  const expected = computeIntegrity(msg.raw, at, key);
  const got = msg.raw.subarray(at + 4, at + INTEGRITY_ATTR_LENGTH);
  return got.length === expected.length && timingSafeEqual(got, expected);
}
