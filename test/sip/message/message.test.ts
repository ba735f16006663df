import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseMessage } from '../../../src/sip/message/parse.js';
import { serializeMessage } from '../../../src/sip/message/serialize.js';
import { SipRequest, SipResponse, field } from '../../../src/sip/message/message.js';
import { parseNameAddr, formatNameAddr } from '../../../src/sip/message/name-addr.js';
import { parseVia, formatVia } from '../../../src/sip/message/via.js';
import { checkRequest } from '../../../src/sip/message/validate.js';
import { StreamFramer } from '../../../src/sip/message/stream-framer.js';
import { splitList } from '../../../src/sip/message/grammar.js';
import { SipParseError } from '../../../src/sip/errors.js';
import { parseUri } from '../../../src/sip/message/uri.js';

const INVITE = [
  'INVITE sip:bob@biloxi.com SIP/2.0',
  'Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds',
  'Max-Forwards: 70',
  'To: Bob <sip:bob@biloxi.com>',
  'From: Alice <sip:alice@atlanta.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710@pc33.atlanta.com',
  'CSeq: 314159 INVITE',
  'Contact: <sip:alice@pc33.atlanta.com>',
  'Content-Type: application/sdp',
  'Content-Length: 4',
  '',
  'v=0\n',
].join('\r\n');

