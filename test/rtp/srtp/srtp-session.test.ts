import { describe, expect, it } from 'vitest';
import { SrtpSession } from '../../../src/rtp/srtp/srtp-session.js';
import { DEFAULT_SRTP_SUITES, SRTP_SUITES, type SrtpSuiteName } from '../../../src/rtp/srtp/srtp-suites.js';
import { ReplayWindow } from '../../../src/rtp/srtp/srtp-replay.js';
import { guessRoc, updateRoc } from '../../../src/rtp/srtp/srtp-index.js';
import { SrtpChannel } from '../../../src/rtp/srtp/srtp-channel.js';
import { deriveSessionKeys } from '../../../src/rtp/srtp/srtp-kdf.js';
import { SrtpTransform } from '../../../src/rtp/srtp/srtp-transform.js';
import type { RtpChannel } from '../../../src/rtp/rtp-channel.js';
import { serializeRtp } from '../../../src/rtp/rtp-packet.js';

const fill = (n: number, v: number) => new Uint8Array(n).fill(v);

function master(suite: SrtpSuiteName, v: number) {
  const s = SRTP_SUITES[suite];
  return { key: fill(s.keyLength, v), salt: fill(s.saltLength, v + 1) };
}

/** Two ends of one call: a's local key is b's remote one and back. */
function pair(suite: SrtpSuiteName, replayWindow?: number) {
  const ka = master(suite, 0x11);
  const kb = master(suite, 0x55);
  const w = replayWindow !== undefined ? { replayWindow } : {};
  return {
    a: new SrtpSession({ suite, local: ka, remote: kb, ...w }),
    b: new SrtpSession({ suite, local: kb, remote: ka, ...w }),
  };
}

function rtp(seq: number, ssrc = 0x12345678, payload = fill(160, 0xd5)): Uint8Array {
  return serializeRtp({
    marker: false,
    payloadType: 0,
    sequenceNumber: seq & 0xffff,
    timestamp: (seq * 160) >>> 0,
    ssrc,
    csrcs: [],
    payload,
    padding: 0,
  });
}

function rtcp(ssrc = 0x12345678): Uint8Array {
  // An RTCP receiver report with no blocks (RFC 3550 6.4.2): 8 bytes.
  const p = new Uint8Array(8);
  p.set([0x80, 201, 0, 1]);
  new DataView(p.buffer).setUint32(4, ssrc);
  return p;
}

describe('SRTP sessions, every suite', () => {
  for (const suite of DEFAULT_SRTP_SUITES) {
    it(`${suite}: RTP and RTCP go through, with the tag length of the suite, and the payload is hidden`, () => {
      const { a, b } = pair(suite);
      const plain = rtp(1);
      const out = a.protectRtp(plain);
      expect(out.length).toBe(plain.length + SRTP_SUITES[suite].rtpTagLength);
      expect(Buffer.from(out).includes(Buffer.from(fill(16, 0xd5)))).toBe(false);
      expect(b.unprotectRtp(out)).toEqual(plain);
      const c = a.protectRtcp(rtcp());
      expect(c.length).toBe(8 + 4 + SRTP_SUITES[suite].rtcpTagLength);
      expect(b.unprotectRtcp(c)).toEqual(rtcp());
      // Our own packets are not authentic to us: each direction has its own key.
      expect(a.unprotectRtp(a.protectRtp(rtp(2)))).toBeUndefined();
      expect(b.stats().received.rtp.ok).toBe(1);
      expect(a.stats().authFailed).toBe(1);
    });
  }
});

/**
 * What a libre-based peer (baresip) sends in an AES_CM_128_HMAC_SHA1_32
 * call: SRTCP with the SRTP tag's 32 bits, where RFC 4568 6.2.2 asks 80.
 */
function shortTagRtcp(suite: SrtpSuiteName, from: { key: Uint8Array; salt: Uint8Array }, index: number) {
  const k = deriveSessionKeys(SRTP_SUITES[suite], from.key, from.salt);
  return new SrtpTransform(SRTP_SUITES[suite], k.rtp, k.rtcp).protectRtcp(rtcp(0x0badcafe), index, 4);
}

