/**
 * Encoders and decoders of attribute values (RFC 5389 15, RFC 5780 7).
 * Decoders never throw: a malformed value is a `Malformed` saying why, and
 * the parser turns it into a `StunParseError`. After a successful parse the
 * typed readers at the bottom always succeed.
 */
import { Attr, MAGIC_COOKIE, TEXT_LIMITS, attrName } from './constants.js';
import { StunEncodeError } from './errors.js';
import { bytesToIp, ipToBytes, type TransportAddress } from './ip-address.js';
import { findAttribute, type StunAttribute, type StunMessage } from './message.js';

/** Why an attribute value could not be decoded. */
export class Malformed {
  constructor(readonly why: string) {}
}

const utf8 = new TextDecoder('utf-8');
const utf8Encoder = new TextEncoder();

// ---------------------------------------------------------------- addresses

/**
 * RFC 5389 15.1 MAPPED-ADDRESS (and every address attribute shaped like it):
 * ```
 *  |0 0 0 0 0 0 0 0|    Family     |           Port                |
 *  |                 Address (32 bits or 128 bits)                 |
 * ```
 */
export function decodeAddress(value: Uint8Array): TransportAddress | Malformed {
  if (value.length < 4) return new Malformed(`address attribute of ${value.length} bytes`);
  const family = value[1];
  const want = family === 0x01 ? 8 : family === 0x02 ? 20 : 0;
  if (want === 0) return new Malformed(`unknown address family 0x${family!.toString(16)}`);
  if (value.length !== want)
    return new Malformed(`${family === 1 ? 'IPv4' : 'IPv6'} address attribute of ${value.length} bytes`);
  return {
    family: family === 0x01 ? 'IPv4' : 'IPv6',
    port: (value[2]! << 8) | value[3]!,
    address: bytesToIp(value.subarray(4)),
  };
}

export function encodeAddress(a: TransportAddress): Uint8Array {
  const ip = ipToBytes(a.address);
  if (!ip || (ip.length === 4) !== (a.family === 'IPv4'))
    throw new StunEncodeError(`not an ${a.family} address: ${a.address}`);
  if (!Number.isInteger(a.port) || a.port < 0 || a.port > 65535) throw new StunEncodeError(`not a port: ${a.port}`);
  const out = new Uint8Array(4 + ip.length);
  out[1] = ip.length === 4 ? 0x01 : 0x02;
  out[2] = a.port >> 8;
  out[3] = a.port & 0xff;
  out.set(ip, 4);
  return out;
}

/** The 16 bytes an XOR'ed address is XOR'ed with: the magic cookie and the transaction ID. */
function xorKey(transactionId: Uint8Array): Uint8Array {
  if (transactionId.length === 16) return transactionId; // RFC 3489: the "cookie" is part of the ID
  const key = new Uint8Array(16);
  new DataView(key.buffer).setUint32(0, MAGIC_COOKIE);
  key.set(transactionId, 4);
  return key;
}

function xorInPlace(value: Uint8Array, transactionId: Uint8Array): Uint8Array {
  const key = xorKey(transactionId);
  const out = new Uint8Array(value); // a copy, even of a Buffer
  // RFC 5389 15.2: "X-Port is computed by taking the mapped port in host byte order, XOR'ing it
  // with the most significant 16 bits of the magic cookie"; X-Address XORs IPv4 with the cookie and
  // IPv6 with "the concatenation of the magic cookie and the 96-bit transaction ID".
  for (let i = 2; i < out.length; i++) out[i]! ^= key[i < 4 ? i - 2 : i - 4]!;
  return out;
}

/** RFC 5389 15.2 XOR-MAPPED-ADDRESS (and XOR-PEER/RELAYED-ADDRESS shaped like it). */
export function decodeXorAddress(value: Uint8Array, transactionId: Uint8Array): TransportAddress | Malformed {
  const plain = decodeAddress(value);
  if (plain instanceof Malformed) return plain;
  return decodeAddress(xorInPlace(value, transactionId)) as TransportAddress;
}

export function encodeXorAddress(a: TransportAddress, transactionId: Uint8Array): Uint8Array {
  return xorInPlace(encodeAddress(a), transactionId);
}

// ---------------------------------------------------------------- ERROR-CODE

export interface ErrorCodeValue {
  /** 300–699. */
  readonly code: number;
  readonly reason: string;
}

/**
 * RFC 5389 15.6:
 * ```
 *  |           Reserved, should be 0         |Class|     Number    |
 *  |      Reason Phrase (variable)                                ..
 * ```
 * "The Class represents the hundreds digit of the error code. The value MUST be between 3 and 6.
 * The Number represents the error code modulo 100, and its value MUST be between 0 and 99."
 */
