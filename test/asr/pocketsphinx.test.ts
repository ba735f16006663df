/**
 * The recogniser on real prompts: flite and espeak-ng through G.711 and
 * GSM 06.10 (shtoom's own codecs), chosen among the demo IVR's prompts. The
 * full accuracy corpus is in test/interop/ivr-asr-accuracy.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { RecogniserMissingError } from '../../src/asr/errors.js';
import { PocketsphinxRecogniser } from '../../src/asr/pocketsphinx.js';
import { normaliseText } from '../../src/asr/text.js';
import { DEMO_PROMPTS } from '../../src/harness/sim/demo-ivr.js';
import { speak } from '../../src/tts/speak.js';
import { throughCodec } from '../harness/support/codec.js';

const phrases = Object.values(DEMO_PROMPTS).map(normaliseText);

describe('PocketsphinxRecogniser', () => {
  const asr = new PocketsphinxRecogniser();

  it('picks the prompt that was spoken, through G.711 and GSM, with word timings', async () => {
    const cases = [
      { text: DEMO_PROMPTS.menu, engine: 'flite' as const, voice: 'kal16', codec: 'pcmu' as const },
      { text: DEMO_PROMPTS.accepted, engine: 'flite' as const, voice: 'slt', codec: 'gsm' as const },
      { text: DEMO_PROMPTS.support, engine: 'espeak-ng' as const, voice: 'en-us', codec: 'pcma' as const },
      { text: DEMO_PROMPTS.rejected, engine: 'espeak-ng' as const, voice: 'en-gb+m3', codec: 'gsm' as const },
    ];
    for (const c of cases) {
      const audio = throughCodec(c.codec, await speak(c.text, { engine: c.engine, voice: c.voice }));
      const r = await asr.recognise(audio, { phrases });
      expect(r.text, `${c.engine} ${c.voice} ${c.codec}`).toBe(normaliseText(c.text));
      expect(r.mode).toBe('grammar');
      expect(r.words[0]!.startMs).toBeLessThan(r.words.at(-1)!.endMs);
      expect(r.words.at(-1)!.endMs).toBeLessThanOrEqual(r.audioMs + 50);
      expect(r.acousticScore).toBeLessThan(0);
    }
  });

  it('transcribes freely without phrases (the stock language model)', async () => {
    const audio = await speak('hello', { voice: 'kal16' });
    const r = await asr.recognise(audio);
    expect(r.mode).toBe('free');
    expect(typeof r.text).toBe('string');
  });

  it('recognises nothing in silence rather than inventing a prompt', async () => {
    const r = await asr.recognise(new Int16Array(16000), { phrases });
    expect(r.text).toBe('');
  });

  it('names the package to install when the program or the model is missing', async () => {
    await expect(new PocketsphinxRecogniser({ binary: 'pocketsphinx_batch_missing' }).check()).rejects.toThrow(
      /apt-get install pocketsphinx$/,
    );
    await expect(
      new PocketsphinxRecogniser({ modelRoot: '/nonexistent' }).recognise(new Int16Array(800), { phrases }),
    ).rejects.toBeInstanceOf(RecogniserMissingError);
    await expect(new PocketsphinxRecogniser({ modelRoot: '/nonexistent' }).check()).rejects.toThrow(
      /pocketsphinx-en-us/,
    );
  });
});
