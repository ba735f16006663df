/**
 * Subscriptions (RFC 6665) both ways, REFER with its implicit subscription
 * and sipfrag NOTIFYs (RFC 3515) and Replaces (RFC 3891), between user
 * agents in virtual time.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualWorld } from '../support/sim-ua.js';
import type { UserAgent } from '../../../src/sip/api/user-agent.js';
import type { IncomingSubscription, NotifyInfo, IncomingRefer } from '../../../src/sip/api/subscription.js';
import type { Dialog } from '../../../src/sip/api/dialog.js';
import { SipRequestFailedError } from '../../../src/sip/errors.js';
import type { SipRequest } from '../../../src/sip/message/message.js';
import { parseMessage } from '../../../src/sip/message/parse.js';

const SDP = 'v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';
const MWI = 'application/simple-message-summary';

let open: UserAgent[] = [];
let world: VirtualWorld | undefined;
afterEach(async () => {
  for (const ua of open) await world!.until(ua.close()).catch(() => {});
  open = [];
});

function newWorld(): VirtualWorld {
  world = new VirtualWorld();
  return world;
}

async function pair(w: VirtualWorld) {
  const a = await w.ua('10.0.0.1', { aor: 'sip:alice@10.0.0.1' });
  const b = await w.ua('10.0.0.2', { aor: 'sip:bob@10.0.0.2' });
  open.push(a, b);
  return { a, b };
}

/** Every SIP request `host` receives, parsed (a tap on the simulated network). */
function requestsTo(w: VirtualWorld, host: string): SipRequest[] {
  const seen: SipRequest[] = [];
  w.net.observe((d, _from, to) => {
    if (to.address !== host || to.port !== 5060) return;
    const m = parseMessage(d, { datagram: true }).message;
    if (m?.type === 'request') seen.push(m);
  });
  return seen;
}

