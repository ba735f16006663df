/**
 * The phone's core in virtual time, against plain phones on a simulated
 * network: every command and event — registration and its failure, dialling
 * and answering, call waiting, hold both ways (glare included), mute, DTMF,
 * transfers both ways and their failures, a REFER while on hold, the
 * conference (who hears whom, by tone detection), MESSAGE both ways, bad
 * commands.
 */
import { describe, expect, it } from 'vitest';
import type { Call } from '../../src/app/call.js';
import type { PhoneCoreEvents } from '../../src/app/phone-core/events.js';
import { PhoneCommandError, PhoneCore } from '../../src/app/phone-core/phone-core.js';
import type { UserAgent } from '../../src/sip/api/user-agent.js';
import { CaptureSink, PhoneWorld, sine } from './support/sim-phones.js';

const P = '10.0.0.10'; // the phone under test
const A = '10.0.0.1';
const B = '10.0.0.2';
const R = '10.0.0.9'; // a registrar

type Ev = { [K in keyof PhoneCoreEvents]: { event: K } & PhoneCoreEvents[K][0] }[keyof PhoneCoreEvents];

/** The core under test on P (microphone: a 700 Hz tone; speaker: captured), and its events. */
async function setup(world: PhoneWorld, o: Partial<Parameters<typeof PhoneCore.create>[0]> = {}, aor = `sip:me@${P}`) {
  const phone = await world.phone(P, { aor });
  const speaker = new CaptureSink();
  const core = await PhoneCore.create({ phone, input: sine(700), output: speaker, ...o });
  const events: Ev[] = [];
  const names = [
    'registered',
    'registration-failed',
    'unregistered',
    'calling',
    'incoming',
    'ringing',
    'answered',
    'held',
    'resumed',
    'dtmf',
    'transfer-requested',
    'transferred',
    'message',
    'conference',
    'ended',
    'error',
  ] as const;
  for (const n of names) core.on(n, (e: object) => events.push({ event: n, ...e } as Ev));
  const next = async (name: Ev['event'], pred: (e: Ev) => boolean = () => true, from = 0): Promise<Ev> => {
    let found: Ev | undefined;
    await world.until(
      new Promise<void>((resolve) => {
        const check = () => {
          found = events.slice(from).find((e) => e.event === name && pred(e));
          if (found) resolve();
          else world.scheduler.after(10, check);
        };
        check();
      }),
      120_000,
    );
    return found!;
  };
  return { phone, core, speaker, events, next };
}

/** A plain phone that answers every call after 200 ms with its tone, capturing what it hears. */
async function peer(world: PhoneWorld, host: string, freq: number) {
  const phone = await world.phone(host, { aor: `sip:peer@${host}` });
  const sinks: CaptureSink[] = [];
  const calls: Call[] = [];
  phone.on('incoming', (c) => {
    const sink = new CaptureSink();
    sinks.push(sink);
    calls.push(c);
    c.ring();
    world.scheduler.after(200, () => void c.answer({ source: sine(freq), sink }).catch(() => {}));
  });
  const dial = (to: string) => {
    const sink = new CaptureSink();
    sinks.push(sink);
    const c = phone.call(to, { source: sine(freq), sink });
    calls.push(c);
    return c;
  };
  return { phone, sinks, calls, dial };
}

const kinds = (events: Ev[]) => events.map((e) => e.event);

