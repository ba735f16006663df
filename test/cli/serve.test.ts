/**
 * `shtoom serve` in-process on loopback: the built-in apps and a user's app
 * file, capacity (503 with Retry-After), usage errors, and SIGTERM ending
 * calls with BYE and exiting 0.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DtmfReceived } from '../../src/app/call-types.js';
import { Phone } from '../../src/app/phone.js';
import { ToneDetector } from '../../src/audio/dsp/tone-detector.js';
import { openSource } from '../../src/audio/open.js';
import { main } from '../../src/cli/main.js';

const dir = mkdtempSync(join(tmpdir(), 'shtoom-cli-serve-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// RTP ports of their own: other test files, run in parallel, must not send stray packets to ports they just freed and
// we took.
const BASE = [
  '--rtp-address',
  '127.0.0.1',
  '--rtp-port-min',
  '42000',
  '--rtp-port-max',
  '43999',
  '--rtp-clock-realtime',
  '0',
  '--log-level',
  'info',
];

/** Start `shtoom serve …` in-process; resolves once it prints where it listens. */
async function serve(args: string[]) {
  let stdout = '';
  let stderr = '';
  const ac = new AbortController();
  let ready!: (port: number) => void;
  const listening = new Promise<number>((r) => (ready = r));
  const done = main(['serve', ...args, '--listen', 'udp:127.0.0.1:0', '--json', ...BASE], {
    stdout: {
      write: (s: string) => {
        stdout += s;
        const m = /"port": (\d+)/.exec(stdout);
        if (m) ready(Number(m[1]));
      },
    },
    stderr: { write: (s: string) => (stderr += s) },
    env: { PATH: process.env.PATH, HOME: dir },
    signal: ac.signal,
  });
  const port = await Promise.race([
    listening,
    done.then((code) => Promise.reject(new Error(`serve exited ${code}: ${stderr}`))),
  ]);
  return {
    port,
    stop: async () => {
      ac.abort(new Error('SIGTERM'));
      return done;
    },
    stderr: () => stderr,
  };
}

let caller: Phone;
beforeAll(async () => {
  caller = await Phone.create({
    userAgent: { listen: 'udp:127.0.0.1:0' },
    media: { address: '127.0.0.1', portMin: 44000, portMax: 45999 },
  });
});
afterAll(async () => caller.close());

function tone(samples: Int16Array[], freq: number): number {
  const det = new ToneDetector([{ name: 'f', freqs: [freq] }]);
  for (const f of samples) det.process(f);
  det.flush();
  let s = 0;
  for (let e = det.pollEvent(); e; e = det.pollEvent()) if (e.type === 'end') s += (e.duration ?? 0) / 8000;
  return s;
}

function capture() {
  const frames: Int16Array[] = [];
  return {
    frames,
    sink: { uri: 'capture:', write: (f: Int16Array) => void frames.push(f.slice()), close: async () => {} },
  };
}

