/**
 * IVR harness figures:
 * - ivr.asr_realtime_factor: seconds of recognition per second of prompt
 *   audio, one `heard` at a time as a scenario does it (a decoder process per
 *   prompt, grammar of the demo IVR's 12 prompts), flite and espeak-ng
 *   prompts through G.711. Goal < 0.3. The narrow-band set-up is measured in
 *   the same run for comparison.
 * - ivr.matcher_realtime_factor: the same for the reference matcher.
 * - ivr.virtual_speedup: seconds of a simulated demo-IVR call per second of
 *   wall time, recognition and TTS included.
 */
import { join } from 'node:path';
import { PocketsphinxRecogniser } from '../src/asr/pocketsphinx.js';
import { normaliseText } from '../src/asr/text.js';
import { runScenario } from '../src/harness/engine/runner.js';
import { matchReference } from '../src/harness/match/reference-matcher.js';
import { loadScenarioFile } from '../src/harness/scenario/yaml.js';
import { DEMO_PROMPTS, demoIvr } from '../src/harness/sim/demo-ivr.js';
import { IvrSimulator } from '../src/harness/sim/ivr-simulator.js';
import { VirtualTime } from '../src/harness/virtual-time.js';
import { speak } from '../src/tts/speak.js';
import { throughCodec } from '../test/harness/support/codec.js';
import { note, report } from './lib/report.js';

const texts = Object.values(DEMO_PROMPTS);
const phrases = texts.map(normaliseText);
const prompts: Int16Array[] = [];
for (const engine of ['flite', 'espeak-ng'] as const) {
  for (const t of texts) prompts.push(throughCodec('pcmu', await speak(t, { engine })));
}
const audioSeconds = prompts.reduce((s, p) => s + p.length / 8000, 0);
note(`${prompts.length} prompts, ${audioSeconds.toFixed(1)} s of audio`);

for (const frontEnd of ['wideband', 'narrowband'] as const) {
  const asr = new PocketsphinxRecogniser({ frontEnd });
  await asr.recognise(prompts[0]!, { phrases }); // warm the page cache and the model copy
  const t0 = performance.now();
  let right = 0;
  for (const [i, p] of prompts.entries()) {
    const r = await asr.recognise(p, { phrases });
    if (r.text === phrases[i % phrases.length]) right++;
  }
  const rtf = (performance.now() - t0) / 1000 / audioSeconds;
  note(`${frontEnd}: ${right}/${prompts.length} prompts recognised exactly`);
  report(frontEnd === 'wideband' ? 'ivr.asr_realtime_factor' : 'ivr.asr_realtime_factor_narrowband', rtf, 'x');
}

{
  const t0 = performance.now();
  for (const [i, p] of prompts.entries()) matchReference(p, prompts[(i + 3) % prompts.length]!);
  report('ivr.matcher_realtime_factor', (performance.now() - t0) / 1000 / audioSeconds, 'x');
}

{
  const [s] = loadScenarioFile(join(import.meta.dirname, '..', 'examples', 'demo-sales.yaml'));
  const vt = new VirtualTime();
  const port = new IvrSimulator({ clock: vt.clock, timers: vt.timers, hold: vt.hold, script: demoIvr() });
  const t0 = performance.now();
  const r = await vt.run(() => runScenario(s!, { port, clock: vt.clock, timers: vt.timers, hold: vt.hold }));
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 'passed') throw new Error(`demo-sales failed: ${r.failure}`);
  report('ivr.virtual_speedup', r.durationMs / 1000 / wall, 'x');
}
