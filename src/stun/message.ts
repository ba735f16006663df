/**
 * The STUN message as a value (RFC 5389 6):
 *
 * ```
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |0 0|     STUN Message Type     |         Message Length        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                         Magic Cookie                          |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                     Transaction ID (96 bits)                  |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 *  Message Type: M11 M10 M9 M8 M7 C1 M6 M5 M4 C0 M3 M2 M1 M0
 * ```
 *
 * Attributes are kept as raw type/value pairs in wire order; the typed
 * readers in `attributes.ts` decode them. A parsed message also keeps its
 * bytes, so MESSAGE-INTEGRITY can be checked later with a key.
 */
import { StunClass, type StunClassName } from './constants.js';

/** One attribute: its type and its value without padding. */
export interface StunAttribute {
  readonly type: number;
  readonly value: Uint8Array;
}

/** A STUN message as a plain value. */
export interface StunMessage {
  /** The method (0x001 = Binding). */
  readonly method: number;
  readonly class: StunClassName;
  /** 12 bytes (RFC 5389); 16 for an RFC 3489 message (see `ParsedStunMessage.classic`). */
  readonly transactionId: Uint8Array;
  /** In wire order; MESSAGE-INTEGRITY and FINGERPRINT appear here when parsed. */
  readonly attributes: readonly StunAttribute[];
}

/** A message read from the wire, with what the parser learned about it. */
export interface ParsedStunMessage extends StunMessage {
  /** The bytes it was parsed from (the whole datagram). */
  readonly raw: Uint8Array;
  /** True for an RFC 3489 message (no magic cookie; the cookie bytes begin a 128-bit transaction ID). */
  readonly classic: boolean;
  /** Byte offset of the MESSAGE-INTEGRITY attribute header in `raw`, if present. */
  readonly integrityOffset: number | undefined;
  /** Whether a FINGERPRINT was present (the parser has checked it). */
  readonly hasFingerprint: boolean;
  /** Comprehension-required attribute types shtoom does not understand (RFC 5389 7.3). */
  readonly unknownRequired: readonly number[];
  /** Attributes after MESSAGE-INTEGRITY other than FINGERPRINT, which RFC 5389 15.4 says to ignore. */
  readonly ignoredAfterIntegrity: number;
}

const CLASS_BY_BITS: readonly StunClassName[] = ['request', 'indication', 'success', 'error'];

/** The 14-bit message type of a method and class. */
export function encodeMessageType(method: number, cls: StunClassName): number {
  const c = StunClass[cls];
  return ((method & 0xf80) << 2) | ((method & 0x070) << 1) | (method & 0x00f) | ((c & 0b10) << 7) | ((c & 0b01) << 4);
}

/** The method and class of a 14-bit message type. */
export function decodeMessageType(type: number): { method: number; class: StunClassName } {
  const method = ((type & 0x3e00) >> 2) | ((type & 0x00e0) >> 1) | (type & 0x000f);
  const c = ((type & 0x0100) >> 7) | ((type & 0x0010) >> 4);
  return { method, class: CLASS_BY_BITS[c]! };
}

/** A transaction ID as lower-case hex (a map key). */
export function transactionKey(id: Uint8Array): string {
  let s = '';
  for (const b of id) s += b.toString(16).padStart(2, '0');
  return s;
}

/** The first attribute of a type, if any. */
export function findAttribute(msg: StunMessage, type: number): StunAttribute | undefined {
  return msg.attributes.find((a) => a.type === type);
}