export function decodeErrorCode(value: Uint8Array): ErrorCodeValue | Malformed {
  if (value.length < 4) return new Malformed(`ERROR-CODE of ${value.length} bytes`);
  const cls = value[2]! & 0x07;
  const num = value[3]!;
  if (cls < 3 || cls > 6 || num > 99) return new Malformed(`ERROR-CODE class ${cls} number ${num}`);
  return { code: cls * 100 + num, reason: utf8.decode(value.subarray(4)) };
}

export function encodeErrorCode(code: number, reason: string): Uint8Array {
  if (!Number.isInteger(code) || code < 300 || code > 699) throw new StunEncodeError(`not a STUN error code: ${code}`);
  const text = utf8Encoder.encode(reason);
  if ([...reason].length >= 128) throw new StunEncodeError('a reason phrase must be less than 128 characters');
  const out = new Uint8Array(4 + text.length);
  out[2] = Math.floor(code / 100);
  out[3] = code % 100;
  out.set(text, 4);
  return out;
}

// ------------------------------------------------------- UNKNOWN-ATTRIBUTES

/** RFC 5389 15.9: "a list of 16-bit values, each of which represents an attribute type". */
export function decodeUnknownAttributes(value: Uint8Array): number[] | Malformed {
  if (value.length % 2 !== 0) return new Malformed(`UNKNOWN-ATTRIBUTES of odd length ${value.length}`);
  const out: number[] = [];
  for (let i = 0; i < value.length; i += 2) out.push((value[i]! << 8) | value[i + 1]!);
  return out;
}

export function encodeUnknownAttributes(types: readonly number[]): Uint8Array {
  const out = new Uint8Array(types.length * 2);
  types.forEach((t, i) => {
    out[2 * i] = t >> 8;
    out[2 * i + 1] = t & 0xff;
  });
  return out;
}

// ------------------------------------------------------------ CHANGE-REQUEST

export interface ChangeRequest {
  readonly changeIp: boolean;
  readonly changePort: boolean;
}

/** RFC 5780 7.2: flags A (0x4, change IP) and B (0x2, change port) in a 32-bit value. */
export function decodeChangeRequest(value: Uint8Array): ChangeRequest | Malformed {
  if (value.length !== 4) return new Malformed(`CHANGE-REQUEST of ${value.length} bytes`);
  return { changeIp: (value[3]! & 0x04) !== 0, changePort: (value[3]! & 0x02) !== 0 };
}

export function encodeChangeRequest(c: ChangeRequest): Uint8Array {
  return Uint8Array.of(0, 0, 0, (c.changeIp ? 0x04 : 0) | (c.changePort ? 0x02 : 0));
}

// ---------------------------------------------------------------------- text

/** A UTF-8 attribute value (USERNAME, REALM, NONCE, SOFTWARE), checked against its RFC limit. */
export function encodeText(type: number, text: string): Uint8Array {
  const bytes = utf8Encoder.encode(text);
  const limit = TEXT_LIMITS[type];
  if (limit !== undefined && bytes.length > limit)
    throw new StunEncodeError(`${attrName(type)} is longer than ${limit} bytes`);
  return bytes;
}

export function decodeText(value: Uint8Array): string {
  return utf8.decode(value);
}

// ---------------------------------------------------------- the whole lot

/** Value sizes fixed by their RFCs. */
const FIXED_LENGTH: ReadonlyMap<number, number> = new Map([
  [Attr.MESSAGE_INTEGRITY, 20],
  [Attr.FINGERPRINT, 4],
  [Attr.PRIORITY, 4],
  [Attr.USE_CANDIDATE, 0],
  [Attr.ICE_CONTROLLED, 8],
  [Attr.ICE_CONTROLLING, 8],
  [Attr.RESPONSE_PORT, 4],
  [Attr.CACHE_TIMEOUT, 4],
]);

const ADDRESS_ATTRS = new Set<number>([
  Attr.MAPPED_ADDRESS,
  Attr.RESPONSE_ADDRESS,
  Attr.SOURCE_ADDRESS,
  Attr.CHANGED_ADDRESS,
  Attr.REFLECTED_FROM,
  Attr.ALTERNATE_SERVER,
  Attr.RESPONSE_ORIGIN,
  Attr.OTHER_ADDRESS,
]);

