/**
 * Transfers between phones in virtual time (RFC 3515 REFER, RFC 3891
 * Replaces, RFC 5589 flows): blind and attended, the transferee following
 * the REFER with audio checked by tone detection, failures that leave the
 * call up, a REFER while on hold, an INVITE that replaces a call.
 */
import { describe, expect, it } from 'vitest';
import type { Call } from '../../src/app/call.js';
import type { TransferProgress } from '../../src/app/call-types.js';
import type { TransferRequest } from '../../src/app/call-transfer.js';
import { TransferFailedError } from '../../src/app/errors.js';
import type { Phone } from '../../src/app/phone.js';
import { formatUri } from '../../src/sip/message/uri.js';
import { CaptureSink, PhoneWorld, sine } from './support/sim-phones.js';

const A = '10.0.0.1';
const B = '10.0.0.2';
const C = '10.0.0.3';

/** Three phones: Alice, Bob and Carol; each answers after 200 ms with its own tone, and captures what it hears. */
async function three(world: PhoneWorld, carolAnswers: ((c: Call) => void) | 'auto' = 'auto') {
  const alice = await world.phone(A);
  const bob = await world.phone(B);
  const carol = await world.phone(C);
  const sinks = new Map<Call, CaptureSink>();
  const freq: Record<string, number> = { [A]: 700, [B]: 1200, [C]: 1700 };
  const answerer = (host: string) => (c: Call) => {
    const sink = new CaptureSink();
    sinks.set(c, sink);
    c.ring();
    world.scheduler.after(200, () => void c.answer({ source: sine(freq[host]!), sink }).catch(() => {}));
  };
  const incoming = new Map<Phone, Call[]>();
  for (const [p, host] of [
    [alice, A],
    [bob, B],
    [carol, C],
  ] as const) {
    incoming.set(p, []);
    p.on('incoming', (c) => {
      incoming.get(p)!.push(c);
      if (p === carol && carolAnswers !== 'auto') return carolAnswers(c);
      answerer(host)(c);
    });
  }
  const dial = async (from: Phone, to: string, host: string) => {
    const sink = new CaptureSink();
    const call = from.call(`sip:x@${to}`, { source: sine(freq[host]!), sink });
    sinks.set(call, sink);
    await world.until(call.answered);
    await world.run(200);
    return call;
  };
  const close = () => world.until(Promise.all([alice.close(), bob.close(), carol.close()]));
  return { alice, bob, carol, sinks, incoming, dial, close };
}

