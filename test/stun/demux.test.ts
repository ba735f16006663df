import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StunMethod, attr, classifyDatagram, serializeStunMessage } from '../../src/stun/index.js';
import { readVector } from './rfc5769-vectors.js';

const text = (s: string) => new TextEncoder().encode(s);

describe('classifyDatagram (RFC 7983 first-byte demultiplexing)', () => {
  it('recognises STUN by first byte, magic cookie and length', () => {
    expect(classifyDatagram(readVector('sample-request.txt').bytes)).toBe('stun');
    expect(classifyDatagram(readVector('sample-ipv6-response.txt').bytes)).toBe('stun');
    const m = serializeStunMessage({
      method: StunMethod.BINDING,
      class: 'indication',
      transactionId: new Uint8Array(12),
      attributes: [attr.software('x')],
    });
    expect(classifyDatagram(m)).toBe('stun');
    const noCookie = m.slice();
    noCookie[4] = 0;
    expect(classifyDatagram(noCookie)).toBe('unknown');
    expect(classifyDatagram(m.subarray(0, m.length - 4))).toBe('unknown');
  });

  it('recognises SIP requests and responses, and CRLF keep-alives', () => {
    expect(classifyDatagram(text('INVITE sip:bob@example.com SIP/2.0\r\n\r\n'))).toBe('sip');
    expect(classifyDatagram(text('SIP/2.0 200 OK\r\n\r\n'))).toBe('sip');
    expect(classifyDatagram(text('OPTIONS sip:x SIP/2.0\r\n'))).toBe('sip');
    expect(classifyDatagram(text('\r\n\r\n'))).toBe('keepalive');
    expect(classifyDatagram(text('\r\n'))).toBe('keepalive');
    expect(classifyDatagram(text('\r\nX'))).toBe('unknown');
  });

  it('tells RTP from RTCP (RFC 5761 4)', () => {
    const rtp = new Uint8Array(172);
    rtp[0] = 0x80;
    rtp[1] = 0; // PCMU
    expect(classifyDatagram(rtp)).toBe('rtp');
    rtp[1] = 0x80 | 101; // marker + telephone-event
    expect(classifyDatagram(rtp)).toBe('rtp');
    const rr = Uint8Array.of(0x80, 201, 0, 1, 0, 0, 0, 1);
    expect(classifyDatagram(rr)).toBe('rtcp');
    expect(classifyDatagram(Uint8Array.of(0x81, 200, 0))).toBe('unknown');
  });

  it('names DTLS and ZRTP and leaves the rest unknown', () => {
    expect(classifyDatagram(Uint8Array.of(22, 254, 253))).toBe('dtls');
    expect(classifyDatagram(Uint8Array.of(16, 0, 0))).toBe('zrtp');
    expect(classifyDatagram(new Uint8Array(0))).toBe('unknown');
    expect(classifyDatagram(Uint8Array.of(0xff, 0))).toBe('unknown');
  });

  it('never throws, and says stun only for what parses as STUN', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        const k = classifyDatagram(b);
        if (k === 'stun') expect(b[4]).toBe(0x21);
      }),
      { numRuns: 2000 },
    );
  });
});
