/**
 * The voicemail app in virtual time: callers on simulated phones leave
 * messages (ended by hang-up, `#`, silence and the maximum length; too
 * short and discarded), reach mailboxes through Diversion and History-Info,
 * skip the greeting with `*`, go to the operator with `0`, meet an unknown
 * mailbox; the owner's menu (login, counts, envelope and message, delete,
 * save, previous and next, greeting and PIN); message-summary NOTIFYs.
 * Each prompt is a tone of its own, so what a caller heard says which
 * prompt it was.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Call } from '../../src/app/call.js';
import { Phone } from '../../src/app/phone.js';
import type { AudioSource } from '../../src/audio/device.js';
import { encodeWav, readWavFile as readWav } from '../../src/audio/formats/wav.js';
import { parseSummary, summaryBody } from '../../src/apps/voicemail/message-summary.js';
import { PROMPTS, countsPrompt, whoPrompt } from '../../src/apps/voicemail/prompts.js';
import { type Mailbox, VoicemailService } from '../../src/apps/voicemail/service.js';
import { type MessageMeta, VoicemailStore } from '../../src/apps/voicemail/store.js';
import { DougServer } from '../../src/doug/server.js';
import { AccessControl } from '../../src/sip/access/access-control.js';
import { DigestServer } from '../../src/sip/auth/digest-server.js';
import { buildResponse } from '../../src/sip/message/build.js';
import type { SipRequest } from '../../src/sip/message/message.js';
import { parseMessage } from '../../src/sip/message/parse.js';
import { serializeMessage } from '../../src/sip/message/serialize.js';
import type { SimSocket } from '../../src/sim/network.js';
import { cached } from '../../src/doug/tts.js';
import { Logger, MemorySink } from '../../src/log/logger.js';
import { toneSecondsIn } from '../support/tone-presence.js';
import { CaptureSink, PhoneWorld, generated } from '../app/support/sim-phones.js';

const SERVER = '10.0.2.100';
const root = mkdtempSync(join(tmpdir(), 'shtoom-vm-app-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Each prompt a tone of its own; any other text (an envelope) 3500 Hz. */
const PROMPT_HZ = new Map<string, number>([
  [`${whoPrompt('100')} ${PROMPTS.unavailable}`, 2000],
  [PROMPTS.noMailbox, 2100],
  [PROMPTS.saved, 2200],
  [PROMPTS.tooShort, 2300],
  [PROMPTS.mailbox, 2400],
  [PROMPTS.pin, 2500],
  [PROMPTS.wrongLogin, 2600],
  [PROMPTS.goodbye, 2700],
  [countsPrompt(2, 0), 2800],
  [countsPrompt(0, 0), 2900],
  [PROMPTS.afterMessage, 3000],
  [PROMPTS.deleted, 3100],
  [PROMPTS.saved2, 3200],
  [PROMPTS.options, 3300],
  [PROMPTS.pinChanged, 3400],
  [PROMPTS.transferring, 3600],
  [countsPrompt(1, 0), 3700],
  [PROMPTS.recordGreeting, 3800],
  [PROMPTS.recorded, 3900],
  [`${whoPrompt('200', 'Bob Jones')} ${PROMPTS.unavailable}`, 1900],
  [PROMPTS.first, 1800],
  [PROMPTS.noCallback, 1400],
  [PROMPTS.callingBack, 1200],
]);
const ENVELOPE_HZ = 3500;
const tts = cached('tones', async (text) => {
  const hz = PROMPT_HZ.get(text) ?? ENVELOPE_HZ;
  return Int16Array.from({ length: 4800 }, (_, i) => Math.round(6000 * Math.sin((2 * Math.PI * hz * i) / 8000)));
});

const MAILBOXES = new Map<string, Mailbox>([
  ['100', { number: '100', pin: '1234' }],
  ['200', { number: '200', pin: '5555', name: 'Bob Jones' }],
]);

interface Caller {
  readonly phone: Phone;
  readonly call: Call;
  readonly sink: CaptureSink;
  hz: number;
}