describe('SRTCP with a 32-bit tag in an AES_CM_128_HMAC_SHA1_32 call (libre, so baresip, sends it so)', () => {
  const suite = 'AES_CM_128_HMAC_SHA1_32';
  const peer = master(suite, 0x55);
  const us = () => new SrtpSession({ suite, local: master(suite, 0x11), remote: peer });

  it('is authenticated with that tag and counted; our SRTCP to that peer then carries the short tag too', () => {
    const b = us();
    // Before: ours carries the RFC's 80 bits.
    expect(b.protectRtcp(rtcp()).length).toBe(8 + 4 + 10);
    const p = shortTagRtcp(suite, peer, 0);
    expect(p.length).toBe(8 + 4 + 4);
    expect(b.unprotectRtcp(p)).toEqual(rtcp(0x0badcafe));
    expect(b.unprotectRtcp(shortTagRtcp(suite, peer, 1))).toEqual(rtcp(0x0badcafe));
    expect(b.stats()).toMatchObject({ authFailed: 0, rtcpShortTags: 2, received: { rtcp: { ok: 2 } } });
    expect(b.protectRtcp(rtcp()).length).toBe(8 + 4 + 4);
    // The RFC's layout from the same peer is still read (its index 2: 0 and 1 came already).
    const rfc = new SrtpSession({ suite, local: peer, remote: master(suite, 0x11) });
    const [i0, , i2] = [0, 1, 2].map(() => rfc.protectRtcp(rtcp(0x0badcafe)));
    expect(b.unprotectRtcp(i0!)).toBeUndefined(); // a replay of index 0, whatever its layout
    expect(b.unprotectRtcp(i2!)).toEqual(rtcp(0x0badcafe));
    expect(b.stats().received.rtcp).toMatchObject({ ok: 3, replayed: 1, authFailed: 0 });
  });

  it('must fail: a changed bit, a wrong key or a replay is still dropped; other suites take no short tag', () => {
    const b = us();
    const good = shortTagRtcp(suite, peer, 5);
    for (const at of [0, 9, good.length - 6, good.length - 1]) {
      const bad = good.slice();
      bad[at]! ^= 0x01;
      expect(b.unprotectRtcp(bad), `bit flipped at ${at}`).toBeUndefined();
    }
    expect(b.unprotectRtcp(shortTagRtcp(suite, master(suite, 0x77), 6))).toBeUndefined();
    expect(b.stats()).toMatchObject({ authFailed: 5, rtcpShortTags: 0 });
    // Nothing authentic came in the short layout: ours keeps the RFC's tag.
    expect(b.protectRtcp(rtcp()).length).toBe(8 + 4 + 10);
    expect(b.unprotectRtcp(good)).toBeDefined();
    expect(b.unprotectRtcp(good)).toBeUndefined();
    expect(b.stats().received.rtcp).toMatchObject({ ok: 1, replayed: 1, authFailed: 5 });
    const s80 = 'AES_CM_128_HMAC_SHA1_80';
    const b80 = new SrtpSession({ suite: s80, local: master(s80, 0x11), remote: master(s80, 0x55) });
    expect(b80.unprotectRtcp(shortTagRtcp(s80, master(s80, 0x55), 0))).toBeUndefined();
    expect(b80.stats()).toMatchObject({ rtcpShortTags: 0 });
  });
});

