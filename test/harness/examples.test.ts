/**
 * The example scenarios (examples/) against the demo IVR in the simulator,
 * with the real recogniser and real TTS prompts, in virtual time; the
 * failing example fails the way the docs say.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EngineEnv } from '../../src/harness/engine/context.js';
import { runSuite } from '../../src/harness/load/run-suite.js';
import { tapReport } from '../../src/harness/report/tap.js';
import { loadScenarioFile, loadScenarios } from '../../src/harness/scenario/yaml.js';
import type { Scenario } from '../../src/harness/scenario/types.js';
import { demoIvr } from '../../src/harness/sim/demo-ivr.js';
import { IvrSimulator } from '../../src/harness/sim/ivr-simulator.js';
import { VirtualTime } from '../../src/harness/virtual-time.js';
import tsExample from '../../examples/demo-menu.js';

const EXAMPLES = join(import.meta.dirname, '..', '..', 'examples');

async function runAgainstDemo(scenarios: Scenario[]) {
  const vt = new VirtualTime();
  const port = new IvrSimulator({ clock: vt.clock, timers: vt.timers, hold: vt.hold, script: demoIvr() });
  const env: EngineEnv = { port, clock: vt.clock, timers: vt.timers, hold: vt.hold };
  return vt.run(() => runSuite(scenarios, env, { concurrency: 2 }));
}

describe('examples against the demo IVR', () => {
  it('every YAML example and the TypeScript one pass', async () => {
    // The directory is searched recursively: examples/failing/ comes last.
    const all = loadScenarios([EXAMPLES]);
    expect(all.map((s) => s.name)).toEqual([
      'demo IVR - busy',
      'demo IVR - PIN entry',
      'demo IVR - sales',
      'demo IVR - support sub-menu',
      'demo IVR - wrong menu (fails on purpose)',
    ]);
    const scenarios = [...all.slice(0, 4), tsExample];
    const run = await runAgainstDemo(scenarios);
    const tap = tapReport(run);
    expect(run.summary.failed, tap).toBe(0);
    const pin = run.scenarios[1]!;
    // The wrong PIN went in-band through the codec and was refused; the retry block passed at once.
    expect(pin.steps.find((s) => s.kind === 'retry')!.actual).toBe('passed at once');
    const matches = run.scenarios[2]!.steps.find((s) => s.kind === 'matches')!;
    expect(matches.details!.matchScore).toBeGreaterThan(0.95);
  }, 120_000); // real TTS and recognition; heard without prompts runs three decoders

  it('the failing example names the step, the expected phrase and what was heard, and keeps the clip', async () => {
    const run = await runAgainstDemo(loadScenarioFile(join(EXAMPLES, 'failing', 'demo-wrong-menu.yaml')));
    const r = run.scenarios[0]!;
    expect(r.status).toBe('failed');
    const step = r.steps.find((s) => s.status === 'failed')!;
    expect(step.path).toBe('6');
    // The recogniser chose the sales menu among the listed prompts; the report's
    // "got" is the free transcription of the clip, not that chosen phrase.
    expect(step.details!.chosen).toBe(
      'for sales press one for support press two to enter your pin press three to hang up press nine',
    );
    expect(step.actual).toBe(`"${step.details!.transcript}" (chose "${step.details!.chosen}")`);
    expect(step.details!.transcript).not.toBe(step.details!.chosen);
    // 17 of 18 words agree, but the recogniser picked the other listed prompt: a different prompt, not a near match.
    expect(r.failure).toMatch(
      /^step 6 heard "For billing, press 1\. .*": heard a different prompt: "for sales press one for support .*" \(similarity 0\.9\d\); heard freely "/,
    );
    expect(r.clips.find((c) => c.id === step.details!.clipId)!.samples.length / 8000).toBeGreaterThan(6);
    expect(r.steps.at(-1)!.status).toBe('skipped');
  });
});