let seq = 0;
async function setUp(
  seed: number,
  extra: Partial<ConstructorParameters<typeof VoicemailService>[0]> = {},
  at: { access?: AccessControl; before?: (world: PhoneWorld) => Promise<void> } = {},
) {
  const world = new PhoneWorld(seed);
  world.net.setProfile({ delayMs: 10 });
  await at.before?.(world);
  const phone = at.access
    ? await Phone.create({
        ua: await world.ua(SERVER, { aor: `sip:voicemail@${SERVER}`, access: at.access }),
        platform: world.platform(),
        media: { address: SERVER, rtcpMux: true },
      })
    : await world.phone(SERVER);
  const logs = new MemorySink();
  const log = new Logger(logs, 'info');
  const dir = join(root, `vm-${++seq}`);
  const store = new VoicemailStore(dir);
  const service = new VoicemailService({
    store,
    mailboxes: MAILBOXES,
    tts,
    log,
    now: () => Date.UTC(2026, 0, 5, 9, 30),
    ...extra,
  });
  service.listen(phone.ua);
  const server = new DougServer({ phone, app: service.app, tts, log, name: 'voicemail' }).start();
  let n = 0;
  const dial = async (uri: string, opts: { hz?: number; headers?: [string, string][]; from?: string } = {}) => {
    const p = await world.phone(`10.0.2.${++n}`);
    const sink = new CaptureSink();
    const c = { hz: opts.hz ?? 0 };
    let phase = 0;
    const source: AudioSource = generated('tone', (f) => {
      const w = (2 * Math.PI * c.hz) / 8000;
      for (let i = 0; i < f.length; i++, phase += w) f[i] = c.hz ? Math.round(6000 * Math.sin(phase)) : 0;
      phase %= 2 * Math.PI;
    });
    const call = p.call(uri, { source, sink, ...(opts.headers ? { headers: opts.headers } : {}) });
    await world.until(call.answered);
    const caller: Caller = {
      phone: p,
      call,
      sink,
      get hz() {
        return c.hz;
      },
      set hz(v: number) {
        c.hz = v;
      },
    };
    return caller;
  };
  const close = async () => {
    await world.until(server.close());
    await world.until(service.close());
    await world.until(phone.close());
  };
  const lines = () => logs.records.map((r) => r.msg);
  const meta = (mb: string, folder: 'INBOX' | 'Old', i: number) =>
    JSON.parse(readFileSync(join(dir, mb, folder, `msg${String(i).padStart(4, '0')}.json`), 'utf8')) as MessageMeta;
  const files = (mb: string, folder: string) => {
    const d = join(dir, mb, folder);
    return existsSync(d) ? readdirSync(d).sort() : [];
  };
  const wavTone = (mb: string, folder: string, i: number, hz: number) => {
    const { samples } = readWav(join(dir, mb, folder, `msg${String(i).padStart(4, '0')}.wav`));
    return toneSecondsIn(samples, hz);
  };
  return { world, phone, service, store, server, dir, dial, close, lines, meta, files, wavTone };
}

/** Seconds of a tone in everything a caller heard. */
function heard(c: Caller, hz: number): number {
  return toneSecondsIn(c.sink.samples(), hz);
}

/** Leave a message of `seconds` of `hz` after the greeting (1.4 s with the beep), then hang up. */
async function leave(t: Awaited<ReturnType<typeof setUp>>, uri: string, hz: number, seconds: number) {
  const c = await t.dial(uri);
  await t.world.run(1700);
  c.hz = hz;
  await t.world.run(seconds * 1000);
  c.hz = 0;
  await t.world.until(c.call.hangup());
  await t.world.run(500);
  return c;
}

