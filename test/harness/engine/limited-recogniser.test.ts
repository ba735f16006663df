/** The recogniser limiter: never more than its slots at once, first come first served, failures release their slot. */
import { describe, expect, it } from 'vitest';
import type { Recognition, Recogniser } from '../../../src/asr/recogniser.js';
import { limitedRecogniser } from '../../../src/harness/engine/limited-recogniser.js';

describe('limitedRecogniser', () => {
  it('runs at most `slots` recognitions at once, in the order asked, and frees a slot on failure', async () => {
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const finish: (() => void)[] = [];
    const inner: Recogniser = {
      name: 'fake',
      check: async () => undefined,
      recognise: (audio) =>
        new Promise<Recognition>((resolve, reject) => {
          running++;
          most = Math.max(most, running);
          started.push(audio.length);
          finish.push(() => {
            running--;
            if (audio.length === 3) reject(new Error('decoder failed'));
            else
              resolve({
                text: String(audio.length),
                words: [],
                mode: 'grammar',
                audioMs: 0,
                elapsedMs: 0,
                engine: 'fake',
              });
          });
        }),
    };
    const asr = limitedRecogniser(inner, 2);
    const results = [1, 2, 3, 4, 5].map((n) =>
      asr.recognise(new Int16Array(n)).then(
        (r) => r.text,
        (e: Error) => e.message,
      ),
    );
    const tick = () => new Promise((r) => setImmediate(r));
    await tick();
    expect(started).toEqual([1, 2]);
    while (finish.length) {
      finish.shift()!();
      await tick();
    }
    expect(await Promise.all(results)).toEqual(['1', '2', 'decoder failed', '4', '5']);
    expect(started).toEqual([1, 2, 3, 4, 5]);
    expect(most).toBe(2);
    expect(asr.name).toBe('fake');
  });
});
