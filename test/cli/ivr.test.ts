/**
 * `shtoom ivr` in-process against a small IVR served by doug on loopback
 * (real SIP and RTP, real time; its "prompt" is synthetic speech, so no TTS
 * or recognition is needed here — test/interop/ivr-demo.test.ts runs the
 * examples against `shtoom serve ivr-demo`): step progress with timings,
 * exit codes, the failure report, TAP, JUnit, JSON, HTML and clips, load
 * mode, and interruption.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Phone } from '../../src/app/phone.js';
import { main } from '../../src/cli/main.js';
import { DougServer } from '../../src/doug/server.js';
import { dougApp } from '../../src/harness/phone/voice-call-far-end.js';
import type { IvrFarEnd } from '../../src/harness/sim/far-end.js';
import { speechLike } from '../harness/support/sim.js';
import { runCli, tempDir } from '../support/cli.js';

const { dir, cleanup } = tempDir('shtoom-cli-ivr-');
// RTP ports of their own: test files run in parallel must not send stray packets to ports another just freed.
const BASE = [
  '--sip-address',
  '127.0.0.1',
  '--rtp-address',
  '127.0.0.1',
  '--rtp-port-min',
  '52000',
  '--rtp-port-max',
  '53999',
  '--rtp-clock-realtime',
  '0',
];
const env = { PATH: process.env.PATH, HOME: dir };

/** A prompt, a key that picks the answer (digits back by RFC 4733), a tone, goodbye. */
async function quickIvr(call: IvrFarEnd): Promise<void> {
  call.ring();
  await call.wait(200);
  if (call.target.startsWith('sip:busy@')) return call.reject(486, 'Busy Here');
  call.answer();
  await call.wait(300);
  await call.play(speechLike(1200, 1));
  const key = await call.collectDtmf({ max: 1, timeoutMs: 4000 });
  await call.wait(300);
  await call.sendDtmf(key === '1' ? '11' : '99', 'rfc4733');
  await call.playTone([440], { totalMs: 800 });
  await call.wait(300);
  call.hangup();
}

let server: Phone;
let doug: DougServer;
let target: string;
beforeAll(async () => {
  server = await Phone.create({
    userAgent: { listen: 'udp:127.0.0.1:0' },
    media: { address: '127.0.0.1', portMin: 54000, portMax: 55999 },
  });
  doug = new DougServer({ phone: server, app: dougApp(quickIvr) }).start();
  target = `127.0.0.1:${server.ua.localAddress.port}`;
  const scenario = (name: string, press: string, extra = '') => `name: ${name}
vars:
  target: sip:ivr@127.0.0.1:9
steps:
  - call: \${target}
  - expect: ringing
  - expect: answered
  - listen
  - duration: {min_ms: 1000, max_ms: 1600}
  - press: "${press}"
  - dtmf: "11"
    timeout: 3s
  - tone: {freq: 440, min_ms: 500}
  - expect: hangup
${extra}`;
  writeFileSync(join(dir, 'pass.yaml'), scenario('quick menu', '1'));
  writeFileSync(join(dir, 'fail.yaml'), scenario('wrong key', '2'));
  writeFileSync(join(dir, 'busy.yaml'), 'name: busy line\nsteps:\n  - call: sip:busy@${host}\n  - expect: busy\n');
  writeFileSync(join(dir, 'bad.yaml'), 'name: bad\nsteps:\n  - call: sip:x@h\n  - expect: sunshine\n');
});
afterAll(async () => {
  await doug.close();
  await server.close();
  cleanup();
});

const ivr = (args: string[]) =>
  runCli(['ivr', ...args, '--var', `target=sip:ivr@${target},host=${target}`, ...BASE], env);

