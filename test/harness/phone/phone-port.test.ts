/**
 * `PhonePort`, the call port on real calls, in virtual time: a caller phone
 * and a doug server on a simulated network. Every call-port event (progress,
 * answer, audio by media tick, DTMF in by RFC 4733 and SIP INFO, failures,
 * ends), sending DTMF in the three modes, playing and stopping audio, hang-up
 * before and after the answer, statistics under loss, and calls placed with
 * an account.
 */
import { describe, expect, it } from 'vitest';
import type { Phone } from '../../../src/app/phone.js';
import { DougServer, type VoiceApp } from '../../../src/doug/server.js';
import type { CallPortEvent, DialOptions } from '../../../src/harness/call-port.js';
import { accountUserAgent, harnessMedia, PhonePort } from '../../../src/harness/phone/phone-port.js';
import { withTransport } from '../../../src/harness/phone/phone-leg.js';
import { scenario } from '../../../src/harness/scenario/builder.js';
import { runScenario } from '../../../src/harness/engine/runner.js';
import type { IvrFarEnd } from '../../../src/harness/sim/far-end.js';
import { VirtualTime } from '../../../src/harness/virtual-time.js';
import { CaptureSink, PhoneWorld, finite, sine } from '../../app/support/sim-phones.js';
import { SERVER, ivrWorld } from '../support/phone-ivr.js';
import { speechLike } from '../support/sim.js';

/** Records a leg's events; `next(type)` resolves at the first event of that type from now on (or already seen). */
class Events {
  readonly all: CallPortEvent[] = [];
  private waiters: { type: string; resolve: (e: CallPortEvent) => void }[] = [];
  readonly on = (e: CallPortEvent) => {
    this.all.push(e);
    for (const w of this.waiters.filter((w) => w.type === e.type)) w.resolve(e);
    this.waiters = this.waiters.filter((w) => w.type !== e.type);
  };
  next(type: CallPortEvent['type']): Promise<CallPortEvent> {
    const seen = this.all.find((e) => e.type === type);
    return seen ? Promise.resolve(seen) : new Promise((resolve) => this.waiters.push({ type, resolve }));
  }
  of<T extends CallPortEvent['type']>(type: T): Extract<CallPortEvent, { type: T }>[] {
    return this.all.filter((e): e is Extract<CallPortEvent, { type: T }> => e.type === type);
  }
}

/** A server phone running a plain doug app, and a port on a caller phone. */
async function direct(app: VoiceApp, o: { loss?: number } = {}) {
  const world = new PhoneWorld(3);
  world.net.setProfile({ delayMs: 10, ...(o.loss ? { loss: o.loss } : {}) });
  const vt = new VirtualTime(world.scheduler);
  const caller = await world.phone('10.0.0.1');
  const server = await world.phone(SERVER, { inbandDtmf: 'on', codecs: ['pcmu', 'pcma'] });
  const doug = new DougServer({ phone: server, app }).start();
  const port = new PhonePort({ phone: caller });
  const close = () =>
    vt.run(async () => {
      await port.close();
      await doug.close();
      await Promise.all([caller.close(), server.close()]);
    });
  return { world, vt, port, close };
}

