/**
 * Prompts with one key word changed ("press 2" where "press 1" was
 * expected), with and without digit decoys in the grammar: what decoys buy
 * (near misses rejected) and what they cost (right prompts rejected). The
 * figures are printed; docs/ivr.md quotes them.
 */
import { describe, expect, it } from 'vitest';
import { digitDecoys } from '../../src/asr/decoys.js';
import { PocketsphinxRecogniser } from '../../src/asr/pocketsphinx.js';
import { normaliseText } from '../../src/asr/text.js';
import { speak } from '../../src/tts/speak.js';
import { throughCodec } from '../harness/support/codec.js';
import { requireBinary } from './support/peers.js';
import { CORPUS_PROMPTS, accepts } from './support/ivr-corpus.js';

const CASES = [
  { said: 'For sales, press 2. For support, press 2.', expected: 'For sales, press 1. For support, press 2.' },
  { said: 'To repeat this menu, press 8.', expected: 'To repeat this menu, press 9.' },
  { said: 'To speak to an operator, press 5.', expected: 'To speak to an operator, press 0.' },
  { said: 'To return to the main menu, press pound.', expected: 'To return to the main menu, press star.' },
];
const VOICES = [
  { engine: 'flite' as const, voice: 'kal16' },
  { engine: 'flite' as const, voice: 'slt' },
  { engine: 'espeak-ng' as const, voice: 'en-us' },
];

describe('heard: near-miss prompts', () => {
  it('decoys reject a changed digit; without them the right prompt is always accepted', async () => {
    requireBinary('pocketsphinx_continuous'); // the package that also ships pocketsphinx_batch
    const asr = new PocketsphinxRecogniser();
    const others = CORPUS_PROMPTS.map(normaliseText);
    const tally = { decoys: { rejected: 0, accepted: 0 }, plain: { rejected: 0, accepted: 0 } };
    let total = 0;
    for (const voice of VOICES) {
      for (const c of CASES) {
        for (const codec of ['pcmu', 'gsm'] as const) {
          total++;
          const want = normaliseText(c.expected);
          const wrongAudio = throughCodec(codec, await speak(c.said, voice));
          const rightAudio = throughCodec(codec, await speak(c.expected, voice));
          for (const mode of ['decoys', 'plain'] as const) {
            const phrases = [...new Set([want, ...(mode === 'decoys' ? digitDecoys(want) : []), ...others])];
            const listed = phrases.filter((p) => p !== want);
            const [wrong, right] = await asr.recogniseAll([wrongAudio, rightAudio], { phrases });
            if (!accepts(wrong!.text, want, listed)) tally[mode].rejected++;
            if (accepts(right!.text, want, listed)) tally[mode].accepted++;
          }
        }
      }
    }
    console.log(
      `near misses (${total}): with decoys ${tally.decoys.rejected} rejected, right prompt accepted ` +
        `${tally.decoys.accepted}; ` +
        `without decoys ${tally.plain.rejected} rejected, right prompt accepted ${tally.plain.accepted}`,
    );
    expect(tally.decoys.rejected / total).toBeGreaterThanOrEqual(0.9);
    expect(tally.plain.accepted / total).toBeGreaterThanOrEqual(0.95);
  });
});