describe('RTCP in clear text where SRTCP is due', () => {
  it('is dropped and counted as unprotected, not as a failed tag; a damaged SRTCP packet still fails', () => {
    for (const suite of DEFAULT_SRTP_SUITES) {
      const { a, b } = pair(suite);
      // An RTCP BYE with a reason, in clear (what baresip sends as a call ends), and a compound of two.
      const bye = new Uint8Array([0x81, 203, 0, 3, 0x12, 0x34, 0x56, 0x78, 3, 0x62, 0x79, 0x65, 0, 0, 0, 0]);
      const compound = new Uint8Array([...rtcp(), ...bye]);
      expect(b.unprotectRtcp(bye)).toBeUndefined();
      expect(b.unprotectRtcp(compound)).toBeUndefined();
      const bad = a.protectRtcp(rtcp());
      bad[bad.length - 1]! ^= 0x01;
      expect(b.unprotectRtcp(bad)).toBeUndefined();
      // Lengths that do not fill the datagram: not a clear compound, a failure.
      expect(b.unprotectRtcp(new Uint8Array([...rtcp(), ...fill(30, 7)]))).toBeUndefined();
      expect(b.stats().received.rtcp, suite).toMatchObject({ ok: 0, unprotected: 2, authFailed: 2 });
      expect(b.stats().authFailed).toBe(2);
      expect(b.unprotectRtcp(a.protectRtcp(rtcp()))).toEqual(rtcp());
    }
  });
});

describe('SRTP replay protection (RFC 3711 3.3.2)', () => {
  it('drops a replayed packet and one older than the window, keeps a late one inside it', () => {
    const { a, b } = pair('AES_CM_128_HMAC_SHA1_80');
    const sent = Array.from({ length: 100 }, (_, i) => a.protectRtp(rtp(1000 + i)));
    expect(b.unprotectRtp(sent[0]!)).toBeDefined();
    expect(b.unprotectRtp(sent[0]!)).toBeUndefined(); // replay
    expect(b.unprotectRtp(sent[99]!)).toBeDefined();
    expect(b.unprotectRtp(sent[99 - 63]!)).toBeDefined(); // late, inside the 64-packet window
    expect(b.unprotectRtp(sent[99 - 64]!)).toBeUndefined(); // too old
    expect(b.stats().received.rtp).toMatchObject({ ok: 3, replayed: 2, authFailed: 0 });
  });

  it('takes a configured window', () => {
    const { a, b } = pair('AES_CM_128_HMAC_SHA1_80', 256);
    const sent = Array.from({ length: 300 }, (_, i) => a.protectRtp(rtp(i)));
    expect(b.unprotectRtp(sent[299]!)).toBeDefined();
    expect(b.unprotectRtp(sent[299 - 200]!)).toBeDefined();
    expect(b.unprotectRtp(sent[299 - 256]!)).toBeUndefined();
  });

  it('drops a replayed SRTCP packet', () => {
    const { a, b } = pair('AEAD_AES_128_GCM');
    const p = a.protectRtcp(rtcp());
    expect(b.unprotectRtcp(p)).toBeDefined();
    expect(b.unprotectRtcp(p)).toBeUndefined();
    expect(b.unprotectRtcp(a.protectRtcp(rtcp()))).toBeDefined();
    expect(b.stats().received.rtcp).toMatchObject({ ok: 2, replayed: 1 });
  });

  it('a replay window remembers what it accepted, bounded by its size', () => {
    const w = new ReplayWindow(64);
    expect(w.check(5)).toBe('new');
    w.accept(5);
    expect(w.check(5)).toBe('replayed');
    w.accept(200);
    expect(w.check(5)).toBe('too-old');
    expect(w.check(137)).toBe('new');
    expect(w.check(136)).toBe('too-old');
    expect(() => new ReplayWindow(0)).toThrow(RangeError);
  });
});

