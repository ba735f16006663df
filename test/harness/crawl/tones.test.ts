/**
 * Call-progress tones in the audio after a key — ringback, busy — are a
 * transfer outcome (the IVR handed the call on itself, no REFER), and the
 * scenario written for such a leaf waits for the same tone: a simulated IVR
 * in virtual time. The must-fail: the scenario run against an IVR that says
 * goodbye and hangs up there instead.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { crawl } from '../../../src/harness/crawl/crawler.js';
import { writeCrawl } from '../../../src/harness/crawl/output.js';
import { DEFAULT_TIMING } from '../../../src/harness/crawl/probe.js';
import { actionLabel } from '../../../src/harness/crawl/types.js';
import { loadScenarios } from '../../../src/harness/scenario/yaml.js';
import type { IvrScript } from '../../../src/harness/sim/far-end.js';
import { IvrSimulator } from '../../../src/harness/sim/ivr-simulator.js';
import { VirtualTime } from '../../../src/harness/virtual-time.js';
import { runSim } from '../support/sim.js';

const dir = mkdtempSync(join(tmpdir(), 'shtoom-crawl-tones-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 1: "transferring", then ringback; 2: busy; `plain`: both say goodbye and hang up instead. */
const toneIvr =
  (plain = false): IvrScript =>
  async (call) => {
    call.answer();
    await call.wait(300);
    for (;;) {
      call.flushDtmf();
      await call.say('Main menu. For sales, press 1. For the help desk, press 2.');
      const k = await call.collectDtmf({ max: 1, timeoutMs: 3000 });
      await call.wait(500);
      if ((k === '1' || k === '2') && plain) {
        await call.say('Goodbye.');
        await call.wait(300);
        return call.hangup();
      }
      if (k === '1') {
        await call.say('Transferring you to sales.');
        await call.wait(900);
        await call.playTone([440, 480], { onMs: 2000, offMs: 4000, totalMs: 14_000 });
        return call.hangup();
      }
      if (k === '2') {
        await call.playTone([480, 620], { onMs: 500, offMs: 500, totalMs: 6000 });
        return call.hangup();
      }
    }
  };

describe('call-progress tones after a key (simulator, virtual time)', () => {
  it('ringback and busy are transfers, and the scenario waits for the tone', async () => {
    const vt = new VirtualTime();
    const port = new IvrSimulator({ clock: vt.clock, timers: vt.timers, hold: vt.hold, script: toneIvr() });
    const map = await vt.run(() =>
      crawl(
        {
          uri: 'sip:ivr@sim',
          dtmfMode: 'rfc4733',
          timing: DEFAULT_TIMING,
          limits: { keys: ['1', '2'], inputs: [], maxDepth: 2, maxCalls: 20 },
          concurrency: 3,
        },
        { port, clock: vt.clock, timers: vt.timers, hold: vt.hold },
      ),
    );
    const edges = map.edges
      .map((e) => `${actionLabel(e.action)} -> ${e.outcome} ${e.detail ?? ''} (${e.said.length} said)`)
      .sort();
    expect(edges).toEqual([
      '(no key) -> repeat  (0 said)',
      '1 -> transfer tone: ringback (1 said)',
      '2 -> transfer tone: busy (0 said)',
    ]);
    expect(map.nodes).toHaveLength(1);

    const files = writeCrawl(map, dir, { dtmfMode: 'rfc4733', timing: DEFAULT_TIMING });
    const ringback = files.find((f) => f.endsWith('1-transfer.yaml'))!;
    const [scenario] = loadScenarios([ringback]);
    expect(scenario!.steps.some((s) => s.kind === 'tone')).toBe(true);
    const same = await runSim(scenario!, toneIvr());
    expect(same.result.status, same.result.failure).toBe('passed');
    const plain = await runSim(scenario!, toneIvr(true));
    expect(plain.result.status).toBe('failed');

    // A crawl that cut prompts at another gap writes scenarios whose listen cuts them there too.
    const other = join(dir, 'gap');
    writeCrawl(map, other, { dtmfMode: 'rfc4733', timing: { ...DEFAULT_TIMING, promptGapMs: 500 } });
    expect(readFileSync(join(other, 'scenarios', '1-transfer.yaml'), 'utf8')).toMatch(/- listen:\n\s+silence: 500ms/);
    expect(readFileSync(ringback, 'utf8')).not.toMatch(/silence: /);
  }, 120_000);
});
