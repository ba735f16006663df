/**
 * RFC 4475 and RFC 5118 torture messages through the parser and the
 * message checks: every valid one parses to the fields the RFCs name, every
 * invalid one is refused with the status the RFC asks for (or dropped).
 * (The same messages through a live UAS: test/sip/torture-live.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { parseMessage } from '../../../src/sip/message/parse.js';
import { checkRequest, checkResponse } from '../../../src/sip/message/validate.js';
import type { SipMessage, SipRequest, SipResponse } from '../../../src/sip/message/message.js';
import { getParam } from '../../../src/sip/message/params.js';
import type { SipUri } from '../../../src/sip/message/uri.js';
import type { NameAddr } from '../../../src/sip/message/name-addr.js';
import { SipParseError } from '../../../src/sip/errors.js';
import { vector, vectors } from '../support/vectors.js';

function parse(bytes: Buffer): { message?: SipMessage; error?: SipParseError } {
  const r = parseMessage(bytes, { datagram: true });
  if (!r.message) return r;
  if (r.error) return r;
  const e = r.message.type === 'request' ? checkRequest(r.message) : checkResponse(r.message);
  return e ? { message: r.message, error: e } : { message: r.message };
}
const req = (name: string, suite: 'rfc4475' | 'rfc5118' = 'rfc4475') => {
  const r = parse(vector(suite, name, suite === 'rfc5118' ? 'wire' : 'archive'));
  expect(r.error, `${name}: ${r.error?.message}`).toBeUndefined();
  expect(r.message?.type).toBe('request');
  return r.message as SipRequest;
};
const sip = (u: unknown) => u as SipUri;
function contacts(m: SipMessage): readonly NameAddr[] {
  const c = m.contacts;
  if (c === '*') throw new Error('wildcard Contact');
  return c;
}

/** Invalid RFC 4475 messages and what the parser/checks must answer (status, or 'drop'). */
const INVALID_4475: Record<string, number | 'drop' | 'accept'> = {
  badinv01: 400,
  clerr: 400,
  ncl: 400,
  scalar02: 400,
  scalarlg: 'drop',
  quotbal: 400,
  ltgtruri: 400,
  lwsruri: 400,
  lwsstart: 400,
  trws: 400,
  escruri: 400,
  // RFC 4475 3.1.2.12: reject only if the Date matters; a UA ignores Date.
  baddate: 'accept',
  regbadct: 400,
  badaspec: 400,
  baddn: 400,
  badvers: 505,
  // The CSeq/method mismatches parse; the UAS core answers them (400, 501): see torture-live.test.ts.
  mismatch01: 'accept',
  mismatch02: 'accept',
  bigcode: 'drop',
  insuf: 400,
  multi01: 400,
  mcl01: 400,
};

