/**
 * `shtoom ivr --workers 2` against `shtoom serve ivr-demo` (both the built
 * CLI, separate processes on loopback): a passing scenario and the failing
 * example, each twice, four at once over two worker threads. The merged
 * result is what one thread reports: the runs in the order they were
 * started (scenario by scenario, repeat after repeat), 2 passed and 2
 * failed (exit 1, the failing one named with its step), the load summary
 * over the four calls.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PocketsphinxRecogniser } from '../../src/asr/pocketsphinx.js';
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

const EXAMPLES = join(import.meta.dirname, '..', '..', 'examples');
const LOOPBACK = ['--sip-address', '127.0.0.1', '--rtp-address', '127.0.0.1'];
const dir = mkdtempSync(join(tmpdir(), 'shtoom-ivr-workers-'));
let server: Peer;
let port: number;

beforeAll(async () => {
  requireBinary('flite');
  await new PocketsphinxRecogniser().check();
  port = await freeSipPort();
  server = startShtoom(['serve', 'ivr-demo', '--listen', `127.0.0.1:${port}`, '--rtp-address', '127.0.0.1'], {
    timeoutSec: 120,
  });
  await waitFor(() => isListening(port, 'udp'), `shtoom serve ivr-demo on ${port}`).catch((e: Error) => {
    throw new Error(`${e.message}\n${server.stderr()}`);
  });
});

afterAll(async () => {
  await stopAllPeers();
  rmSync(dir, { recursive: true, force: true });
});

describe('shtoom ivr --workers 2 against shtoom serve ivr-demo', () => {
  it('runs spread over two threads, merged as one thread reports them; the failing run fails the run', async () => {
    const hangUp = join(dir, 'a-hang-up.yaml');
    writeFileSync(
      hangUp,
      `name: hang up at once
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
    const json = join(dir, 'run.json');
    const r = await runShtoom(
      [
        'ivr',
        hangUp,
        join(EXAMPLES, 'failing', 'demo-wrong-menu.yaml'),
        '--var',
        `ivr=sip:ivr@127.0.0.1:${port}`,
        '--concurrency',
        '4',
        '--repeat',
        '2',
        '--workers',
        '2',
        '--json-file',
        json,
        ...LOOPBACK,
      ],
      { timeoutSec: 100 },
    );
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^4 scenario runs over 2 worker threads$/m);
    expect(r.stdout).toMatch(/^FAIL demo IVR - wrong menu \(fails on purpose\).*step 6 heard/m);
    const out = JSON.parse(readFileSync(json, 'utf8')) as {
      summary: { total: number; passed: number; failed: number };
      scenarios: { name: string; iteration: number; status: string }[];
      load: { total: number; failed: number; media: { calls: number; packetsLost: number } };
    };
    expect(out.summary).toEqual({ total: 4, passed: 2, failed: 2 });
    // Run order, as one thread starts them: each scenario in turn, repeat after repeat.
    expect(out.scenarios.map((s) => [s.name, s.iteration, s.status])).toEqual([
      ['hang up at once', 1, 'passed'],
      ['demo IVR - wrong menu (fails on purpose)', 1, 'failed'],
      ['hang up at once', 2, 'passed'],
      ['demo IVR - wrong menu (fails on purpose)', 2, 'failed'],
    ]);
    expect(out.load).toMatchObject({ total: 4, failed: 2, media: { calls: 4, packetsLost: 0 } });
  });
});