describe('subscriptions (RFC 6665)', () => {
  it('subscribes, gets the first NOTIFY at once, then each change; refreshes before expiry; unsubscribes', async () => {
    const w = newWorld();
    const { a, b } = await pair(w);
    const toB = requestsTo(w, '10.0.0.2');
    let incoming: IncomingSubscription | undefined;
    const refreshed: number[] = [];
    b.on('subscribe', (s) => {
      incoming = s;
      expect(s.event).toBe('message-summary');
      expect(s.expiresAsked).toBe(120);
      s.on('refreshed', (e) => refreshed.push(e));
      s.accept({ body: 'Messages-Waiting: no\r\n', contentType: MWI });
    });
    const sub = a.subscribe('sip:bob@10.0.0.2', { event: 'message-summary', expires: 120, accept: [MWI] });
    const notes: NotifyInfo[] = [];
    sub.on('notify', (n) => notes.push(n));
    const ok = await w.until(sub.accepted);
    expect(ok.status).toBe(200);
    expect(ok.header('expires')).toBe('120');
    await w.run(50);
    expect(notes.map((n) => [n.state.state, n.state.expires, n.contentType, n.text])).toEqual([
      ['active', 120, MWI, 'Messages-Waiting: no\r\n'],
    ]);
    expect(sub.state).toBe('active');
    // The SUBSCRIBE carried the Event, Expires, Accept and a Contact.
    const first = toB.find((r) => r.method === 'SUBSCRIBE')!;
    expect([first.header('event'), first.header('expires'), first.header('accept')]).toEqual([
      'message-summary',
      '120',
      MWI,
    ]);
    expect(first.has('contact')).toBe(true);
    await w.until(incoming!.notify('Messages-Waiting: yes\r\nVoice-Message: 1/0\r\n'));
    expect(notes[1]!.text).toBe('Messages-Waiting: yes\r\nVoice-Message: 1/0\r\n');
    // 10 % before 120 s: a refresh at 108 s, answered with a NOTIFY of the state again.
    await w.run(110_000);
    expect(refreshed).toEqual([120]);
    expect(toB.filter((r) => r.method === 'SUBSCRIBE')).toHaveLength(2);
    expect(notes.at(-1)!.text).toBe('Messages-Waiting: yes\r\nVoice-Message: 1/0\r\n');
    expect(notes.at(-1)!.state.expires).toBe(120);
    const end = await w.until(sub.unsubscribe());
    expect(end.reason).toBe('unsubscribed');
    expect(
      toB
        .filter((r) => r.method === 'SUBSCRIBE')
        .at(-1)!
        .header('expires'),
    ).toBe('0');
    expect(notes.at(-1)!.state).toMatchObject({ state: 'terminated', reason: 'timeout' });
    expect((await w.until(incoming!.terminated)).reason).toBe('timeout');
    // Both dialogs are gone (no leak): the subscription made them and was their last usage.
    expect(a.core.dialogs.size + b.core.dialogs.size).toBe(0);
  });

  it('the notifier ends an unrefreshed subscription at its expiry, and terminate() ends one at once', async () => {
    const w = newWorld();
    const { a, b } = await pair(w);
    const subs: IncomingSubscription[] = [];
    b.on('subscribe', (s) => {
      subs.push(s);
      s.accept({ expires: 30, body: 'x', contentType: 'text/plain' });
    });
    const s1 = a.subscribe('sip:bob@10.0.0.2', { event: 'presence', refresh: false });
    const ends: string[] = [];
    s1.on('terminated', (e) => ends.push(e.reason));
    await w.until(s1.accepted);
    await w.run(31_000);
    expect(ends).toEqual(['timeout']);
    expect((await subs[0]!.terminated).reason).toBe('timeout');
    const s2 = a.subscribe('sip:bob@10.0.0.2', { event: 'presence' });
    await w.until(s2.accepted);
    await w.run(10);
    await w.until(subs[1]!.terminate('deactivated'));
    expect((await w.until(s2.terminated)).reason).toBe('deactivated');
  });

  it('no listener: 489 Bad Event; an events list refuses others with Allow-Events', async () => {
    const w = newWorld();
    const { a } = await pair(w);
    const c = await w.ua('10.0.0.3', { aor: 'sip:carol@10.0.0.3', events: ['message-summary'] });
    open.push(c);
    const err = await w.until(a.subscribe('sip:bob@10.0.0.2', { event: 'presence' }).accepted.catch((e) => e));
    expect(err).toBeInstanceOf(SipRequestFailedError);
    expect((err as SipRequestFailedError).status).toBe(489);
    const err2 = await w.until(a.subscribe('sip:carol@10.0.0.3', { event: 'dialog' }).accepted.catch((e) => e));
    expect((err2 as SipRequestFailedError).status).toBe(489);
    expect((err2 as SipRequestFailedError).response?.header('allow-events')).toBe('message-summary');
    const opt = await w.until(a.request('OPTIONS', 'sip:carol@10.0.0.3'));
    expect(opt.header('allow-events')).toBe('message-summary');
    expect(opt.header('allow')).toMatch(/SUBSCRIBE, NOTIFY, REFER/);
    expect(opt.header('supported')).toBe('replaces');
  });

  it('a subscription whose NOTIFY never comes ends at Timer N (64*T1)', async () => {
    const w = newWorld();
    const { a, b } = await pair(w);
    // Bob accepts with a 200 by hand and never sends the NOTIFY (a broken notifier).
    b.on('subscribe', (s) => {
      s.defer();
      s.core.incoming!.respond(200, 0, { headers: [['Expires', '60']] });
    });
    const t0 = w.scheduler.now();
    const sub = a.subscribe('sip:bob@10.0.0.2', { event: 'presence' });
    const end = await w.until(sub.terminated);
    expect(end.reason).toBe('no-notify');
    expect(w.scheduler.now() - t0).toBe(32_000);
  });

  it('a NOTIFY for no subscription of the dialog gets 481, and the subscription goes on', async () => {
    const w = newWorld();
    const { a, b } = await pair(w);
    b.on('subscribe', (s) => s.accept({ body: 'first', contentType: 'text/plain' }));
    const sub = a.subscribe('sip:bob@10.0.0.2', { event: 'presence' });
    const seen: string[] = [];
    sub.on('notify', (n) => seen.push(n.text));
    await w.until(sub.accepted);
    await w.run(50);
    expect(seen).toEqual(['first']);
    // A NOTIFY for a package Alice never subscribed to, in that dialog: 481.
    const d = [...b.core.dialogs.values()][0]!;
    const res = await w.until(
      new Promise<number>((resolve) => {
        b.act((now) =>
          d.request(
            'NOTIFY',
            {
              headers: [
                ['Event', 'dialog'],
                ['Subscription-State', 'active'],
              ],
              usageOnly: true,
            },
            now,
            (o) => resolve(o.kind === 'response' ? o.response.status : 0),
          ),
        );
      }),
    );
    expect(res).toBe(481);
    expect(sub.state).toBe('active');
  });
});

