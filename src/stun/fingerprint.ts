/**
 * FINGERPRINT (RFC 5389 15.5): "the CRC-32 of the STUN message up to (but
 * excluding) the FINGERPRINT attribute itself, XOR'ed with the 32-bit value
 * 0x5354554e". The CRC is ISO 3309 / ITU-T V.42 (the zlib/PNG CRC-32).
 */
import { FINGERPRINT_XOR } from './constants.js';

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (reflected, polynomial 0xEDB88320) of `bytes[start, end)`. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** The FINGERPRINT value for a message whose bytes before the attribute are `bytes[0, end)`. */
export function fingerprintOf(bytes: Uint8Array, end: number): number {
  return (crc32(bytes, 0, end) ^ FINGERPRINT_XOR) >>> 0;
}
