/**
 * SRTP key derivation (RFC 3711 4.3): the session keys of one master key,
 * with the AES-CM PRF (RFC 3711 4.3.3; AES-256 as RFC 6188 3 for
 * AEAD_AES_256_GCM, RFC 7714 11). shtoom uses a key derivation rate of 0
 * (SDES `KDR=` is refused): each session key is derived once.
 */
import { createCipheriv } from 'node:crypto';
import type { SrtpSuite } from './srtp-suites.js';

/** RFC 3711 4.3.1 and 4.3.2: the labels of the six session keys. */
export const SRTP_LABEL = {
  rtpEncryption: 0x00,
  rtpAuthentication: 0x01,
  rtpSalt: 0x02,
  rtcpEncryption: 0x03,
  rtcpAuthentication: 0x04,
  rtcpSalt: 0x05,
} as const;

/** The keys of one direction of RTP or RTCP. */
export interface SrtpSessionKeys {
  readonly encryption: Uint8Array;
  /** Empty for AEAD suites. */
  readonly authentication: Uint8Array;
  readonly salt: Uint8Array;
}

/**
 * PRF_n(k_master, x) for one label (RFC 3711 4.3.1): "key_id = <label> ||
 * r" (r = 0 here), "x = key_id XOR master_salt", where key_id and the
 * master salt are aligned on their least significant bits; then AES-CM
 * keyed with the master key from IV = x * 2^16. A 96-bit master salt (RFC
 * 7714) is multiplied by 2^16 first (RFC 7714 errata 4938).
 */
export function deriveKey(masterKey: Uint8Array, masterSalt: Uint8Array, label: number, length: number): Uint8Array {
  const iv = new Uint8Array(16);
  iv.set(masterSalt.subarray(0, 14), 0);
  // key_id is 7 bytes (label, 48-bit r), right-aligned in the 14-byte x: the label is byte 7.
  iv[7] = iv[7]! ^ label;
  const cipher = createCipheriv(masterKey.length === 32 ? 'aes-256-ctr' : 'aes-128-ctr', masterKey, iv);
  const out = cipher.update(new Uint8Array(length));
  cipher.final();
  return new Uint8Array(out.buffer, out.byteOffset, length);
}

/** The SRTP and SRTCP session keys of a master key and salt for `suite`. */
export function deriveSessionKeys(
  suite: SrtpSuite,
  masterKey: Uint8Array,
  masterSalt: Uint8Array,
): { readonly rtp: SrtpSessionKeys; readonly rtcp: SrtpSessionKeys } {
  const k = (label: number, length: number) =>
    length === 0 ? new Uint8Array(0) : deriveKey(masterKey, masterSalt, label, length);
  return {
    rtp: {
      encryption: k(SRTP_LABEL.rtpEncryption, suite.keyLength),
      authentication: k(SRTP_LABEL.rtpAuthentication, suite.authKeyLength),
      salt: k(SRTP_LABEL.rtpSalt, suite.saltLength),
    },
    rtcp: {
      encryption: k(SRTP_LABEL.rtcpEncryption, suite.keyLength),
      authentication: k(SRTP_LABEL.rtcpAuthentication, suite.authKeyLength),
      salt: k(SRTP_LABEL.rtcpSalt, suite.saltLength),
    },
  };
}