describe('the phone core', () => {
  it(
    'answers an incoming call by command: events, audio both ways through the microphone and the ' + 'speaker',
    async () => {
      const world = new PhoneWorld(31);
      const t = await setup(world);
      const a = await peer(world, A, 1200);
      const c = a.dial(`sip:me@${P}`);
      const inc = await t.next('incoming');
      expect(inc).toMatchObject({ call: 1, from: `<sip:peer@${A}>` });
      expect(t.core.calls()).toMatchObject([{ call: 1, state: 'incoming', direction: 'incoming' }]);
      await world.run(1000);
      expect(c.state).toBe('ringing');
      t.core.answer();
      expect(await t.next('answered')).toMatchObject({ call: 1, codec: 'PCMU' });
      await world.run(3000);
      expect(t.speaker.toneSeconds(1200)).toBeGreaterThan(2.5);
      expect(a.sinks[0]!.toneSeconds(700)).toBeGreaterThan(2.5);
      expect(t.core.calls()).toMatchObject([{ call: 1, state: 'answered', current: true, codec: 'PCMU' }]);
      // While it rang, the speaker played the ring cadence (440 + 480 Hz), and stopped with the answer.
      expect(t.speaker.presence(440)).toBeGreaterThan(0.5);
      expect(t.speaker.presence(480)).toBeGreaterThan(0.5);
      const rang = t.speaker.presence(440);
      await world.run(2000);
      expect(t.speaker.presence(440)).toBe(rang);
      await world.until(c.hangup());
      expect(await t.next('ended')).toMatchObject({ call: 1, reason: 'remote-hangup' });
      expect(t.core.calls()).toEqual([]);
      await world.until(t.core.quit());
      await world.until(a.phone.close());
    },
  );

  it('dials a URI and a number through the account domain; rejects; hangs up', async () => {
    const world = new PhoneWorld(32);
    const t = await setup(world, {}, `sip:me@${A}`);
    const a = await peer(world, A, 1200);
    const id = t.core.dial('1234');
    expect(t.events[0]).toEqual({ event: 'calling', call: id, to: `sip:1234@${A}` });
    expect(await t.next('ringing')).toMatchObject({ call: id, status: 180 });
    expect(await t.next('answered')).toMatchObject({ call: id });
    await world.run(1000);
    t.core.hangup(id);
    expect(await t.next('ended')).toMatchObject({ call: id, reason: 'hangup' });
    // An incoming call refused with 486.
    const c = a.dial(`sip:me@${P}`);
    const inc = await t.next('incoming', (e) => e.event === 'incoming' && e.call !== id);
    t.core.reject(undefined, 486);
    expect((await world.until(c.ended)).status).toBe(486);
    expect(
      await t.next('ended', (e) => e.event === 'ended' && e.call === (inc as { call: number }).call),
    ).toMatchObject({
      reason: 'rejected',
      status: 486,
    });
    await world.until(t.core.quit());
    await world.until(a.phone.close());
  });

  it(
    'call waiting: a second call rings while one is up; answering it holds the first, which hears hold ' + 'music',
    async () => {
      const world = new PhoneWorld(33);
      const t = await setup(world, { holdMusic: async () => sine(300) });
      const a = await peer(world, A, 1200);
      const b = await peer(world, B, 1700);
      const first = t.core.dial(`sip:peer@${A}`);
      await t.next('answered');
      b.dial(`sip:me@${P}`);
      const inc = (await t.next('incoming')) as { call: number };
      expect(t.core.calls().map((c) => [c.call, c.state, c.current])).toEqual([
        [first, 'answered', true],
        [inc.call, 'incoming', false],
      ]);
      t.core.answer(inc.call);
      expect(await t.next('held')).toMatchObject({ call: first, by: 'local' });
      await t.next('answered', (e) => e.event === 'answered' && e.call === inc.call);
      const heardA = t.speaker.toneSeconds(1200);
      await world.run(3000);
      // The speaker hears the second call now; the first hears music on hold, not the microphone.
      expect(t.speaker.toneSeconds(1700)).toBeGreaterThan(2.5);
      expect(t.speaker.toneSeconds(1200) - heardA).toBeLessThan(0.3);
      const atA = a.sinks[0]!;
      expect(atA.toneSeconds(300)).toBeGreaterThan(2.5);
      expect(b.sinks[0]!.toneSeconds(700)).toBeGreaterThan(2.5);
      // Resume the first: the second is held in turn.
      t.core.resume(first);
      expect(await t.next('held', (e) => e.event === 'held' && e.call === inc.call)).toMatchObject({ by: 'local' });
      expect(await t.next('resumed', (e) => e.event === 'resumed' && e.call === first)).toMatchObject({ by: 'local' });
      await world.run(2000);
      expect(atA.toneSeconds(700)).toBeGreaterThan(1.5);
      expect(t.core.calls().map((c) => [c.call, c.state, c.current, c.heldBy])).toEqual([
        [first, 'answered', true, []],
        [inc.call, 'held', false, ['local']],
      ]);
      await world.until(t.core.quit());
      expect(kinds(t.events).filter((k) => k === 'ended')).toHaveLength(2);
      await world.until(Promise.all([a.phone.close(), b.phone.close()]));
    },
  );

  it('the other side holds us: held/resumed by remote, and we send it nothing meanwhile', async () => {
    const world = new PhoneWorld(34);
    const t = await setup(world);
    const a = await peer(world, A, 1200);
    const c = a.dial(`sip:me@${P}`);
    const inc = (await t.next('incoming')) as { call: number };
    t.core.answer(inc.call);
    await world.until(c.answered);
    await world.run(500);
    await world.until(c.hold());
    expect(await t.next('held')).toMatchObject({ call: inc.call, by: 'remote' });
    const ours = t.core.call(inc.call)!;
    const sent = ours.stats()!.sent.packets;
    await world.run(1000);
    expect(ours.stats()!.sent.packets).toBe(sent);
    expect(t.core.calls()[0]).toMatchObject({ state: 'held', heldBy: ['remote'] });
    await world.until(c.resume());
    expect(await t.next('resumed')).toMatchObject({ call: inc.call, by: 'remote' });
    await world.run(1000);
    expect(ours.stats()!.sent.packets).toBeGreaterThan(sent + 40);
    await world.until(t.core.quit());
    await world.until(a.phone.close());
  });

  it('glare: both sides hold at once; the 491 is retried and both holds go through', async () => {
    const world = new PhoneWorld(35);
    const t = await setup(world);
    const a = await peer(world, A, 1200);
    const id = t.core.dial(`sip:peer@${A}`);
    await t.next('answered');
    await world.run(300);
    const theirs = a.calls[0]!;
    const theirHold = theirs.hold();
    t.core.hold(id);
    await world.until(theirHold);
    await t.next('held', (e) => e.event === 'held' && e.by === 'local');
    await t.next('held', (e) => e.event === 'held' && e.by === 'remote');
    await world.run(500);
    expect(t.core.calls()[0]).toMatchObject({ state: 'held', heldBy: ['local', 'remote'] });
    expect(t.events.filter((e) => e.event === 'error')).toEqual([]);
    await world.until(t.core.quit());
    await world.until(a.phone.close());
  });

  it('mute, DTMF both ways', async () => {
    const world = new PhoneWorld(36);
    const t = await setup(world);
    const a = await peer(world, A, 1200);
    const id = t.core.dial(`sip:peer@${A}`);
    await t.next('answered');
    const theirs = a.calls[0]!;
    const got: string[] = [];
    theirs.on('dtmf', (d) => got.push(d.digit));
    t.core.dtmf(id, '12#');
    await world.run(1000);
    expect(got).toEqual(['1', '2', '#']);
    await world.until(theirs.sendDtmf('9'));
    expect(await t.next('dtmf')).toMatchObject({ call: id, digit: '9', how: 'rfc4733' });
    const sink = a.sinks[0]!;
    t.core.mute(id);
    const before = sink.toneSeconds(700);
    await world.run(1500);
    expect(sink.toneSeconds(700) - before).toBeLessThan(0.2);
    expect(t.core.calls()[0]!.muted).toBe(true);
    t.core.unmute(id);
    await world.run(1500);
    expect(sink.toneSeconds(700) - before).toBeGreaterThan(1);
    await world.until(t.core.quit());
    await world.until(a.phone.close());
  });

  it('transfers blind (transferred) and reports a failed transfer as an error, the call staying up', async () => {
    const world = new PhoneWorld(37);
    const t = await setup(world);
    const a = await peer(world, A, 1200);
    const b = await peer(world, B, 1700);
    const id = t.core.dial(`sip:peer@${A}`);
    await t.next('answered');
    const theirs = a.calls[0]!;
    theirs.on('transfer-requested', (r) => void r.accept({ source: sine(1200) }));
    // A target that does not exist: the transferee's INVITE gets no answer... use a refusal instead.
    b.phone.once('incoming', (c) => c.reject(486));
    t.core.transfer(id, `sip:peer@${B}`);
    expect(await t.next('error')).toMatchObject({ call: id, message: expect.stringMatching(/transfer failed: 486/) });
    expect(t.core.calls()[0]).toMatchObject({ call: id, state: 'answered' });
    // Now Bob's phone answers (its default listener).
    t.core.transfer(id, `sip:peer@${B}`);
    expect(await t.next('transferred')).toEqual({ event: 'transferred', call: id, target: `sip:peer@${B}` });
    expect(await t.next('ended', (e) => e.event === 'ended' && e.call === id)).toMatchObject({ reason: 'transferred' });
    await world.run(2000);
    expect(b.sinks.at(-1)!.toneSeconds(1200)).toBeGreaterThan(1.5);
    await world.until(t.core.quit());
    await world.until(Promise.all([a.phone.close(), b.phone.close()]));
  });

  it('follows a transfer: auto-accept, and by command; a REFER while on hold', async () => {
    const world = new PhoneWorld(38);
    const t = await setup(world, { autoAcceptTransfer: true });
    const a = await peer(world, A, 1200);
    const b = await peer(world, B, 1700);
    const c = a.dial(`sip:me@${P}`);
    const inc = (await t.next('incoming')) as { call: number };
    t.core.answer(inc.call);
    await world.until(c.answered);
    // The caller holds us, then transfers us to Bob.
    await world.until(c.hold());
    await t.next('held');
    const done = await world.until(c.transfer(`sip:peer@${B}`));
    expect(done.status).toBe(200);
    expect(await t.next('transfer-requested')).toMatchObject({
      call: inc.call,
      target: `sip:peer@${B}`,
      attended: false,
    });
    const calling = (await t.next('calling')) as { call: number };
    expect(await t.next('transferred')).toEqual({ event: 'transferred', call: inc.call, to: calling.call });
    await world.run(2000);
    expect(t.speaker.toneSeconds(1700)).toBeGreaterThan(1.5);
    expect(b.sinks[0]!.toneSeconds(700)).toBeGreaterThan(1.5);
    await world.until(t.core.quit());

    // Without auto-accept, the request waits for accept-transfer.
    const t2 = await setup(new PhoneWorld(39));
    expect(() => t2.core.acceptTransfer()).toThrow(PhoneCommandError);
    await world.until(Promise.all([a.phone.close(), b.phone.close()]));
  });

  it('accepts and refuses transfer requests by command', async () => {
    const world = new PhoneWorld(40);
    const t = await setup(world);
    const a = await peer(world, A, 1200);
    await peer(world, B, 1700);
    const c = a.dial(`sip:me@${P}`);
    const inc = (await t.next('incoming')) as { call: number };
    t.core.answer(inc.call);
    await world.until(c.answered);
    const refused = c.transfer(`sip:peer@${B}`).catch((e) => e);
    await t.next('transfer-requested');
    t.core.rejectTransfer(inc.call);
    expect((await world.until(refused)).status).toBe(603);
    const from = t.events.length;
    const ok = c.transfer(`sip:peer@${B}`);
    await t.next('transfer-requested', () => true, from);
    const next = t.core.acceptTransfer(inc.call);
    expect((await world.until(ok)).status).toBe(200);
    expect(await t.next('answered', (e) => e.event === 'answered' && e.call === next)).toBeTruthy();
    await world.until(t.core.quit());
    await world.until(a.phone.close());
  });

  it('attended transfer: calls with A and B joined, both of ours end', async () => {
    const world = new PhoneWorld(41);
    const t = await setup(world);
    const a = await peer(world, A, 1200);
    const b = await peer(world, B, 1700);
    const ida = t.core.dial(`sip:peer@${A}`);
    await t.next('answered', (e) => e.event === 'answered' && e.call === ida);
    const idb = t.core.dial(`sip:peer@${B}`);
    await t.next('answered', (e) => e.event === 'answered' && e.call === idb);
    a.calls[0]!.on('transfer-requested', (r) => {
      const sink = new CaptureSink();
      a.sinks.push(sink);
      r.accept({ source: sine(1200), sink });
    });
    t.core.attended(ida, idb);
    expect(await t.next('transferred', (e) => e.event === 'transferred' && e.call === ida)).toBeTruthy();
    await t.next('ended', (e) => e.event === 'ended' && e.call === idb);
    await world.run(2000);
    expect(a.sinks.at(-1)!.toneSeconds(1700)).toBeGreaterThan(1.5);
    expect(b.calls[0]!.end?.reason).toBe('replaced');
    expect(t.core.calls()).toEqual([]);
    await world.until(t.core.quit());
    await world.until(Promise.all([a.phone.close(), b.phone.close()]));
  });

  it('a conference: each party hears the other and the microphone; the speaker hears both', async () => {
    const world = new PhoneWorld(42);
    const t = await setup(world);
    const a = await peer(world, A, 1200);
    const b = await peer(world, B, 1700);
    const ida = t.core.dial(`sip:peer@${A}`);
    await t.next('answered', (e) => e.event === 'answered' && e.call === ida);
    const idb = t.core.dial(`sip:peer@${B}`);
    await t.next('answered', (e) => e.event === 'answered' && e.call === idb);
    expect(t.core.calls().find((c) => c.call === ida)).toMatchObject({ state: 'held' });
    t.core.conference();
    expect(await t.next('conference')).toEqual({ event: 'conference', calls: [ida, idb] });
    await t.next('resumed', (e) => e.event === 'resumed' && e.call === ida);
    const at = (s: CaptureSink) => ({ f1200: s.presence(1200), f1700: s.presence(1700), f700: s.presence(700) });
    const a0 = at(a.sinks[0]!);
    const b0 = at(b.sinks[0]!);
    const s0 = at(t.speaker);
    await world.run(4000);
    const a1 = at(a.sinks[0]!);
    const b1 = at(b.sinks[0]!);
    const s1 = at(t.speaker);
    // Two tones at once, each heard at its own level.
    expect(a1.f1700 - a0.f1700).toBeGreaterThan(3);
    expect(a1.f700 - a0.f700).toBeGreaterThan(3);
    expect(b1.f1200 - b0.f1200).toBeGreaterThan(3);
    expect(b1.f700 - b0.f700).toBeGreaterThan(3);
    expect(s1.f1200 - s0.f1200).toBeGreaterThan(3);
    expect(s1.f1700 - s0.f1700).toBeGreaterThan(3);
    // Nobody hears itself.
    expect(a1.f1200 - a0.f1200).toBeLessThan(0.2);
    expect(b1.f1700 - b0.f1700).toBeLessThan(0.2);
    expect(t.core.calls().map((c) => [c.call, c.conference])).toEqual([
      [ida, true],
      [idb, true],
    ]);
    // One leaves: the other is an ordinary current call again.
    t.core.hangup(idb);
    expect(await t.next('conference', (e) => e.event === 'conference' && e.calls.length === 0)).toBeTruthy();
    expect(t.core.calls()).toMatchObject([{ call: ida, current: true, conference: false }]);
    await world.until(t.core.quit());
    await world.until(Promise.all([a.phone.close(), b.phone.close()]));
  });

  it('MESSAGE both ways, outside and inside a call', async () => {
    const world = new PhoneWorld(43);
    const t = await setup(world);
    const a = await peer(world, A, 1200);
    const got: string[] = [];
    a.phone.ua.on('message', (m) => got.push(m.text));
    t.core.message(`sip:peer@${A}`, 'hello there');
    await world.run(200);
    expect(got).toEqual(['hello there']);
    await world.until(a.phone.ua.message(`sip:me@${P}`, 'hi back'));
    expect(await t.next('message')).toMatchObject({
      from: `<sip:peer@${A}>`,
      text: 'hi back',
      contentType: 'text/plain',
    });
    const id = t.core.dial(`sip:peer@${A}`);
    await t.next('answered');
    await world.until(a.calls[0]!.dialog!.message('in the call'));
    expect(await t.next('message', (e) => e.event === 'message' && e.call === id)).toMatchObject({
      text: 'in the call',
    });
    // A refused MESSAGE is an error event.
    a.phone.ua.on('message', (m) => {
      if (m.text === 'nope') m.respond(488);
    });
    t.core.message(`sip:peer@${A}`, 'nope');
    expect(await t.next('error')).toMatchObject({ message: expect.stringMatching(/MESSAGE .* 488/) });
    await world.until(t.core.quit());
    await world.until(a.phone.close());
  });

  it('bad commands throw PhoneCommandError and change nothing', async () => {
    const world = new PhoneWorld(44);
    const t = await setup(world, {}, `sip:me@${P}`);
    expect(() => t.core.answer()).toThrow(/no call is ringing/);
    expect(() => t.core.hangup()).toThrow(/no call to hang up/);
    expect(() => t.core.hold(7)).toThrow(/no call 7/);
    expect(() => t.core.dial('')).toThrow(/nothing to dial/);
    expect(() => t.core.dial('sip:')).toThrow(PhoneCommandError);
    expect(() => t.core.conference()).toThrow(/two calls/);
    const a = await peer(world, A, 1200);
    const id = t.core.dial(`sip:peer@${A}`);
    expect(() => t.core.dtmf(id, '12')).toThrow(/cannot send DTMF to call 1: it is calling/);
    await t.next('answered');
    expect(() => t.core.dtmf(id, 'xyz')).toThrow(/not DTMF keys/);
    expect(() => t.core.resume(id)).toThrow(/not on hold/);
    expect(() => t.core.attended(id, id)).toThrow(/two different calls/);
    expect(() => t.core.reject(id)).toThrow(/not ringing/);
    expect(t.core.calls()).toMatchObject([{ call: id, state: 'answered' }]);
    await world.until(t.core.quit());
    expect(() => t.core.dial('sip:x@10.0.0.1')).toThrow(/quitting/);
    await world.until(a.phone.close());
  });
});