describe('shtoom serve', () => {
  it('echo: returns audio and DTMF, logs one line per call, SIGTERM ends calls with BYE and exits 0', async () => {
    const s = await serve(['echo']);
    const { frames, sink } = capture();
    const call = caller.call(`sip:echo@127.0.0.1:${s.port}`, { source: await openSource('tone:700'), sink });
    await call.answered;
    const digits: DtmfReceived[] = [];
    call.on('dtmf', (d) => digits.push(d));
    await new Promise((r) => setTimeout(r, 800));
    await call.sendDtmf('7');
    await new Promise((r) => setTimeout(r, 800));
    const ended = call.ended;
    expect(await s.stop()).toBe(0);
    expect((await ended).reason).toBe('remote-hangup');
    expect(tone(frames, 700)).toBeGreaterThan(1);
    expect(digits.map((d) => d.digit)).toEqual(['7']);
    expect(s.stderr()).toMatch(
      /INFO {2}echo: call from .*: G722, \d+\.\d s, \d+ packets in \(0\.0 % lost\).*ended: shutdown/,
    );
  });

  it('announce --play FILE: plays it, then hangs up', async () => {
    const wav = join(dir, 'prompt.wav');
    // 1 s of 900 Hz, written as a WAV by the audio layer's own writer.
    const { WavFileWriter } = await import('../../src/audio/formats/wav.js');
    const w = WavFileWriter.create(wav, { sampleRate: 8000, channels: 1, encoding: 'pcm16' });
    w.write(Int16Array.from({ length: 8000 }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 900 * i) / 8000))));
    w.close();
    const s = await serve(['announce', '--play', wav]);
    const { frames, sink } = capture();
    const call = caller.call(`sip:hello@127.0.0.1:${s.port}`, { sink });
    const end = await call.ended;
    expect(end.reason).toBe('remote-hangup');
    expect(tone(frames, 900)).toBeGreaterThan(0.85);
    expect(await s.stop()).toBe(0);
  });

  it("a user's app file; beyond --capacity a 503 with Retry-After", async () => {
    const app = join(dir, 'app.mjs');
    writeFileSync(
      app,
      `export default async function (call) {\n  call.ring();\n  await call.answer();\n  const key = await ` +
        `call.collectDtmf({ max: 2, timeoutMs: 5000 });\n  await call.sendDtmf(key + key);\n  await ` +
        `call.hangup();\n}\n`,
    );
    const s = await serve([app, '--capacity', '1', '--retry-after', '42s']);
    const first = caller.call(`sip:ivr@127.0.0.1:${s.port}`);
    await first.answered;
    const second = caller.call(`sip:ivr@127.0.0.1:${s.port}`);
    expect(await second.ended).toMatchObject({ reason: 'rejected', status: 503 });
    const heard: string[] = [];
    first.on('dtmf', (d) => heard.push(d.digit));
    // The app answers as soon as the second key arrives, perhaps before our last end packet is out.
    const sending = first.sendDtmf('59').catch(() => undefined);
    expect((await first.ended).reason).toBe('remote-hangup');
    await sending;
    expect(heard.join(''), s.stderr()).toBe('5959');
    expect(await s.stop()).toBe(0);
  });

  it('usage errors: an unknown app, a file that exports no function', async () => {
    const run = (args: string[]) =>
      main(['serve', '--listen', 'udp:127.0.0.1:0', ...BASE, ...args], {
        stdout: { write: () => {} },
        stderr: { write: () => {} },
        env: { PATH: process.env.PATH, HOME: dir },
      });
    expect(await run(['nonesuch'])).toBe(2);
    const bad = join(dir, 'bad.mjs');
    writeFileSync(bad, 'export const x = 1;\n');
    expect(await run([bad])).toBe(2);
    expect(await run(['echo', '--listen', 'udp:127.0.0.1:99999'])).toBe(2);
  });

  it('--workers 2 --drain-timeout: on SIGTERM the call up goes on, a new one gets 503; then exit 0', async () => {
    const s = await serve(['echo', '--workers', '2', '--drain-timeout', '20s']);
    const { frames, sink } = capture();
    const call = caller.call(`sip:echo@127.0.0.1:${s.port}`, { source: await openSource('tone:700'), sink });
    await call.answered;
    const stopped = s.stop();
    await new Promise((r) => setTimeout(r, 300));
    const late = caller.call(`sip:echo@127.0.0.1:${s.port}`);
    expect(await late.ended).toMatchObject({ reason: 'rejected', status: 503 });
    const before = tone(frames, 700);
    await new Promise((r) => setTimeout(r, 1000));
    expect(call.state).toBe('answered');
    expect(tone(frames, 700)).toBeGreaterThan(before + 0.5);
    await call.hangup();
    expect(await stopped).toBe(0);
    expect(s.stderr()).toMatch(/drained: every call ended by itself/);
    expect(s.stderr()).toMatch(/served 1 call\(s\) on 2 media workers/);
  });

  it('--workers: a bad count is one line and exit 2', async () => {
    for (const bad of ['two', '-1', '257']) {
      let err = '';
      const code = await main(['serve', 'echo', '--listen', 'udp:127.0.0.1:0', ...BASE, '--workers', bad], {
        stdout: { write: () => {} },
        stderr: { write: (s: string) => (err += s) },
        env: { PATH: process.env.PATH, HOME: dir },
      });
      expect(code).toBe(2);
      expect(err.trim().split('\n')).toEqual([
        expect.stringMatching(/^shtoom: --workers: .* an integer from 0 to 256$/),
      ]);
    }
  });
});
