import { describe, expect, it } from 'vitest';
import { Sim } from '../support/sim-core.js';
import { DigestServer } from '../../../src/sip/auth/digest-server.js';
import { buildResponse } from '../../../src/sip/message/build.js';
import { parseMessage } from '../../../src/sip/message/parse.js';
import { serializeMessage } from '../../../src/sip/message/serialize.js';
import { getParam } from '../../../src/sip/message/params.js';
import { parseSipUri } from '../../../src/sip/message/uri.js';
import type { SipRequest } from '../../../src/sip/message/message.js';
import type { RegistrationState } from '../../../src/sip/core/registration.js';
import { refreshDelay } from '../../../src/sip/core/registration.js';

/** A registrar for tests: digest (optional), a maximum and a minimum expiry, and a switch to go silent. */
function registrar(
  sim: Sim,
  opts: { maxExpires?: number; minExpires?: number; password?: string; silent?: () => boolean } = {},
) {
  const seen: { at: number; req: SipRequest }[] = [];
  const digest = opts.password ? new DigestServer({ realm: 'reg', lookup: () => opts.password }) : undefined;
  const sock = sim.net.bind('10.0.0.5', 5060, (data, from) => {
    const req = parseMessage(data, { datagram: true }).message as SipRequest;
    seen.push({ at: sim.scheduler.now(), req });
    if (opts.silent?.()) return;
    const now = sim.scheduler.now();
    const reply = (status: number, headers: [string, string][] = []) =>
      sock.send(serializeMessage(buildResponse(req, status, { toTag: 'r1', headers })), from);
    if (digest) {
      const v = digest.verify(req, now);
      if (!v.ok)
        return reply(
          401,
          digest.challenge(now, v.stale).map((c) => ['WWW-Authenticate', c]),
        );
    }
    const contact = req.contacts === '*' ? undefined : req.contacts[0]!;
    const asked = Number(getParam(contact!.params, 'expires') ?? req.header('expires') ?? 3600);
    if (asked > 0 && opts.minExpires && asked < opts.minExpires)
      return reply(423, [['Min-Expires', String(opts.minExpires)]]);
    const granted = Math.min(asked, opts.maxExpires ?? 3600);
    if (granted === 0) return reply(200);
    reply(200, [
      ['Contact', `${req.header('contact')!.replace(/;expires=\d+/, '')};expires=${granted}`],
      ['Contact', '<sip:other@10.9.9.9>;expires=99'],
    ]);
  });
  return seen;
}

const states = (ua: { events: { type: string }[] }) =>
  ua.events.filter((e) => e.type === 'registration').map((e) => (e as unknown as { state: RegistrationState }).state);

