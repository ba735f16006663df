/**
 * sips: URIs and TLS in the core (RFC 3261 26.2, 8.1.1.8, 12.1.1; RFC 5630):
 * which transport and port a URI asks for, TLS on every hop of a sips:
 * request (an outbound proxy's sip: route too), Via SIP/2.0/TLS, and a
 * sips: Contact in requests to sips: URIs and in answers to sips: INVITEs
 * that came over TLS.
 */
import { describe, expect, it } from 'vitest';
import { resolveCoreConfig } from '../../../src/sip/core/config.js';
import {
  contactUri,
  isSipsRequest,
  nextHop,
  sipsTransportProblem,
  transportFor,
} from '../../../src/sip/core/request-builder.js';
import type { SipMessage } from '../../../src/sip/message/message.js';
import { parseMessage } from '../../../src/sip/message/parse.js';
import { formatUri, parseSipUri, parseUri } from '../../../src/sip/message/uri.js';
import { Probe, rawRequest } from '../support/probe.js';

const local = {
  udp: { address: '192.0.2.2', port: 5060 },
  tcp: { address: '192.0.2.2', port: 5060 },
  tls: { address: '192.0.2.2', port: 5061 },
};
const config = resolveCoreConfig({ local });

function hop(uri: string, routes: string[] = []) {
  return nextHop(parseUri(uri), routes, config);
}

function sent(p: Probe): SipMessage[] {
  return p.transmits.filter((t) => t.bytes.length > 0).map((t) => parseMessage(t.bytes, { datagram: true }).message!);
}

describe('the transport and port a URI asks for', () => {
  it('sips: is TLS on 5061; transport=tls on a sip: URI too; a port given wins', () => {
    // A name without a port is located by RFC 3263 (SRV; NAPTR too when the URI names no transport).
    const naptr = { locate: { naptr: true } };
    expect(hop('sips:bob@example.com')).toEqual({ transport: 'tls', host: 'example.com', port: 5061, ...naptr });
    expect(hop('sip:bob@example.com;transport=tls')).toEqual({
      transport: 'tls',
      host: 'example.com',
      port: 5061,
      locate: { naptr: false },
    });
    expect(hop('sips:bob@192.0.2.9:5071')).toEqual({ transport: 'tls', host: '192.0.2.9', port: 5071 });
    expect(hop('sip:bob@example.com')).toEqual({ transport: 'udp', host: 'example.com', port: 5060, ...naptr });
    expect(hop('sip:bob@example.com:5080')).toEqual({ transport: 'udp', host: 'example.com', port: 5080 });
    expect(hop('sip:bob@[2001:db8::1]')).toEqual({ transport: 'udp', host: '2001:db8::1', port: 5060 });
  });

  it('sips:…;transport=tcp is TLS over TCP (RFC 5630 3.1.3); sips: over UDP is refused', () => {
    expect(hop('sips:bob@example.com;transport=tcp').transport).toBe('tls');
    expect(() => hop('sips:bob@example.com;transport=udp')).toThrow(/sips: request goes over TLS.*transport=udp/);
  });

  it('a sips: request goes to a sip: outbound proxy over TLS, and refuses a route that says UDP', () => {
    expect(hop('sips:bob@example.com', ['<sip:proxy.example.com;lr>'])).toEqual({
      transport: 'tls',
      host: 'proxy.example.com',
      port: 5061,
      locate: { naptr: true },
    });
    expect(() => hop('sips:bob@example.com', ['<sip:proxy.example.com;transport=udp;lr>'])).toThrow(
      /over TLS on every hop/,
    );
    // A sip: request through a sips: proxy: TLS to the proxy.
    expect(hop('sip:bob@example.com', ['<sips:proxy.example.com;lr>']).transport).toBe('tls');
  });

  it("a dialog's preferred transport does not override sips:", () => {
    expect(transportFor(parseUri('sips:bob@example.com'), config, 'udp')).toBe('tls');
    expect(transportFor(parseUri('sip:bob@example.com'), config, 'tls')).toBe('tls');
  });

  it('isSipsRequest: a sips: Request-URI or first Route; a route that does not parse is not secure', () => {
    expect(isSipsRequest(parseUri('sips:a@b'), [])).toBe(true);
    expect(isSipsRequest(parseUri('sip:a@b'), ['<sips:p;lr>'])).toBe(true);
    expect(isSipsRequest(parseUri('sip:a@b'), ['<sip:p;lr>', '<sips:q;lr>'])).toBe(false);
    expect(isSipsRequest(parseUri('sip:a@b'), ['<<<'])).toBe(false);
  });
});