/** Check a known attribute's value; undefined when it is fine (or the type is not one we decode). */
export function checkAttribute(a: StunAttribute, transactionId: Uint8Array): Malformed | undefined {
  const fixed = FIXED_LENGTH.get(a.type);
  if (fixed !== undefined && a.value.length !== fixed) {
    return new Malformed(`${attrName(a.type)} of ${a.value.length} bytes (must be ${fixed})`);
  }
  let r: unknown;
  if (ADDRESS_ATTRS.has(a.type)) r = decodeAddress(a.value);
  else if (a.type === Attr.XOR_MAPPED_ADDRESS) r = decodeXorAddress(a.value, transactionId);
  else if (a.type === Attr.ERROR_CODE) r = decodeErrorCode(a.value);
  else if (a.type === Attr.UNKNOWN_ATTRIBUTES) r = decodeUnknownAttributes(a.value);
  else if (a.type === Attr.CHANGE_REQUEST) r = decodeChangeRequest(a.value);
  return r instanceof Malformed ? new Malformed(`${attrName(a.type)}: ${r.why}`) : undefined;
}

// ------------------------------------------------------------ typed readers

function ok<T>(v: T | Malformed): T | undefined {
  return v instanceof Malformed ? undefined : v;
}

/** An address attribute (MAPPED-ADDRESS, OTHER-ADDRESS, RESPONSE-ORIGIN, …) of a message. */
export function readAddress(msg: StunMessage, type: number): TransportAddress | undefined {
  const a = findAttribute(msg, type);
  if (!a) return undefined;
  return ok(type === Attr.XOR_MAPPED_ADDRESS ? decodeXorAddress(a.value, msg.transactionId) : decodeAddress(a.value));
}

/**
 * The reflexive address of a Binding response: XOR-MAPPED-ADDRESS, else
 * MAPPED-ADDRESS (RFC 5389 12.2: servers of RFC 3489 send only that).
 *
 * @example readMappedAddress(response) // { family: 'IPv4', address: '192.0.2.1', port: 32853 }
 */
export function readMappedAddress(msg: StunMessage): TransportAddress | undefined {
  return readAddress(msg, Attr.XOR_MAPPED_ADDRESS) ?? readAddress(msg, Attr.MAPPED_ADDRESS);
}

/** The ERROR-CODE of a message. */
export function readErrorCode(msg: StunMessage): ErrorCodeValue | undefined {
  const a = findAttribute(msg, Attr.ERROR_CODE);
  return a ? ok(decodeErrorCode(a.value)) : undefined;
}

/** The UNKNOWN-ATTRIBUTES list of a message (empty when absent). */
export function readUnknownAttributes(msg: StunMessage): number[] {
  const a = findAttribute(msg, Attr.UNKNOWN_ATTRIBUTES);
  return (a && ok(decodeUnknownAttributes(a.value))) ?? [];
}

/** A text attribute (USERNAME, REALM, NONCE, SOFTWARE) of a message. */
export function readText(msg: StunMessage, type: number): string | undefined {
  const a = findAttribute(msg, type);
  return a ? decodeText(a.value) : undefined;
}

/** The CHANGE-REQUEST flags of a message. */
export function readChangeRequest(msg: StunMessage): ChangeRequest | undefined {
  const a = findAttribute(msg, Attr.CHANGE_REQUEST);
  return a ? ok(decodeChangeRequest(a.value)) : undefined;
}

/** Builders of attributes for outgoing messages. */
export const attr = {
  /** XOR-MAPPED-ADDRESS needs the transaction ID it is XOR'ed with. */
  xorMappedAddress: (a: TransportAddress, transactionId: Uint8Array): StunAttribute => ({
    type: Attr.XOR_MAPPED_ADDRESS,
    value: encodeXorAddress(a, transactionId),
  }),
  address: (type: number, a: TransportAddress): StunAttribute => ({ type, value: encodeAddress(a) }),
  text: (type: number, text: string): StunAttribute => ({ type, value: encodeText(type, text) }),
  software: (text: string): StunAttribute => ({ type: Attr.SOFTWARE, value: encodeText(Attr.SOFTWARE, text) }),
  username: (text: string): StunAttribute => ({ type: Attr.USERNAME, value: encodeText(Attr.USERNAME, text) }),
  realm: (text: string): StunAttribute => ({ type: Attr.REALM, value: encodeText(Attr.REALM, text) }),
  nonce: (text: string): StunAttribute => ({ type: Attr.NONCE, value: encodeText(Attr.NONCE, text) }),
  errorCode: (code: number, reason: string): StunAttribute => ({
    type: Attr.ERROR_CODE,
    value: encodeErrorCode(code, reason),
  }),
  unknownAttributes: (types: readonly number[]): StunAttribute => ({
    type: Attr.UNKNOWN_ATTRIBUTES,
    value: encodeUnknownAttributes(types),
  }),
  changeRequest: (c: ChangeRequest): StunAttribute => ({ type: Attr.CHANGE_REQUEST, value: encodeChangeRequest(c) }),
};
