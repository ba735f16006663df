import { readFileSync } from 'node:fs';
import { createCipheriv } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { deriveKey, deriveSessionKeys, SRTP_LABEL } from '../../../src/rtp/srtp/srtp-kdf.js';
import { SRTP_SUITES, type SrtpSuiteName } from '../../../src/rtp/srtp/srtp-suites.js';
import { cmIv, CounterMode, gcmIv, rtpHeaderLength, SrtpTransform } from '../../../src/rtp/srtp/srtp-transform.js';
import { SrtpSession } from '../../../src/rtp/srtp/srtp-session.js';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'vectors', 'srtp');
const json = (name: string) => JSON.parse(readFileSync(join(DIR, name), 'utf8'));
const b = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));
const hex = (u: Uint8Array) => Buffer.from(u).toString('hex');

const rfc3711 = json('rfc3711.json');
const rfc7714 = json('rfc7714.json');
const libsrtp = json('libsrtp.json');

describe('SRTP key derivation (RFC 3711 4.3, Appendix B.3)', () => {
  const { masterKey, masterSalt, cipherKey, cipherSalt, authKey } = rfc3711['B.3'];
  it('derives the session encryption, salt and authentication keys', () => {
    expect(hex(deriveKey(b(masterKey), b(masterSalt), SRTP_LABEL.rtpEncryption, 16))).toBe(cipherKey);
    expect(hex(deriveKey(b(masterKey), b(masterSalt), SRTP_LABEL.rtpSalt, 14))).toBe(cipherSalt);
    // The RFC lists 94 bytes of the authentication key stream; HMAC-SHA1 takes the first 20.
    expect(hex(deriveKey(b(masterKey), b(masterSalt), SRTP_LABEL.rtpAuthentication, 94))).toBe(authKey);
    const keys = deriveSessionKeys(SRTP_SUITES.AES_CM_128_HMAC_SHA1_80, b(masterKey), b(masterSalt));
    expect(hex(keys.rtp.authentication)).toBe(authKey.slice(0, 40));
    expect(keys.rtcp.encryption).not.toEqual(keys.rtp.encryption);
  });

  it('a different master salt gives different keys (the vector is not passed by accident)', () => {
    const salt = b(masterSalt);
    salt[0] = salt[0]! ^ 1;
    expect(hex(deriveKey(b(masterKey), salt, SRTP_LABEL.rtpEncryption, 16))).not.toBe(cipherKey);
  });
});

describe('AES counter mode (RFC 3711 4.1.1, Appendix B.2)', () => {
  const { sessionKey, sessionSalt, blocks } = rfc3711['B.2'];
  it('gives the keystream of the RFC from the IV of SSRC 0, index 0', () => {
    const iv = cmIv(b(sessionSalt), 0, 0, 0);
    expect(hex(iv)).toBe(`${sessionSalt}0000`);
    // Through the counter mode the transforms use (one reusable AES-ECB cipher); node's own CTR agrees.
    const stream = new Uint8Array(16 * 65282);
    new CounterMode(b(sessionKey)).xor(iv, new Uint8Array(stream.length), stream, 0);
    const ctr = createCipheriv('aes-128-ctr', b(sessionKey), iv).update(new Uint8Array(stream.length));
    expect(Buffer.from(stream).equals(ctr)).toBe(true);
    for (const [n, block] of Object.entries(blocks as Record<string, string>))
      expect(hex(stream.subarray(16 * Number(n), 16 * Number(n) + 16))).toBe(block);
  });

  it('puts the SSRC and the 48-bit index where 4.1.1 says', () => {
    expect(hex(cmIv(new Uint8Array(14), 0x01020304, 0x55667788, 0x99aa))).toBe('00000000010203045566778899aa0000');
  });
});