describe('sipsTransportProblem: what the user asked that a sips: request cannot do', () => {
  const problem = (uri: string, routes: string[] = [], t?: 'udp' | 'tcp' | 'tls') =>
    sipsTransportProblem(parseUri(uri), routes, t);
  it('UDP or plain TCP asked for a sips: URI or through a sips: proxy; a udp parameter on either hop', () => {
    expect(problem('sips:bob@example.com', [], 'udp')).toMatch(
      /^sips:bob@example\.com: .*TLS on every hop.*not over udp$/,
    );
    expect(problem('sips:bob@example.com', [], 'tcp')).toMatch(/not over tcp$/);
    expect(problem('sip:bob@example.com', ['<sips:proxy.example.com;lr>'], 'udp')).toMatch(/not over udp$/);
    expect(problem('sips:bob@example.com;transport=udp')).toMatch(/not transport=udp$/);
    expect(problem('sips:bob@example.com', ['<sip:proxy.example.com;transport=udp;lr>'])).toMatch(
      /^sip:proxy\.example\.com;transport=udp;lr: .*not transport=udp$/,
    );
  });
  it('nothing to say: TLS asked or nothing asked, sips:;transport=tcp (TLS over TCP), or a sip: request', () => {
    expect(problem('sips:bob@example.com', [], 'tls')).toBeUndefined();
    expect(problem('sips:bob@example.com')).toBeUndefined();
    expect(problem('sips:bob@example.com;transport=tcp')).toBeUndefined();
    expect(problem('sip:bob@example.com;transport=udp', [], 'udp')).toBeUndefined();
    expect(problem('sip:bob@example.com', ['<sip:proxy.example.com;lr>'], 'tcp')).toBeUndefined();
  });
});

describe('Contact and Via over TLS', () => {
  it('Contact: sip:…;transport=tls, or sips: without a transport parameter', () => {
    expect(formatUri(contactUri(config, 'tls'))).toBe('sip:192.0.2.2:5061;transport=tls');
    expect(formatUri(contactUri(config, 'tls', undefined, true))).toBe('sips:192.0.2.2:5061');
  });

  it('an INVITE to a sips: URI: Via SIP/2.0/TLS with our TLS port, a sips: Contact, sent over TLS', () => {
    const p = new Probe({ local, aor: parseSipUri('sip:alice@192.0.2.2') });
    p.core.invite(parseUri('sips:bob@192.0.2.9'), {}, 0);
    p.core.invite(parseUri('sip:bob@192.0.2.9;transport=tls'), {}, 0);
    p.drain();
    const [a, b] = sent(p);
    expect(a!.header('via')).toMatch(/^SIP\/2\.0\/TLS 192\.0\.2\.2:5061;branch=/);
    expect(a!.header('contact')).toBe('<sips:alice@192.0.2.2:5061>');
    expect(b!.header('contact')).toBe('<sip:alice@192.0.2.2:5061;transport=tls>');
    const dests = p.transmits.filter((t) => t.bytes.length > 0).map((t) => t.destination);
    expect(dests).toEqual([
      { transport: 'tls', host: '192.0.2.9', port: 5061 },
      { transport: 'tls', host: '192.0.2.9', port: 5061 },
    ]);
  });

  it('a REGISTER to a sips: registrar binds a sips: Contact', () => {
    const p = new Probe({ local });
    const aor = parseSipUri('sips:alice@example.com');
    p.core.register({ registrar: parseSipUri('sips:example.com'), aor }, 0);
    p.drain();
    const [r] = sent(p);
    expect(r!.header('contact')).toBe('<sips:192.0.2.2:5061>;expires=3600');
    expect(p.transmits[0]!.destination).toMatchObject({ transport: 'tls', port: 5061 });
  });

  it('the answer to a sips: INVITE that came over TLS has a sips: Contact; a sip: one over TLS or TCP does not', () => {
    const contacts: string[] = [];
    for (const [uri, transport] of [
      ['sips:bob@192.0.2.2', 'tls'],
      ['sip:bob@192.0.2.2;transport=tls', 'tls'],
      ['sip:bob@192.0.2.2;transport=tcp', 'tcp'],
    ] as const) {
      const p = new Probe({ local });
      p.send(rawRequest('INVITE', { uri }), { transport });
      for (const e of p.events) if (e.type === 'invite') e.invite.accept(p.now);
      const ok = p.drain().find((r) => r.status === 200);
      contacts.push(ok!.header('contact')!);
    }
    expect(contacts).toEqual([
      '<sips:192.0.2.2:5061>',
      '<sip:192.0.2.2:5061;transport=tls>',
      '<sip:192.0.2.2:5060;transport=tcp>',
    ]);
  });
});

