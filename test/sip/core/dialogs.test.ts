import { describe, expect, it } from 'vitest';
import { Sim, type SimUa } from '../support/sim-core.js';
import { Probe, rawRequest, PEER } from '../support/probe.js';
import type { CoreEvent } from '../../../src/sip/core/events.js';
import { parseSipUri } from '../../../src/sip/message/uri.js';
import { SipStateError } from '../../../src/sip/errors.js';
import { DigestServer } from '../../../src/sip/auth/digest-server.js';
import type { SipRequest } from '../../../src/sip/message/message.js';

type Ev<T extends CoreEvent['type']> = Extract<CoreEvent, { type: T }>;
function find<T extends CoreEvent['type']>(ua: { events: CoreEvent[] }, type: T): Ev<T> {
  const e = ua.events.find((x) => x.type === type);
  if (!e) throw new Error(`no ${type} event in ${ua.events.map((x) => x.type).join(',')}`);
  return e as Ev<T>;
}

function answering(ua: SimUa) {
  ua.onEvent = (e) => {
    const now = ua.sim.scheduler.now();
    if (e.type === 'invite') e.invite.accept(now);
    if (e.type === 'dialog-reinvite') e.invite.accept(now);
  };
}

function call(sim: Sim, a: SimUa, b: SimUa) {
  answering(b);
  a.act((now) => a.core.invite(b.uri('bob'), {}, now));
  sim.run(500);
  return { da: find(a, 'invite-answered').dialog, db: find(b, 'invite').invite.dialog! };
}

