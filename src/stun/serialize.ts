/**
 * Serializing a STUN message: the header, the attributes with padding, and
 * optionally MESSAGE-INTEGRITY (RFC 5389 15.4) and FINGERPRINT (15.5)
 * appended in that order.
 */
import { Attr, HEADER_LENGTH, MAGIC_COOKIE, TRANSACTION_ID_LENGTH } from './constants.js';
import { StunEncodeError } from './errors.js';
import { fingerprintOf } from './fingerprint.js';
import { INTEGRITY_ATTR_LENGTH, computeIntegrity } from './integrity.js';
import { encodeMessageType, type StunMessage } from './message.js';

export interface SerializeOptions {
  /** Append MESSAGE-INTEGRITY computed with this key (see `shortTermKey`, `longTermKey`). */
  readonly integrityKey?: Uint8Array | undefined;
  /** Append FINGERPRINT (last). */
  readonly fingerprint?: boolean;
  /**
   * The byte used to pad attribute values (default 0). RFC 5389 15: "The
   * padding bits are ignored, and may be any value"; RFC 5769's vectors pad
   * with spaces (0x20).
   */
  readonly padding?: number;
}

/**
 * The bytes of a message.
 *
 * @example
 * const bytes = serializeStunMessage(
 *   { method: StunMethod.BINDING, class: 'request', transactionId, attributes: [attr.software('shtoom')] },
 *   { fingerprint: true },
 * );
 */
export function serializeStunMessage(msg: StunMessage, options: SerializeOptions = {}): Uint8Array {
  const tid = msg.transactionId;
  if (tid.length !== TRANSACTION_ID_LENGTH && tid.length !== 16) {
    throw new StunEncodeError(`a transaction ID has 12 bytes (16 for RFC 3489), not ${tid.length}`);
  }
  let size = HEADER_LENGTH;
  for (const a of msg.attributes) {
    if (a.value.length > 0xffff) throw new StunEncodeError(`attribute 0x${a.type.toString(16)} is too long`);
    size += 4 + ((a.value.length + 3) & ~3);
  }
  if (options.integrityKey) size += INTEGRITY_ATTR_LENGTH;
  if (options.fingerprint) size += 8;
  if (size - HEADER_LENGTH > 0xffff) throw new StunEncodeError(`a message of ${size} bytes is too long`);

  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint16(0, encodeMessageType(msg.method, msg.class));
  if (tid.length === TRANSACTION_ID_LENGTH) view.setUint32(4, MAGIC_COOKIE);
  out.set(tid, HEADER_LENGTH - tid.length);
  let at = HEADER_LENGTH;
  const pad = options.padding ?? 0;
  for (const a of msg.attributes) {
    view.setUint16(at, a.type);
    view.setUint16(at + 2, a.value.length);
    out.set(a.value, at + 4);
    const end = at + 4 + ((a.value.length + 3) & ~3);
    out.fill(pad, at + 4 + a.value.length, end);
    at = end;
  }
  // The length field counts what is written so far; the integrity and fingerprint
  // computations set it as each RFC rule requires.
  view.setUint16(2, at - HEADER_LENGTH);
  if (options.integrityKey) {
    const mac = computeIntegrity(out, at, options.integrityKey);
    view.setUint16(at, Attr.MESSAGE_INTEGRITY);
    view.setUint16(at + 2, 20);
    out.set(mac, at + 4);
    at += INTEGRITY_ATTR_LENGTH;
    view.setUint16(2, at - HEADER_LENGTH);
  }
  if (options.fingerprint) {
    view.setUint16(2, at + 8 - HEADER_LENGTH);
    const crc = fingerprintOf(out, at);
    view.setUint16(at, Attr.FINGERPRINT);
    view.setUint16(at + 2, 4);
    view.setUint32(at + 4, crc);
    at += 8;
  }
  return out;
}
