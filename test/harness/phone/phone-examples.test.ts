/**
 * The examples (examples/) on real calls in virtual time: the harness's
 * `PhonePort` on one phone dials the demo IVR served by doug on another,
 * through SIP, SDP, RTP, the jitter buffer and the codecs, over a simulated
 * network — real flite prompts, real recognition. The same examples pass
 * against the simulator (examples.test.ts) and against `shtoom serve
 * ivr-demo` (test/interop/ivr-demo.test.ts).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSuite } from '../../../src/harness/load/run-suite.js';
import { tapReport } from '../../../src/harness/report/tap.js';
import { loadScenarioFile, loadScenarios } from '../../../src/harness/scenario/yaml.js';
import { DEMO_PROMPTS, demoIvr } from '../../../src/harness/sim/demo-ivr.js';
import { speak } from '../../../src/tts/speak.js';
import tsExample from '../../../examples/demo-menu.js';
import { SERVER, ivrWorld } from '../support/phone-ivr.js';

const EXAMPLES = join(import.meta.dirname, '..', '..', '..', 'examples');
const vars = { ivr: `sip:ivr@${SERVER}`, busy: `sip:busy@${SERVER}` };

/** Prompts rendered before virtual time starts: TTS then costs no virtual time. */
async function prerender(): Promise<void> {
  await Promise.all(Object.values(DEMO_PROMPTS).map((t) => speak(t)));
}

describe('examples on real calls (two phones, virtual time)', () => {
  it('every example passes against the demo IVR served by doug', async () => {
    await prerender();
    const w = await ivrWorld(demoIvr());
    // The directory is searched recursively: examples/failing/ (last) fails on purpose, below.
    const scenarios = [...loadScenarios([EXAMPLES]).slice(0, 4), tsExample];
    const run = await w.vt.run(() => runSuite(scenarios, w.env({ vars }), { concurrency: 2 }));
    expect(run.summary.failed, tapReport(run)).toBe(0);
    expect(run.summary.total).toBe(5);
    const sales = run.scenarios.find((r) => r.name === 'demo IVR - sales')!;
    expect(sales.media).toMatchObject({ codec: 'pcmu', packetsLost: 0 });
    expect(sales.media!.packetsReceived).toBeGreaterThan(900);
    expect(sales.steps.find((s) => s.kind === 'matches')!.details!.matchScore).toBeGreaterThan(0.9);
    const support = run.scenarios.find((r) => r.name === 'demo IVR - support sub-menu')!;
    expect(support.media!.codec).toBe('gsm');
    // The wrong PIN went in-band, through µ-law, into the server's Goertzel detector.
    const pin = run.scenarios.find((r) => r.name === 'demo IVR - PIN entry')!;
    expect(pin.steps.find((s) => s.kind === 'retry')!.actual).toBe('passed at once');
    expect(run.scenarios.find((r) => r.name === 'demo IVR - busy')!.steps[2]!.actual).toBe('486 Busy Here');
    await w.close();
    expect(w.logs.records.filter((r) => r.level === 'error')).toEqual([]);
  }, 120_000); // real TTS and recognition (every heard also transcribes freely)

  it('the failing example fails at the step, with the transcript and the clip', async () => {
    await prerender();
    const w = await ivrWorld(demoIvr());
    const run = await w.vt.run(() =>
      runSuite(loadScenarioFile(join(EXAMPLES, 'failing', 'demo-wrong-menu.yaml')), w.env({ vars })),
    );
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
    expect(r.failure).toMatch(/^step 6 heard "For billing, press 1\. .*": heard a different prompt/);
    expect(r.clips.find((c) => c.id === step.details!.clipId)!.samples.length / 8000).toBeGreaterThan(6);
    // The engine hung up the call the failure left behind.
    expect(r.timeline.at(-1)).toMatchObject({ kind: 'ended', label: 'hung up: hung up' });
    await w.close();
  });
});
