/** Telephone numbers to SIP URIs (RFC 3261 19.1.6, RFC 3966). */
import { describe, expect, it } from 'vitest';
import { SipUriError } from '../../../src/sip/errors.js';
import { isDialString, telToSip, telUriOf } from '../../../src/sip/message/tel.js';
import { formatUri, parseSipUri } from '../../../src/sip/message/uri.js';

describe('tel: URIs and numbers dialled over SIP', () => {
  it("RFC 3261 19.1.6's example: the tel URI's number and parameters become the user part, user=phone", () => {
    const sip = telToSip(telUriOf('tel:+358-555-1234567;postd=pp22'), parseSipUri('sip:alice@foo.com'));
    expect(formatUri(sip)).toBe('sip:+358-555-1234567;postd=pp22@foo.com;user=phone');
  });

  it("keeps the account domain's port and scheme", () => {
    const via = parseSipUri('sips:alice@[2001:db8::1]:5071');
    expect(formatUri(telToSip(telUriOf('tel:+123'), via))).toBe('sips:+123@[2001:db8::1]:5071;user=phone');
  });

  it('a number typed bare loses its spaces and visual separators', () => {
    expect(telUriOf(' +44 (20) 7946-0000 ').number).toBe('+442079460000');
    expect(telUriOf('*98#').number).toBe('*98#');
    expect(telUriOf('0123.456').number).toBe('0123456');
  });

  it('tells numbers from URIs and from words', () => {
    for (const yes of ['+1 555 0100', '0123456789', '*98#', '(555) 0100']) expect(isDialString(yes), yes).toBe(true);
    for (const no of ['sip:bob@example.com', 'tel:+1', 'bob', '+', '--', '', '12a'])
      expect(isDialString(no), no).toBe(false);
    expect(() => telUriOf('sip:bob@example.com')).toThrow(SipUriError);
    expect(() => telUriOf('tel:not-a-number')).toThrow(SipUriError);
  });
});