describe('the rollover counter (RFC 3711 3.3.1, Appendix A)', () => {
  for (const suite of ['AES_CM_128_HMAC_SHA1_32', 'AEAD_AES_256_GCM'] as const)
    it(`${suite}: a stream goes on across sequence number 65535 -> 0, reordered at the wrap`, () => {
      const { a, b } = pair(suite);
      const seqs = [65530, 65531, 65532, 65533, 65534, 65535, 0, 1, 2];
      const sent = seqs.map((q) => a.protectRtp(rtp(q)));
      // Reorder around the wrap: 0 before 65535, then 65535 late.
      const order = [0, 1, 2, 3, 4, 6, 5, 7, 8];
      for (const i of order) expect(b.unprotectRtp(sent[i]!), `seq ${seqs[i]}`).toEqual(rtp(seqs[i]!));
      expect(b.stats().received.rtp.ok).toBe(9);
    });

  it('the ROC is in the authentication: a receiver that guesses wrong drops the packet', () => {
    const { a, b } = pair('AES_CM_128_HMAC_SHA1_80');
    // The sender's ROC becomes 1 after the wrap; a receiver that joins after it guesses 0 and fails.
    for (let q = 65000; q < 65536; q += 100) a.protectRtp(rtp(q));
    const afterWrap = a.protectRtp(rtp(5));
    expect(b.unprotectRtp(afterWrap)).toBeUndefined();
    expect(b.stats().received.rtp.authFailed).toBe(1);
  });

  it('guesses as Appendix A says', () => {
    const s = { roc: 3, sl: 65500 };
    expect(guessRoc(s, 10)).toBe(4);
    expect(guessRoc(s, 65000)).toBe(3);
    const t = { roc: 3, sl: 10 };
    expect(guessRoc(t, 65500)).toBe(2);
    expect(guessRoc(t, 20)).toBe(3);
    updateRoc(s, 4, 10);
    expect(s).toEqual({ roc: 4, sl: 10 });
    updateRoc(s, 3, 65530); // a late packet of the previous cycle changes nothing
    expect(s).toEqual({ roc: 4, sl: 10 });
  });
});

describe('what a third party without the key changes', () => {
  it('a wrong key: every packet fails authentication, none is returned, no stream is created', () => {
    const suite = 'AES_CM_128_HMAC_SHA1_80';
    const right = pair(suite);
    const wrong = new SrtpSession({ suite, local: master(suite, 0x77), remote: master(suite, 0x11) });
    for (let i = 0; i < 50; i++) expect(right.b.unprotectRtp(wrong.protectRtp(rtp(i, 0x9999)))).toBeUndefined();
    expect(right.b.stats().authFailed).toBe(50);
    // The real stream is untouched: its first packet is still accepted as the first.
    expect(right.b.unprotectRtp(right.a.protectRtp(rtp(7)))).toBeDefined();
  });

  it('short and non-RTP datagrams are counted as malformed', () => {
    const { b } = pair('AES_CM_128_HMAC_SHA1_80');
    expect(b.unprotectRtp(new Uint8Array(5))).toBeUndefined();
    expect(b.unprotectRtp(rtp(1).subarray(0, 14))).toBeUndefined();
    expect(b.unprotectRtcp(new Uint8Array(10))).toBeUndefined();
    expect(b.stats().received.rtp.malformed).toBe(2);
    expect(b.stats().received.rtcp.malformed).toBe(1);
  });

  it('refuses a master key of the wrong length', () => {
    expect(
      () =>
        new SrtpSession({
          suite: 'AEAD_AES_256_GCM',
          local: master('AEAD_AES_128_GCM', 1),
          remote: master('AEAD_AES_256_GCM', 2),
        }),
    ).toThrow(RangeError);
  });
});

/** A channel that records what is sent and lets the test deliver datagrams. */
function fakeChannel() {
  const sent: { data: Uint8Array; channel: string }[] = [];
  const ch: RtpChannel = {
    address: '127.0.0.1',
    port: 4000,
    rtcpPort: undefined,
    mapped: undefined,
    send: (data, _to, channel) => sent.push({ data, channel }),
    onDatagram: undefined,
    onError: undefined,
    close: async () => {},
  };
  return { ch, sent };
}

