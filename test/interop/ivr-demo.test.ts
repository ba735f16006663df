/**
 * `shtoom ivr` against `shtoom serve ivr-demo`, both the built CLI, as
 * separate processes on loopback: every example in examples/ passes (four
 * at once), the one in examples/failing/ fails with a report naming the
 * step, the expected phrase, the free transcript and the prompt chosen, and the clip; the
 * TypeScript example passes through the library (`PhonePort`); and a load
 * run of eight calls at once passes every step. Prompts are spoken by flite
 * in the server and recognised by pocketsphinx in the harness.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PocketsphinxRecogniser } from '../../src/asr/pocketsphinx.js';
import { runScenario } from '../../src/harness/engine/runner.js';
import { PhonePort } from '../../src/harness/phone/phone-port.js';
import tsExample from '../../examples/demo-menu.js';
import {
  freeSipPort,
  isListening,
  requireBinary,
  runShtoom,
  startShtoom,
  stopAllPeers,
  waitFor,
  type Peer,
} from './support/peers.js';

const ROOT = join(import.meta.dirname, '..', '..');
const EXAMPLES = join(ROOT, 'examples');
const LOOPBACK = ['--sip-address', '127.0.0.1', '--rtp-address', '127.0.0.1'];
const dir = mkdtempSync(join(tmpdir(), 'shtoom-ivr-demo-'));
let server: Peer;
let port: number;
let vars: string;

beforeAll(async () => {
  requireBinary('flite');
  // pocketsphinx_batch and the US English model: a missing one fails here with the package to install.
  await new PocketsphinxRecogniser().check();
  port = await freeSipPort();
  // A PIN of its own: the PIN example passes only if --ivr-demo-pin reached the app.
  server = startShtoom(
    ['serve', 'ivr-demo', '--listen', `127.0.0.1:${port}`, '--rtp-address', '127.0.0.1', '--ivr-demo-pin', '2468'],
    { timeoutSec: 300 },
  );
  await waitFor(() => isListening(port, 'udp'), `shtoom serve ivr-demo on ${port}`).catch((e: Error) => {
    throw new Error(`${e.message}\n${server.stderr()}`);
  });
  vars = `ivr=sip:ivr@127.0.0.1:${port},busy=sip:busy@127.0.0.1:${port},pin=2468`;
});

afterAll(async () => {
  await stopAllPeers();
  rmSync(dir, { recursive: true, force: true });
});

describe('shtoom ivr against shtoom serve ivr-demo', () => {
  it('passes every example, fails the failing one with its report, and runs the TypeScript one', async () => {
    const [examples, failing, ts] = await Promise.all([
      runShtoom(['ivr', EXAMPLES, '--var', vars, '--concurrency', '4', '--junit', join(dir, 'ivr.xml'), ...LOOPBACK], {
        timeoutSec: 150,
      }),
      runShtoom(['ivr', join(EXAMPLES, 'failing'), '--var', vars, '--clips', join(dir, 'clips'), ...LOOPBACK], {
        timeoutSec: 150,
      }),
      (async () => {
        const p = await PhonePort.create({ userAgent: { listen: '127.0.0.1:0' }, media: { address: '127.0.0.1' } });
        try {
          return await runScenario(tsExample, { ...p.env(), vars: { ivr: `sip:ivr@127.0.0.1:${port}` } });
        } finally {
          await p.close();
        }
      })(),
    ]);
    // examples/ is searched recursively: examples/failing/ runs too, and fails.
    expect(examples.code, examples.stdout + examples.stderr).toBe(1);
    for (const name of ['busy', 'PIN entry', 'sales', 'support sub-menu'])
      expect(examples.stdout).toMatch(new RegExp(`^PASS demo IVR - ${name} \\(`, 'm'));
    expect(examples.stdout).toMatch(/^FAIL demo IVR - wrong menu \(fails on purpose\) \(/m);
    expect(examples.stdout).toMatch(/^5 scenario runs: 4 passed, 1 failed/m);
    const junit = readFileSync(join(dir, 'ivr.xml'), 'utf8');
    expect(junit).toMatch(/<testsuite name="shtoom ivr" tests="5" failures="1"/);
    // got is the free transcription (what was recognised not knowing the prompts), the decision beside it.
    expect(junit).toMatch(
      /ok {3}[\d#.]+ heard &quot;Your PIN has been accepted\. Your balance is forty two dollars\.&quot; .*&quot; \(chose the expected phrase over \d+ others\)/,
    );

    expect(failing.code, failing.stdout + failing.stderr).toBe(1);
    expect(failing.stdout).toMatch(
      /^ {2}FAIL 6 heard "For billing, press 1\. For support, press 2\. To enter your PIN, press 3\. To hang up, press 9\." .*heard a different prompt: "for sales press one for support press two to enter your pin press three to hang up press nine"/m,
    );
    expect(failing.stdout).toMatch(/^ {2}skip 7 press 1/m);
    expect(failing.stdout).toMatch(/^ {2}expected: {3}"For billing, press 1\. .*"$/m);
    expect(failing.stdout).toMatch(
      /^ {2}got: {8}"[^"]+" \(chose "for sales press one for support press two to enter your pin press three to hang up press nine"\)$/m,
    );
    const clip = /^ {2}clip: {7}(.*\.wav)$/m.exec(failing.stdout)?.[1];
    expect(clip).toBeDefined();
    expect(existsSync(clip!)).toBe(true);

    expect(ts.failure).toBeUndefined();
    expect(ts.media).toMatchObject({ codec: 'pcmu', packetsLost: 0 });
  });

  it('runs eight demo calls at once (load mode) with every step passing, and summarises them', async () => {
    writeFileSync(
      join(dir, 'hang-up.yaml'),
      `name: demo IVR - hang up
timeout: 1m
prompts:
  - Welcome to the shtoom demo line.
  - For sales, press 1. For support, press 2. To enter your PIN, press 3. To hang up, press 9.
  - Thank you for calling. Goodbye.
steps:
  - call: \${ivr}
  - expect: answered
  - listen
  - heard: Welcome to the shtoom demo line.
  - listen
  - press: "9"
  - listen
  - heard: Thank you for calling. Goodbye.
  - expect: hangup
`,
    );
    const r = await runShtoom(
      ['ivr', join(dir, 'hang-up.yaml'), '--var', vars, '--concurrency', '8', '--repeat', '8', '--json', ...LOOPBACK],
      { timeoutSec: 150 },
    );
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as {
      summary: { total: number; passed: number };
      load: {
        passed: number;
        steps: { step: string; failed: number; ms: { p99: number } }[];
        media: { calls: number; packetsLost: number };
      };
    };
    expect(out.summary).toEqual({ total: 8, passed: 8, failed: 0 });
    expect(out.load.media).toMatchObject({ calls: 8, packetsLost: 0 });
    expect(out.load.steps.find((s) => s.step === 'press 9')).toMatchObject({ failed: 0 });
  });
});