/** A registrar on R: answers REGISTER 200 with the binding (or `refuse` for the first ones). */
async function registrar(world: PhoneWorld, refuse = 0): Promise<{ ua: UserAgent; seen: () => number }> {
  const ua = await world.ua(R, { allow: ['REGISTER', 'OPTIONS'] });
  let n = 0;
  ua.on('request', (r) => {
    if (r.method !== 'REGISTER') return;
    n++;
    if (n <= refuse) return void r.respond(403, { reason: 'Forbidden' });
    const contact = r.request.header('contact') ?? '';
    const expires = r.request.header('expires') ?? '3600';
    r.respond(200, { headers: [['Contact', `${contact};expires=${expires}`]] });
  });
  return { ua, seen: () => n };
}

describe('the phone core registers', () => {
  it('registers at start, refreshes, retries after a refusal, and unregisters on quit', async () => {
    const world = new PhoneWorld(45);
    const reg = await registrar(world, 1);
    const t = await setup(world, { register: { registrar: `sip:${R}`, expires: 60 }, registerRetryMs: 5000 });
    expect(await t.next('registration-failed')).toMatchObject({ status: 403, message: expect.stringMatching(/403/) });
    expect(await t.next('registered')).toMatchObject({ aor: `sip:me@${P}`, expires: 60 });
    const count = reg.seen();
    expect(count).toBe(2);
    await world.run(60_000);
    expect(t.events.filter((e) => e.event === 'registered').length).toBeGreaterThanOrEqual(2);
    expect(reg.seen()).toBeGreaterThan(count);
    const before = reg.seen();
    await world.until(t.core.quit());
    expect(reg.seen()).toBe(before + 1); // the un-REGISTER
    expect(t.events.at(-1)).toMatchObject({ event: 'unregistered', aor: `sip:me@${P}` });
    await world.until(reg.ua.close());
  });
});