describe('SIP messages (RFC 3261 7, 25)', () => {
  it('parses the RFC 3261 4 INVITE and serializes it back byte for byte', () => {
    const b = Buffer.from(INVITE);
    const r = parseMessage(b, { datagram: false });
    expect(r.error).toBeUndefined();
    const m = r.message as SipRequest;
    expect(m.method).toBe('INVITE');
    expect(m.from.displayName).toBe('Alice');
    expect(m.fromTag).toBe('1928301774');
    expect(m.cseq).toEqual({ seq: 314159, method: 'INVITE' });
    expect(m.text).toBe('v=0\n');
    expect(serializeMessage(m).equals(b)).toBe(true);
  });

  it('compact forms and any case find the same header', () => {
    const m = parseMessage(
      Buffer.from(INVITE.replace('Call-ID:', 'i:').replace('Contact:', 'm:').replace('Via:', 'VIA :')),
      { datagram: true },
    ).message!;
    expect(m.callId).toBe('a84b4c76e66710@pc33.atlanta.com');
    expect(m.header('contact')).toBe('<sip:alice@pc33.atlanta.com>');
    expect(m.via).toHaveLength(1);
  });

  it('splits comma lists outside quotes and <>', () => {
    expect(splitList('"a, b" <sip:x@y;p=1,2>, <sip:z@w>')).toEqual(['"a, b" <sip:x@y;p=1,2>', '<sip:z@w>']);
    expect(splitList('a,,b')).toEqual(['a', '', 'b']);
  });

  it('name-addr and addr-spec: header params vs URI params', () => {
    const a = parseNameAddr('sip:bob@biloxi.com;tag=x');
    expect(a.params).toEqual([['tag', 'x']]);
    expect(a.uri).toMatchObject({ host: 'biloxi.com', params: [] });
    const b = parseNameAddr('"Bob \\"B\\"" <sip:bob@biloxi.com;lr>;expires=60');
    expect(b.displayName).toBe('Bob "B"');
    expect(b.uri).toMatchObject({ params: [['lr', null]] });
    expect(parseNameAddr(formatNameAddr(b))).toEqual(b);
    expect(() => parseNameAddr('Bell, Alexander <sip:a@b>')).toThrow(SipParseError);
  });

  it('Via with IPv6, rport and received', () => {
    const v = parseVia('SIP/2.0/TCP [2001:db8::9]:5061;branch=z9hG4bKx;rport;received=2001:db8::1');
    expect(v).toMatchObject({ transport: 'TCP', host: '2001:db8::9', port: 5061 });
    expect(parseVia(formatVia(v))).toEqual(v);
  });

  it('single-valued headers twice and overlarge scalars are 400s', () => {
    const dup = parseMessage(Buffer.from(INVITE.replace('Max-Forwards: 70', 'Max-Forwards: 70\r\nCall-ID: other')), {
      datagram: true,
    });
    expect(checkRequest(dup.message as SipRequest)?.status).toBe(400);
    const big = parseMessage(Buffer.from(INVITE.replace('CSeq: 314159', 'CSeq: 4294967296')), { datagram: true });
    expect(checkRequest(big.message as SipRequest)?.part).toBe('cseq');
  });

  const token = fc.stringMatching(/^[A-Za-z][A-Za-z0-9.!%*_+`'~-]{0,10}$/);
  const value = fc
    .string({ maxLength: 30, unit: fc.constantFrom(...'abc XYZ 0189 ;=,:<>"@/.-_'.split('')) })
    .map((s) => s.trim());
  const arbMessage = fc
    .record({
      request: fc.boolean(),
      method: token,
      status: fc.integer({ min: 100, max: 699 }),
      reason: fc.string({ maxLength: 20, unit: fc.constantFrom(...'abc XYZ-'.split('')) }).map((s) => s.trim()),
      extra: fc.array(
        fc.tuple(
          token.filter((t) => !/^(content-length|l|via|v)$/i.test(t)),
          value,
        ),
        { maxLength: 6 },
      ),
      body: fc.uint8Array({ maxLength: 200 }),
    })
    .map((x) => {
      const h = [
        field('Via', 'SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKabc'),
        ...x.extra.map(([n, v]) => field(n, v)),
        field('Content-Length', String(x.body.length)),
      ];
      return x.request
        ? new SipRequest(x.method, parseUri('sip:bob@example.com'), h, x.body)
        : new SipResponse(x.status, x.reason, h, x.body);
    });

  it('serialize → parse → serialize round-trips (property)', () => {
    fc.assert(
      fc.property(arbMessage, (m) => {
        const bytes = serializeMessage(m);
        const r = parseMessage(bytes, { datagram: false });
        expect(r.error).toBeUndefined();
        expect(r.message!.startLine()).toBe(m.startLine());
        expect(r.message!.headers.map((h) => [h.name, h.value])).toEqual(m.headers.map((h) => [h.name, h.value]));
        expect(Buffer.from(r.message!.body).equals(Buffer.from(m.body))).toBe(true);
        expect(serializeMessage(r.message!).equals(bytes)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('arbitrary bytes and mutated messages never make the parser throw (fuzz)', () => {
    const base = Buffer.from(INVITE);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 400 }),
          fc
            .tuple(fc.integer({ min: 0, max: base.length - 1 }), fc.uint8Array({ minLength: 1, maxLength: 8 }))
            .map(([at, junk]) => {
              const b = Buffer.from(base);
              b.set(junk.subarray(0, b.length - at), at);
              return b;
            }),
          fc.integer({ min: 0, max: base.length }).map((n) => base.subarray(0, n)),
        ),
        fc.boolean(),
        (bytes, datagram) => {
          const r = parseMessage(bytes, { datagram });
          if (r.error) expect(r.error).toBeInstanceOf(SipParseError);
          if (r.message?.type === 'request') {
            const e = checkRequest(r.message);
            if (e) expect(e).toBeInstanceOf(SipParseError);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('stream framing gives the same messages however the bytes are split (property)', () => {
    const two = Buffer.concat([Buffer.from('\r\n\r\n'), Buffer.from(INVITE), Buffer.from('\r\n'), Buffer.from(INVITE)]);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: two.length }), { maxLength: 12 }), (cuts) => {
        const f = new StreamFramer();
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        let at = 0;
        const items = [];
        for (const p of [...points, two.length]) {
          items.push(...f.push(two.subarray(at, p)));
          at = p;
        }
        expect(items.map((i) => i.kind)).toEqual(['ping', 'message', 'message']);
        for (const i of items) if (i.kind === 'message') expect(Buffer.from(i.bytes).toString()).toBe(INVITE);
      }),
      { numRuns: 300 },
    );
  });
});