describe('RFC 4475 torture messages through the parser', () => {
  const all = vectors('rfc4475');
  it('has all 50 archive messages', () => expect(all).toHaveLength(50));

  for (const v of all.filter((x) => x.class === 'valid')) {
    it(`${v.name} (${v.section}) is well-formed`, () => {
      const r = parse(v.bytes);
      expect(r.error, r.error?.message).toBeUndefined();
      expect(r.message).toBeDefined();
    });
  }

  for (const v of all.filter((x) => x.class === 'invalid')) {
    const want = INVALID_4475[v.name];
    const outcome = want === 'drop' ? 'dropped' : want === 'accept' ? 'left to the UA core' : `refused with ${want}`;
    it(`${v.name} (${v.section}) is ${outcome}`, () => {
      expect(want, `no expectation for ${v.name}`).toBeDefined();
      const r = parse(v.bytes);
      if (want === 'drop') {
        // Dropped: either it does not parse at all, or it is a response that fails the checks.
        expect(r.message === undefined || (r.message.type === 'response' && r.error !== undefined)).toBe(true);
      } else if (want === 'accept') {
        expect(r.error).toBeUndefined();
      } else {
        expect(r.message?.type).toBe('request');
        expect(r.error).toBeInstanceOf(SipParseError);
        expect(r.error!.status).toBe(want);
      }
    });
  }

  it('test.dat (no section) is refused without a crash', () => {
    const r = parse(vector('rfc4475', 'test'));
    expect(r.message).toBeUndefined();
    expect(r.error).toBeInstanceOf(SipParseError);
  });

  it('wsinv: unfolding, escaped quotes, three Vias, empty Subject, Contact params', () => {
    const m = req('wsinv');
    expect(sip(m.uri).user).toBe('vivekg');
    expect(sip(m.uri).host).toBe('chair-dnrc.example.com');
    expect(sip(m.uri).params).toEqual([['unknownparam', null]]);
    expect(m.toTag).toBe('1918181833n');
    expect(m.from.displayName).toBe('J Rosenberg \\"');
    expect(m.fromTag).toBe('98asjd8');
    expect(m.maxForwards).toBe(68);
    expect(m.cseq).toEqual({ seq: 9, method: 'INVITE' });
    expect(m.via.map((v) => [v.transport, v.host, getParam(v.params, 'branch')])).toEqual([
      ['UDP', '192.0.2.2', '390skdjuw'],
      ['TCP', 'spindle.example.com', 'z9hG4bK9ikj8'],
      ['UDP', '192.168.255.111', 'z9hG4bK30239'],
    ]);
    expect(m.header('subject')).toBe('');
    const c = contacts(m);
    expect(c[0]!.displayName).toBe('Quoted string ""');
    expect(c[0]!.params).toEqual([
      ['newparam', 'newvalue'],
      ['secondparam', null],
      ['q', '0.33'],
    ]);
    expect(m.header('newfangledheader')).toBe('newfangled value continued newfangled value');
    expect(m.header('unknownheaderwithunusualvalue')).toBe(';;,,;;,;');
    expect(m.body.length).toBe(150);
  });

  it('intmeth: an extension method token and quoted-pairs with NUL in a display name', () => {
    const m = req('intmeth');
    expect(m.method).toBe("!interesting-Method0123456789_*+`.%indeed'~");
    expect(m.cseq.method).toBe(m.method);
    expect(m.to.displayName).toContain('\u0000');
  });

  it('esc01: %-escapes decoded once where the grammar has "escaped"', () => {
    const m = req('esc01');
    expect(sip(m.uri).user).toBe('sips:user@example.com');
    expect(sip(m.uri).host).toBe('example.net');
    expect(sip(m.to.uri).user).toBe('user');
    expect(sip(m.from.uri).user).toBe('I have spaces');
    const c = contacts(m)[0]!;
    expect(sip(c.uri).user).toBe('caller');
    expect(sip(c.uri).params).toEqual([
      ['lr', null],
      ['name', 'value%41'],
    ]);
  });

  it('escnull: escaped NULs do not truncate; two distinct Contact bindings', () => {
    const m = req('escnull');
    expect(sip(m.to.uri).user).toBe('null-\u0000-null');
    const users = contacts(m).map((c) => sip(c.uri).user);
    expect(users).toEqual(['\u0000', '\u0000\u0000']);
  });

  it('esc02: RE%47IST%45R is not REGISTER; "%Z%45" display names; exactly two Contacts', () => {
    const m = req('esc02');
    expect(m.method).toBe('RE%47IST%45R');
    expect(m.to.displayName).toBe('%Z%45');
    expect(contacts(m).length).toBe(2);
    expect(m.header('C%6Fntact')).toBe('<sip:alias2@host2.example.com>');
  });

  it('lwsdisp: display name token directly before <', () => {
    expect(req('lwsdisp').from.displayName).toBe('caller');
  });

  it('longreq: 34 Vias in every spelling of the header name', () => {
    const m = req('longreq');
    expect(m.via).toHaveLength(34);
    expect(m.body.length).toBe(150);
  });

  it('dblreq: one REGISTER; the INVITE octets after Content-Length are ignored', () => {
    const m = req('dblreq');
    expect(m.method).toBe('REGISTER');
    expect(m.body.length).toBe(0);
  });

  it('semiuri: ";par=" belongs to the user part', () => {
    const u = sip(req('semiuri').uri);
    expect(u.user).toBe('user;par=u@example.net');
    expect(u.host).toBe('example.com');
    expect(u.params).toEqual([]);
  });

  it('transports: five Vias with known and unknown transports', () => {
    expect(req('transports').via.map((v) => v.transport)).toEqual(['UDP', 'SCTP', 'TLS', 'UNKNOWN', 'TCP']);
  });

  it('mpart01: the binary body is framed by Content-Length', () => {
    const m = req('mpart01');
    expect(m.body.length).toBe(Number(m.header('content-length')));
    expect(m.body.includes(0)).toBe(true);
  });

  it('unreason and noreason: unusual and empty reason phrases', () => {
    const u = parse(vector('rfc4475', 'unreason')).message as SipResponse;
    expect(u.status).toBe(200);
    expect(u.reason).toMatch(/сто девяносто/);
    const n = parse(vector('rfc4475', 'noreason')).message as SipResponse;
    expect(n.status).toBe(100);
    expect(n.reason).toBe('');
  });

  it('unkscm, novelsc, unksm2: unknown URI schemes parse as opaque URIs', () => {
    expect(req('unkscm').uri).toMatchObject({ kind: 'other', scheme: 'nobodyknowsthisscheme' });
    expect(req('novelsc').uri).toMatchObject({ kind: 'other', scheme: 'soap.beep' });
    const m = req('unksm2');
    expect(m.to.uri.kind).toBe('other');
  });

  it('cparam01 / cparam02: contact-param vs url-parameter', () => {
    const c1 = contacts(req('cparam01'))[0]!;
    expect(sip(c1.uri).params).toEqual([]);
    expect(c1.params).toContainEqual(['unknownparam', null]);
    const c2 = contacts(req('cparam02'))[0]!;
    expect(sip(c2.uri).params).toContainEqual(['unknownparam', null]);
  });

  it('regescrt: the escaped Route header stays in the Contact URI', () => {
    const c = contacts(req('regescrt'))[0]!;
    expect(sip(c.uri).headers).toEqual([['Route', '<sip:sip.example.com>']]);
  });

  it('inv2543: no branch, no From tag, no Content-Length (body = rest of the datagram)', () => {
    const m = req('inv2543');
    expect(getParam(m.topVia.params, 'branch')).toBeUndefined();
    expect(m.fromTag).toBeUndefined();
    expect(m.has('content-length')).toBe(false);
    expect(m.text).toContain('m=audio 49217 RTP/AVP 0');
  });

  it('badbranch: a bare magic cookie parses', () => {
    expect(getParam(req('badbranch').topVia.params, 'branch')).toBe('z9hG4bK');
  });

  it('zeromf: Max-Forwards 0', () => {
    expect(req('zeromf').maxForwards).toBe(0);
  });
});

