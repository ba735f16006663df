/**
 * The SRTP and SRTCP packet transforms of one set of session keys, given
 * the packet index: AES counter mode with HMAC-SHA1 (RFC 3711 4.1.1, 4.2)
 * and AES-GCM (RFC 7714 8, 9). Pure functions of their inputs through
 * `node:crypto`; which index a packet has (the rollover counter, the
 * SRTCP index) and whether it was seen before is `srtp-stream.ts`'s.
 *
 * ```
 * SRTP (RFC 3711 3.1)                         SRTCP (RFC 3711 3.4)
 * +----------------------------+              +-------------------------------+
 * | RTP header (12 + CSRC + X) |  clear       | V P RC PT length | SSRC       |  clear
 * +----------------------------+              +-------------------------------+
 * | payload                    |  encrypted   | rest of the compound packet   |  encrypted
 * +----------------------------+              +-------------------------------+
 * | authentication tag         |              |E| SRTCP index (31 bits)       |
 * +----------------------------+              +-------------------------------+
 *                                             | authentication tag            |
 *                                             +-------------------------------+
 * ```
 * RFC 7714 9.2 puts the AEAD tag of SRTCP before the E flag and index word.
 */
import { type Cipher, createCipheriv, createDecipheriv, createHmac, timingSafeEqual } from 'node:crypto';
import type { SrtpSessionKeys } from './srtp-kdf.js';
import type { SrtpSuite } from './srtp-suites.js';

const SRTCP_HEADER = 8;
const E_FLAG = 0x80000000;

/** The RTP header's length (fixed part, CSRCs, extension), or undefined when the bytes cannot be an RTP packet. */
export function rtpHeaderLength(b: Uint8Array): number | undefined {
  if (b.length < 12 || b[0]! >> 6 !== 2) return undefined;
  let n = 12 + 4 * (b[0]! & 0x0f);
  if (b[0]! & 0x10) {
    if (b.length < n + 4) return undefined;
    n += 4 + 4 * ((b[n + 2]! << 8) | b[n + 3]!);
  }
  return n <= b.length ? n : undefined;
}

function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

function put32(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = (v >>> 16) & 0xff;
  b[o + 2] = (v >>> 8) & 0xff;
  b[o + 3] = v & 0xff;
}