describe('dialogs (RFC 3261 12-15)', () => {
  it('in-dialog requests carry the dialog id, rising CSeq, and reach the peer as dialog-request', () => {
    const sim = new Sim();
    const a = sim.ua('10.0.0.1');
    const b = sim.ua('10.0.0.2');
    const { da, db } = call(sim, a, b);
    expect(da.id).toBe(`${db.callId}|${db.remoteTag}|${db.localTag}`);
    const seq0 = da.localSeq;
    a.act((now) =>
      da.request(
        'INFO',
        { body: Buffer.from('Signal=5\r\nDuration=160\r\n'), contentType: 'application/dtmf-relay' },
        now,
      ),
    );
    sim.run(100);
    const ev = find(b, 'dialog-request');
    expect(ev.request.method).toBe('INFO');
    expect(ev.request.request.cseq.seq).toBe(seq0 + 1);
    b.act((now) => ev.request.respond(200, now));
    sim.run(100);
    expect(find(a, 'request-done').outcome).toMatchObject({ kind: 'response' });
  });

  it('a request with a CSeq lower than the last one is answered 500 (12.2.2)', () => {
    const p = new Probe();
    p.send(rawRequest('INVITE', { callId: 'd1', fromTag: 'f1' }));
    const inv = find(p, 'invite').invite;
    inv.accept(p.now);
    p.drain();
    const tag = inv.toTag;
    p.send(rawRequest('ACK', { callId: 'd1', fromTag: 'f1', toTag: tag, cseq: '1 ACK' }));
    expect(
      p
        .send(rawRequest('MESSAGE', { callId: 'd1', fromTag: 'f1', toTag: tag, cseq: '5 MESSAGE' }))
        .map((r) => r.status),
    ).toEqual([]);
    const r = p.send(rawRequest('INFO', { callId: 'd1', fromTag: 'f1', toTag: tag, cseq: '3 INFO' }));
    expect(r.map((x) => x.status)).toEqual([500]);
  });

  it('re-INVITE refreshes the remote target and is ACKed; a BYE ends both sides', () => {
    const sim = new Sim();
    const a = sim.ua('10.0.0.1');
    const b = sim.ua('10.0.0.2');
    const { da, db } = call(sim, a, b);
    a.act((now) => a.core.reinvite(da, { body: Buffer.from('v=0\r\n'), contentType: 'application/sdp' }, now));
    sim.run(500);
    const answered = a.events.filter((e) => e.type === 'invite-answered');
    expect(answered).toHaveLength(2);
    expect(b.events.filter((e) => e.type === 'dialog-acked')).toHaveLength(2);
    b.act((now) => db.bye(now));
    sim.idle();
    expect(find(a, 'dialog-terminated').reason).toBe('remote-bye');
    expect(a.core.pendingTimers + b.core.pendingTimers).toBe(0);
  });

  it('a second re-INVITE while one is in progress is refused locally (14.1)', () => {
    const sim = new Sim();
    sim.net.setProfile({ delayMs: 100 });
    const a = sim.ua('10.0.0.1');
    const b = sim.ua('10.0.0.2');
    const { da } = call(sim, a, b);
    a.act((now) => a.core.reinvite(da, {}, now));
    expect(() => a.act((now) => a.core.reinvite(da, {}, now))).toThrow(SipStateError);
  });

  it('glare: both re-INVITE at once, both get 491, and the retry timers of 14.1 sort it out', () => {
    const sim = new Sim(3);
    sim.net.setProfile({ delayMs: 50 });
    const a = sim.ua('10.0.0.1');
    const b = sim.ua('10.0.0.2');
    const { da, db } = call(sim, a, b);
    answering(a);
    a.act((now) => a.core.reinvite(da, {}, now));
    b.act((now) => b.core.reinvite(db, {}, now));
    sim.run(200);
    const r491 = (ua: SimUa) => ua.sent.filter((m) => m.type === 'response' && m.status === 491).length;
    expect(r491(a)).toBe(1);
    expect(r491(b)).toBe(1);
    const t0 = sim.scheduler.now();
    sim.run(10_000);
    // A owns the Call-ID (it sent the INVITE): it waits 2.1-4 s; B waits 0-2 s and goes first.
    const reinvites = (ua: SimUa) => ua.sent.filter((m) => m.type === 'request' && m.method === 'INVITE');
    expect(reinvites(b)).toHaveLength(2);
    expect(a.events.filter((e) => e.type === 'invite-answered')).toHaveLength(2);
    expect(b.events.filter((e) => e.type === 'invite-answered')).toHaveLength(1); // B's retried re-INVITE
    expect(sim.scheduler.now() - t0).toBe(10_000);
  });

  it('forked 2xx: the extra dialog is ACKed and then sent a BYE (13.2.2.4)', () => {
    const sim = new Sim();
    const a = sim.ua('10.0.0.1');
    // Two "forks" answer the same INVITE: a relay socket copies it to two user agents.
    const b1 = sim.ua('10.0.0.2', 5061);
    const b2 = sim.ua('10.0.0.3', 5062);
    answering(b1);
    answering(b2);
    const proxy = sim.net.bind('10.0.0.9', 5060, (data) => {
      if (Buffer.from(data).toString('latin1').startsWith('SIP/2.0'))
        return proxy.send(data, { address: '10.0.0.1', port: 5060 });
      proxy.send(data, { address: '10.0.0.2', port: 5061 });
      proxy.send(data, { address: '10.0.0.3', port: 5062 });
    });
    a.act((now) => a.core.invite(parseSipUri('sip:bob@10.0.0.9:5060'), {}, now));
    sim.run(2000);
    const answered = a.events.filter((e) => e.type === 'invite-answered');
    expect(answered).toHaveLength(1);
    const acks = a.sent.filter((m) => m.type === 'request' && m.method === 'ACK');
    const byes = a.sent.filter((m) => m.type === 'request' && m.method === 'BYE');
    expect(acks.length).toBeGreaterThanOrEqual(2);
    expect(byes).toHaveLength(1);
    const kept = (answered[0] as Ev<'invite-answered'>).dialog;
    expect((byes[0] as SipRequest).toTag).not.toBe(kept.remoteTag);
    expect(new Set(acks.map((m) => (m as SipRequest).toTag)).size).toBe(2);
  });

  it('a BYE from the callee before the ACK waits for the ACK (RFC 3261 15)', () => {
    const sim = new Sim();
    sim.net.setProfile({ delayMs: 40 });
    const a = sim.ua('10.0.0.1');
    const b = sim.ua('10.0.0.2');
    b.onEvent = (e, ua) => {
      if (e.type === 'invite') {
        const d = e.invite.accept(ua.sim.scheduler.now());
        d.bye(ua.sim.scheduler.now());
      }
    };
    a.act((now) => a.core.invite(b.uri('bob'), {}, now));
    sim.idle();
    const order = b.sent.map((m) => (m.type === 'request' ? m.method : String(m.status)));
    expect(order.slice(0, 2)).toEqual(['200', 'BYE']);
    expect(b.events.map((e) => e.type).filter((t) => t !== 'request-done')).toEqual([
      'invite',
      'dialog-acked',
      'dialog-terminated',
    ]);
    expect(find(a, 'dialog-terminated').reason).toBe('remote-bye');
  });

  it('the callee may not BYE an early dialog', () => {
    const p = new Probe();
    p.send(rawRequest('INVITE'));
    const inv = find(p, 'invite').invite;
    inv.progress(180, 0);
    expect(() => inv.dialog!.bye(0)).toThrow(SipStateError);
  });

  it('follows Record-Route: loose routes become Route, the remote target the Request-URI', () => {
    const p = new Probe();
    p.send(
      rawRequest('INVITE', { callId: 'rr', extra: 'Record-Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>' }),
    );
    const inv = find(p, 'invite').invite;
    const d = inv.accept(0);
    p.drain();
    p.transmits.length = 0;
    p.send(rawRequest('ACK', { callId: 'rr', toTag: inv.toTag, cseq: '1 ACK' }));
    d.request('INFO', {}, 0);
    p.drain();
    const info = p.transmits.find((t) => t.message?.type === 'request')!.message as SipRequest;
    expect(info.rawUri).toBe('sip:alice@192.0.2.1');
    expect(info.headerValues('route')).toEqual(['<sip:p1.example.com;lr>', '<sip:p2.example.com;lr>']);
    // The first route is the next hop.
    expect(p.transmits.at(-1)!.destination.host).toBe('p1.example.com');
  });

  it('strict routing: the first route goes in the Request-URI and the remote target last in Route', () => {
    const p = new Probe();
    p.send(rawRequest('INVITE', { callId: 'sr', extra: 'Record-Route: <sip:strict.example.com>' }));
    const inv = find(p, 'invite').invite;
    const d = inv.accept(0);
    p.send(rawRequest('ACK', { callId: 'sr', toTag: inv.toTag, cseq: '1 ACK' }));
    p.transmits.length = 0;
    d.request('INFO', {}, 0);
    p.drain();
    const info = p.transmits.find((t) => t.message?.type === 'request')!.message as SipRequest;
    expect(info.rawUri).toBe('sip:strict.example.com');
    expect(info.headerValues('route')).toEqual(['<sip:alice@192.0.2.1>']);
  });

  it('INVITE answered with 407 then 200 (digest on INVITE); the ACK carries the credentials', () => {
    const sim = new Sim();
    const a = sim.ua('10.0.0.1', 5060, { credentials: [{ username: 'alice', password: 'pw' }] });
    const b = sim.ua('10.0.0.2');
    const server = new DigestServer({ realm: 'b', lookup: (u) => (u === 'alice' ? 'pw' : undefined), proxy: true });
    b.onEvent = (e, ua) => {
      const now = ua.sim.scheduler.now();
      if (e.type !== 'invite') return;
      const v = server.verify(e.invite.request, now);
      if (!v.ok)
        e.invite.reject(407, now, { headers: server.challenge(now).map((c) => ['Proxy-Authenticate', c] as const) });
      else e.invite.accept(now);
    };
    a.act((now) => a.core.invite(b.uri('bob'), {}, now));
    sim.run(1000);
    expect(a.types()).toContain('invite-answered');
    const methods = a.sent
      .filter((m) => m.type === 'request')
      .map((m) => `${(m as SipRequest).method} ${(m as SipRequest).cseq.seq}`);
    const first = Number(methods[0]!.split(' ')[1]);
    expect(methods).toEqual([`INVITE ${first}`, `ACK ${first}`, `INVITE ${first + 1}`, `ACK ${first + 1}`]);
    const lastAck = a.sent.filter((m) => m.type === 'request').at(-1) as SipRequest;
    expect(lastAck.has('proxy-authorization')).toBe(true);
  });

  it('wrong credentials on INVITE end with auth-failed, not a loop', () => {
    const sim = new Sim();
    const a = sim.ua('10.0.0.1', 5060, { credentials: [{ username: 'alice', password: 'bad' }] });
    const b = sim.ua('10.0.0.2');
    const server = new DigestServer({ realm: 'b', lookup: () => 'pw' });
    b.onEvent = (e, ua) => {
      const now = ua.sim.scheduler.now();
      if (e.type === 'invite' && !server.verify(e.invite.request, now).ok) {
        e.invite.reject(401, now, { headers: server.challenge(now).map((c) => ['WWW-Authenticate', c] as const) });
      }
    };
    a.act((now) => a.core.invite(b.uri('bob'), {}, now));
    sim.idle();
    const f = find(a, 'invite-failed');
    expect(f.outcome).toMatchObject({ kind: 'auth-failed', reason: 'rejected' });
    expect(a.sent.filter((m) => m.type === 'request' && m.method === 'INVITE')).toHaveLength(2);
  });

  it('MESSAGE out of dialog reaches the peer as a request event (RFC 3428)', () => {
    const sim = new Sim();
    const a = sim.ua('10.0.0.1');
    const b = sim.ua('10.0.0.2');
    b.onEvent = (e, ua) => {
      if (e.type === 'request') e.request.respond(202, ua.sim.scheduler.now());
    };
    a.act((now) =>
      a.core.request('MESSAGE', b.uri('bob'), { body: Buffer.from('hello'), contentType: 'text/plain' }, now),
    );
    sim.idle();
    const got = find(b, 'request').request.request;
    expect(got.text).toBe('hello');
    expect(find(a, 'request-done').outcome).toMatchObject({ kind: 'response' });
  });

  it('a 2xx retransmitted after the INVITE transaction ended is ACKed again from the dialog', () => {
    const p = new Probe();
    const ci = p.core.invite(parseSipUri(`sip:bob@${PEER.address}`), {}, 0);
    p.drain();
    const inv = ci.request;
    const ok = [
      'SIP/2.0 200 OK',
      `Via: ${inv.header('via')}`,
      `From: ${inv.header('from')}`,
      `To: ${inv.header('to')};tag=b7`,
      `Call-ID: ${inv.callId}`,
      `CSeq: ${inv.cseq.seq} INVITE`,
      'Contact: <sip:bob@192.0.2.1>',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    p.send(ok, { raw: true });
    const acks = () =>
      p.transmits.filter((t) => t.message?.type === 'request' && (t.message as SipRequest).method === 'ACK').length;
    expect(acks()).toBe(1);
    p.advance(33_000); // Timer M (32 s) ends the transaction; the ACK is kept 64*T1 + T4
    expect(p.core.transactions.size).toBe(0);
    p.send(ok, { raw: true });
    expect(acks()).toBe(2);
    p.advance(10_000); // then it is forgotten (no 2xx can still come)
    expect(p.core.pendingTimers).toBe(0);
  });
});

describe('a BYE that overtakes the ACK', () => {
  it('ends the dialog, stops the 2xx retransmissions and settles the answer', () => {
    const p = new Probe();
    p.send(rawRequest('INVITE', { callId: 'bo' }));
    const inv = find(p, 'invite').invite;
    inv.accept(0);
    p.drain();
    p.events.length = 0;
    p.send(rawRequest('BYE', { callId: 'bo', toTag: inv.toTag, cseq: '2 BYE' }));
    expect(p.events.map((e) => e.type)).toEqual(['dialog-acked', 'dialog-terminated']);
    expect(inv.state).toBe('confirmed');
    p.advance(60_000);
    const oks = p.transmits.filter(
      (t) => t.message?.type === 'response' && t.message.status === 200 && t.message.cseq.method === 'INVITE',
    );
    expect(oks).toHaveLength(1);
    expect(p.core.pendingTimers).toBe(0);
  });
});
