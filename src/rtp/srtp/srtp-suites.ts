/**
 * The SRTP crypto suites shtoom speaks, by their SDES names (RFC 4568 6.2,
 * RFC 7714 14.2): key and salt lengths, the cipher, and the length of the
 * authentication tag on SRTP and SRTCP packets.
 *
 * | suite                   | master key | master salt | cipher       | RTP tag | RTCP tag |
 * |-------------------------|-----------:|------------:|--------------|--------:|---------:|
 * | AES_CM_128_HMAC_SHA1_80 |         16 |          14 | AES-128-CM   |      10 |       10 |
 * | AES_CM_128_HMAC_SHA1_32 |         16 |          14 | AES-128-CM   |       4 |       10 |
 * | AEAD_AES_128_GCM        |         16 |          12 | AES-128-GCM  |      16 |       16 |
 * | AEAD_AES_256_GCM        |         32 |          12 | AES-256-GCM  |      16 |       16 |
 */

export type SrtpSuiteName =
  | 'AES_CM_128_HMAC_SHA1_80'
  | 'AES_CM_128_HMAC_SHA1_32'
  | 'AEAD_AES_128_GCM'
  | 'AEAD_AES_256_GCM';

export interface SrtpSuite {
  readonly name: SrtpSuiteName;
  /** Counter mode with HMAC-SHA1 (RFC 3711), or AES-GCM (RFC 7714). */
  readonly kind: 'cm' | 'gcm';
  /** Master (and session encryption) key length, bytes. */
  readonly keyLength: number;
  /** Master (and session) salt length, bytes. */
  readonly saltLength: number;
  /** The authentication tag on SRTP packets, bytes. */
  readonly rtpTagLength: number;
  /** The authentication tag on SRTCP packets, bytes. */
  readonly rtcpTagLength: number;
  /** The HMAC-SHA1 session key (RFC 3711 5.2: n_a = 160 bits); 0 for AEAD. */
  readonly authKeyLength: number;
  /** The `node:crypto` cipher name. */
  readonly cipher: 'aes-128-ctr' | 'aes-128-gcm' | 'aes-256-gcm';
}

export const SRTP_SUITES: Readonly<Record<SrtpSuiteName, SrtpSuite>> = {
  AES_CM_128_HMAC_SHA1_80: {
    name: 'AES_CM_128_HMAC_SHA1_80',
    kind: 'cm',
    keyLength: 16,
    saltLength: 14,
    rtpTagLength: 10,
    rtcpTagLength: 10,
    authKeyLength: 20,
    cipher: 'aes-128-ctr',
  },
  // RFC 4568 6.2.2: "... a 32-bit authentication tag ... SRTCP ... 80-bit authentication tag".
  AES_CM_128_HMAC_SHA1_32: {
    name: 'AES_CM_128_HMAC_SHA1_32',
    kind: 'cm',
    keyLength: 16,
    saltLength: 14,
    rtpTagLength: 4,
    rtcpTagLength: 10,
    authKeyLength: 20,
    cipher: 'aes-128-ctr',
  },
  AEAD_AES_128_GCM: {
    name: 'AEAD_AES_128_GCM',
    kind: 'gcm',
    keyLength: 16,
    saltLength: 12,
    rtpTagLength: 16,
    rtcpTagLength: 16,
    authKeyLength: 0,
    cipher: 'aes-128-gcm',
  },
  AEAD_AES_256_GCM: {
    name: 'AEAD_AES_256_GCM',
    kind: 'gcm',
    keyLength: 32,
    saltLength: 12,
    rtpTagLength: 16,
    rtcpTagLength: 16,
    authKeyLength: 0,
    cipher: 'aes-256-gcm',
  },
};

/** Our default order of preference: the suites every SDES peer has first. */
export const DEFAULT_SRTP_SUITES: readonly SrtpSuiteName[] = [
  'AES_CM_128_HMAC_SHA1_80',
  'AES_CM_128_HMAC_SHA1_32',
  'AEAD_AES_128_GCM',
  'AEAD_AES_256_GCM',
];

/** The suite of an SDES name (case as written in RFC 4568; undefined when unknown). */
export function srtpSuite(name: string): SrtpSuite | undefined {
  return Object.hasOwn(SRTP_SUITES, name) ? SRTP_SUITES[name as SrtpSuiteName] : undefined;
}