describe('voicemail: leaving a message', () => {
  it('greets, beeps, records until the caller hangs up; files INBOX/msg0000.wav and .json', async () => {
    const t = await setUp(1);
    const c = await leave(t, `sip:100@${SERVER}`, 700, 3);
    expect(heard(c, 2000)).toBeGreaterThan(0.4); // "The person at extension 1 0 0 is not available…"
    expect(heard(c, 1000)).toBeGreaterThan(0.2); // the beep
    expect(t.files('100', 'INBOX')).toEqual(['msg0000.json', 'msg0000.wav']);
    expect(t.wavTone('100', 'INBOX', 0, 700)).toBeGreaterThan(2.7);
    expect(t.wavTone('100', 'INBOX', 0, 700)).toBeLessThan(3.3);
    const m = t.meta('100', 'INBOX', 0);
    expect(m).toMatchObject({ mailbox: '100', called: `sip:100@${SERVER}`, codec: 'PCMU', ended: 'hangup' });
    expect(m.caller).toContain('10-0-2-1@10.0.2.1');
    expect(m.time).toBe('2026-01-05T09:30:00.000Z');
    expect(m.duration).toBeGreaterThan(2.9);
    expect(m.duration).toBeLessThan(4);
    expect(t.files('100', 'tmp')).toEqual([]);
    expect(t.lines().some((l) => /100: message 0 from .* ended by hangup/.test(l))).toBe(true);
    // A second message takes the next number.
    await leave(t, `sip:100@${SERVER}`, 900, 2);
    expect(t.wavTone('100', 'INBOX', 1, 900)).toBeGreaterThan(1.7);
    expect(t.store.counts('100')).toEqual({ new: 2, old: 0 });
    await t.close();
  });

  it('# ends the message: "saved", then the server hangs up', async () => {
    const t = await setUp(2);
    const c = await t.dial(`sip:100@${SERVER}`);
    await t.world.run(1700);
    c.hz = 700;
    await t.world.run(2000);
    c.hz = 0;
    await t.world.until(c.call.sendDtmf('#'));
    const end = await t.world.until(c.call.ended);
    expect(end.reason).toBe('remote-hangup');
    expect(heard(c, 2200)).toBeGreaterThan(0.4);
    expect(t.meta('100', 'INBOX', 0).ended).toBe('dtmf');
    expect(t.wavTone('100', 'INBOX', 0, 700)).toBeGreaterThan(1.7);
    await t.close();
  });

  it('silence ends the message (after the configured seconds); the maximum length ends it too', async () => {
    const t = await setUp(3, { silenceMs: 2000, maxSeconds: 6 });
    const c = await t.dial(`sip:100@${SERVER}`);
    await t.world.run(1700);
    c.hz = 700;
    await t.world.run(1500);
    c.hz = 0;
    const t0 = t.world.scheduler.now();
    await t.world.until(c.call.ended);
    // 2 s of silence, the prompt, the hang-up.
    expect(t.world.scheduler.now() - t0).toBeGreaterThan(2000);
    expect(t.world.scheduler.now() - t0).toBeLessThan(4000);
    expect(t.meta('100', 'INBOX', 0).ended).toBe('silence');
    const d = await t.dial(`sip:100@${SERVER}`);
    await t.world.run(1700);
    d.hz = 800;
    await t.world.until(d.call.ended, 10_000);
    expect(t.meta('100', 'INBOX', 1)).toMatchObject({ ended: 'max', duration: 6 });
    await t.close();
  });

  it('under 1 s of sound is discarded: nothing filed, "too short" when the caller is still there', async () => {
    const t = await setUp(4);
    await leave(t, `sip:100@${SERVER}`, 700, 0.6);
    expect(t.files('100', 'INBOX')).toEqual([]);
    expect(t.files('100', 'tmp')).toEqual([]);
    expect(t.lines().some((l) => /discarded: under 1 s/.test(l))).toBe(true);
    const c = await t.dial(`sip:100@${SERVER}`);
    await t.world.run(1700);
    await t.world.until(c.call.sendDtmf('#'));
    await t.world.until(c.call.ended);
    expect(heard(c, 2300)).toBeGreaterThan(0.4);
    expect(t.files('100', 'INBOX')).toEqual([]);
    await t.close();
  });

  it('an unknown mailbox: told so, hung up, nothing recorded', async () => {
    const t = await setUp(5);
    const c = await t.dial(`sip:999@${SERVER}`, { hz: 700 });
    await t.world.until(c.call.ended);
    expect(heard(c, 2100)).toBeGreaterThan(0.4);
    expect(heard(c, 1000)).toBe(0);
    expect(existsSync(join(t.dir, '999'))).toBe(false);
    expect(t.lines().some((l) => /no mailbox "999"/.test(l))).toBe(true);
    await t.close();
  });

  it('Diversion (RFC 5806) and History-Info (RFC 7044 mp) name the mailbox of a forwarded call', async () => {
    const t = await setUp(6);
    const c = await t.dial(`sip:voicemail@${SERVER}`, {
      headers: [['Diversion', '<sip:200@pbx.example.com>;reason=no-answer;counter=1, <sip:100@pbx.example.com>']],
    });
    await t.world.run(1700);
    expect(heard(c, 1900)).toBeGreaterThan(0.4); // Bob Jones's greeting, by name
    c.hz = 700;
    await t.world.run(2000);
    await t.world.until(c.call.hangup());
    await t.world.run(300);
    expect(t.meta('200', 'INBOX', 0)).toMatchObject({ called: '200', ended: 'hangup' });
    const d = await t.dial(`sip:voicemail@${SERVER}`, {
      headers: [
        [
          'History-Info',
          '<sip:alice@pbx.example.com>;index=1, <sip:100@pbx.example.com>;index=1.1;rc=1, ' +
            '<sip:voicemail@10.0.2.100?Reason=SIP%3Bcause%3D408>;index=1.1.1;mp=1.1',
        ],
      ],
    });
    await t.world.run(1700);
    expect(heard(d, 2000)).toBeGreaterThan(0.4);
    d.hz = 800;
    await t.world.run(2000);
    await t.world.until(d.call.hangup());
    await t.world.run(300);
    expect(t.wavTone('100', 'INBOX', 0, 800)).toBeGreaterThan(1.7);
    await t.close();
  });

  it("* skips the owner's recorded greeting; 0 transfers the caller to the operator", async () => {
    const t = await setUp(7, { operator: `sip:operator@10.0.2.50` });
    const op = await t.world.phone('10.0.2.50');
    const opCalls: Call[] = [];
    op.on('incoming', (call) => {
      opCalls.push(call);
      void call.answer({ source: generated('silence', (f) => f.fill(0)) });
    });
    // The owner's greeting: 6 s of 1500 Hz.
    const g = Int16Array.from({ length: 48_000 }, (_, i) =>
      Math.round(6000 * Math.sin((2 * Math.PI * 1500 * i) / 8000)),
    );
    mkdirSync(join(t.dir, '100'), { recursive: true });
    writeFileSync(t.store.greeting('100'), encodeWav(g, { sampleRate: 8000, channels: 1, encoding: 'pcm16' }));
    const c = await t.dial(`sip:100@${SERVER}`);
    await t.world.run(1000);
    await t.world.until(c.call.sendDtmf('*'));
    await t.world.run(800);
    c.hz = 700;
    await t.world.run(2000);
    await t.world.until(c.call.hangup());
    await t.world.run(300);
    expect(heard(c, 1500)).toBeLessThan(1.5);
    expect(heard(c, 1000)).toBeGreaterThan(0.2);
    expect(t.wavTone('100', 'INBOX', 0, 700)).toBeGreaterThan(1.7);
    const d = await t.dial(`sip:100@${SERVER}`);
    d.call.on('transfer-requested', (r) => void r.accept({ source: generated('silence', (f) => f.fill(0)) }));
    await t.world.run(1000);
    await t.world.until(d.call.sendDtmf('0'));
    const end = await t.world.until(d.call.ended);
    expect(end.reason).toBe('transferred');
    expect(opCalls.length).toBe(1);
    expect(heard(d, 3600)).toBeGreaterThan(0.4);
    expect(t.files('100', 'INBOX')).toEqual(['msg0000.json', 'msg0000.wav']);
    await t.world.until(op.close());
    await t.close();
  });
});

