/**
 * `shtoom phone --control` in-process on loopback: a library phone calls
 * it and a script drives it through stdin — events as JSON lines, audio
 * both ways by tone detection, a bad command is an `error` event and never
 * an exit, `quit` and the end of stdin exit 0; the line mode's words.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { Phone } from '../../src/app/phone.js';
import { openSource } from '../../src/audio/open.js';
import { readWavFile } from '../../src/audio/formats/wav.js';
import { ToneDetector } from '../../src/audio/dsp/tone-detector.js';
import { main } from '../../src/cli/main.js';
import type { Input } from '../../src/cli/command.js';

const dir = mkdtempSync(join(tmpdir(), 'shtoom-cli-phone-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BASE = [
  '--sip-address',
  '127.0.0.1',
  '--sip-port',
  '0',
  '--rtp-address',
  '127.0.0.1',
  '--rtp-port-min',
  '48000',
  '--rtp-port-max',
  '48999',
  '--rtp-clock-realtime',
  '0',
  '--log-level',
  'warn',
];

type Event = { event: string; [k: string]: unknown };

/** The phone command running in-process: its events as they come, and a way to type lines. */
function start(args: string[]) {
  const stdin = new PassThrough();
  const events: Event[] = [];
  let text = '';
  let stderr = '';
  const waiters: (() => void)[] = [];
  const ac = new AbortController();
  const exited = main(['phone', ...args, ...BASE], {
    stdin: () => stdin as unknown as Input,
    stdout: {
      write: (s: string) => {
        text += s;
        if (args.includes('--control'))
          for (const line of s.split('\n').filter(Boolean)) events.push(JSON.parse(line) as Event);
        for (const w of waiters.splice(0)) w();
      },
    },
    stderr: { write: (s: string) => (stderr += s) },
    env: { PATH: process.env.PATH, HOME: dir },
    signal: ac.signal,
  });
  const next = async (name: string, pred: (e: Event) => boolean = () => true, timeoutMs = 10_000) => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const e = events.find((x) => x.event === name && pred(x));
      if (e) return e;
      if (Date.now() > end) throw new Error(`no ${name} event; got ${JSON.stringify(events)} ${stderr}`);
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 50);
      });
    }
  };
  return {
    type: (line: string) => stdin.write(`${line}\n`),
    end: () => stdin.end(),
    events,
    next,
    exited,
    text: () => text,
    stderr: () => stderr,
    abort: () => ac.abort(new Error('SIGTERM')),
  };
}

function toneSeconds(samples: Int16Array, freq: number): number {
  const det = new ToneDetector([{ name: 'f', freqs: [freq] }]);
  det.process(samples);
  det.flush();
  let s = 0;
  for (let e = det.pollEvent(); e; e = det.pollEvent()) if (e.type === 'end') s += (e.duration ?? 0) / 8000;
  return s;
}

describe('shtoom phone --control', () => {
  it(
    'answers a call by command: JSON events, audio both ways; ' + 'bad commands are error events; quit exits 0',
    async () => {
      const heard = join(dir, 'heard.wav');
      const p = start(['--control', '--input', 'tone:700', '--output', heard]);
      const ready = await p.next('ready');
      const port = (ready.listen as { port: number }[])[0]!.port;
      // Bad commands first: each an error event, the phone goes on.
      p.type('frobnicate');
      p.type('hold');
      p.type('dtmf 1 xyz');
      p.type('answer');
      const errors = () => p.events.filter((e) => e.event === 'error').map((e) => e.message);
      await p.next('error', (e) => e.message === 'no call is ringing');
      expect(errors()).toEqual([
        'unknown command "frobnicate" (help lists them)',
        'usage: hold CALL',
        'dtmf: KEYS must be DTMF keys (0-9 * # A-D), got "xyz"',
        'no call is ringing',
      ]);
      const caller = await Phone.create({ userAgent: { listen: 'udp:127.0.0.1:0' }, media: { address: '127.0.0.1' } });
      try {
        const frames: Int16Array[] = [];
        const call = caller.call(`sip:me@127.0.0.1:${port}`, {
          source: await openSource('tone:1200'),
          sink: { uri: 'capture:', write: (f) => void frames.push(f.slice()), close: async () => {} },
        });
        const inc = await p.next('incoming');
        expect(inc).toMatchObject({ call: 1, from: expect.stringContaining('sip:shtoom@127.0.0.1') });
        p.type(`answer ${inc.call}`);
        expect(await p.next('answered')).toEqual({ event: 'answered', call: 1, codec: 'G722' });
        await call.answered;
        const dtmf: string[] = [];
        call.on('dtmf', (d) => dtmf.push(d.digit));
        await new Promise((r) => setTimeout(r, 1500));
        p.type('dtmf 1 42');
        await call.sendDtmf('7');
        expect(await p.next('dtmf')).toMatchObject({ call: 1, digit: '7' });
        p.type('calls');
        expect(await p.next('calls')).toMatchObject({ calls: [{ call: 1, state: 'answered', current: true }] });
        await new Promise((r) => setTimeout(r, 1500));
        expect(dtmf).toEqual(['4', '2']);
        p.type('quit');
        expect(await p.exited).toBe(0);
        expect((await call.ended).reason).toBe('remote-hangup');
        expect(await p.next('ended')).toMatchObject({ call: 1, reason: 'shutdown' });
        // What each side heard.
        const all = new Int16Array(frames.length * 160);
        for (const [i, f] of frames.entries()) all.set(f, i * 160);
        expect(toneSeconds(all, 700)).toBeGreaterThan(2);
        expect(toneSeconds(readWavFile(heard).samples, 1200)).toBeGreaterThan(2);
        // Every line of stdout is one JSON object.
        for (const line of p.text().split('\n').filter(Boolean)) expect(() => JSON.parse(line)).not.toThrow();
      } finally {
        await caller.close();
      }
    },
  );

  it('the end of stdin quits (exit 0); so does SIGTERM', async () => {
    const p = start(['--control']);
    await p.next('ready');
    p.end();
    expect(await p.exited).toBe(0);
    const q = start(['--control']);
    await q.next('ready');
    q.abort();
    expect(await q.exited).toBe(0);
  });

  it('a bad option is one line and exit 2', async () => {
    const p = start(['--control', '--input', join(dir, 'missing.wav')]);
    expect(await p.exited).toBe(2);
    expect(p.stderr()).toMatch(/missing\.wav/);
  });
});

describe('shtoom phone (line mode)', () => {
  it('prints events as words and takes the same commands', async () => {
    const p = start([]);
    for (let i = 0; i < 100 && !p.text().includes('ready:'); i++) await new Promise((r) => setTimeout(r, 50));
    p.type('calls');
    p.type('nonsense');
    p.type('quit');
    expect(await p.exited).toBe(0);
    expect(p.text()).toMatch(/^ready: sip:127\.0\.0\.1:\d+ \(udp 127\.0\.0\.1:\d+/);
    expect(p.text()).toContain('no calls\n');
    expect(p.text()).toContain('error: unknown command "nonsense" (help lists them)\n');
  });
});