describe('registration in virtual time (RFC 3261 10.2)', () => {
  it(
    'registers through a 401, reports the granted expiry and bindings, refreshes before expiry with the same ' +
      'Call-ID',
    () => {
      const sim = new Sim();
      const seen = registrar(sim, { maxExpires: 60, password: 'pw' });
      const ua = sim.ua('10.0.0.1', 5060, { credentials: [{ username: 'alice', password: 'pw' }] });
      ua.act((now) =>
        ua.core.register(
          { registrar: parseSipUri('sip:10.0.0.5'), aor: parseSipUri('sip:alice@10.0.0.5'), expires: 3600 },
          now,
        ),
      );
      sim.run(1000);
      const s = states(ua);
      expect(s.map((x) => x.kind)).toEqual(['registering', 'registered']);
      const reg = s[1] as Extract<RegistrationState, { kind: 'registered' }>;
      expect(reg.expires).toBe(60);
      expect(reg.bindings).toHaveLength(2);
      expect(seen.map((x) => x.req.has('authorization'))).toEqual([false, true]);
      sim.run(60_000);
      // Refresh at 54 s (10 % before): again 401 then 200.
      expect(seen.map((x) => x.at)).toEqual([0, 0, 54_000, 54_000]);
      expect(new Set(seen.map((x) => x.req.callId)).size).toBe(1);
      const seqs = seen.map((x) => x.req.cseq.seq);
      expect(seqs).toEqual([seqs[0], seqs[0]! + 1, seqs[0]! + 2, seqs[0]! + 3]);
      expect(states(ua).map((x) => x.kind)).toEqual(['registering', 'registered', 'registered']);
      expect((states(ua)[2] as { refresh: boolean }).refresh).toBe(true);
    },
  );

  it('follows 423 Interval Too Brief with the Min-Expires value', () => {
    const sim = new Sim();
    const seen = registrar(sim, { minExpires: 120 });
    const ua = sim.ua('10.0.0.1');
    ua.act((now) =>
      ua.core.register(
        { registrar: parseSipUri('sip:10.0.0.5'), aor: parseSipUri('sip:alice@10.0.0.5'), expires: 30 },
        now,
      ),
    );
    sim.run(1000);
    expect(seen.map((x) => x.req.header('expires'))).toEqual(['30', '120']);
    const last = states(ua).at(-1)!;
    expect(last).toMatchObject({ kind: 'registered', expires: 120 });
  });

  it('unregisters with expires=0 and leaves no timer behind', () => {
    const sim = new Sim();
    const seen = registrar(sim, {});
    const ua = sim.ua('10.0.0.1');
    const reg = ua.act((now) =>
      ua.core.register(
        { registrar: parseSipUri('sip:10.0.0.5'), aor: parseSipUri('sip:alice@10.0.0.5'), expires: 600 },
        now,
      ),
    );
    sim.run(1000);
    ua.act((now) => reg.unregister(now));
    sim.idle();
    expect(seen.at(-1)!.req.header('contact')).toMatch(/;expires=0$/);
    expect(states(ua).map((x) => x.kind)).toEqual(['registering', 'registered', 'unregistered']);
    expect(ua.core.pendingTimers).toBe(0);
  });

  it('a wrong password fails once (no loop), as auth-failed/rejected', () => {
    const sim = new Sim();
    const seen = registrar(sim, { password: 'right' });
    const ua = sim.ua('10.0.0.1', 5060, { credentials: [{ username: 'alice', password: 'wrong' }] });
    ua.act((now) =>
      ua.core.register({ registrar: parseSipUri('sip:10.0.0.5'), aor: parseSipUri('sip:alice@10.0.0.5') }, now),
    );
    sim.idle();
    expect(seen).toHaveLength(2);
    expect(states(ua).at(-1)).toMatchObject({ kind: 'failed', outcome: { kind: 'auth-failed', reason: 'rejected' } });
    expect(ua.core.pendingTimers).toBe(0);
  });

  it('a refresh that times out is reported and retried 30 s later', () => {
    const sim = new Sim();
    let silent = false;
    const seen = registrar(sim, { maxExpires: 100, silent: () => silent });
    const ua = sim.ua('10.0.0.1');
    ua.act((now) =>
      ua.core.register({ registrar: parseSipUri('sip:10.0.0.5'), aor: parseSipUri('sip:alice@10.0.0.5') }, now),
    );
    sim.run(1000);
    silent = true;
    sim.run(90_000 + 32_000); // refresh at 90 s, Timer F at 122 s
    expect(states(ua).at(-1)).toMatchObject({ kind: 'failed', refresh: true, outcome: { kind: 'timeout' } });
    silent = false;
    sim.run(31_000);
    expect(states(ua).at(-1)).toMatchObject({ kind: 'registered', refresh: true });
    expect(seen.length).toBeGreaterThan(3);
  });

  it('refreshes 10 % early, at least 5 s, never before half-way', () => {
    expect(refreshDelay(3600)).toBe(3240_000);
    expect(refreshDelay(60)).toBe(54_000);
    expect(refreshDelay(20)).toBe(15_000);
    expect(refreshDelay(6)).toBe(3_000);
  });
});