/** Alice calls Bob; both dialogs. */
async function call(w: VirtualWorld, a: UserAgent, b: UserAgent, to = 'sip:bob@10.0.0.2') {
  let callee!: Promise<Dialog>;
  b.once('invite', (c) => {
    callee = c.accept(SDP);
  });
  const caller = await w.until(a.invite(to, { body: SDP }).answered);
  return { caller, callee: await w.until(callee) };
}

describe('REFER (RFC 3515)', () => {
  it('refers, gets 202 and the sipfrag progress; the transferee places the call it was asked to', async () => {
    const w = newWorld();
    const { a, b } = await pair(w);
    const toA = requestsTo(w, '10.0.0.1');
    const { caller, callee } = await call(w, a, b);
    let got: IncomingRefer | undefined;
    callee.on('refer', (r) => {
      got = r;
      r.accept();
    });
    const refer = caller.refer('sip:carol@10.0.0.3', { headers: [['Referred-By', '<sip:alice@10.0.0.1>']] });
    const progress: number[] = [];
    refer.on('progress', (p) => progress.push(p.status));
    expect((await w.until(refer.accepted)).status).toBe(202);
    await w.run(50);
    expect(got!.target).toBe('sip:carol@10.0.0.3');
    expect(got!.method).toBe('INVITE');
    expect(got!.replaces).toBeUndefined();
    expect(got!.referredBy).toBe('<sip:alice@10.0.0.1>');
    expect(progress).toEqual([100]);
    await w.until(got!.progress(180));
    await w.until(got!.progress(200));
    expect(await w.until(refer.outcome)).toEqual({ status: 200, reason: 'OK' });
    expect(progress).toEqual([100, 180, 200]);
    const notifies = toA.filter((r) => r.method === 'NOTIFY');
    expect(notifies.map((n) => n.header('subscription-state'))).toEqual([
      'active;expires=180',
      'active;expires=180',
      'terminated;reason=noresource',
    ]);
    // Each NOTIFY names the subscription by the REFER's CSeq (RFC 3515 2.4.6).
    const referSeq = refer.core.request!.request.cseq.seq;
    expect(notifies.map((n) => n.header('event'))).toEqual(Array(3).fill(`refer;id=${referSeq}`));
    expect(notifies[0]!.header('content-type')).toBe('message/sipfrag');
    expect(notifies[0]!.text).toBe('SIP/2.0 100 Trying\r\n');
    // The call's dialog outlives the subscription.
    await w.run(100);
    expect(caller.state).toBe('confirmed');
    expect((await w.until(caller.bye()))?.status).toBe(200);
  });

  it('a declined REFER and a failed transfer reject the outcome with the status', async () => {
    const w = newWorld();
    const { a, b } = await pair(w);
    const { caller, callee } = await call(w, a, b);
    let n = 0;
    callee.on('refer', (r) => {
      if (n++ === 0) return r.reject(603, 'Decline');
      r.accept();
      void r.progress(486, 'Busy Here');
    });
    const first = caller.refer('sip:carol@10.0.0.3');
    const err = await w.until(first.outcome.catch((e) => e));
    expect((err as SipRequestFailedError).status).toBe(603);
    expect((await w.until(first.accepted.catch((e) => e))).status).toBe(603);
    const second = caller.refer('sip:carol@10.0.0.3');
    expect(await w.until(second.outcome)).toEqual({ status: 486, reason: 'Busy Here' });
    // No listener for a REFER: 603.
    const third = callee.refer('sip:dave@10.0.0.4');
    expect((await w.until(third.accepted.catch((e) => e))).status).toBe(603);
  });

  it("a REFER right behind the ACK reaches the listener that the ACK's awaiter adds", async () => {
    const w = newWorld();
    const { a, b } = await pair(w);
    let got: IncomingRefer | undefined;
    b.once('invite', (c) => {
      void c.accept(SDP).then((d) =>
        d.on('refer', (r) => {
          got = r;
          r.accept();
        }),
      );
    });
    const caller = a.invite('sip:bob@10.0.0.2', { body: SDP });
    // The REFER leaves in the same turn as the ACK: they arrive together.
    const refer = await w.until(caller.answered.then((d) => ({ r: d.refer('sip:carol@10.0.0.3') })));
    expect((await w.until(refer.r.accepted)).status).toBe(202);
    expect(got?.target).toBe('sip:carol@10.0.0.3');
  });

  it('a REFER without Refer-To, or with two, is answered 400', async () => {
    const w = newWorld();
    const { a, b } = await pair(w);
    const { caller } = await call(w, a, b);
    const none = await w.until(
      new Promise<number>((resolve) =>
        a.act((now) =>
          caller.core.request('REFER', {}, now, (o) => resolve(o.kind === 'response' ? o.response.status : 0)),
        ),
      ),
    );
    expect(none).toBe(400);
    const two = await w.until(
      new Promise<number>((resolve) =>
        a.act((now) =>
          caller.core.request(
            'REFER',
            {
              headers: [
                ['Refer-To', '<sip:x@10.0.0.3>'],
                ['Refer-To', '<sip:y@10.0.0.3>'],
              ],
            },
            now,
            (o) => resolve(o.kind === 'response' ? o.response.status : 0),
          ),
        ),
      ),
    );
    expect(two).toBe(400);
    expect(caller.state).toBe('confirmed');
  });

  it('a BYE ends the call and the transfer subscription with it', async () => {
    const w = newWorld();
    const { a, b } = await pair(w);
    const { caller, callee } = await call(w, a, b);
    let got: IncomingRefer | undefined;
    callee.on('refer', (r) => {
      got = r;
      r.accept();
    });
    const refer = caller.refer('sip:carol@10.0.0.3');
    await w.until(refer.accepted);
    await w.until(callee.bye());
    expect((await w.until(refer.terminated)).reason).toBe('dialog-ended');
    expect((await w.until(got!.terminated)).reason).toBe('dialog-ended');
    expect((await w.until(refer.outcome.catch((e) => e))).message).toMatch(/no final status .*dialog-ended/);
  });
});

