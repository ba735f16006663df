/**
 * `heard` without a `prompts:` list, on real human voice: the Asterisk core
 * sound prompts (test/support/real-voice-corpus.ts; Debian
 * asterisk-core-sounds-en-wav, installed by scripts/install-peers.sh) through
 * shtoom's G.711 µ-law and GSM 06.10 codecs, each verified (utterance
 * verification, src/asr/verify.ts) against
 * - its own text: ivr.heard_accept_own (fraction accepted; goal ≥ 0.95);
 * - another prompt's text (one sharing less than half its words):
 *   ivr.heard_reject_other (fraction rejected; goal 1);
 * - the most similar other prompt's text (the near miss):
 *   ivr.heard_reject_near (fraction rejected; goal ≥ 0.9);
 * and, one `heard` at a time as a scenario runs it, on the first 12
 * prompts (seconds per second of prompt):
 * - ivr.heard_realtime_factor: the decision (forced alignment and phone
 *   loop on their running decoders), what the scenario waits for;
 * - ivr.heard_transcript_realtime_factor: the decision and the free
 *   transcription side by side (the step's report waits for both);
 * - ivr.heard_cold_realtime_factor: the same with decoders started for
 *   every `heard`, as before they were kept running (the reference).
 * `SHTOOM_BENCH_HEARD_LIMIT=N` takes the first N prompts only.
 */
import { PocketsphinxRecogniser } from '../src/asr/pocketsphinx.js';
import { readAudioFile } from '../src/harness/audio-file.js';
import { throughCodec } from '../test/harness/support/codec.js';
import { loadRealVoiceCorpus } from '../test/support/real-voice-corpus.js';
import { note, report } from './lib/report.js';

const limit = Number(process.env.SHTOOM_BENCH_HEARD_LIMIT ?? Infinity);
const corpus = loadRealVoiceCorpus(1).slice(0, limit);
const pcm = corpus.map((p) => readAudioFile(p.file));
const seconds = pcm.reduce((s, a) => s + a.length / 8000, 0);
note(`${corpus.length} real-voice prompts, ${seconds.toFixed(0)} s of audio, G.711 µ-law and GSM 06.10`);

const asr = new PocketsphinxRecogniser();
const t0 = performance.now();
const byCodec = await Promise.all(
  (['pcmu', 'gsm'] as const).map(async (codec) => {
    const clips = pcm.map((a) => throughCodec(codec, a));
    const verdicts = await asr.scoreAll(clips, [
      corpus.map((p) => p.text),
      corpus.map((p) => p.others[0]!),
      corpus.map((p) => p.near),
    ]);
    return { codec, verdicts };
  }),
);
note(`verified in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
let own = 0;
let other = 0;
let near = 0;
let n = 0;
for (const { codec, verdicts } of byCodec) {
  const [v0, v1, v2] = verdicts as [(typeof verdicts)[0], (typeof verdicts)[0], (typeof verdicts)[0]];
  corpus.forEach((p, i) => {
    n++;
    if (v0[i]!.accepted) own++;
    else note(`${codec} own text rejected: ${p.name} "${p.text}": ${v0[i]!.reason}`);
    if (!v1[i]!.accepted) other++;
    else note(`${codec} other text accepted: ${p.name} as "${p.others[0]}"`);
    if (!v2[i]!.accepted) near++;
    else note(`${codec} near miss accepted: ${p.name} "${p.text}" as "${p.near}"`);
  });
}
note(`own ${own}/${n}, other rejected ${other}/${n}, near miss rejected ${near}/${n}`);
report('ivr.heard_accept_own', own / n, 'fraction');
report('ivr.heard_reject_other', other / n, 'fraction');
report('ivr.heard_reject_near', near / n, 'fraction');

{
  const some = pcm.slice(0, 12).map((a) => throughCodec('pcmu', a));
  const audio = some.reduce((s, a) => s + a.length / 8000, 0);
  const texts = corpus.map((p) => p.text);
  const timed = async (fn: (a: Int16Array, text: string) => Promise<unknown>) => {
    const t = performance.now();
    for (const [i, a] of some.entries()) await fn(a, texts[i]!);
    return (performance.now() - t) / 1000 / audio;
  };
  await Promise.all([asr.verify(some[0]!, texts[0]!), asr.recognise(some[0]!)]); // decoders up, page cache warm
  report('ivr.heard_realtime_factor', await timed((a, text) => asr.verify(a, text)), 'x');
  report(
    'ivr.heard_transcript_realtime_factor',
    await timed((a, text) => Promise.all([asr.verify(a, text), asr.recognise(a)])),
    'x',
  );
  report(
    'ivr.heard_cold_realtime_factor',
    await timed(async (a, text) => {
      const cold = new PocketsphinxRecogniser();
      await Promise.all([cold.verify(a, text), cold.recognise(a)]);
      await cold.close();
    }),
    'x',
  );
  await asr.close();
}