describe('shtoom ivr', () => {
  it('prints each step with its timing as it passes, writes JUnit, JSON and HTML, and exits 0', async () => {
    const r = await ivr([
      join(dir, 'pass.yaml'),
      join(dir, 'busy.yaml'),
      '--junit',
      join(dir, 'out', 'ivr.xml'),
      '--json-file',
      join(dir, 'out', 'ivr.json'),
      '--html',
      join(dir, 'html'),
    ]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines).toContainEqual(expect.stringMatching(/^quick menu {2}\(.*pass\.yaml\)$/));
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}ok {3}2 expect ringing {2}\(\d+–\d+ ms\) 180 Ringing$/));
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}ok {3}4 listen {2}\(\d+–\d+ ms\) \d+ ms of speech$/));
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}ok {3}7 dtmf 11 {2}\(\d+–\d+ ms\) 11$/));
    expect(lines).toContainEqual(expect.stringMatching(/^PASS quick menu \(\d+\.\d s\)$/));
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}ok {3}2 expect busy .* 486 Busy Here$/));
    expect(lines).toContainEqual(expect.stringMatching(/^2 passed, 0 failed \(\d+\.\d s\)$/));
    const junit = readFileSync(join(dir, 'out', 'ivr.xml'), 'utf8');
    expect(junit).toMatch(/<testsuite name="shtoom ivr" tests="2" failures="0"/);
    expect(junit.match(/<testcase /g)).toHaveLength(2);
    const json = JSON.parse(readFileSync(join(dir, 'out', 'ivr.json'), 'utf8')) as {
      summary: unknown;
      scenarios: { media: { codec: string }; audio?: { file: string }; clips: { file: string }[] }[];
    };
    expect(json.summary).toEqual({ total: 2, passed: 2, failed: 0 });
    expect(json.scenarios[0]!.media.codec).toBe('pcmu');
    // Clips are named relative to the report; here they are the HTML report's.
    const clip = json.scenarios[0]!.clips[0]!.file;
    expect(clip).toMatch(/^\.\.\/html\/clips\/s1-c1\.wav$/);
    expect(existsSync(join(dir, 'out', clip))).toBe(true);
    expect(readFileSync(join(dir, 'html', 'index.html'), 'utf8')).toMatch(/quick menu/);
  });

  it('fails with exit 1 and names the step, what was expected and what came, with the clip', async () => {
    const r = await ivr([join(dir, 'fail.yaml'), '--clips', join(dir, 'clips')]);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(
      /^ {2}FAIL 7 dtmf 11 {2}\(\d+–\d+ ms\) digits 11 not received before the call ended \| expected digits 11 \| got 99$/m,
    );
    expect(r.stdout).toMatch(/^ {2}skip 8 tone/m);
    expect(r.stdout).toMatch(
      /^FAIL wrong key \(\d+\.\d s\): step 7 dtmf 11: digits 11 not received before the call ended$/m,
    );
    expect(r.stdout).toMatch(
      /^1 failed:\nwrong key \(.*fail\.yaml\)\n {2}step 7 dtmf 11: digits 11 not received before the call ended\n {2}expected: {3}digits 11\n {2}got: {8}99\n {2}digits: {5}99\n {2}whole call: \/.*\/clips\/s1-call\.wav$/m,
    );
    expect(existsSync(join(dir, 'clips', 's1-call.wav'))).toBe(true);
    expect(r.stdout).toMatch(/^0 passed, 1 failed/m);
  });

  it('prints TAP only with --tap, steps as comments', async () => {
    const r = await ivr([join(dir, 'fail.yaml'), join(dir, 'busy.yaml'), '--tap']);
    expect(r.code).toBe(1);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.slice(0, 2)).toEqual(['TAP version 13', '1..2']);
    expect(lines.every((l) => /^(TAP|1\.\.|ok|not ok|#| {2})/.test(l))).toBe(true);
    expect(r.stdout).toMatch(/^# {3}FAIL 7 dtmf 11/m);
    expect(r.stdout).toMatch(/^not ok 1 - wrong key\n {2}---\n {2}message: "step 7 dtmf/m);
    expect(r.stdout).toMatch(/^ {2}got: "99"\n {2}digits: "99"$/m);
    expect(r.stdout).toMatch(/^ok 2 - busy line$/m);
    expect(lines.at(-1)).toBe('# 1 passed, 1 failed');
  });

  it('runs a load test with --concurrency and --repeat and prints its summary; --json gives it as data', async () => {
    const r = await ivr([join(dir, 'pass.yaml'), '--concurrency', '3', '--repeat', '3', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as {
      summary: unknown;
      scenarios: { iteration: number; audio?: unknown }[];
      load: { passed: number; steps: { step: string }[]; media: { calls: number } };
    };
    expect(out.summary).toEqual({ total: 3, passed: 3, failed: 0 });
    expect(out.scenarios.map((s) => s.iteration).sort()).toEqual([1, 2, 3]);
    expect(out.load.media.calls).toBe(3);
    expect(out.load.steps.map((s) => s.step)).toContain('press 1');
    const human = await ivr([join(dir, 'pass.yaml'), '--concurrency', '2', '--repeat', '2', '--keep-audio', 'failed']);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^PASS quick menu #2 /m);
    expect(human.stdout).toMatch(/^2 scenario runs: 2 passed, 0 failed \(/m);
    expect(human.stdout).toMatch(/^step latency ms \(p50 \/ p90 \/ p99 \/ max, failures\):\n {2}call /m);
    expect(human.stdout).toMatch(/^media: 2 calls, \d+ packets sent, \d+ received, 0 lost/m);
  });

  it('exits 2 for a bad scenario file or option, before any call', async () => {
    const bad = await ivr([join(dir, 'bad.yaml')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^shtoom: .*bad\.yaml:4: expect: .*sunshine/m);
    expect((await ivr([join(dir, 'nothing.yaml')])).stderr).toMatch(/nothing\.yaml: no such file or directory/);
    // A TypeScript scenario file: one clear line, not a YAML parse error.
    const ts = await ivr([join(import.meta.dirname, '..', '..', 'examples', 'demo-menu.ts')]);
    expect(ts.code).toBe(2);
    expect(ts.stderr).toMatch(
      /^shtoom: .*demo-menu\.ts: a TypeScript or JavaScript scenario runs with runScenario\(\)/,
    );
    expect(ts.stderr.trim().split('\n')).toHaveLength(1);
    expect((await ivr([join(dir, 'pass.yaml'), '--rate', '0'])).code).toBe(2);
    expect((await ivr([join(dir, 'pass.yaml'), '--concurrency', '0'])).code).toBe(2);
    const both = await ivr([join(dir, 'pass.yaml'), '--tap', '--json']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--tap and --json/);
    const pin = await runCli(['serve', 'ivr-demo', '--ivr-demo-pin', '12ab'], env);
    expect(pin.code).toBe(2);
    expect(pin.stderr).toMatch(/ivr-demo-pin.*1 to 8 keys/);
    const v = await runCli(['ivr', join(dir, 'pass.yaml'), '--var', 'no-equals'], env);
    expect(v.code).toBe(2);
    expect(v.stderr).toMatch(/name=value/);
  });

  it('stops on Ctrl-C: no new scenario starts, the call is hung up, exit 130', async () => {
    const ac = new AbortController();
    let stdout = '';
    const done = main(
      [
        'ivr',
        join(dir, 'pass.yaml'),
        '--repeat',
        '3',
        '--progress',
        'steps',
        '--var',
        `target=sip:ivr@${target}`,
        ...BASE,
      ],
      {
        stdout: {
          write: (s: string) => {
            stdout += s;
            if (/ok {3}3 expect answered/.test(stdout)) ac.abort();
          },
        },
        stderr: { write: () => undefined },
        env,
        signal: ac.signal,
      },
    );
    expect(await done).toBe(130);
    expect(stdout).toMatch(/^FAIL quick menu /m);
    expect(stdout).toMatch(/^interrupted: 2 of 3 scenario runs not run$/m);
  });
});

describe('shtoom ivr --shard and ivr merge', () => {
  const suite = () => [join(dir, 'pass.yaml'), join(dir, 'busy.yaml'), join(dir, 'fail.yaml')];

  it('two shards run every scenario once; merge gives one report: 2 passed, 1 failed, exit 1', async () => {
    const a = await ivr([...suite(), '--shard', '1/2', '--json-file', join(dir, 'shard-a', 'r.json')]);
    // Named in another order on the other machine: the slices are the same.
    const b = await ivr([...suite().reverse(), '--shard', '2/2', '--json-file', join(dir, 'shard-b', 'r.json')]);
    expect(a.stdout).toMatch(/^shard 1\/2: 2 of the 3 scenarios$/m);
    expect(b.stdout).toMatch(/^shard 2\/2: 1 of the 3 scenarios$/m);
    const names = (f: string) =>
      (JSON.parse(readFileSync(f, 'utf8')) as { scenarios: { name: string }[] }).scenarios.map((x) => x.name);
    const ran = [...names(join(dir, 'shard-a', 'r.json')), ...names(join(dir, 'shard-b', 'r.json'))];
    expect(ran.sort()).toEqual(['busy line', 'quick menu', 'wrong key']);
    expect(a.code + b.code, a.stdout + b.stdout).toBe(1); // the failing scenario ran in one of them

    const m = await runCli(
      [
        'ivr',
        'merge',
        join(dir, 'shard-a', 'r.json'),
        join(dir, 'shard-b', 'r.json'),
        '--junit',
        join(dir, 'merged.xml'),
        '--html',
        join(dir, 'merged-html'),
      ],
      env,
    );
    expect(m.code, m.stdout + m.stderr).toBe(1);
    expect(m.stdout).toMatch(/^1 failed:\nwrong key \(.*fail\.yaml\)\n {2}step 7 dtmf 11: digits 11 not received/m);
    expect(m.stdout).toMatch(/^2 passed, 1 failed \(/m);
    const junit = readFileSync(join(dir, 'merged.xml'), 'utf8');
    expect(junit).toMatch(/<testsuite name="shtoom ivr" tests="3" failures="1"/);
    const html = readFileSync(join(dir, 'merged-html', 'index.html'), 'utf8');
    for (const n of ['quick menu', 'busy line', 'wrong key']) expect(html).toContain(n);
    // The audio came along: the prompt clips the shards wrote are in the merged report.
    expect(existsSync(join(dir, 'merged-html', 'clips'))).toBe(true);
    expect(readdirSync(join(dir, 'merged-html', 'clips')).filter((f) => f.endsWith('.wav')).length).toBeGreaterThan(0);

    // Only the passing shard: exit 0.
    const passing = names(join(dir, 'shard-a', 'r.json')).includes('wrong key') ? 'shard-b' : 'shard-a';
    const ok = await runCli(['ivr', 'merge', join(dir, passing, 'r.json'), '--json'], env);
    expect(ok.code, ok.stderr).toBe(0);
    expect((JSON.parse(ok.stdout) as { summary: { failed: number } }).summary.failed).toBe(0);
  });

  it('an empty shard is exit 0; a bad shard or a file that is no report is one line and exit 2', async () => {
    const empty = await ivr([join(dir, 'pass.yaml'), '--shard', '2/2']);
    expect(empty.code, empty.stderr).toBe(0);
    expect(empty.stdout).toMatch(/^shard 2\/2: 0 of the 1 scenarios$/m);
    const bad = await ivr([join(dir, 'pass.yaml'), '--shard', '3/2']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/shard.*I\/N/);
    writeFileSync(join(dir, 'not-a-report.json'), '{"hello": 1}');
    const notReport = await runCli(['ivr', 'merge', join(dir, 'not-a-report.json')], env);
    expect(notReport.code).toBe(2);
    expect(notReport.stderr.trim().split('\n')).toHaveLength(1);
    expect(notReport.stderr).toMatch(/not-a-report\.json: not a shtoom ivr JSON report: no startedAt/);
    const missing = await runCli(['ivr', 'merge', join(dir, 'nowhere.json')], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nowhere\.json: no such file/);
  });
});
