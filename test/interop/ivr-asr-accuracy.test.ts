/**
 * How well `heard` decides, measured on a varied corpus: 16 IVR prompts ×
 * 12 voices (all flite voices, five espeak-ng voices, several speeds) ×
 * G.711 µ-law and GSM 06.10 = 384 clips. For each clip, the recogniser
 * chooses among all 16 prompts (the scenario's prompts as competitors) and
 * `heard` is judged against the clip's own text (should accept) and every
 * other prompt's text (should reject) — 16 decisions per clip. Goal: at least
 * 95 % correct decisions, and at least 95 % of clips accepted as their own
 * text (ivr-asr-near-miss.test.ts measures prompts with one word changed).
 * The figures are printed; docs/ivr.md quotes them.
 */
import { describe, expect, it } from 'vitest';
import { PocketsphinxRecogniser } from '../../src/asr/pocketsphinx.js';
import { normaliseText } from '../../src/asr/text.js';
import { requireBinary } from './support/peers.js';
import { CORPUS_PROMPTS, accepts, renderCorpus } from './support/ivr-corpus.js';

describe('heard: accuracy of accept/reject decisions on a varied corpus', () => {
  it('decides at least 95 % correctly through G.711 and GSM', async () => {
    requireBinary('pocketsphinx_continuous'); // the package that also ships pocketsphinx_batch
    requireBinary('flite');
    requireBinary('espeak-ng');
    const clips = await renderCorpus(['pcmu', 'gsm']);
    const phrases = CORPUS_PROMPTS.map(normaliseText);
    const asr = new PocketsphinxRecogniser();
    const started = performance.now();
    // One decoder run per codec, both at once (two cores).
    const byCodec = await Promise.all(
      (['pcmu', 'gsm'] as const).map(async (codec) => {
        const list = clips.filter((c) => c.codec === codec);
        const results = await asr.recogniseAll(
          list.map((c) => c.audio),
          { phrases },
        );
        return list.map((c, i) => ({ ...c, text: results[i]!.text }));
      }),
    );
    const wall = (performance.now() - started) / 1000;
    const audioSeconds = clips.reduce((s, c) => s + c.audio.length / 8000, 0);
    const lines: string[] = [];
    let decisions = 0;
    let correct = 0;
    let accepted = 0;
    let falseAccepts = 0;
    const perGroup = new Map<string, { ok: number; n: number }>();
    for (const r of byCodec.flat()) {
      const own = accepts(r.text, phrases[r.prompt]!, phrases);
      if (own) accepted++;
      else lines.push(`  miss: ${r.voice} ${r.codec} "${CORPUS_PROMPTS[r.prompt]}" heard "${r.text}"`);
      const key = `${r.voice.split(' ')[0]} ${r.codec}`;
      const g = perGroup.get(key) ?? { ok: 0, n: 0 };
      g.n++;
      if (own) g.ok++;
      perGroup.set(key, g);
      phrases.forEach((p, j) => {
        decisions++;
        const a = accepts(r.text, p, phrases);
        if (a === (j === r.prompt)) correct++;
        else if (a) falseAccepts++;
      });
    }
    const n = clips.length;
    console.log(
      [
        `corpus: ${n} clips (${CORPUS_PROMPTS.length} prompts × 12 voices × G.711/GSM), ${audioSeconds.toFixed(0)} ` +
          `s of audio, recognised in ${wall.toFixed(1)} s`,
        `own text accepted: ${accepted}/${n} (${((100 * accepted) / n).toFixed(1)} %)`,
        `decisions correct: ${correct}/${decisions} (${((100 * correct) / decisions).toFixed(2)} %), false accepts ` +
          `${falseAccepts}`,
        ...[...perGroup].map(([k, g]) => `  ${k}: ${g.ok}/${g.n} accepted`),
        ...lines,
      ].join('\n'),
    );
    expect(correct / decisions).toBeGreaterThanOrEqual(0.95);
    expect(accepted / n).toBeGreaterThanOrEqual(0.95);
  });
});
