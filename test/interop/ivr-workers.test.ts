/**
 * `shtoom ivr --workers 2` against `shtoom serve ivr-demo` (both the built
 * CLI, separate processes on loopback): a passing scenario and the failing
 * example, each twice, four at once over two worker threads. The merged
 * result is what one thread reports: the runs in the order they were
 * started (scenario by scenario, repeat after repeat), 2 passed and 2
 * failed (exit 1, the failing one named with its step), the load summary
 * over the four calls.
 *
 * Then a worker thread that really dies mid-run (the test-only
 * `SHTOOM_TEST_WORKER_EXIT=1:1`: worker 1's first thread exits as its
 * first run starts): that run fails, named with "its worker exited (7)";
 * the worker is restarted and runs the rest of its share; the other
 * worker's runs pass; the JSON report holds every run once and counts the
 * death and the restart; exit 1 (must fail: never 0 when a worker died with
 * a run in flight).
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

const HANG_UP = `name: hang up at once
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
`;

describe('shtoom ivr --workers 2 against shtoom serve ivr-demo', () => {
  it('runs spread over two threads, merged as one thread reports them; the failing run fails the run', async () => {
    const hangUp = join(dir, 'a-hang-up.yaml');
    writeFileSync(hangUp, HANG_UP);
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

  it('must fail: a worker thread dies mid-run: its run fails, named; restarted; each run once; exit 1', async () => {
    const hangUp = join(dir, 'b-hang-up.yaml');
    writeFileSync(hangUp, HANG_UP);
    const json = join(dir, 'died.json');
    const junit = join(dir, 'died.xml');
    const r = await runShtoom(
      [
        'ivr',
        hangUp,
        '--var',
        `ivr=sip:ivr@127.0.0.1:${port}`,
        '--concurrency',
        '2',
        '--repeat',
        '4',
        '--workers',
        '2',
        '--json-file',
        json,
        '--junit',
        junit,
        ...LOOPBACK,
      ],
      { timeoutSec: 150, env: { ...process.env, SHTOOM_TEST_WORKER_EXIT: '1:1' } },
    );
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^FAIL hang up at once \(.*\): its worker exited \(7\)$/m);
    expect(r.stdout).toMatch(/^2 worker threads: 1 died, 1 restarted$/m);
    const out = JSON.parse(readFileSync(json, 'utf8')) as {
      summary: { total: number; passed: number; failed: number };
      scenarios: { name: string; iteration: number; status: string; failure?: string }[];
      workers: { workers: number; deaths: number; restarts: number; abandoned: number };
    };
    expect(out.summary).toEqual({ total: 4, passed: 3, failed: 1 });
    // Run 1 was worker 1's first: lost with its thread; run 3, the rest of its share, ran on the restarted thread.
    expect(out.scenarios.map((s) => [s.iteration, s.status, s.failure])).toEqual([
      [1, 'failed', 'its worker exited (7)'],
      [2, 'passed', undefined],
      [3, 'passed', undefined],
      [4, 'passed', undefined],
    ]);
    expect(out.workers).toEqual({ workers: 2, deaths: 1, restarts: 1, abandoned: 0 });
    const xml = readFileSync(junit, 'utf8');
    expect(xml.match(/<testcase /g)).toHaveLength(4);
    expect(xml.match(/<failure message="its worker exited \(7\)"/g)).toHaveLength(1);
  });
});