describe('blind transfer (RFC 3515, RFC 5589 6)', () => {
  it(
    'Alice transfers Bob to Carol: Bob follows the REFER, Carol answers, Alice hangs up; Bob and Carol ' + 'talk',
    async () => {
      const world = new PhoneWorld(21);
      const t = await three(world);
      const ab = await t.dial(t.alice, B, A);
      const atBob = t.incoming.get(t.bob)![0]!;
      const requests: TransferRequest[] = [];
      let follow: Call | undefined;
      atBob.on('transfer-requested', (r) => {
        requests.push(r);
        const sink = new CaptureSink();
        follow = r.accept({ source: sine(1200), sink });
        t.sinks.set(follow, sink);
      });
      const progress: TransferProgress[] = [];
      ab.on('transfer-progress', (p) => progress.push(p));
      const done = await world.until(ab.transfer(`sip:carol@${C}`));
      expect(done.status).toBe(200);
      expect(requests.map((r) => [r.target, r.attended])).toEqual([[`sip:carol@${C}`, false]]);
      expect(progress.map((p) => p.status)).toEqual([100, 180, 200]);
      expect((await world.until(ab.ended)).reason).toBe('transferred');
      expect((await world.until(atBob.ended)).reason).toBe('transferred');
      // Bob and Carol hear each other.
      await world.run(2000);
      const atCarol = t.incoming.get(t.carol)![0]!;
      expect(atCarol.state).toBe('answered');
      expect(t.sinks.get(follow!)!.toneSeconds(1700)).toBeGreaterThan(1.5);
      expect(t.sinks.get(atCarol)!.toneSeconds(1200)).toBeGreaterThan(1.5);
      await world.until(follow!.hangup());
      await t.close();
    },
  );

  it('a busy target: the transfer fails with its status and the call stays up, audio and all', async () => {
    const world = new PhoneWorld(22);
    const t = await three(world, (c) => c.reject(486));
    const ab = await t.dial(t.alice, B, A);
    const atBob = t.incoming.get(t.bob)![0]!;
    atBob.on('transfer-requested', (r) => void r.accept({ source: sine(1200) }));
    const err = await world.until(ab.transfer(`sip:carol@${C}`).catch((e) => e));
    expect(err).toBeInstanceOf(TransferFailedError);
    expect((err as TransferFailedError).status).toBe(486);
    expect(ab.state).toBe('answered');
    expect(ab.transferring).toBe(false);
    const heard = t.sinks.get(ab)!.toneSeconds(1200);
    await world.run(1500);
    expect(t.sinks.get(ab)!.toneSeconds(1200)).toBeGreaterThan(heard + 1);
    // A second try may follow (the machine went back to answered).
    const err2 = await world.until(ab.transfer(`sip:carol@${C}`).catch((e) => e));
    expect((err2 as TransferFailedError).status).toBe(486);
    await world.until(ab.hangup());
    await t.close();
  });

  it('the transferee declines (no listener: 603) or does not answer in 30 s (603): the call stays up', async () => {
    const world = new PhoneWorld(23);
    const t = await three(world);
    const ab = await t.dial(t.alice, B, A);
    const err = await world.until(ab.transfer(`sip:carol@${C}`).catch((e) => e));
    expect((err as TransferFailedError).status).toBe(603);
    const atBob = t.incoming.get(t.bob)![0]!;
    let asked: TransferRequest | undefined;
    atBob.on('transfer-requested', (r) => (asked = r));
    const t0 = world.scheduler.now();
    const err2 = await world.until(ab.transfer(`sip:carol@${C}`).catch((e) => e));
    expect((err2 as TransferFailedError).status).toBe(603);
    expect(world.scheduler.now() - t0).toBeGreaterThanOrEqual(30_000);
    expect(asked?.answered).toBe(true);
    expect(ab.state).toBe('answered');
    await world.until(ab.hangup());
    await t.close();
  });

  it('a REFER while on hold: Alice holds Bob, then transfers him; Bob follows', async () => {
    const world = new PhoneWorld(24);
    const t = await three(world);
    const ab = await t.dial(t.alice, B, A);
    const atBob = t.incoming.get(t.bob)![0]!;
    await world.until(ab.hold());
    await world.run(100);
    atBob.on('transfer-requested', (r) => void r.accept({ source: sine(1200) }));
    expect((await world.until(ab.transfer(`sip:carol@${C}`))).status).toBe(200);
    expect((await world.until(atBob.ended)).reason).toBe('transferred');
    expect(t.incoming.get(t.carol)).toHaveLength(1);
    await t.close();
  });

  it('the transferee is held by the transferor and sends nothing meanwhile (RFC 3264 8.4)', async () => {
    const world = new PhoneWorld(25);
    const t = await three(world);
    const ab = await t.dial(t.alice, B, A);
    const atBob = t.incoming.get(t.bob)![0]!;
    await world.until(ab.hold());
    await world.run(100);
    const sent = atBob.stats()!.sent.packets;
    await world.run(1000);
    expect(atBob.stats()!.sent.packets).toBe(sent);
    await world.until(ab.hangup());
    await t.close();
  });
});

describe('attended transfer (RFC 3891, RFC 5589 7)', () => {
  it('Alice talks to Bob and to Carol, then joins them: the INVITE replaces her call with Carol', async () => {
    const world = new PhoneWorld(26);
    const t = await three(world);
    const ab = await t.dial(t.alice, B, A);
    const ac = await t.dial(t.alice, C, A);
    const atBob = t.incoming.get(t.bob)![0]!;
    const carolOld = t.incoming.get(t.carol)![0]!;
    let follow: Call | undefined;
    atBob.on('transfer-requested', (r) => {
      expect(r.attended).toBe(true);
      const sink = new CaptureSink();
      follow = r.accept({ source: sine(1200), sink });
      t.sinks.set(follow, sink);
    });
    const done = await world.until(ab.transfer(formatUri(ac.dialog!.remoteTarget), { replaces: ac }));
    expect(done.status).toBe(200);
    // Carol's phone saw the new call replace the old one, answered it, and ended the old one.
    const carolNew = t.incoming.get(t.carol)![1]!;
    expect(carolNew.replaces).toBe(carolOld);
    expect((await world.until(carolOld.ended)).reason).toBe('replaced');
    expect((await world.until(ac.ended)).reason).toBe('remote-hangup');
    expect((await world.until(ab.ended)).reason).toBe('transferred');
    await world.run(2000);
    expect(t.sinks.get(follow!)!.toneSeconds(1700)).toBeGreaterThan(1.5);
    expect(t.sinks.get(carolNew)!.toneSeconds(1200)).toBeGreaterThan(1.5);
    await t.close();
  });

  it('an INVITE whose Replaces names a dialog that is not one of our calls gets 481', async () => {
    const world = new PhoneWorld(27);
    const t = await three(world);
    const ab = await t.dial(t.alice, B, A);
    const d = ab.dialog!;
    // Carol claims to replace Alice's call with Bob — at Carol's own phone, where no such call exists.
    const call = t.alice.call(`sip:x@${C}`, {
      headers: [['Replaces', `${d.callId};to-tag=${d.localTag};from-tag=${d.remoteTag}`]],
    });
    const end = await world.until(call.ended);
    expect(end).toMatchObject({ reason: 'rejected', status: 481 });
    await world.until(ab.hangup());
    await t.close();
  });
});
