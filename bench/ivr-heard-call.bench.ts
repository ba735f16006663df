/**
 * `heard` without a `prompts:` list on real human voice through real
 * calls: a slice of the Asterisk core sound prompts (every Nth of
 * test/support/real-voice-corpus.ts) is played by `shtoom serve` (its own
 * process, a user's app that plays the prompt the dialled user names) and
 * captured by the harness's `listen` over G.711 µ-law and GSM 06.10 RTP on
 * loopback; each captured clip is then verified against its own text, an
 * unrelated prompt's and the nearest other prompt's (the same decisions as
 * `npm run bench -- ivr-heard`, which feeds the codec directly):
 * - ivr.heard_call_accept_own (goal ≥ 0.95),
 * - ivr.heard_call_reject_other (goal 1),
 * - ivr.heard_call_reject_near (goal ≥ 0.9).
 * `SHTOOM_BENCH_HEARD_CALLS=N` prompts (default 48), three calls at once.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PocketsphinxRecogniser } from '../src/asr/pocketsphinx.js';
import { runSuite } from '../src/harness/load/run-suite.js';
import { PhonePort } from '../src/harness/phone/phone-port.js';
import { scenario } from '../src/harness/scenario/builder.js';
import { loadRealVoiceCorpus } from '../test/support/real-voice-corpus.js';
import { startServe } from './lib/echo-load.js';
import { freePort } from './lib/ports.js';
import { note, report } from './lib/report.js';

const want = Number(process.env.SHTOOM_BENCH_HEARD_CALLS ?? 48);
const all = loadRealVoiceCorpus(1);
const every = Math.max(1, Math.floor(all.length / want));
const corpus = all.filter((_, i) => i % every === 0).slice(0, want);
note(`${corpus.length} of ${all.length} real-voice prompts (every ${every}th), each over PCMU and GSM`);

const dir = mkdtempSync(join(tmpdir(), 'shtoom-bench-heard-call-'));
const app = join(dir, 'play-prompt.mjs');
// The prompt the dialled user names (its index in this slice), then a second of silence, then hang up.
writeFileSync(
  app,
  `const files = ${JSON.stringify(corpus.map((p) => p.file))};
export default async function (call) {
  const user = /^sips?:([^@;]+)@/.exec(call.requestUri ?? '')?.[1] ?? '';
  const file = files[Number(user.replace(/^p/, ''))];
  if (file === undefined) return call.reject(404, 'No such prompt');
  await call.answer();
  await call.play('silence', { timeoutMs: 500 });
  await call.play(file);
  await call.play('silence', { timeoutMs: 1500 });
  await call.hangup();
}
`,
);
const sipPort = await freePort();
const server = await startServe([
  ...[app, '--listen', `udp:127.0.0.1:${sipPort}`, '--rtp-address', '127.0.0.1', '--sip-address', '127.0.0.1'],
  ...['--capacity', '50', '--log-level', 'warn'],
]);
const port = await PhonePort.create({ userAgent: { listen: 'udp:127.0.0.1:0' }, media: { address: '127.0.0.1' } });
const asr = new PocketsphinxRecogniser();
try {
  let own = 0;
  let other = 0;
  let near = 0;
  let n = 0;
  let missing = 0;
  for (const codec of ['pcmu', 'gsm'] as const) {
    const scenarios = corpus.map((_, i) =>
      scenario(`prompt ${i} over ${codec}`, { timeout: '1m' })
        .call(`sip:p${i}@127.0.0.1:${sipPort}`, { codec })
        .expect('answered', { timeout: '10s' })
        .listen({ silence: '700ms', max: '30s' })
        .build(),
    );
    const t0 = performance.now();
    const run = await runSuite(scenarios, { ...port.env() }, { concurrency: 3 });
    note(`${codec}: ${scenarios.length} calls in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    const clips: Int16Array[] = [];
    const index: number[] = [];
    run.scenarios.forEach((r, i) => {
      const clip = r.clips[0];
      if (r.failure || !clip) {
        missing++;
        note(`${codec} ${corpus[i]!.name}: no clip: ${r.failure ?? 'nothing heard'}`);
        return;
      }
      clips.push(clip.samples);
      index.push(i);
    });
    const [v0, v1, v2] = await asr.scoreAll(clips, [
      index.map((i) => corpus[i]!.text),
      index.map((i) => corpus[i]!.others[0]!),
      index.map((i) => corpus[i]!.near),
    ]);
    index.forEach((ci, k) => {
      const p = corpus[ci]!;
      n++;
      if (v0![k]!.accepted) own++;
      else note(`${codec} own text rejected: ${p.name} "${p.text}": ${v0![k]!.reason}`);
      if (!v1![k]!.accepted) other++;
      else note(`${codec} other text accepted: ${p.name} as "${p.others[0]}"`);
      if (!v2![k]!.accepted) near++;
      else note(`${codec} near miss accepted: ${p.name} "${p.text}" as "${p.near}"`);
    });
  }
  note(
    `own ${own}/${n}, other rejected ${other}/${n}, near miss rejected ${near}/${n}; ${missing} calls without a clip`,
  );
  // A call that captured nothing counts against acceptance: what a user's scenario would have failed.
  report('ivr.heard_call_accept_own', own / (n + missing), 'fraction');
  report('ivr.heard_call_reject_other', other / n, 'fraction');
  report('ivr.heard_call_reject_near', near / n, 'fraction');
} finally {
  await asr.close();
  await port.close();
  server.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
