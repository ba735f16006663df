/**
 * The demo scenarios on a busy machine: `shtoom ivr examples/demo-*.yaml`
 * against `shtoom serve ivr-demo` (both the built CLI, separate processes
 * on loopback) while one CPU hog per core runs at normal priority. Every
 * scenario must pass: listen collects audio by media time and frame counts
 * (a late event loop neither loses audio nor ends a prompt early) and
 * recognition waits as long as the clip needs on a shared CPU.
 *
 * The hogs are `node` busy loops under `timeout` (bounded), started before
 * the runs and ended by PID after them; each reports the CPU it got, and
 * the test checks they were busy through the runs (a hog that died would
 * leave the machine idle and the test meaningless).
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PocketsphinxRecogniser } from '../../src/asr/pocketsphinx.js';
import {
  freeSipPort,
  isListening,
  requireBinary,
  runShtoom,
  startPeer,
  startShtoom,
  stopAllPeers,
  waitFor,
  type Peer,
} from './support/peers.js';

const EXAMPLES = join(import.meta.dirname, '..', '..', 'examples');
const LOOPBACK = ['--sip-address', '127.0.0.1', '--rtp-address', '127.0.0.1'];

/**
 * A busy loop in 50 ms slices (so SIGTERM is handled between them) that
 * prints, when ended, the CPU it used as a fraction of the time it ran.
 */
const HOG = `
const t0 = performance.now();
process.on('SIGTERM', () => {
  const u = process.cpuUsage();
  console.log(((u.user + u.system) / 1000 / (performance.now() - t0)).toFixed(2));
  process.exit(0);
});
const spin = () => { const end = performance.now() + 50; while (performance.now() < end); setImmediate(spin); };
spin();
`;

let server: Peer;
let port: number;

beforeAll(async () => {
  requireBinary('flite');
  await new PocketsphinxRecogniser().check();
  port = await freeSipPort();
  server = startShtoom(['serve', 'ivr-demo', '--listen', `127.0.0.1:${port}`, '--rtp-address', '127.0.0.1'], {
    timeoutSec: 700,
  });
  await waitFor(() => isListening(port, 'udp'), `shtoom serve ivr-demo on ${port}`).catch((e: Error) => {
    throw new Error(`${e.message}\n${server.stderr()}`);
  });
});

afterAll(async () => {
  await stopAllPeers();
});

describe('the demo scenarios with every core busy', () => {
  it('pass while a CPU hog runs on each core', async () => {
    const hogs = Array.from({ length: Math.max(2, availableParallelism()) }, () =>
      startPeer('node', ['-e', HOG], { timeoutSec: 560 }),
    );
    const vars = `ivr=sip:ivr@127.0.0.1:${port},busy=sip:busy@127.0.0.1:${port},pin=1234`;
    // Two of the four demos (ivr-demo.test.ts runs all four on a quiet machine): a PIN entered by DTMF, and
    // a sub-menu two levels down — the longest listening and the most keys.
    const files = ['demo-pin', 'demo-support'].map((n) => join(EXAMPLES, `${n}.yaml`));
    let r: Awaited<ReturnType<typeof runShtoom>>;
    try {
      // One after another, as a CI job runs them.
      r = await runShtoom(['ivr', ...files, '--var', vars, ...LOOPBACK], { timeoutSec: 500 });
      // Still busy when the runs ended.
      for (const h of hogs) expect(h.child.exitCode, `hog ${h.pid}: ${h.stderr()}`).toBeNull();
    } finally {
      await Promise.all(hogs.map((h) => h.stop()));
    }
    const shares = hogs.map((h) => Number(h.stdout().trim()));
    console.log(`CPU hogs got ${shares.join(', ')} of a core each`);
    for (const s of shares) expect(s).toBeGreaterThan(0);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (const name of ['PIN entry', 'support sub-menu'])
      expect(r.stdout).toMatch(new RegExp(`^PASS demo IVR - ${name} \\(`, 'm'));
    expect(r.stdout).toMatch(/^2 passed, 0 failed/m);
  }, 600_000);
});
