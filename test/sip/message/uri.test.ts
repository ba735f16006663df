import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatUri, parseUri, uriEquals, type SipUri } from '../../../src/sip/message/uri.js';
import { SipUriError } from '../../../src/sip/errors.js';

describe('URIs (RFC 3261 19.1)', () => {
  it('parses every part of a SIP URI', () => {
    expect(
      parseUri('sips:alice:secret@[2001:db8::1]:5061;transport=tcp;lr?subject=project%20x&priority=urgent'),
    ).toEqual({
      kind: 'sip',
      scheme: 'sips',
      user: 'alice',
      password: 'secret',
      host: '2001:db8::1',
      port: 5061,
      params: [
        ['transport', 'tcp'],
        ['lr', null],
      ],
      headers: [
        ['subject', 'project x'],
        ['priority', 'urgent'],
      ],
    });
  });

  it('parses tel and other absolute URIs', () => {
    expect(parseUri('tel:+1-201-555-0123;phone-context=example.com')).toEqual({
      kind: 'tel',
      scheme: 'tel',
      number: '+1-201-555-0123',
      params: [['phone-context', 'example.com']],
    });
    expect(parseUri('urn:service:sos')).toEqual({ kind: 'other', scheme: 'urn', value: 'service:sos' });
  });

  it('rejects malformed URIs with SipUriError', () => {
    for (const bad of [
      'sip:',
      'sip:user@',
      'sip:host:99999',
      'sip:host;',
      'sip:a b@host',
      'sip:[::1',
      'sip:user@host;p=%zz',
      'nocolon',
      '1sip:x',
    ]) {
      expect(() => parseUri(bad), bad).toThrow(SipUriError);
    }
  });

  // RFC 3261 19.1.4's examples.
  const equal: [string, string][] = [
    ['sip:%61lice@atlanta.com;transport=TCP', 'sip:alice@AtLanTa.CoM;Transport=tcp'],
    ['sip:carol@chicago.com', 'sip:carol@chicago.com;newparam=5'],
    ['sip:carol@chicago.com', 'sip:carol@chicago.com;security=on'],
    ['sip:carol@chicago.com;newparam=5', 'sip:carol@chicago.com;security=on'],
    [
      'sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com',
      'sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com',
    ],
    [
      'sip:alice@atlanta.com?subject=project%20x&priority=urgent',
      'sip:alice@atlanta.com?priority=urgent&subject=project%20x',
    ],
  ];
  const different: [string, string][] = [
    ['SIP:ALICE@AtLanTa.CoM;Transport=udp', 'sip:alice@AtLanTa.CoM;Transport=UDP'],
    ['sip:bob@biloxi.com', 'sip:bob@biloxi.com:5060'],
    ['sip:bob@biloxi.com', 'sip:bob@biloxi.com;transport=udp'.replace('transport=udp', 'user=phone')],
    ['sip:bob@biloxi.com:6000;transport=tcp', 'sip:bob@biloxi.com:6001;transport=tcp'],
    ['sip:carol@chicago.com', 'sip:carol@chicago.com?Subject=next%20meeting'],
    ['sip:bob@phone21.boxesbybob.com', 'sip:bob@192.0.2.4'],
    ['sip:bob@biloxi.com', 'sips:bob@biloxi.com'],
    ['sip:carol@chicago.com', 'sip:carol@chicago.com;maddr=239.255.255.1'],
  ];
  for (const [a, b] of equal) it(`${a} equals ${b}`, () => expect(uriEquals(parseUri(a), parseUri(b))).toBe(true));
  for (const [a, b] of different)
    it(`${a} differs from ${b}`, () => expect(uriEquals(parseUri(a), parseUri(b))).toBe(false));

  const token = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/);
  const text = fc.string({
    minLength: 1,
    maxLength: 12,
    unit: fc.constantFrom(...'abcXYZ019 -_.!~*()@:;?&=+$,/%"<>#'.split('')),
  });
  const sipUriArb: fc.Arbitrary<SipUri> = fc
    .record({
      kind: fc.constant('sip' as const),
      scheme: fc.constantFrom('sip' as const, 'sips' as const),
      user: fc.option(text, { nil: undefined }),
      host: fc.oneof(fc.constantFrom('example.com', '192.0.2.1', '2001:db8::1', 'a-b.c'), token),
      port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
      params: fc.array(fc.tuple(token, fc.option(text, { nil: null })), { maxLength: 3 }),
      headers: fc.array(fc.tuple(token, text), { maxLength: 2 }),
    })
    .map((u) => {
      const out: Record<string, unknown> = { ...u };
      for (const k of ['user', 'port']) if (out[k] === undefined) delete out[k];
      return out as unknown as SipUri;
    });

  it('format → parse gives back the same URI (property)', () => {
    fc.assert(
      fc.property(sipUriArb, (u) => {
        expect(parseUri(formatUri(u))).toEqual(u);
      }),
      { numRuns: 500 },
    );
  });

  it('any string parses or throws SipUriError, nothing else (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (s) => {
        try {
          parseUri(s);
        } catch (e) {
          expect(e).toBeInstanceOf(SipUriError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
