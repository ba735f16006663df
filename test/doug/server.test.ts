/**
 * The voice application server in virtual time: a phone calls apps served
 * by doug; prompts, DTMF, recording, silence, hang-ups during every wait,
 * the per-call limit, misbehaving apps, and many calls at once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Call } from '../../src/app/call.js';
import { readWavFile } from '../../src/audio/formats/wav.js';
import { ToneDetector } from '../../src/audio/dsp/tone-detector.js';
import { CallEndedError, DougTimeoutError, TtsError } from '../../src/doug/errors.js';
import { DougServer, type VoiceApp } from '../../src/doug/server.js';
import { cached } from '../../src/doug/tts.js';
import { announce, echo } from '../../src/apps/index.js';
import { MemorySink, Logger } from '../../src/log/logger.js';
import { CaptureSink, PhoneWorld, finite, generated, sine } from '../app/support/sim-phones.js';

const CALLER = '10.0.0.1';
const SERVER = '10.0.0.2';
const dir = mkdtempSync(join(tmpdir(), 'shtoom-doug-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A fake TTS: every text is a 1 s tone at 100 Hz per character (deterministic, no engine needed). */
const fakeTts = cached('fake', async (text) => {
  const out = new Int16Array(8000);
  const f = 100 * Math.min(30, text.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.round(8000 * Math.sin((2 * Math.PI * f * i) / 8000));
  return out;
});

async function serve(seed: number, app: VoiceApp, extra: { maxCallMs?: number; tts?: boolean } = {}) {
  const world = new PhoneWorld(seed);
  world.net.setProfile({ delayMs: 10 });
  const caller = await world.phone(CALLER);
  const phone = await world.phone(SERVER);
  const logs = new MemorySink();
  const server = new DougServer({
    phone,
    app,
    log: new Logger(logs, 'info'),
    ...(extra.maxCallMs ? { maxCallMs: extra.maxCallMs } : {}),
    ...(extra.tts === false ? {} : { tts: fakeTts }),
  }).start();
  const close = async () => {
    await world.until(server.close());
    await world.until(Promise.all([caller.close(), phone.close()]));
  };
  return { world, caller, phone, server, logs, close };
}

function tonesIn(samples: Int16Array, freqs: number[]): string[] {
  const det = new ToneDetector(freqs.map((f) => ({ name: String(f), freqs: [f] })));
  det.process(samples);
  det.flush();
  const out: string[] = [];
  for (let e = det.pollEvent(); e; e = det.pollEvent()) if (e.type === 'start') out.push(e.name);
  return out;
}

describe('doug voice apps', () => {
  it('an IVR: prompt with barge-in, collect keys up to #, answer back with DTMF, hang up', async () => {
    const got: string[] = [];
    const app: VoiceApp = async (call) => {
      call.ring();
      await call.answer();
      const r = await call.play(finite(600, 100), { stopOnDtmf: true });
      got.push(`play:${r.reason}`);
      const keys = await call.collectDtmf({ max: 10, terminator: '#', timeoutMs: 5000 });
      got.push(`keys:${keys}`);
      await call.sendDtmf(keys.split('').reverse().join(''));
      await call.say('bye');
      await call.hangup();
    };
    const { world, caller, logs, close } = await serve(1, app);
    const sink = new CaptureSink();
    const call = caller.call(`sip:ivr@${SERVER}`, { sink });
    const heard: string[] = [];
    call.on('dtmf', (d) => heard.push(d.digit));
    await world.until(call.answered);
    await world.run(500);
    await world.until(call.sendDtmf('42#'));
    const end = await world.until(call.ended);
    expect(end.reason).toBe('remote-hangup');
    expect(got).toEqual(['play:dtmf', 'keys:42']);
    expect(heard.join('')).toBe('24');
    // The prompt (600 Hz) was cut short by the first key; then the "speech" (300 Hz for "bye").
    expect(sink.toneSeconds(600)).toBeLessThan(0.7);
    expect(sink.toneSeconds(300)).toBeGreaterThan(0.8);
    await world.run(100);
    expect(logs.records.map((r) => r.msg)).toContainEqual(
      expect.stringMatching(
        /^call from .*: PCMU, \d+\.\d s, \d+ packets in \(0\.0 % lost\), \d+ out, mean jitter \d+\.\d ms; ended: hangup$/,
      ),
    );
    await close();
  });

  it('records the caller to a WAV file, stopping at a key, at the time limit or after silence', async () => {
    const results: unknown[] = [];
    const app: VoiceApp = async (call) => {
      await call.answer();
      results.push(await call.record(join(dir, 'a.wav'), { stopOnDtmf: true }));
      results.push(await call.record(join(dir, 'b.wav'), { maxSeconds: 1 }));
      results.push(await call.record(join(dir, 'c.wav'), { stopOnSilence: 500, maxSeconds: 10 }));
      await call.hangup();
    };
    const { world, caller, close } = await serve(2, app);
    let n = 0;
    // 2 s of 700 Hz, then 1 s of 1100 Hz, then 0.6 s of 900 Hz, then silence.
    const source = generated('script', (f, i) => {
      n = i;
      const freq = i < 100 ? 700 : i < 150 ? 1100 : i < 180 ? 900 : 0;
      for (let k = 0; k < 160; k++)
        f[k] = freq ? Math.round(6000 * Math.sin((2 * Math.PI * freq * (i * 160 + k)) / 8000)) : 0;
    });
    const call = caller.call(`sip:rec@${SERVER}`, { source });
    await world.until(call.answered);
    await world.run(2000);
    await world.until(call.sendDtmf('5'));
    await world.until(call.ended);
    expect(n).toBeGreaterThan(180);
    expect(results).toMatchObject([
      { reason: 'dtmf', digit: '5' },
      { reason: 'max', durationMs: 1000 },
      { reason: 'silence' },
    ]);
    const a = readWavFile(join(dir, 'a.wav'));
    expect(a.format.sampleRate).toBe(8000);
    expect(tonesIn(a.samples, [700, 1100, 900])).toEqual(['700']);
    expect(tonesIn(readWavFile(join(dir, 'b.wav')).samples, [700, 1100, 900])).toContain('1100');
    const c = readWavFile(join(dir, 'c.wav'));
    expect(tonesIn(c.samples, [700, 1100, 900])).toContain('900');
    expect(c.frames / 8000).toBeLessThan(2);
    await close();
  });

  it('waitForSilence resolves once the caller stops, and times out with DougTimeoutError', async () => {
    const seen: string[] = [];
    const app: VoiceApp = async (call) => {
      await call.answer();
      await call.waitForSilence({ silenceMs: 800 });
      seen.push('silence');
      await call
        .waitForSilence({ silenceMs: 60_000, timeoutMs: 1000 })
        .catch((e: unknown) => seen.push(e instanceof DougTimeoutError ? 'timeout' : 'other'));
      await call.hangup();
    };
    const { world, caller, close } = await serve(3, app);
    const call = caller.call(`sip:s@${SERVER}`, { source: finite(500, 75) });
    await world.until(call.answered);
    const at = world.scheduler.now();
    await world.until(call.ended);
    expect(seen).toEqual(['silence', 'timeout']);
    // 1.5 s of tone, 0.8 s of silence, then 1 s more for the timeout.
    expect(world.scheduler.now() - at).toBeGreaterThan(3000);
    expect(world.scheduler.now() - at).toBeLessThan(3800);
    await close();
  });

  it.each(['play', 'say', 'collectDtmf', 'record', 'waitForSilence', 'sendDtmf'] as const)(
    'the caller hangs up during %s: the wait rejects with CallEndedError, the app ends',
    async (what) => {
      let caught: unknown;
      const app: VoiceApp = async (call) => {
        await call.answer();
        try {
          if (what === 'play') await call.play(sine(440));
          else if (what === 'say') await call.say('a very long text that takes a while');
          else if (what === 'collectDtmf') await call.collectDtmf({ timeoutMs: 60_000 });
          else if (what === 'record') await call.record(join(dir, 'hangup.wav'), { maxSeconds: 60 });
          else if (what === 'waitForSilence') await call.waitForSilence({ silenceMs: 60_000, timeoutMs: 120_000 });
          else await call.sendDtmf('1234567890123456789012345678901234567890');
        } catch (e) {
          caught = e;
          throw e;
        }
      };
      const { world, caller, server, close } = await serve(10 + what.length, app);
      const call = caller.call(`sip:x@${SERVER}`, { source: sine(300) });
      await world.until(call.answered);
      await world.run(600);
      await world.until(call.hangup());
      await world.run(200);
      expect(caught).toBeInstanceOf(CallEndedError);
      expect((caught as CallEndedError).reason).toBe('remote-hangup');
      expect(server.stats).toMatchObject({ calls: 1, active: 0, appErrors: 0 });
      if (what === 'record') expect(readWavFile(join(dir, 'hangup.wav')).frames).toBeGreaterThan(3000);
      await close();
    },
  );

  it('a stuck app has its call ended at maxCallMs', async () => {
    let caught: unknown;
    const app: VoiceApp = async (call) => {
      await call.answer();
      await call.collectDtmf({ timeoutMs: 3_600_000 }).catch((e: unknown) => (caught = e));
    };
    const { world, caller, server, close } = await serve(4, app, { maxCallMs: 5000 });
    const call = caller.call(`sip:stuck@${SERVER}`);
    await world.until(call.answered);
    const end = await world.until(call.ended);
    expect(end.reason).toBe('remote-hangup');
    expect(end.durationMs).toBeGreaterThan(4900);
    expect(end.durationMs).toBeLessThan(5200);
    expect(caught).toBeInstanceOf(CallEndedError);
    expect(server.stats.timedOut).toBe(1);
    await close();
  });

  it(
    'an app that throws before answering: 500; one that returns with the call up: hung up; no TTS: ' + 'TtsError',
    async () => {
      let n = 0;
      const errors: unknown[] = [];
      const app: VoiceApp = async (call) => {
        n++;
        if (n === 1) throw new Error('boom');
        if (n === 2) return;
        await call.answer();
        await call.say('x').catch((e: unknown) => errors.push(e));
      };
      const { world, caller, server, logs, close } = await serve(5, app, { tts: false });
      const first = caller.call(`sip:a@${SERVER}`);
      expect(await world.until(first.ended)).toMatchObject({ reason: 'rejected', status: 500 });
      const second = caller.call(`sip:a@${SERVER}`);
      expect(await world.until(second.ended)).toMatchObject({ reason: 'rejected', status: 480 });
      const third = caller.call(`sip:a@${SERVER}`);
      expect((await world.until(third.ended)).reason).toBe('remote-hangup');
      expect(errors[0]).toBeInstanceOf(TtsError);
      expect(server.stats.appErrors).toBe(1);
      expect(logs.records.filter((r) => r.level === 'error').map((r) => r.msg)).toEqual([
        expect.stringMatching(/the app failed .*: boom$/),
      ]);
      await close();
    },
  );

  it('runs 30 calls at once: echo and announce apps side by side', async () => {
    const { world, caller, server, close } = await serve(6, async (call) => {
      if (call.to.includes('echo')) await echo(call);
      else await announce({ say: 'hello' })(call);
    });
    const calls: { call: Call; sink: CaptureSink; freq: number; kind: string }[] = [];
    for (let i = 0; i < 30; i++) {
      const sink = new CaptureSink();
      const freq = 400 + 50 * (i % 10);
      const kind = i % 2 ? 'echo' : 'announce';
      calls.push({ call: caller.call(`sip:${kind}@${SERVER}`, { source: sine(freq), sink }), sink, freq, kind });
    }
    await world.until(Promise.all(calls.map((c) => c.call.answered)));
    await world.run(3000);
    expect(server.stats.active).toBe(15);
    await world.until(Promise.all(calls.filter((c) => c.kind === 'echo').map((c) => c.call.hangup())));
    await world.until(Promise.all(calls.map((c) => c.call.ended)));
    await world.run(100);
    for (const c of calls) {
      if (c.kind === 'echo') expect(c.sink.toneSeconds(c.freq)).toBeGreaterThan(2.5);
      else expect(c.sink.toneSeconds(500)).toBeGreaterThan(0.8); // "hello": 5 characters
    }
    expect(server.stats).toMatchObject({ calls: 30, active: 0, appErrors: 0 });
    await close();
  });
});