/** A message straight into the store: `seconds` of `hz`. */
function stored(t: Awaited<ReturnType<typeof setUp>>, mb: string, hz: number, seconds: number, caller: string) {
  const rec = t.store.begin(mb, { caller, called: `sip:${mb}@vm`, codec: 'PCMU' }, new Date(Date.UTC(2026, 0, 2)));
  const pcm = Int16Array.from({ length: seconds * 8000 }, (_, i) =>
    Math.round(6000 * Math.sin((2 * Math.PI * hz * i) / 8000)),
  );
  writeFileSync(rec.wav, encodeWav(pcm, { sampleRate: 8000, channels: 1, encoding: 'pcm16' }));
  return t.store.finish(rec, 'hangup')!;
}

/** What a caller heard from now on: run, then the tones in the new part. */
async function hearing(t: Awaited<ReturnType<typeof setUp>>, c: Caller, ms: number, freqs: number[]) {
  const from = c.sink.frames.length;
  await t.world.run(ms);
  const frames = c.sink.frames.slice(from);
  const x = new Int16Array(frames.length * 160);
  for (const [i, f] of frames.entries()) x.set(f, i * 160);
  return Object.fromEntries(freqs.map((f) => [f, toneSecondsIn(x, f)]));
}

describe("voicemail: the owner's menu", () => {
  it(
    'logs in; counts; envelope and message; 3 deletes (files go, ' + 'numbers dense), 4, 2 saves to Old, 1 replays',
    async () => {
      const t = await setUp(11);
      stored(t, '100', 600, 2, '<sip:201@pbx>');
      stored(t, '100', 800, 2, '"Carol" <sip:202@pbx>');
      const o = await t.dial(`sip:voicemail@${SERVER}`);
      await t.world.until(o.call.sendDtmf('100#1234#'));
      let h = await hearing(t, o, 7500, [2800, ENVELOPE_HZ, 600, 800, 3000]);
      expect(h[2800]).toBeGreaterThan(0.4); // "You have 2 new and no old messages."
      expect(h[ENVELOPE_HZ]).toBeGreaterThan(0.4);
      expect(h[600]).toBeGreaterThan(1.7);
      expect(h[800]).toBe(0);
      expect(h[3000]).toBeGreaterThan(0.4); // the menu after a message
      await t.world.until(o.call.sendDtmf('3'));
      h = await hearing(t, o, 6500, [3100, 600, 800]);
      expect(h[3100]).toBeGreaterThan(0.4); // "Message deleted."
      expect(h[800]).toBeGreaterThan(1.7); // the next one plays
      expect(t.files('100', 'INBOX')).toEqual(['msg0000.json', 'msg0000.wav']);
      expect(t.wavTone('100', 'INBOX', 0, 800)).toBeGreaterThan(1.7);
      await t.world.until(o.call.sendDtmf('4'));
      h = await hearing(t, o, 2500, [1800]);
      expect(h[1800]).toBeGreaterThan(0.4); // "This is the first message."
      await t.world.until(o.call.sendDtmf('2'));
      h = await hearing(t, o, 3000, [3200]);
      expect(h[3200]).toBeGreaterThan(0.4); // "Message saved."
      expect(t.files('100', 'INBOX')).toEqual([]);
      expect(t.wavTone('100', 'Old', 0, 800)).toBeGreaterThan(1.7);
      expect(t.meta('100', 'Old', 0).caller).toBe('"Carol" <sip:202@pbx>');
      await t.world.until(o.call.sendDtmf('1'));
      h = await hearing(t, o, 4000, [800]);
      expect(h[800]).toBeGreaterThan(1.7);
      await t.world.until(o.call.hangup());
      await t.close();
    },
  );

  it(
    "7 calls the caller back (REFER to the envelope's URI); a caller without a callable URI is said so, " +
      'and the owner stays in the menu',
    async () => {
      const t = await setUp(16);
      const bob = await t.world.phone('10.0.2.60');
      const bobCalls: Call[] = [];
      bob.on('incoming', (call) => {
        bobCalls.push(call);
        void call.answer({ source: generated('silence', (f) => f.fill(0)) });
      });
      stored(t, '100', 600, 2, 'unknown');
      stored(t, '100', 800, 2, '"Bob" <sip:10-0-2-60@10.0.2.60>;tag=77');
      const o = await t.dial(`sip:voicemail@${SERVER}`);
      o.call.on('transfer-requested', (r) => void r.accept({ source: generated('silence', (f) => f.fill(0)) }));
      await t.world.until(o.call.sendDtmf('100#1234#'));
      let h = await hearing(t, o, 5000, [600, 3000]);
      expect(h[600]).toBeGreaterThan(1.7);
      await t.world.until(o.call.sendDtmf('7'));
      h = await hearing(t, o, 1500, [1400, 1200]);
      expect(h[1400]).toBeGreaterThan(0.4); // "This caller cannot be called back."
      expect(h[1200]).toBe(0);
      expect(t.lines()).toContain('100: no call back to unknown: not a callable URI');
      await t.world.until(o.call.sendDtmf('6'));
      h = await hearing(t, o, 4000, [800]);
      expect(h[800]).toBeGreaterThan(1.7); // still in the menu: the next message plays
      await t.world.until(o.call.sendDtmf('7'));
      const end = await t.world.until(o.call.ended);
      expect(end.reason).toBe('transferred');
      expect(heard(o, 1200)).toBeGreaterThan(0.4); // "Please hold while I call back the caller."
      expect(bobCalls).toHaveLength(1);
      expect(t.lines()).toContain('100: the owner calls back sip:10-0-2-60@10.0.2.60');
      // Nothing is lost by calling back: both messages stay.
      expect(t.files('100', 'INBOX')).toHaveLength(4);
      await t.world.until(bob.close());
      await t.close();
    },
  );

  it('three wrong logins: "Goodbye" and the call ends; a mailbox without PIN cannot log in', async () => {
    const t = await setUp(12, {
      mailboxes: new Map([...MAILBOXES, ['300', { number: '300' }]]),
    });
    const o = await t.dial(`sip:voicemail@${SERVER}`);
    await t.world.until(o.call.sendDtmf('100#1111#300##100#'));
    await t.world.run(2000);
    await t.world.until(o.call.sendDtmf('12345#'));
    const end = await t.world.until(o.call.ended, 60_000);
    expect(end.reason).toBe('remote-hangup');
    expect(toneSecondsIn(o.sink.samples(), 2600)).toBeGreaterThan(1.5); // three "not correct"
    expect(heard(o, 2700)).toBeGreaterThan(0.4);
    expect(t.lines().some((l) => /refused at the owners' menu: wrong mailbox or PIN 3 times/.test(l))).toBe(true);
    await t.close();
  });

  it('0: a new PIN (kept in the mailbox, used from then on) and a recorded greeting callers then hear', async () => {
    const t = await setUp(13);
    const o = await t.dial(`sip:voicemail@${SERVER}`);
    await t.world.until(o.call.sendDtmf('100#1234#'));
    await t.world.run(1500);
    await t.world.until(o.call.sendDtmf('05'));
    await t.world.run(300);
    await t.world.until(o.call.sendDtmf('4321#4321#'));
    let h = await hearing(t, o, 2500, [3400]);
    expect(h[3400]).toBeGreaterThan(0.4);
    expect(t.store.pin('100')).toBe('4321');
    await t.world.until(o.call.sendDtmf('1'));
    await t.world.run(1500); // "After the tone, say your greeting…", the beep
    o.hz = 1300;
    await t.world.run(2000);
    o.hz = 0;
    await t.world.until(o.call.sendDtmf('#'));
    h = await hearing(t, o, 1500, [3900]);
    expect(h[3900]).toBeGreaterThan(0.4); // "It is recorded."
    await t.world.until(o.call.hangup());
    const caller = await t.dial(`sip:100@${SERVER}`);
    await t.world.run(3000);
    expect(heard(caller, 1300)).toBeGreaterThan(1.5);
    expect(heard(caller, 2000)).toBe(0);
    await t.world.until(caller.call.hangup());
    // The old PIN no longer works, the new one does.
    const again = await t.dial(`sip:voicemail@${SERVER}`);
    await t.world.until(again.call.sendDtmf('100#1234#'));
    h = await hearing(t, again, 3000, [2600, 2900]);
    expect(h[2600]).toBeGreaterThan(0.4);
    await t.world.until(again.call.sendDtmf('100#4321#'));
    h = await hearing(t, again, 3000, [2900]);
    expect(h[2900]).toBeGreaterThan(0.4); // "You have no messages."
    await t.world.until(again.call.hangup());
    await t.close();
  });
});

describe('voicemail: the owner authenticated by digest (serve --auth)', () => {
  it(
    "a caller authenticated as a mailbox's user reaches its menu without mailbox and PIN; " +
      'another user and a caller without --auth are asked for them',
    async () => {
      const users = new Map([
        ['alice', 'alice-pw'],
        ['200', 'bob-pw'],
        ['eve', 'eve-pw'],
      ]);
      const digest = new DigestServer({
        realm: 'vm.test',
        lookup: (u) => users.get(u),
        random: (n) => new Uint8Array(n),
      });
      const access = new AccessControl({ digest, failedAuthPerMinute: 0 });
      const t = await setUp(
        14,
        { mailboxes: new Map([...MAILBOXES, ['100', { number: '100', pin: '1234', user: 'alice' }]]) },
        { access },
      );
      stored(t, '100', 600, 2, '<sip:201@pbx>');
      stored(t, '200', 800, 2, '<sip:100@pbx>');
      stored(t, '200', 900, 2, '<sip:100@pbx>');
      let n = 50;
      const owner = async (username: string, password: string) => {
        const host = `10.0.2.${++n}`;
        const p = await Phone.create({
          ua: await t.world.ua(host, { aor: `sip:${username}@${host}`, credentials: { username, password } }),
          platform: t.world.platform(),
          media: { address: host, rtcpMux: true },
        });
        const sink = new CaptureSink();
        const call = p.call(`sip:voicemail@${SERVER}`, { source: generated('silence', () => {}), sink });
        await t.world.until(call.answered);
        return { phone: p, call, sink, hz: 0 } as Caller;
      };
      // alice owns mailbox 100 by its user = alice: straight to "You have 1 new..." and the message.
      const a = await owner('alice', 'alice-pw');
      let h = await hearing(t, a, 6000, [2400, 3700, 600]);
      expect(h[2400]).toBe(0); // never "Please enter your mailbox number"
      expect(h[3700]).toBeGreaterThan(0.4); // "You have 1 new message."
      expect(h[600]).toBeGreaterThan(1.7);
      expect(t.lines().some((l) => /^100: owner logged in from .*, authenticated as alice$/.test(l))).toBe(true);
      await t.world.until(a.call.hangup());
      // 200 has no user: the user named 200 owns it.
      const b = await owner('200', 'bob-pw');
      h = await hearing(t, b, 6000, [2400, 2800, 800]);
      expect(h[2400]).toBe(0);
      expect(h[2800]).toBeGreaterThan(0.4); // "You have 2 new messages."
      expect(h[800]).toBeGreaterThan(1.7);
      await t.world.until(b.call.hangup());
      // eve owns no mailbox: asked for mailbox and PIN as anyone.
      const e = await owner('eve', 'eve-pw');
      h = await hearing(t, e, 3000, [2400, 3700, 2800]);
      expect(h[2400]).toBeGreaterThan(0.4);
      expect(h[3700]! + h[2800]!).toBe(0);
      await t.world.until(e.call.hangup());
      expect(access.stats.authenticated).toBe(3);
      await t.close();
    },
  );

  it('without --auth, an Authorization header proves nothing: the caller is asked for mailbox and PIN', async () => {
    const t = await setUp(15, { mailboxes: new Map([['100', { number: '100', pin: '1234', user: 'alice' }]]) });
    stored(t, '100', 600, 2, '<sip:201@pbx>');
    const o = await t.dial(`sip:voicemail@${SERVER}`, {
      headers: [
        ['Authorization', 'Digest username="alice", realm="x", nonce="1", uri="sip:voicemail@x", response="0"'],
      ],
    });
    const h = await hearing(t, o, 4000, [2400, 3700, 600]);
    expect(h[2400]).toBeGreaterThan(0.4);
    expect(h[3700]! + h[600]!).toBe(0);
    await t.world.until(o.call.hangup());
    await t.close();
  });
});

describe('voicemail: message waiting (RFC 3842)', () => {
  it(
    'a subscriber hears yes on a new message and no after the owner deletes it; ' + 'an unknown mailbox is 404',
    async () => {
      const t = await setUp(21);
      const sub = await t.world.phone('10.0.2.80');
      const s = sub.ua.subscribe(`sip:100@${SERVER}`, {
        event: 'message-summary',
        accept: ['application/simple-message-summary'],
        expires: 600,
      });
      const bodies: string[] = [];
      s.on('notify', (n) => bodies.push(n.text));
      await t.world.until(s.accepted);
      await t.world.run(200);
      expect(bodies.map((b) => parseSummary(b))).toEqual([
        { waiting: false, account: `sip:100@${SERVER}`, voice: { new: 0, old: 0 } },
      ]);
      expect(t.service.subscribers('100')).toBe(1);
      await leave(t, `sip:100@${SERVER}`, 700, 2);
      expect(parseSummary(bodies.at(-1)!)).toMatchObject({ waiting: true, voice: { new: 1, old: 0 } });
      const o = await t.dial(`sip:voicemail@${SERVER}`);
      await t.world.until(o.call.sendDtmf('100#1234#'));
      await t.world.run(7000);
      await t.world.until(o.call.sendDtmf('3'));
      await t.world.run(3000);
      expect(parseSummary(bodies.at(-1)!)).toMatchObject({ waiting: false, voice: { new: 0, old: 0 } });
      expect(heard(o, 2900)).toBeGreaterThan(0.4); // "You have no messages."
      await t.world.until(o.call.hangup());
      const bad = sub.ua.subscribe(`sip:999@${SERVER}`, { event: 'message-summary', expires: 600 });
      const err = await t.world.until(bad.accepted.then(() => undefined).catch((e: { status?: number }) => e));
      expect((err as { status?: number }).status).toBe(404);
      await t.world.until(s.unsubscribe());
      await t.world.until(sub.close());
      await t.close();
    },
  );
  it(
    'a mailbox with notify = URI: an unsolicited NOTIFY there at start, ' + 'on a new message and after the delete',
    async () => {
      const got: { event: string | undefined; state: string | undefined; body: string }[] = [];
      const t = await setUp(
        22,
        { mailboxes: new Map([['100', { number: '100', pin: '1234', notify: 'sip:alice@10.0.2.81' }]]) },
        {
          // alice's phone, as phones configured for unsolicited MWI are: it takes a NOTIFY outside any dialog.
          before: async (world) => {
            const sock: SimSocket = world.net.bind('10.0.2.81', 5060, (data, from) => {
              const req = parseMessage(data, { datagram: true }).message as SipRequest | undefined;
              if (req?.type !== 'request' || req.method !== 'NOTIFY') return;
              got.push({
                event: req.header('event'),
                state: req.header('subscription-state'),
                body: new TextDecoder().decode(req.body),
              });
              sock.send(serializeMessage(buildResponse(req, 200, { toTag: 'p' })), from);
            });
          },
        },
      );
      await t.world.run(500);
      expect(got).toEqual([
        {
          event: 'message-summary',
          state: 'active',
          body: summaryBody({ waiting: false, account: 'sip:alice@10.0.2.81', voice: { new: 0, old: 0 } }),
        },
      ]);
      await leave(t, `sip:100@${SERVER}`, 700, 2);
      await t.world.run(500);
      expect(got).toHaveLength(2);
      expect(parseSummary(got[1]!.body)).toMatchObject({ waiting: true, voice: { new: 1, old: 0 } });
      const o = await t.dial(`sip:voicemail@${SERVER}`);
      await t.world.until(o.call.sendDtmf('100#1234#'));
      await t.world.run(7000);
      await t.world.until(o.call.sendDtmf('3'));
      await t.world.run(3000);
      expect(got).toHaveLength(3);
      expect(parseSummary(got[2]!.body)).toMatchObject({ waiting: false, voice: { new: 0, old: 0 } });
      await t.world.until(o.call.hangup());
      await t.close();
    },
  );

  it('notify to a phone that does not answer: one NOTIFY at a time, the latest state once it gives up', async () => {
    const t = await setUp(23, {
      mailboxes: new Map([['100', { number: '100', pin: '1234', notify: 'sip:alice@10.0.2.82' }]]),
    });
    // Nobody at 10.0.2.82: the first NOTIFY is retransmitted until it times out; changes meanwhile wait.
    stored(t, '100', 600, 2, '<sip:201@pbx>');
    t.service.changed('100');
    stored(t, '100', 800, 2, '<sip:202@pbx>');
    t.service.changed('100');
    await t.world.run(40_000);
    const warned = t.lines().filter((l) => l.startsWith('100: NOTIFY to sip:alice@10.0.2.82'));
    expect(warned).toHaveLength(1);
    await t.world.run(40_000);
    // Then once more with the state of now (not once per change): two in all.
    expect(t.lines().filter((l) => l.startsWith('100: NOTIFY to sip:alice@10.0.2.82'))).toHaveLength(2);
    await t.close();
  });
});