describe('a sips: request that did not come over TLS (RFC 3261 26.2.2, RFC 5630)', () => {
  it('is refused with 416 and a Warning, over UDP and over TCP, whatever the method; never offered as a call', () => {
    for (const transport of ['udp', 'tcp'] as const) {
      for (const method of ['INVITE', 'OPTIONS', 'MESSAGE']) {
        const p = new Probe({ local });
        const [r, ...more] = p.send(rawRequest(method, { uri: 'sips:bob@192.0.2.2' }), { transport });
        expect(more).toEqual([]);
        expect(r!.status).toBe(416);
        expect(r!.header('warning')).toMatch(
          new RegExp(`^399 \\S+ "a sips: request must arrive over TLS, not ${transport.toUpperCase()}"$`),
        );
        expect(p.events.filter((e) => e.type === 'invite' || e.type === 'request')).toEqual([]);
      }
    }
  });

  it('the same requests over TLS are taken (the control), and a sip: one over UDP too', () => {
    const p = new Probe({ local });
    expect(p.send(rawRequest('OPTIONS', { uri: 'sips:bob@192.0.2.2' }), { transport: 'tls' })[0]!.status).toBe(200);
    expect(p.send(rawRequest('OPTIONS', { uri: 'sip:bob@192.0.2.2' }), { transport: 'udp' })[0]!.status).toBe(200);
    const q = new Probe({ local });
    q.send(rawRequest('INVITE', { uri: 'sips:bob@192.0.2.2' }), { transport: 'tls' });
    expect(q.events.filter((e) => e.type === 'invite')).toHaveLength(1);
  });
});

describe('RFC 3263 4.3: the next server after a 503 or a timeout', () => {
  const located = (p: Probe) =>
    p.transmits.filter((t) => t.bytes.length > 0).map((t) => parseMessage(t.bytes, { datagram: true }).message!);
  /** Answer the last INVITE sent with `status`. */
  function answer(p: Probe, status: number): void {
    const inv = located(p)
      .filter((m) => m.type === 'request' && m.method === 'INVITE')
      .at(-1)!;
    p.send(
      `SIP/2.0 ${status} Service Unavailable\nVia: ${inv.header('via')}\nFrom: ${inv.header('from')}\n` +
        `To: ${inv.header('to')};tag=srv\nCall-ID: ${inv.header('call-id')}\nCSeq: ${inv.header('cseq')}\n` +
        'Content-Length: 0\n\n',
    );
  }
  const invites = (p: Probe) =>
    p.transmits.filter((t) => t.bytes.length > 0 && /^INVITE /.test(Buffer.from(t.bytes).toString('latin1')));

  it('a 503 to an INVITE for a name without a port: a new INVITE skipping that server, up to 4 servers', () => {
    const p = new Probe();
    p.core.invite(parseUri('sip:bob@example.com'), {}, 0);
    p.drain();
    for (let i = 0; i < 3; i++) answer(p, 503);
    const skips = invites(p).map((t) => t.destination.locate?.skip ?? 0);
    expect([...new Set(skips)]).toEqual([0, 1, 2, 3]);
    expect(p.events.filter((e) => e.type === 'invite-failed')).toEqual([]);
    // The fourth server's 503 ends it: the outcome is that 503.
    answer(p, 503);
    const failed = p.events.find((e) => e.type === 'invite-failed');
    expect(
      failed?.type === 'invite-failed' && failed.outcome.kind === 'response' && failed.outcome.response.status,
    ).toBe(503);
  });

  it('an IP address, or a name with a port, is not retried elsewhere: its 503 is the outcome', () => {
    for (const uri of ['sip:bob@192.0.2.9', 'sip:bob@example.com:5070']) {
      const p = new Probe();
      p.core.invite(parseUri(uri), {}, 0);
      p.drain();
      answer(p, 503);
      expect(new Set(invites(p).map((t) => t.destination.locate?.skip ?? 0)).size).toBe(1);
      expect(p.events.some((e) => e.type === 'invite-failed')).toBe(true);
    }
  });
});