describe('AES_CM_128_HMAC_SHA1_80 packets (libsrtp reference packets)', () => {
  const master = { key: b(libsrtp.masterKey), salt: b(libsrtp.masterSalt) };
  const session = () => new SrtpSession({ suite: 'AES_CM_128_HMAC_SHA1_80', local: master, remote: master });

  it('protects the RTP packet to the reference bytes, and back', () => {
    const s = session();
    expect(hex(s.protectRtp(b(libsrtp.rtp)))).toBe(libsrtp.srtp);
    expect(hex(s.unprotectRtp(b(libsrtp.srtp))!)).toBe(libsrtp.rtp);
  });

  it('protects the RTCP packet to the reference bytes (SRTCP index 1, E flag), and back', () => {
    const keys = deriveSessionKeys(SRTP_SUITES.AES_CM_128_HMAC_SHA1_80, master.key, master.salt);
    const t = new SrtpTransform(SRTP_SUITES.AES_CM_128_HMAC_SHA1_80, keys.rtp, keys.rtcp);
    expect(hex(t.protectRtcp(b(libsrtp.rtcp), libsrtp.rtcpIndex))).toBe(libsrtp.srtcp);
    const s = session();
    expect(hex(s.unprotectRtcp(b(libsrtp.srtcp))!)).toBe(libsrtp.rtcp);
  });

  it('drops the reference packet with one bit flipped, and counts it', () => {
    for (const at of [2, 12, 20, 37]) {
      const s = session();
      const bad = b(libsrtp.srtp);
      bad[at] = bad[at]! ^ 0x01;
      expect(s.unprotectRtp(bad)).toBeUndefined();
      expect(s.stats().received.rtp.authFailed).toBe(1);
    }
    const s = session();
    const bad = b(libsrtp.srtcp);
    bad[10] = bad[10]! ^ 0x80;
    expect(s.unprotectRtcp(bad)).toBeUndefined();
    expect(s.stats().authFailed).toBe(1);
  });
});

describe('AEAD_AES_128_GCM and AEAD_AES_256_GCM (RFC 7714 16, 17)', () => {
  const salt = b(rfc7714.sessionSalt);
  it('builds the IVs of 16.1 and 17.1', () => {
    expect(hex(gcmIv(salt, 0x5501a0b2, 0, 0xf17b, false))).toBe('51753c6580c2726f20718414');
    expect(hex(gcmIv(salt, 0x4d617273, 0, 0x5d4, true))).toBe('517524055203726f207170bb');
  });

  for (const section of ['16.1', '16.2']) {
    it(`encrypts and authenticates the RTP packet of ${section}`, () => {
      const v = rfc7714[section];
      const suite = SRTP_SUITES[v.suite as SrtpSuiteName];
      const keys = { encryption: b(v.sessionKey), authentication: new Uint8Array(0), salt };
      const t = new SrtpTransform(suite, keys, keys);
      const rtp = b(rfc7714.rtp);
      expect(hex(t.protectRtp(rtp, rtpHeaderLength(rtp)!, 0))).toBe(v.protected);
      expect(hex(t.unprotectRtp(b(v.protected), 12, 0)!)).toBe(rfc7714.rtp);
      const tampered = b(v.protected);
      tampered[tampered.length - 1] = tampered[tampered.length - 1]! ^ 1;
      expect(t.unprotectRtp(tampered, 12, 0)).toBeUndefined();
      // The ROC is authenticated too (in the IV): the wrong one fails.
      expect(t.unprotectRtp(b(v.protected), 12, 1)).toBeUndefined();
    });
  }

  for (const section of ['17.1', '17.2']) {
    it(`encrypts and authenticates the RTCP packet of ${section}`, () => {
      const v = rfc7714[section];
      const suite = SRTP_SUITES[v.suite as SrtpSuiteName];
      const keys = { encryption: b(v.sessionKey), authentication: new Uint8Array(0), salt };
      const t = new SrtpTransform(suite, keys, keys);
      expect(hex(t.protectRtcp(b(rfc7714.rtcp), rfc7714.rtcpIndex))).toBe(v.protected);
      expect(t.unprotectRtcp(b(v.protected))).toEqual({ index: rfc7714.rtcpIndex, packet: b(rfc7714.rtcp) });
      const tampered = b(v.protected);
      tampered[tampered.length - 1] = tampered[tampered.length - 1]! ^ 1; // the index word is authenticated
      expect(t.unprotectRtcp(tampered)).toBeUndefined();
    });
  }
});