describe('Replaces (RFC 3891)', () => {
  it(
    'an attended transfer: ' + 'the Refer-To carries the Replaces of the consultation call, and its INVITE finds it',
    async () => {
      const w = newWorld();
      const { a, b } = await pair(w);
      const c = await w.ua('10.0.0.3', { aor: 'sip:carol@10.0.0.3' });
      open.push(c);
      // Alice talks to Bob and to Carol; she transfers Bob to Carol, replacing her call with Carol.
      const ab = await call(w, a, b);
      const ac = await call(w, a, c, 'sip:carol@10.0.0.3');
      let asked: IncomingRefer | undefined;
      ab.callee.on('refer', (r) => {
        asked = r;
        r.accept();
      });
      const refer = ab.caller.refer(ac.caller.remoteTarget, { replaces: ac.caller });
      await w.until(refer.accepted);
      await w.run(20);
      const rep = asked!.replaces!;
      expect(rep).toEqual({
        callId: ac.caller.callId,
        toTag: ac.caller.remoteTag,
        fromTag: ac.caller.localTag,
        earlyOnly: false,
      });
      expect(asked!.target).toBe('sip:carol@10.0.0.3:5060');
      // Bob's INVITE with that Replaces: Carol's agent names the dialog it replaces.
      let replaced: Dialog | undefined;
      c.once('invite', (inv) => {
        replaced = inv.replaces;
        void inv.accept(SDP);
      });
      const header = `${rep.callId};to-tag=${rep.toTag};from-tag=${rep.fromTag}`;
      await w.until(b.invite(asked!.target, { body: SDP, headers: [['Replaces', header]] }).answered);
      expect(replaced).toBe(ac.callee);
    },
  );

  it('Replaces naming no dialog gets 481, early-only on a confirmed dialog 486, two Replaces 400', async () => {
    const w = newWorld();
    const { a, b } = await pair(w);
    const { callee } = await call(w, a, b);
    b.on('invite', (inv) => void inv.accept(SDP));
    const statusWith = async (value: string | string[]) => {
      const headers = (Array.isArray(value) ? value : [value]).map((v) => ['Replaces', v] as [string, string]);
      const err = await w.until(a.invite('sip:bob@10.0.0.2', { body: SDP, headers }).answered.catch((e) => e));
      return err instanceof SipRequestFailedError ? err.status : 200;
    };
    const ours = `${callee.callId};to-tag=${callee.localTag};from-tag=${callee.remoteTag}`;
    expect(await statusWith('nothing@here;to-tag=1;from-tag=2')).toBe(481);
    // The tags the wrong way round name no dialog.
    expect(await statusWith(`${callee.callId};to-tag=${callee.remoteTag};from-tag=${callee.localTag}`)).toBe(481);
    expect(await statusWith(`${ours};early-only`)).toBe(486);
    expect(await statusWith([ours, ours])).toBe(400);
    expect(await statusWith(`${callee.callId};to-tag=${callee.localTag}`)).toBe(400);
    // And the right one is accepted.
    expect(await statusWith(ours)).toBe(200);
  });
});
