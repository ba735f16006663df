/**
 * A phone removes its binding on every way out (`close()`, and `hurry()`
 * for a second Ctrl-C), in virtual time against a registrar on a simulated
 * network: while a refresh is under way or after one failed (the registrar
 * may hold the binding: before, only a registration in state `registered`
 * was removed), answering a fresh challenge (stale=true) on the
 * un-REGISTER, and within the hurry's bound when hurried.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { HURRY_UNREGISTER_MS, Phone } from '../../src/app/phone.js';
import { DigestServer } from '../../src/sip/auth/digest-server.js';
import { buildResponse } from '../../src/sip/message/build.js';
import type { SipRequest } from '../../src/sip/message/message.js';
import { parseMessage } from '../../src/sip/message/parse.js';
import { serializeMessage } from '../../src/sip/message/serialize.js';
import type { SimSocket } from '../../src/sim/network.js';
import { VirtualWorld } from '../sip/support/sim-ua.js';

interface Seen {
  readonly expires: string;
  readonly auth: boolean;
  readonly at: number;
}

/**
 * A digest registrar at 192.0.2.10:5060. `hold(n)` leaves the n-th REGISTER
 * unanswered; `staleOnUnregister` answers the first authenticated
 * un-REGISTER with a fresh nonce and stale=true (as after a nonce expired).
 */
function registrar(w: VirtualWorld, opts: { hold?: (n: number) => boolean; staleOnUnregister?: boolean } = {}) {
  const digest = new DigestServer({ realm: 'example.com', lookup: (u) => (u === 'alice' ? 'secret' : undefined) });
  const seen: Seen[] = [];
  let staleSent = false;
  const bindings = new Set<string>();
  let sock!: SimSocket;
  sock = w.net.bind('192.0.2.10', 5060, (data, from) => {
    const req = parseMessage(data, { datagram: true }).message as SipRequest | undefined;
    if (req?.type !== 'request' || req.method !== 'REGISTER') return;
    const now = w.scheduler.now();
    const contact = req.header('contact') ?? '';
    const expires = /expires=(\d+)/.exec(contact)?.[1] ?? req.header('expires') ?? '';
    const auth = req.header('authorization') !== undefined;
    seen.push({ expires, auth, at: now });
    if (opts.hold?.(seen.length)) return;
    const reply = (status: number, headers: [string, string][] = []) =>
      sock.send(serializeMessage(buildResponse(req, status, { toTag: 'r', headers })), from);
    const v = digest.verify(req, now);
    if (!v.ok)
      return reply(
        401,
        digest.challenge(now).map((c) => ['WWW-Authenticate', c]),
      );
    if (expires === '0' && opts.staleOnUnregister && !staleSent) {
      staleSent = true;
      return reply(
        401,
        digest.challenge(now, true).map((c) => ['WWW-Authenticate', c]),
      );
    }
    const uri = /<([^>]+)>/.exec(contact)?.[1] ?? '';
    if (expires === '0') bindings.delete(uri);
    else bindings.add(uri);
    reply(200, expires === '0' ? [] : [['Contact', `<${uri}>;expires=${expires}`]]);
  });
  return { seen, bindings };
}

async function phoneIn(w: VirtualWorld): Promise<Phone> {
  const ua = await w.ua('192.0.2.20', {
    aor: 'sip:alice@example.com',
    credentials: { username: 'alice', password: 'secret' },
  });
  return Phone.create({
    ua,
    platform: {
      clock: w.scheduler.clock,
      timers: w.scheduler,
      get scheduler(): never {
        throw new Error('no media in these tests');
      },
      wallClockOffsetMs: () => 0,
      openRtp: () => Promise.reject(new Error('no media in these tests')),
    },
  });
}

const closing: Promise<void>[] = [];
afterEach(async () => {
  await Promise.all(closing.splice(0));
});

describe('a phone removes its registration on the way out', () => {
  it('registered, then closed: the un-REGISTER (expires=0) goes out and is answered', async () => {
    const w = new VirtualWorld(3);
    const reg = registrar(w);
    const phone = await phoneIn(w);
    await w.until(phone.register({ registrar: 'sip:192.0.2.10:5060', expires: 60 }));
    expect(reg.bindings.size).toBe(1);
    await w.until(phone.close());
    expect(reg.seen.at(-1)).toMatchObject({ expires: '0', auth: true });
    expect(reg.bindings.size).toBe(0);
  });

  it('closed while a refresh is unanswered: the binding is removed all the same', async () => {
    const w = new VirtualWorld(4);
    // REGISTER, REGISTER with credentials, then the refresh (and its retransmissions) go unanswered.
    let refreshing = false;
    const reg = registrar(w, { hold: () => refreshing });
    const phone = await phoneIn(w);
    await w.until(phone.register({ registrar: 'sip:192.0.2.10:5060', expires: 60 }));
    refreshing = true;
    // The refresh goes at 90 % of 60 s: let it leave, unanswered.
    await w.run(55_000);
    const before = reg.seen.length;
    expect(before).toBeGreaterThan(2);
    expect(reg.seen.slice(2).every((s) => s.expires === '60')).toBe(true);
    refreshing = false;
    await w.until(phone.close());
    expect(reg.seen.slice(before).map((s) => s.expires)).toEqual(['0', '0']);
    expect(reg.bindings.size).toBe(0);
  });

  it('a fresh challenge on the un-REGISTER (stale=true) is answered: the binding is gone', async () => {
    const w = new VirtualWorld(5);
    const reg = registrar(w, { staleOnUnregister: true });
    const phone = await phoneIn(w);
    await w.until(phone.register({ registrar: 'sip:192.0.2.10:5060', expires: 60 }));
    await w.until(phone.close());
    // un-REGISTER → 401, with credentials → 401 stale=true, with the new nonce → 200.
    expect(reg.seen.slice(2).map((s) => `${s.expires}${s.auth ? '+auth' : ''}`)).toEqual(['0', '0+auth', '0+auth']);
    expect(reg.bindings.size).toBe(0);
  });

  it('hurried (a second Ctrl-C) while the un-REGISTER is challenged: it still completes', async () => {
    const w = new VirtualWorld(6);
    const reg = registrar(w, { staleOnUnregister: true });
    const phone = await phoneIn(w);
    await w.until(phone.register({ registrar: 'sip:192.0.2.10:5060', expires: 60 }));
    const closed = phone.close();
    phone.hurry();
    await w.until(closed);
    expect(reg.bindings.size).toBe(0);
  });

  it('hurried with a registrar that does not answer: closed within the hurry bound, not Timer F', async () => {
    const w = new VirtualWorld(7);
    const reg = registrar(w, { hold: (n) => n > 2 });
    const phone = await phoneIn(w);
    await w.until(phone.register({ registrar: 'sip:192.0.2.10:5060', expires: 60 }));
    const t0 = w.scheduler.now();
    const closed = phone.close();
    phone.hurry();
    await w.until(closed);
    expect(w.scheduler.now() - t0).toBeLessThanOrEqual(HURRY_UNREGISTER_MS + 2000);
    expect(reg.seen.at(-1)?.expires).toBe('0');
  });
});
