/**
 * Text to speech for `say()`: the `Tts` a server is given. `systemTts()`
 * is the Debian engine installed here (flite, else espeak-ng) through
 * `src/tts` (rendered to 8 kHz, cached by text); tests give their own.
 */
import { speak, ttsAvailable, type TtsEngine } from '../tts/speak.js';
import { LruMap } from '../util/lru.js';

/** Turns text into 8 kHz mono 16-bit PCM. */
export interface Tts {
  readonly name: string;
  render(text: string): Promise<Int16Array>;
}

export interface SystemTtsOptions {
  /** Which engine: the first installed of flite and espeak-ng by default. */
  readonly engine?: TtsEngine;
  /** The engine's voice (`kal16` for flite, `en-us` for espeak-ng by default). */
  readonly voice?: string;
  readonly wordsPerMinute?: number;
}

/**
 * The TTS engine installed here, or undefined when there is none.
 *
 * @example
 * const tts = systemTts();
 * const pcm = await tts?.render('press one for sales'); // 8 kHz samples
 */
export function systemTts(opts: SystemTtsOptions = {}): Tts | undefined {
  const engines: readonly TtsEngine[] = opts.engine ? [opts.engine] : ['flite', 'espeak-ng'];
  const engine = engines.find((e) => ttsAvailable(e));
  if (!engine) return undefined;
  return {
    name: engine,
    render: (text) =>
      speak(text, {
        engine,
        ...(opts.voice ? { voice: opts.voice } : {}),
        ...(opts.wordsPerMinute ? { wordsPerMinute: opts.wordsPerMinute } : {}),
      }),
  };
}

/**
 * A `Tts` from a render function, keeping the last `size` renderings (a
 * prompt said to every caller is rendered once).
 *
 * @example
 * const tts = cached('beeps', async (text) => beep(text.length));
 */
export function cached(name: string, render: (text: string) => Promise<Int16Array>, size = 64): Tts {
  const cache = new LruMap<string, Promise<Int16Array>>(size);
  return {
    name,
    render(text: string) {
      const hit = cache.get(text);
      if (hit) return hit;
      const p = render(text);
      cache.set(text, p);
      p.catch(() => cache.delete(text));
      return p;
    },
  };
}