function view(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * RFC 3711 4.1.1: "IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16)",
 * with i the 48-bit index (`high`: its upper 32 bits, the ROC for SRTP;
 * `low`: its lower 16 bits, the sequence number).
 */
export function cmIv(salt: Uint8Array, ssrc: number, high: number, low: number): Uint8Array {
  const iv = new Uint8Array(16);
  iv.set(salt.subarray(0, 14));
  iv[4] = iv[4]! ^ (ssrc >>> 24);
  iv[5] = iv[5]! ^ ((ssrc >>> 16) & 0xff);
  iv[6] = iv[6]! ^ ((ssrc >>> 8) & 0xff);
  iv[7] = iv[7]! ^ (ssrc & 0xff);
  iv[8] = iv[8]! ^ (high >>> 24);
  iv[9] = iv[9]! ^ ((high >>> 16) & 0xff);
  iv[10] = iv[10]! ^ ((high >>> 8) & 0xff);
  iv[11] = iv[11]! ^ (high & 0xff);
  iv[12] = iv[12]! ^ ((low >>> 8) & 0xff);
  iv[13] = iv[13]! ^ (low & 0xff);
  return iv;
}

/**
 * RFC 7714 8.1: the SRTP IV is "(00 00 || SSRC || ROC || SEQ) XOR salt";
 * 9.1: the SRTCP IV is "(00 00 || SSRC || 00 00 || 0 + SRTCP index) XOR salt".
 */
export function gcmIv(salt: Uint8Array, ssrc: number, a: number, b: number, rtcp: boolean): Uint8Array {
  const iv = new Uint8Array(12);
  put32(iv, 2, ssrc);
  if (rtcp) put32(iv, 8, b);
  else {
    put32(iv, 6, a);
    iv[10] = (b >>> 8) & 0xff;
    iv[11] = b & 0xff;
  }
  for (let i = 0; i < 12; i++) iv[i] = iv[i]! ^ salt[i]!;
  return iv;
}

/**
 * AES in counter mode (RFC 3711 4.1.1) with one AES-ECB cipher per key,
 * made once: the keystream of a packet is its counter blocks (IV + i, i < 2^16:
 * only the IV's last two bytes, zero in SRTP, change) encrypted in one
 * `update`. A counter-mode cipher object per packet costs several times more.
 */
export class CounterMode {
  private readonly ecb: Cipher;
  private blocks = new Uint8Array(16 * 12);

  constructor(key: Uint8Array) {
    this.ecb = createCipheriv('aes-128-ecb', key, null);
    this.ecb.setAutoPadding(false);
  }

  /** `data` XOR the keystream of `iv`, written into `out` at `at`. */
  xor(iv: Uint8Array, data: Uint8Array, out: Uint8Array, at: number): void {
    const n = Math.ceil(data.length / 16);
    if (n === 0) return;
    if (this.blocks.length < 16 * n) this.blocks = new Uint8Array(16 * n);
    const b = this.blocks;
    for (let i = 0; i < n; i++) {
      b.set(iv, 16 * i);
      b[16 * i + 14] = (i >>> 8) & 0xff;
      b[16 * i + 15] = i & 0xff;
    }
    const ks = this.ecb.update(b.subarray(0, 16 * n));
    for (let i = 0; i < data.length; i++) out[at + i] = data[i]! ^ ks[i]!;
  }
}

/** The transforms of one direction (ours or the peer's) with its session keys. */
export class SrtpTransform {
  private readonly rocBytes = new Uint8Array(4);
  private readonly rtpCm: CounterMode | undefined;
  private readonly rtcpCm: CounterMode | undefined;

  constructor(
    readonly suite: SrtpSuite,
    private readonly rtp: SrtpSessionKeys,
    private readonly rtcp: SrtpSessionKeys,
  ) {
    if (suite.kind === 'cm') {
      this.rtpCm = new CounterMode(rtp.encryption);
      this.rtcpCm = new CounterMode(rtcp.encryption);
    }
  }

  /** Encrypt and authenticate an RTP packet with header length `h` and rollover counter `roc`. */
  protectRtp(packet: Uint8Array, h: number, roc: number): Uint8Array {
    const s = this.suite;
    const ssrc = u32(packet, 8);
    const seq = (packet[2]! << 8) | packet[3]!;
    const out = new Uint8Array(packet.length + s.rtpTagLength);
    out.set(packet.subarray(0, h));
    if (s.kind === 'gcm') {
      // RFC 7714 8.2: the AAD is the RTP header; the tag follows the ciphertext.
      const c = createCipheriv(
        s.cipher as 'aes-128-gcm',
        this.rtp.encryption,
        gcmIv(this.rtp.salt, ssrc, roc, seq, false),
      );
      c.setAAD(packet.subarray(0, h));
      out.set(c.update(packet.subarray(h)), h);
      c.final();
      out.set(c.getAuthTag(), packet.length);
      return out;
    }
    this.rtpCm!.xor(cmIv(this.rtp.salt, ssrc, roc, seq), packet.subarray(h), out, h);
    // RFC 3711 4.2: "the authenticated portion of the packet ... concatenated with the ROC".
    out.set(this.rtpTag(out.subarray(0, packet.length), roc), packet.length);
    return out;
  }

  /** The RTP packet of an SRTP packet with header length `h`, or undefined when it fails authentication. */
  unprotectRtp(packet: Uint8Array, h: number, roc: number): Uint8Array | undefined {
    const s = this.suite;
    const end = packet.length - s.rtpTagLength;
    if (end < h) return undefined;
    const ssrc = u32(packet, 8);
    const seq = (packet[2]! << 8) | packet[3]!;
    const out = new Uint8Array(end);
    out.set(packet.subarray(0, h));
    if (s.kind === 'gcm') {
      const d = createDecipheriv(
        s.cipher as 'aes-128-gcm',
        this.rtp.encryption,
        gcmIv(this.rtp.salt, ssrc, roc, seq, false),
      );
      d.setAAD(packet.subarray(0, h));
      d.setAuthTag(packet.subarray(end));
      out.set(d.update(packet.subarray(h, end)), h);
      try {
        d.final();
      } catch {
        return undefined;
      }
      return out;
    }
    // RFC 3711 3.3: authenticate first; "If the result is "AUTHENTICATION FAILURE" ... the packet MUST be discarded".
    const tag = this.rtpTag(packet.subarray(0, end), roc);
    if (!timingSafeEqual(tag, packet.subarray(end))) return undefined;
    this.rtpCm!.xor(cmIv(this.rtp.salt, ssrc, roc, seq), packet.subarray(h, end), out, h);
    return out;
  }

  private rtpTag(authenticated: Uint8Array, roc: number): Uint8Array {
    put32(this.rocBytes, 0, roc);
    const mac = createHmac('sha1', this.rtp.authentication).update(authenticated).update(this.rocBytes).digest();
    return view(mac).subarray(0, this.suite.rtpTagLength);
  }

  /** Encrypt and authenticate an RTCP compound packet with SRTCP index `index` (E flag set). */
  /**
   * `tagLength`: the suite's SRTCP tag (default), or for AES-CM the shorter
   * one a peer uses that puts its SRTP tag's length on SRTCP too.
   */
  protectRtcp(packet: Uint8Array, index: number, tagLength = this.suite.rtcpTagLength): Uint8Array {
    const s = this.suite;
    const ssrc = u32(packet, 4);
    const out = new Uint8Array(packet.length + 4 + (s.kind === 'gcm' ? s.rtcpTagLength : tagLength));
    out.set(packet.subarray(0, SRTCP_HEADER));
    const word = (E_FLAG | index) >>> 0;
    if (s.kind === 'gcm') {
      const c = createCipheriv(
        s.cipher as 'aes-128-gcm',
        this.rtcp.encryption,
        gcmIv(this.rtcp.salt, ssrc, 0, index, true),
      );
      // RFC 7714 9.2: the AAD is the first 8 octets and the E flag with the SRTCP index.
      put32(out, packet.length + s.rtcpTagLength, word);
      c.setAAD(Buffer.concat([packet.subarray(0, SRTCP_HEADER), out.subarray(packet.length + s.rtcpTagLength)]));
      out.set(c.update(packet.subarray(SRTCP_HEADER)), SRTCP_HEADER);
      c.final();
      out.set(c.getAuthTag(), packet.length);
      return out;
    }
    const iv = cmIv(this.rtcp.salt, ssrc, index >>> 16, index & 0xffff);
    this.rtcpCm!.xor(iv, packet.subarray(SRTCP_HEADER), out, SRTCP_HEADER);
    put32(out, packet.length, word);
    out.set(this.rtcpTag(out.subarray(0, packet.length + 4), tagLength), packet.length + 4);
    return out;
  }

  /**
   * The SRTCP index and RTCP packet of an SRTCP packet, or undefined when it
   * is too short or fails authentication. `tagLength` as for `protectRtcp`
   * (AES-CM only).
   */
  unprotectRtcp(
    packet: Uint8Array,
    tagLength = this.suite.rtcpTagLength,
  ): { index: number; packet: Uint8Array } | undefined {
    const s = this.suite;
    const body = packet.length - 4 - (s.kind === 'gcm' ? s.rtcpTagLength : tagLength);
    if (body < SRTCP_HEADER) return undefined;
    const ssrc = u32(packet, 4);
    if (s.kind === 'gcm') {
      const wordAt = packet.length - 4;
      const word = u32(packet, wordAt);
      const index = word & 0x7fffffff;
      const encrypted = (word & E_FLAG) !== 0;
      const tag = packet.subarray(body, wordAt);
      const d = createDecipheriv(
        s.cipher as 'aes-128-gcm',
        this.rtcp.encryption,
        gcmIv(this.rtcp.salt, ssrc, 0, index, true),
      );
      d.setAuthTag(tag);
      const out = new Uint8Array(body);
      out.set(packet.subarray(0, SRTCP_HEADER));
      if (encrypted) {
        d.setAAD(Buffer.concat([packet.subarray(0, SRTCP_HEADER), packet.subarray(wordAt)]));
        out.set(d.update(packet.subarray(SRTCP_HEADER, body)), SRTCP_HEADER);
      } else {
        // RFC 7714 9.3: unencrypted SRTCP authenticates the whole packet and the E/index word as AAD.
        d.setAAD(Buffer.concat([packet.subarray(0, body), packet.subarray(wordAt)]));
        out.set(packet.subarray(SRTCP_HEADER, body), SRTCP_HEADER);
      }
      try {
        d.final();
      } catch {
        return undefined;
      }
      return { index, packet: out };
    }
    const tagAt = packet.length - tagLength;
    const tag = this.rtcpTag(packet.subarray(0, tagAt), tagLength);
    if (!timingSafeEqual(tag, packet.subarray(tagAt))) return undefined;
    const word = u32(packet, body);
    const index = word & 0x7fffffff;
    const out = new Uint8Array(body);
    out.set(packet.subarray(0, SRTCP_HEADER));
    if (word & E_FLAG) {
      const iv = cmIv(this.rtcp.salt, ssrc, index >>> 16, index & 0xffff);
      this.rtcpCm!.xor(iv, packet.subarray(SRTCP_HEADER, body), out, SRTCP_HEADER);
    } else out.set(packet.subarray(SRTCP_HEADER, body), SRTCP_HEADER);
    return { index, packet: out };
  }

  private rtcpTag(authenticated: Uint8Array, length: number): Uint8Array {
    const mac = createHmac('sha1', this.rtcp.authentication).update(authenticated).digest();
    return view(mac).subarray(0, length);
  }
}