describe('RFC 5118 IPv6 torture messages through the parser', () => {
  it('has all 12 messages, archive and wire forms', () => {
    expect(vectors('rfc5118')).toHaveLength(12);
    expect(vectors('rfc5118', 'wire')).toHaveLength(12);
  });

  for (const v of vectors('rfc5118', 'wire')) {
    it(`${v.name} (${v.section}) is ${v.class === 'valid' ? 'well-formed' : 'refused with 400'}`, () => {
      const r = parse(v.bytes);
      if (v.class === 'valid') expect(r.error, r.error?.message).toBeUndefined();
      else expect(r.error?.status).toBe(400);
    });
  }

  it('the archive forms (bare LF, unterminated headers, wrong Content-Length) never crash the parser', () => {
    for (const v of vectors('rfc5118', 'archive')) {
      const r = parse(v.bytes);
      expect(r.message !== undefined || r.error instanceof SipParseError).toBe(true);
    }
  });

  it('ipv6-good: IPv6 references in the Request-URI, Via and Contact', () => {
    const m = req('ipv6-good', 'rfc5118');
    expect(sip(m.uri).host).toBe('2001:db8::10');
    expect(m.topVia.host).toBe('2001:db8::9:1');
    expect(sip(contacts(m)[0]!.uri).host).toBe('2001:db8::1');
  });

  it('port-ambiguous / port-unambiguous: a port only outside the brackets', () => {
    expect(sip(req('port-ambiguous', 'rfc5118').uri)).toMatchObject({ host: '2001:db8::10:5070' });
    expect(sip(req('port-ambiguous', 'rfc5118').uri).port).toBeUndefined();
    expect(sip(req('port-unambiguous', 'rfc5118').uri)).toMatchObject({ host: '2001:db8::10', port: 5070 });
  });

  it('via-received with and without brackets: the branch after it is still read', () => {
    for (const n of ['via-received-param-with-delim', 'via-received-param-no-delim']) {
      const v = req(n, 'rfc5118').topVia;
      expect(getParam(v.params, 'received')).toMatch(/2001:db8::9:255/);
      expect(getParam(v.params, 'branch')).toMatch(/^z9hG4bK/);
    }
  });

  it('mult-ip-in-header: IPv6 and IPv4 Vias', () => {
    expect(req('mult-ip-in-header', 'rfc5118').via.map((v) => [v.host, v.port])).toEqual([
      ['2001:db8::9:1', 6050],
      ['192.0.2.1', undefined],
      ['2001:db8::9:255', undefined],
    ]);
  });

  it('ipv4-mapped-ipv6: the port stays outside the brackets', () => {
    const v = req('ipv4-mapped-ipv6', 'rfc5118').topVia;
    expect([v.host, v.port]).toEqual(['::ffff:192.0.2.10', 19823]);
  });

  it('the RFC 3261 ABNF bug: three colons tolerated, two colons correct', () => {
    expect(sip(req('ipv6-bug-abnf-3-colons', 'rfc5118').uri).host).toBe('2001:db8:::192.0.2.1');
    expect(sip(req('ipv6-correct-abnf-2-colons', 'rfc5118').uri).host).toBe('2001:db8::192.0.2.1');
  });
});
