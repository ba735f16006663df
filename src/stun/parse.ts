/**
 * Parsing a datagram into a STUN message (RFC 5389 6, 15). Never throws:
 * anything malformed is a `StunParseError` in the result, with a `code`
 * saying what was wrong. Every length is checked before it is used — a
 * length underflow in this spot was pjsip's CVE-2021-37706 and sofia-sip's
 * CVE-2023-22741.
 *
 * Attribute TLVs (RFC 5389 15):
 * ```
 *  |         Type                  |            Length             |
 *  |                         Value (variable)                ....
 * ```
 * "Each STUN attribute MUST end on a 32-bit boundary"; Length excludes the
 * padding.
 */
import { Attr, HEADER_LENGTH, MAGIC_COOKIE, attrName, isComprehensionRequired, isKnownAttr } from './constants.js';
import { StunParseError } from './errors.js';
import { checkAttribute } from './attributes.js';
import { fingerprintOf } from './fingerprint.js';
import { decodeMessageType, type ParsedStunMessage, type StunAttribute } from './message.js';

export type StunParseResult = { ok: true; message: ParsedStunMessage } | { ok: false; error: StunParseError };

export interface ParseOptions {
  /**
   * Accept RFC 3489 messages (no magic cookie; 128-bit transaction ID).
   * Default false: RFC 5389 6 makes the cookie the test that tells STUN apart
   * from other protocols on the same port.
   */
  readonly allowClassic?: boolean;
}

const fail = (code: StunParseError['code'], msg: string): StunParseResult => ({
  ok: false,
  error: new StunParseError(code, msg),
});

/**
 * Parse one datagram as a STUN message.
 *
 * @example
 * const r = parseStunMessage(datagram);
 * if (r.ok) console.log(r.message.class, readMappedAddress(r.message));
 * else console.log(r.error.code); // 'not-stun', 'bad-length', …
 */
export function parseStunMessage(bytes: Uint8Array, options: ParseOptions = {}): StunParseResult {
  if (bytes.length < HEADER_LENGTH) return fail('not-stun', `${bytes.length} bytes is shorter than a STUN header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = view.getUint16(0);
  // RFC 5389 6: "The most significant 2 bits of every STUN message MUST be zeroes."
  if (type & 0xc000) return fail('not-stun', `first byte 0x${bytes[0]!.toString(16)} has the top bits set`);
  const classic = view.getUint32(4) !== MAGIC_COOKIE;
  if (classic && !options.allowClassic) return fail('not-stun', 'no magic cookie');
  const length = view.getUint16(2);
  // RFC 5389 6: "The message length MUST contain the size, in bytes, of the message not
  // including the 20-byte STUN header. Since all STUN attributes are padded to a multiple of
  // 4 bytes, the last 2 bits of this field are always zero."
  if (length % 4 !== 0) return fail('bad-length', `message length ${length} is not a multiple of 4`);
  if (HEADER_LENGTH + length !== bytes.length) {
    return fail('bad-length', `message length ${length} but ${bytes.length - HEADER_LENGTH} bytes follow the header`);
  }
  const transactionId = copyOf(bytes, classic ? 4 : 8, HEADER_LENGTH);
  const { method, class: cls } = decodeMessageType(type);

  const attributes: StunAttribute[] = [];
  const unknownRequired: number[] = [];
  let integrityOffset: number | undefined;
  let hasFingerprint = false;
  let ignoredAfterIntegrity = 0;
  let offset = HEADER_LENGTH;
  while (offset < bytes.length) {
    if (bytes.length - offset < 4)
      return fail('truncated-attribute', `${bytes.length - offset} bytes left for an attribute header`);
    const at = offset;
    const attrType = view.getUint16(at);
    const attrLength = view.getUint16(at + 2);
    const padded = (attrLength + 3) & ~3;
    if (padded > bytes.length - at - 4) {
      return fail(
        'truncated-attribute',
        `${attrName(attrType)} at byte ${at} says ${attrLength} bytes but ${bytes.length - at - 4} remain`,
      );
    }
    offset = at + 4 + padded;
    const a: StunAttribute = { type: attrType, value: copyOf(bytes, at + 4, at + 4 + attrLength) };
    if (hasFingerprint) {
      // RFC 5389 15.5: "When present, the FINGERPRINT attribute MUST be the last attribute in the message".
      return fail('bad-fingerprint', `${attrName(attrType)} follows FINGERPRINT`);
    }
    if (attrType === Attr.FINGERPRINT) {
      if (attrLength !== 4) return fail('bad-attribute', `FINGERPRINT of ${attrLength} bytes`);
      if (view.getUint32(at + 4) !== fingerprintOf(withLengthUpTo(bytes, at + 8), at)) {
        return fail('bad-fingerprint', 'the FINGERPRINT does not match the message');
      }
      hasFingerprint = true;
      attributes.push(a);
      continue;
    }
    if (integrityOffset !== undefined) {
      // RFC 5389 15.4: "With the exception of the FINGERPRINT attribute, which appears after
      // MESSAGE-INTEGRITY, agents MUST ignore all other attributes that follow MESSAGE-INTEGRITY."
      ignoredAfterIntegrity++;
      continue;
    }
    const bad = checkAttribute(a, transactionId);
    if (bad) return fail('bad-attribute', bad.why);
    if (attrType === Attr.MESSAGE_INTEGRITY) integrityOffset = at;
    // RFC 5389 7.3: unknown comprehension-required attributes are reported, not ignored; what to do
    // about them (a 420 for a request, a failed transaction for a response) is the caller's choice.
    if (isComprehensionRequired(attrType) && !isKnownAttr(attrType) && !unknownRequired.includes(attrType)) {
      unknownRequired.push(attrType);
    }
    attributes.push(a);
  }
  return {
    ok: true,
    message: {
      method,
      class: cls,
      transactionId,
      attributes,
      raw: bytes,
      classic,
      integrityOffset,
      hasFingerprint,
      unknownRequired,
      ignoredAfterIntegrity,
    },
  };
}

/**
 * The message bytes before `end` with the header's length field as if the
 * message ended at `end` (RFC 5389 15.5: the CRC covers the header "with the
 * length field ... pointing to the FINGERPRINT"). Copies only when needed.
 */
function withLengthUpTo(bytes: Uint8Array, end: number): Uint8Array {
  const want = end - HEADER_LENGTH;
  if (((bytes[2]! << 8) | bytes[3]!) === want) return bytes;
  const copy = copyOf(bytes, 0, end);
  copy[2] = want >> 8;
  copy[3] = want & 0xff;
  return copy;
}

/**
 * A copy of `bytes[start, end)` as a plain Uint8Array. Never `Buffer#slice`,
 * which returns a view: a caller's Buffer must not change under the parser.
 */
export function copyOf(bytes: Uint8Array, start: number, end: number): Uint8Array {
  const out = new Uint8Array(end - start);
  out.set(bytes.subarray(start, end));
  return out;
}

/**
 * A quick test whether a datagram looks like an RFC 5389 STUN message (top
 * bits zero, magic cookie, a plausible length), without parsing it.
 */
export function looksLikeStun(bytes: Uint8Array): boolean {
  if (bytes.length < HEADER_LENGTH || (bytes[0]! & 0xc0) !== 0) return false;
  const length = (bytes[2]! << 8) | bytes[3]!;
  return (
    length % 4 === 0 &&
    length + HEADER_LENGTH === bytes.length &&
    bytes[4] === 0x21 &&
    bytes[5] === 0x12 &&
    bytes[6] === 0xa4 &&
    bytes[7] === 0x42
  );
}
