/**
 * `shtoom smoke URI --calls N --workers W` (the built CLI) on loopback:
 * - 24 calls over 2 worker threads against `shtoom serve echo`: every call
 *   passes, the per-call percentiles cover all 24, JUnit has one test case
 *   per call;
 * - must fail: against `shtoom serve announce` playing a tone (it answers,
 *   but what comes back is not our signal) the run exits 1 and names every
 *   call with the check it failed; against an echo that holds only 3 calls
 *   (`--capacity 3`), the calls it refuses are counted by their status and
 *   the run exits 1;
 * - a worker thread that really dies mid-run (the test-only
 *   `SHTOOM_TEST_WORKER_EXIT=1:2`: worker 1's first thread exits as its
 *   second call starts): its two calls in flight fail, each named with
 *   "its worker exited (7)", the worker is restarted and places the rest of
 *   its share, the other worker's calls pass, the summary counts one death
 *   and one restart, and the run exits 1 (must fail: never 0 when a worker
 *   died with calls in flight); and with `1:1:every` (each of its threads
 *   exits at its first call) worker 1 is given up after 3 deaths in a row,
 *   the last of its calls failed with the bound's reason, exit 1.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freeSipPort, isListening, runShtoom, startShtoom, stopAllPeers, waitFor } from './support/peers.js';

const COMMON = ['--sip-address', '127.0.0.1', '--rtp-address', '127.0.0.1', '--rtp-clock-realtime', '0'];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'shtoom-smoke-load-'));
});
afterEach(async () => stopAllPeers());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function serve(app: string, extra: string[] = []): Promise<number> {
  const port = await freeSipPort();
  const peer = startShtoom(['serve', app, '--listen', `udp:127.0.0.1:${port}`, ...COMMON, ...extra], {
    timeoutSec: 80,
  });
  await waitFor(() => isListening(port, 'udp') || peer.child.exitCode !== null, `shtoom serve ${app}`);
  if (peer.child.exitCode !== null) throw new Error(`serve ${app} exited: ${peer.stderr()}`);
  return port;
}

describe('shtoom smoke --calls (load mode)', () => {
  it('24 calls over 2 workers against shtoom serve echo: all pass; percentiles of 24; 24 JUnit cases', async () => {
    const port = await serve('echo');
    const junit = join(dir, 'load.xml');
    const r = await runShtoom(
      [
        'smoke',
        `sip:echo@127.0.0.1:${port}`,
        '--calls',
        '24',
        '--workers',
        '2',
        '--rate',
        '24',
        '--duration',
        '5s',
        '--codec',
        'pcmu',
        '--junit',
        junit,
        '--json',
        ...COMMON,
      ],
      { timeoutSec: 60 },
    );
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    const j = JSON.parse(r.stdout.slice(r.stdout.indexOf('{')));
    expect(j).toMatchObject({ calls: 24, answered: 24, passed: 24, failed: 0, failures: [], notAnswered: [] });
    expect(j.results).toHaveLength(24);
    expect(j.results.map((c: { index: number }) => c.index)).toEqual(Array.from({ length: 24 }, (_, i) => i));
    expect(j.latencyMs.count).toBe(24);
    expect(j.latencyMs.max).toBeLessThan(400);
    expect(j.lossPercent.max).toBeLessThanOrEqual(1);
    expect(j.mos.min).toBeGreaterThanOrEqual(3.5);
    for (const c of j.results) expect(c.result.call.codec).toBe('PCMU');
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toMatch(/<testsuites name="shtoom smoke" tests="24" failures="0"/);
    expect(xml.match(/<testcase /g)).toHaveLength(24);
    expect(xml).toContain('name="call 24"');
  });

  it('must fail: serve announce sends a tone, no echo: exit 1, each call named with its failed check', async () => {
    const port = await serve('announce', ['--play', 'tone:440']);
    const r = await runShtoom(
      ['smoke', `sip:echo@127.0.0.1:${port}`, '--calls', '4', '--workers', '2', '--duration', '2s', ...COMMON],
      { timeoutSec: 40 },
    );
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(1);
    expect(r.stdout).toMatch(/4 calls: FAIL/);
    expect(r.stdout).toMatch(/4 answered, 0 passed, 4 failed/);
    for (const n of [1, 2, 3, 4]) expect(r.stdout).toMatch(new RegExp(`FAILED {4}call ${n}: .*probes came back`));
  });

  it('must fail: an echo that holds 3 calls refuses the rest: counted by status, exit 1', async () => {
    const port = await serve('echo', ['--capacity', '3']);
    const r = await runShtoom(
      [
        'smoke',
        `sip:echo@127.0.0.1:${port}`,
        '--calls',
        '6',
        '--workers',
        '2',
        '--duration',
        '3s',
        '--json',
        ...COMMON,
      ],
      { timeoutSec: 40 },
    );
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(1);
    const j = JSON.parse(r.stdout.slice(r.stdout.indexOf('{')));
    expect(j).toMatchObject({ calls: 6, answered: 3, failed: 3 });
    expect(j.notAnswered).toEqual([expect.objectContaining({ status: 503, count: 3 })]);
    expect(j.failures).toHaveLength(3);
  });

  it('must fail: a worker thread dies mid-run: its calls in flight fail, named; it is restarted; exit 1', async () => {
    const port = await serve('echo');
    const r = await runShtoom(
      [
        'smoke',
        `sip:echo@127.0.0.1:${port}`,
        '--calls',
        '8',
        '--workers',
        '2',
        '--rate',
        '8',
        '--duration',
        '3s',
        '--codec',
        'pcmu',
        '--json',
        ...COMMON,
      ],
      { timeoutSec: 60, env: { ...process.env, SHTOOM_TEST_WORKER_EXIT: '1:2' } },
    );
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(1);
    const j = JSON.parse(r.stdout.slice(r.stdout.indexOf('{')));
    // Worker 1 has calls 1, 3, 5, 7 (indexes 0, 2, 4, 6); its thread exits as call 3 starts, with calls 1 and 3 up.
    expect(j).toMatchObject({ calls: 8, passed: 6, failed: 2 });
    expect(j.failures).toEqual([
      { index: 0, checks: ['its worker exited (7)'] },
      { index: 2, checks: ['its worker exited (7)'] },
    ]);
    expect(j.workers).toEqual({ workers: 2, deaths: 1, restarts: 1, abandoned: 0 });
    expect(j.lost).toEqual([{ message: 'its worker exited (7)', count: 2 }]);
    expect(j.results.map((c: { index: number }) => c.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    // The rest of its share went on its restarted thread, and the other worker never noticed.
    for (const c of j.results.filter((x: { index: number }) => ![0, 2].includes(x.index))) {
      expect(c.result.ok, `call ${c.index + 1}: ${JSON.stringify(c.result.checks)}`).toBe(true);
      expect(c.result.call.codec).toBe('PCMU');
    }
    expect(r.stderr).toMatch(/worker 1 died \(its worker exited \(7\)\): 2 call\(s\) in flight failed; restarting it/);
  });

  it('must fail: a worker whose every thread dies is given up after 3 deaths in a row; its rest fails', async () => {
    const port = await serve('echo');
    const r = await runShtoom(
      [
        'smoke',
        `sip:echo@127.0.0.1:${port}`,
        '--calls',
        '8',
        '--workers',
        '2',
        '--duration',
        '2s',
        '--codec',
        'pcmu',
        '--json',
        ...COMMON,
      ],
      { timeoutSec: 60, env: { ...process.env, SHTOOM_TEST_WORKER_EXIT: '1:1:every' } },
    );
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(1);
    const j = JSON.parse(r.stdout.slice(r.stdout.indexOf('{')));
    // Worker 1's calls 1, 3, 5 (indexes 0, 2, 4) each died with a thread; call 7 (index 6) was never placed.
    expect(j.failures).toEqual([
      { index: 0, checks: ['its worker exited (7)'] },
      { index: 2, checks: ['its worker exited (7)'] },
      { index: 4, checks: ['its worker exited (7)'] },
      {
        index: 6,
        checks: ['its worker exited (7); its worker died 3 times in a row and was not started again'],
      },
    ]);
    expect(j.workers).toEqual({ workers: 2, deaths: 3, restarts: 2, abandoned: 1 });
    expect(j).toMatchObject({ calls: 8, passed: 4, failed: 4 });
  });
});
