/**
 * Numbers of RFC 5389 (STUN) and the attributes of RFC 5780 (NAT behaviour
 * discovery), RFC 3489 (classic STUN) and RFC 8445 (ICE) that a client meets.
 */

/** RFC 5389 6: "The magic cookie field MUST contain the fixed value 0x2112A442 in network byte order." */
export const MAGIC_COOKIE = 0x2112a442;

/** The fixed STUN header: type (2), length (2), magic cookie (4), transaction ID (12). */
export const HEADER_LENGTH = 20;

/** RFC 5389 6: the transaction ID is 96 bits. */
export const TRANSACTION_ID_LENGTH = 12;

/** RFC 5389 15.6: FINGERPRINT is the CRC-32 of the message XOR'ed with 0x5354554e ("STUN"). */
export const FINGERPRINT_XOR = 0x5354554e;

/** RFC 5389 9: the default port for STUN over UDP and TCP. */
export const DEFAULT_STUN_PORT = 3478;

/** Methods (RFC 5389 18.1). Binding is the only one a STUN client sends. */
export const StunMethod = {
  BINDING: 0x001,
} as const;

/** The four message classes (RFC 5389 6), in their two-bit encoding C1C0. */
export const StunClass = {
  request: 0b00,
  indication: 0b01,
  success: 0b10,
  error: 0b11,
} as const;
export type StunClassName = keyof typeof StunClass;

/** Attribute types (RFC 5389 18.2, RFC 5780 9, RFC 3489 11.2, RFC 8445 16.1). */
export const Attr = {
  MAPPED_ADDRESS: 0x0001,
  /** RFC 3489 only. */
  RESPONSE_ADDRESS: 0x0002,
  /** RFC 5780 7.2 (and RFC 3489). */
  CHANGE_REQUEST: 0x0003,
  /** RFC 3489 only; RFC 5780 replaces it with RESPONSE-ORIGIN. */
  SOURCE_ADDRESS: 0x0004,
  /** RFC 3489 only; RFC 5780 replaces it with OTHER-ADDRESS. */
  CHANGED_ADDRESS: 0x0005,
  USERNAME: 0x0006,
  /** RFC 3489 only. */
  PASSWORD: 0x0007,
  MESSAGE_INTEGRITY: 0x0008,
  ERROR_CODE: 0x0009,
  UNKNOWN_ATTRIBUTES: 0x000a,
  /** RFC 3489 only. */
  REFLECTED_FROM: 0x000b,
  REALM: 0x0014,
  NONCE: 0x0015,
  XOR_MAPPED_ADDRESS: 0x0020,
  /** RFC 8445 (ICE). */
  PRIORITY: 0x0024,
  USE_CANDIDATE: 0x0025,
  /** RFC 5780 7.6, 7.5. */
  PADDING: 0x0026,
  RESPONSE_PORT: 0x0027,
  SOFTWARE: 0x8022,
  ALTERNATE_SERVER: 0x8023,
  /** RFC 5780 7.4. */
  CACHE_TIMEOUT: 0x8027,
  FINGERPRINT: 0x8028,
  ICE_CONTROLLED: 0x8029,
  ICE_CONTROLLING: 0x802a,
  /** RFC 5780 7.3, 7.4. */
  RESPONSE_ORIGIN: 0x802b,
  OTHER_ADDRESS: 0x802c,
} as const;

const NAMES = new Map<number, string>(Object.entries(Attr).map(([k, v]) => [v, k.replace(/_/g, '-')]));

/** The RFC name of an attribute type (`XOR-MAPPED-ADDRESS`), or its hex number. */
export function attrName(type: number): string {
  return NAMES.get(type) ?? `0x${type.toString(16).padStart(4, '0')}`;
}

/** Whether shtoom understands an attribute type (so a comprehension-required one is not "unknown"). */
export function isKnownAttr(type: number): boolean {
  return NAMES.has(type);
}

/**
 * RFC 5389 15: "Attributes with type values between 0x0000 and 0x7FFF are
 * comprehension-required attributes, which means that the STUN agent cannot
 * successfully process the message unless it understands the attribute."
 */
export function isComprehensionRequired(type: number): boolean {
  return type < 0x8000;
}

/** Reason phrases of the error codes of RFC 5389 15.6 and RFC 5780. */
export const ERROR_REASONS: Readonly<Record<number, string>> = {
  300: 'Try Alternate',
  400: 'Bad Request',
  401: 'Unauthorized',
  420: 'Unknown Attribute',
  438: 'Stale Nonce',
  500: 'Server Error',
};

/** RFC 5389 15.3, 15.7, 15.8, 15.10: limits of the text attributes in bytes. */
export const TEXT_LIMITS: Readonly<Record<number, number>> = {
  [Attr.USERNAME]: 512, // "MUST contain a UTF-8 [RFC3629] encoded sequence of less than 513 bytes"
  [Attr.REALM]: 763, // "less than 128 characters (which can be as long as 763 bytes)"
  [Attr.NONCE]: 763,
  [Attr.SOFTWARE]: 763,
};
