/**
 * A crawl stopped by its call budget, written out and resumed from
 * `tree.json` (its pending probes and prompt WAVs), ends with the same map
 * as one crawl that was never stopped: the demo IVR in the simulator, in
 * virtual time.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compareMaps, viewOfCrawl } from '../../../src/harness/crawl/compare.js';
import { crawl, type CrawlOptions } from '../../../src/harness/crawl/crawler.js';
import { writeCrawl } from '../../../src/harness/crawl/output.js';
import { DEFAULT_TIMING } from '../../../src/harness/crawl/probe.js';
import { readResume } from '../../../src/harness/crawl/tree-file.js';
import { actionLabel } from '../../../src/harness/crawl/types.js';
import { demoIvr } from '../../../src/harness/sim/demo-ivr.js';
import { IvrSimulator } from '../../../src/harness/sim/ivr-simulator.js';
import { VirtualTime } from '../../../src/harness/virtual-time.js';

const dir = mkdtempSync(join(tmpdir(), 'shtoom-crawl-resume-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function crawlSim(maxCalls: number, resume?: CrawlOptions['resume']) {
  const vt = new VirtualTime();
  const port = new IvrSimulator({ clock: vt.clock, timers: vt.timers, hold: vt.hold, script: demoIvr() });
  return vt.run(() =>
    crawl(
      {
        uri: 'sip:ivr@sim',
        dtmfMode: 'rfc4733',
        timing: DEFAULT_TIMING,
        limits: { keys: [...'0123*9'], inputs: ['1234#', '0000#'], maxDepth: 3, maxCalls },
        concurrency: 1,
        ...(resume ? { resume } : {}),
      },
      { port, clock: vt.clock, timers: vt.timers, hold: vt.hold },
    ),
  );
}

const lines = (m: Awaited<ReturnType<typeof crawlSim>>) =>
  m.edges.map((e) => `${e.from} ${actionLabel(e.action)} -> ${e.outcome} ${e.to ?? ''} ${e.said.join(' ')}`.trim());

describe('crawl --resume (simulator, virtual time)', () => {
  it('a crawl stopped at 5 calls, resumed twice from tree.json, ends with the uninterrupted map', async () => {
    const whole = await crawlSim(100);
    expect(whole.unexplored).toBe(0);
    expect(whole.pending).toEqual([]);

    const first = await crawlSim(5);
    expect(first.callsUsed).toBe(5);
    expect(first.pending.length).toBeGreaterThan(0);
    writeCrawl(first, dir, { dtmfMode: 'rfc4733', timing: DEFAULT_TIMING });
    const tree = JSON.parse(readFileSync(join(dir, 'tree.json'), 'utf8')) as { pending: unknown[]; calls: number };
    expect(tree.pending).toHaveLength(first.pending.length);
    expect(tree.calls).toBe(5);

    // Five more calls (the budget counts this run's calls), then the rest.
    const second = await crawlSim(5, readResume(dir));
    expect(second.callsUsed).toBe(10);
    writeCrawl(second, dir, { dtmfMode: 'rfc4733', timing: DEFAULT_TIMING });
    const last = await crawlSim(100, readResume(dir));
    expect(last.pending).toEqual([]);
    expect(last.callsUsed).toBe(whole.callsUsed);
    expect(lines(last)).toEqual(lines(whole));
    expect(last.nodes.map((n) => [n.id, n.kind, n.path.map(actionLabel).join(' ')])).toEqual(
      whole.nodes.map((n) => [n.id, n.kind, n.path.map(actionLabel).join(' ')]),
    );
    expect(last.prompts.map((p) => p.id)).toEqual(whole.prompts.map((p) => p.id));
    expect(compareMaps(viewOfCrawl(whole), viewOfCrawl(last))).toEqual([]);
  }, 120_000);

  it('refuses a pending probe at a menu the map does not have', async () => {
    writeCrawl(await crawlSim(3), dir, { dtmfMode: 'rfc4733', timing: DEFAULT_TIMING });
    const state = readResume(dir);
    await expect(crawlSim(5, { ...state, pending: [{ node: 'n99', action: { kind: 'none' } }] })).rejects.toThrow(
      /pending at n99/,
    );
  }, 60_000);
});