describe('the SRTP channel (protect and unprotect at the edge)', () => {
  it('protects RTP and muxed RTCP on the way out, passes only authentic datagrams in', () => {
    const { a, b } = pair('AES_CM_128_HMAC_SHA1_80');
    const { ch, sent } = fakeChannel();
    const failures: string[] = [];
    const srtp = new SrtpChannel(ch, b, true, (from) => failures.push(from.address));
    const got: Uint8Array[] = [];
    srtp.onDatagram = (d) => got.push(d);
    const from = { address: '127.0.0.2', port: 5000 };
    ch.onDatagram!(a.protectRtp(rtp(1)), from, 'rtp');
    ch.onDatagram!(a.protectRtcp(rtcp()), from, 'rtp'); // rtcp-mux: told apart by its type
    ch.onDatagram!(rtp(2), from, 'rtp'); // plain RTP: not authentic
    ch.onDatagram!(rtp(3), from, 'rtp');
    expect(got).toEqual([rtp(1), rtcp()]);
    expect(failures).toEqual(['127.0.0.2']); // told once
    expect(b.stats().authFailed).toBe(2);
    srtp.send(rtp(9), from, 'rtp');
    srtp.send(rtcp(), from, 'rtp');
    expect(a.unprotectRtp(sent[0]!.data)).toEqual(rtp(9));
    expect(a.unprotectRtcp(sent[1]!.data)).toEqual(rtcp());
  });
});

describe('with SRTP, only authenticated packets move anything (issue: media hijack)', () => {
  it('a third party with the SSRC and next sequence numbers but no key neither latches nor is heard', async () => {
    const { RtpSession } = await import('../../../src/rtp/rtp-session.js');
    const { a, b } = pair('AES_CM_128_HMAC_SHA1_80');
    const { ch } = fakeChannel();
    const srtp = new SrtpChannel(ch, b, true);
    const caller = { address: '192.0.2.7', port: 4000 };
    const attacker = { address: '198.51.100.9', port: 6666 };
    // `any` latching: without SRTP, a run of in-sequence packets from anywhere would take the stream over.
    const session = new RtpSession({
      remoteRtp: caller,
      payloadType: 0,
      clockRate: 8000,
      rtcpMux: true,
      rtcpIntervalMs: 0,
      latch: { mode: 'any', moveRun: 4, quietMs: 0, moveIntervalMs: 0 },
      jitterBuffer: false,
    });
    let now = 0;
    srtp.onDatagram = (d, from, kind) => session.handleDatagram(d, from, (now += 20), kind);
    for (let i = 0; i < 5; i++) ch.onDatagram!(a.protectRtp(rtp(i)), caller, 'rtp');
    expect(session.remote).toEqual(caller);
    // The attacker's packets: plain, and "protected" with a key of its own.
    const forged = new SrtpSession({
      suite: 'AES_CM_128_HMAC_SHA1_80',
      local: master('AES_CM_128_HMAC_SHA1_80', 0x42),
      remote: master('AES_CM_128_HMAC_SHA1_80', 0x42),
    });
    for (let i = 5; i < 60; i++) {
      ch.onDatagram!(rtp(i), attacker, 'rtp');
      ch.onDatagram!(forged.protectRtp(rtp(i)), attacker, 'rtp');
    }
    expect(session.remote).toEqual(caller);
    expect(session.stats().received?.packets).toBe(5);
    expect(b.stats().authFailed).toBe(110);
  });
});

describe('property (fuzz): hostile bytes never throw', () => {
  it('unprotectRtp / unprotectRtcp of random and mutated datagrams return undefined or a packet', async () => {
    const fc = (await import('fast-check')).default;
    const { a, b } = pair('AES_CM_128_HMAC_SHA1_80');
    const good = a.protectRtp(rtp(1));
    const gcm = pair('AEAD_AES_128_GCM');
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 1, max: 255 })).map(([i, x]) => {
            const m = good.slice();
            m[i] = m[i]! ^ x;
            return m;
          }),
        ),
        (bytes) => {
          for (const s of [b, gcm.b]) {
            expect(s.unprotectRtp(bytes)).toBeUndefined();
            expect(s.unprotectRtcp(bytes)).toBeUndefined();
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