describe('PhonePort on real calls (virtual time)', () => {
  it('sends keys by RFC 4733, SIP INFO and in-band, and hears the far end send them back by each', async () => {
    const got: string[] = [];
    const script = async (call: IvrFarEnd) => {
      call.ring();
      await call.wait(200);
      call.answer();
      got.push(await call.collectDtmf({ max: 3, timeoutMs: 5000 }));
      got.push(await call.collectDtmf({ max: 9, terminator: '#', timeoutMs: 5000 }));
      await call.sendDtmf('67', 'rfc4733');
      await call.sendDtmf('8', 'info');
      await call.sendDtmf('9*', 'inband');
      await call.wait(800);
      call.hangup();
    };
    const w = await ivrWorld(script);
    const s = scenario('keys')
      .call(`sip:keys@${SERVER}`)
      .expect('ringing')
      .expect('answered')
      .press('12')
      .press('3', { mode: 'info' })
      .press('45#', { mode: 'inband', duration_ms: 80, gap_ms: 80 })
      .dtmf('67', { method: 'rfc4733' })
      .dtmf('8', { method: 'info' })
      .dtmf('9*', { method: 'inband' })
      .expect('hangup')
      .build();
    const r = await w.vt.run(() => runScenario(s, w.env()));
    expect(r.failure).toBeUndefined();
    expect(got).toEqual(['123', '45']);
    expect(r.steps.map((x) => x.actual).slice(1, 3)).toEqual(['180 Ringing', 'answered (pcmu)']);
    expect(r.timeline.filter((t) => t.kind === 'dtmf-received').map((t) => t.label)).toEqual([
      '6 (rfc4733)',
      '7 (rfc4733)',
      '8 (info)',
    ]);
    expect(r.media!.packetsSent).toBeGreaterThan(50);
    await w.close();
  });

  it(
    'plays audio to its end, stops it, lays in-band keys over it; ' + 'audio frames come numbered by media tick',
    async () => {
      const sink = new CaptureSink();
      const keys: string[] = [];
      const { vt, port, close } = await direct(async (call) => {
        call.call.on('dtmf', (d) => keys.push(`${d.digit} ${d.how}`));
        call.ring();
        await call.answer({ sink, source: finite(500, 150) });
        await call.call.ended;
      });
      const ev = new Events();
      const leg = port.dial(`sip:play@${SERVER}`, { codecs: ['pcma'] }, ev.on);
      const playedMs = await vt.run(async () => {
        const answered = await ev.next('answered');
        expect(answered).toMatchObject({ codec: 'pcma' });
        const t0 = port.clock.now();
        await leg.play(finite(700, 50));
        const ms = port.clock.now() - t0;
        // Quiet enough (-27 dBFS) under the key for the far end's detector to take it for a key, not talk.
        const endless = leg.play(sine(1100, 1500));
        await new Promise<void>((r) => port.timers.setTimer(500, r));
        const keysDone = leg.sendDtmf('5', { mode: 'inband' });
        await new Promise<void>((r) => port.timers.setTimer(100, r));
        leg.stopPlayback();
        await endless;
        await keysDone;
        await new Promise<void>((r) => port.timers.setTimer(300, r));
        await leg.hangup();
        return ms;
      });
      // From the next media tick to the one that found the source ended.
      expect(playedMs).toBeGreaterThanOrEqual(1000);
      expect(playedMs).toBeLessThanOrEqual(1020);
      expect(ev.of('progress')).toMatchObject([{ status: 180, reason: 'Ringing' }]);
      expect(ev.all.at(-1)).toMatchObject({ type: 'ended', by: 'local' });
      expect(sink.toneSeconds(700)).toBeGreaterThan(0.9);
      expect(sink.toneSeconds(700)).toBeLessThan(1.1);
      // 600 ms of it, 100 ms of which under the key.
      expect(sink.toneSeconds(1100)).toBeGreaterThan(0.4);
      expect(sink.toneSeconds(1100)).toBeLessThan(0.7);
      expect(keys).toEqual(['5 inband']);
      // The far end's 3 s tone, heard frame by frame: consecutive media ticks from 0.
      const audio = ev.of('audio');
      expect(audio.map((a) => a.index)).toEqual(audio.map((_, i) => i));
      const s = leg.stats();
      expect(s).toMatchObject({ codec: 'pcma', packetsLost: 0 });
      expect(s.packetsReceived).toBeGreaterThan(70);
      await close();
    },
  );

  it(
    'reports busy, rejected and no codec as failures with their status, and a hang-up before the answer as ' +
      'cancelled',
    async () => {
      const { vt, port, close } = await direct(async (call) => {
        const user = /^<?sips?:([^@]+)@/.exec(call.to)?.[1];
        call.ring();
        if (user === 'busy') return call.reject(486, 'Busy Here');
        if (user === 'no') return call.reject(403, 'Forbidden');
        await new Promise<void>((r) => call.call.timers.setTimer(60_000, r));
      });
      const outcome = async (user: string, opts: DialOptions = {}, hangUpAfterMs?: number) => {
        const ev = new Events();
        const leg = port.dial(`sip:${user}@${SERVER}`, opts, ev.on);
        if (hangUpAfterMs !== undefined)
          await new Promise<void>((r) => port.timers.setTimer(hangUpAfterMs, r)).then(() => leg.hangup());
        const last = await Promise.race([ev.next('failed'), ev.next('ended')]);
        return last;
      };
      expect(await vt.run(() => outcome('busy'))).toMatchObject({ type: 'failed', status: 486, reason: 'Busy Here' });
      expect(await vt.run(() => outcome('no'))).toMatchObject({ type: 'failed', status: 403, reason: 'Forbidden' });
      expect(await vt.run(() => outcome('ring', { codecs: ['gsm'] }))).toMatchObject({ type: 'failed', status: 488 });
      expect(await vt.run(() => outcome('ring', {}, 1000))).toMatchObject({
        type: 'ended',
        by: 'local',
        reason: 'cancelled',
      });
      await close();
    },
  );

  it('marks the audio frames its receiver concealed for a lost packet, and none on a clean line', async () => {
    const heard = async (loss: number) => {
      const { vt, port, close } = await direct(
        async (call) => {
          await call.answer({ source: finite(500, 150) });
          await call.call.ended;
        },
        loss ? { loss } : {},
      );
      const ev = new Events();
      const leg = port.dial(`sip:tone@${SERVER}`, { codecs: ['pcmu'] }, ev.on);
      await vt.run(async () => {
        await ev.next('answered');
        await new Promise<void>((r) => port.timers.setTimer(2500, r));
        await leg.hangup();
      });
      const lost = leg.stats().packetsLost;
      await close();
      return { marked: ev.of('audio').filter((a) => a.concealed !== undefined), lost };
    };
    const lossy = await heard(0.05);
    expect(lossy.lost).toBeGreaterThan(2);
    // A concealed frame for most packets lost (not one lost before the stream's first, or after the hang-up).
    expect(lossy.marked.length).toBeGreaterThanOrEqual(lossy.lost / 2);
    expect(lossy.marked.length).toBeLessThanOrEqual(lossy.lost);
    expect(lossy.marked.every((a) => a.concealed === 'lost')).toBe(true);
    expect((await heard(0)).marked).toEqual([]);
  });

  it('marks the frame after audio its jitter buffer dropped unplayed, even mid-tone', async () => {
    const heard = async (step: boolean) => {
      const { world, vt, port, close } = await direct(async (call) => {
        await call.answer({ source: finite(500, 900) });
        await call.call.ended;
      });
      if (step) world.net.setProfile({ delayMs: 700 });
      const ev = new Events();
      const leg = port.dial(`sip:tone@${SERVER}`, { codecs: ['pcmu'] }, ev.on);
      await vt.run(async () => {
        await ev.next('answered');
        // The path gets 690 ms shorter: the receiver cuts its delay, a tone with no pause in it (forced).
        await new Promise<void>((r) => port.timers.setTimer(1500, r));
        if (step) world.net.setProfile({ delayMs: 10 });
        await new Promise<void>((r) => port.timers.setTimer(14_000, r));
        await leg.hangup();
      });
      await close();
      return ev.of('audio').filter((a) => a.dropped !== undefined);
    };
    const marked = await heard(true);
    expect(marked.length).toBeGreaterThan(0);
    const dropped = marked.reduce((n, a) => n + a.dropped!, 0);
    // The delay cut by hundreds of ms (of the 690), 20 ms a frame: some at once, the rest forced after
    // the jitter buffer waited 10 s for a quiet frame.
    expect(dropped).toBeGreaterThanOrEqual(10);
    expect(dropped).toBeLessThanOrEqual(40);
    expect(marked.some((a) => a.index < 200)).toBe(true);
    const forced = marked.filter((a) => a.index > 500);
    expect(forced.length).toBeGreaterThan(0);
    // The forced ones mid-tone: the frame after the drop is the tone's (there is no pause to wait for).
    expect(forced.every((a) => a.frame.some((v) => Math.abs(v) > 1000))).toBe(true);
    // A steady path: only the starting delay (60 ms) cut down to what the path needs, a frame or two.
    const steady = await heard(false);
    expect(steady.length).toBeLessThanOrEqual(3);
  });

  it('hears the far end hang up, and carries on through packet loss with the losses counted', async () => {
    const script = async (call: IvrFarEnd) => {
      call.answer();
      await call.wait(300);
      await call.play(speechLike(3000, 2));
      await call.wait(1000);
      call.hangup();
    };
    const w = await ivrWorld(script, { loss: 0.04, seed: 5 });
    const s = scenario('lossy')
      .call(`sip:x@${SERVER}`)
      .expect('answered')
      .listen()
      .duration({ min_ms: 2500, max_ms: 3500 })
      .expect('hangup')
      .build();
    const r = await w.vt.run(() => runScenario(s, w.env()));
    expect(r.failure).toBeUndefined();
    expect(r.media!.packetsLost).toBeGreaterThan(2);
    expect(r.timeline.at(-1)).toMatchObject({ kind: 'ended', label: 'far end hung up: the other side hung up' });
    await w.close();
  });

  it(
    'places a call with an account from a phone made for it, ' + 'once per account; without a maker the call fails',
    async () => {
      const made: string[] = [];
      const from: string[] = [];
      let world!: PhoneWorld;
      const phones: Phone[] = [];
      const w = await ivrWorld(
        async (call) => {
          call.answer();
          await call.wait(500);
          call.hangup();
        },
        {
          phoneFor: async (account) => {
            made.push(account.aor!);
            const p = await world.phone('10.0.0.3', { aor: account.aor! });
            phones.push(p);
            return p;
          },
        },
      );
      world = w.world;
      w.server.on('incoming', (c) => from.push(c.remote));
      const account = { aor: 'sip:carol@example.com', password: 'pw' };
      const s = scenario('with account')
        .call(`sip:x@${SERVER}`, { account })
        .expect('answered')
        .expect('hangup')
        .build();
      for (let i = 0; i < 2; i++) expect((await w.vt.run(() => runScenario(s, w.env()))).failure).toBeUndefined();
      expect(made).toEqual(['sip:carol@example.com']);
      expect(from).toEqual(['<sip:carol@example.com>', '<sip:carol@example.com>']);

      const bare = new PhonePort({ phone: w.caller });
      const ev = new Events();
      bare.dial(`sip:x@${SERVER}`, { account }, ev.on);
      const failed = await w.vt.run(() => ev.next('failed'));
      expect(failed).toMatchObject({ status: 0 });
      expect((failed as { reason: string }).reason).toMatch(/cannot take an account/);
      await w.close();
      expect(phones).toHaveLength(1);
    },
  );

  it('records like a recorder: its jitter buffer cuts delay only in 200 ms pauses, a second behind at most', () => {
    const jb = (o: Parameters<typeof harnessMedia>[0]) => harnessMedia(o).media?.rtp?.jitterBuffer;
    expect(jb({})).toEqual({ maxLagMs: 1000, pauseFrames: 10, quietGraceFrames: 500 });
    // what the caller sets wins
    expect(jb({ media: { rtp: { jitterBuffer: { pauseFrames: 1 } } } })).toEqual({
      maxLagMs: 1000,
      pauseFrames: 1,
      quietGraceFrames: 500,
    });
    expect(jb({ media: { rtp: { jitterBuffer: false } } })).toBe(false);
  });

  it('turns an account into user-agent settings, and a transport into the URI', () => {
    expect(accountUserAgent({ aor: 'sip:bob@127.0.0.1', password: 'bobpw', proxy: '127.0.0.1:5070' })).toEqual({
      aor: 'sip:bob@127.0.0.1',
      credentials: [{ username: 'bob', password: 'bobpw' }],
      outboundProxy: 'sip:127.0.0.1:5070;lr',
    });
    expect(accountUserAgent({ aor: 'sip:b%40x@h', username: 'u', password: 'p' }).credentials).toEqual([
      { username: 'u', password: 'p' },
    ]);
    expect(accountUserAgent({})).toEqual({});
    expect(withTransport('sip:a@h:5060', 'tcp')).toBe('sip:a@h:5060;transport=tcp');
    expect(withTransport('sip:a@h;transport=udp', 'tcp')).toBe('sip:a@h;transport=udp');
    expect(withTransport('sip:a@h?subject=x', 'tcp')).toBe('sip:a@h;transport=tcp?subject=x');
    expect(withTransport('sip:a@h', undefined)).toBe('sip:a@h');
  });
});
