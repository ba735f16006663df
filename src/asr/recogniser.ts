/**
 * The recogniser interface the harness's `heard` assertion uses. One
 * implementation ships (pocketsphinx, `pocketsphinx.ts`); a better engine
 * only has to implement `Recogniser`.
 *
 * Audio is always 8 kHz mono 16-bit PCM, what a call delivers.
 */
import type { VerifyScore } from './verify.js';

/** What to listen for. */
export interface RecognitionRequest {
  /**
   * The phrases the audio may hold: the expected phrase and its competitors
   * (the scenario's other prompts). When given, the recogniser chooses among
   * them (grammar search); when absent it transcribes freely.
   */
  readonly phrases?: readonly string[];
}

/** One recognised word and where it lies in the audio. */
export interface RecognisedWord {
  readonly word: string;
  readonly startMs: number;
  readonly endMs: number;
}

/** What the recogniser heard. */
export interface Recognition {
  /** The transcript as normalised words ('' when nothing was recognised). */
  readonly text: string;
  readonly words: readonly RecognisedWord[];
  /** Grammar search among the given phrases, or free transcription. */
  readonly mode: 'grammar' | 'free';
  /** The engine's acoustic log-likelihood per 10 ms frame (higher is a better fit), when it reports one. */
  readonly acousticScore?: number;
  /** Length of the audio recognised. */
  readonly audioMs: number;
  /** Wall-clock time the recognition took. */
  readonly elapsedMs: number;
  /** Which engine and set-up produced it (`pocketsphinx wideband`). */
  readonly engine: string;
}

/**
 * A verification: the verdict on the expected text. It holds no transcript:
 * what was heard is `recognise(audio)` (free transcription), asked for
 * beside it.
 */
export interface Verification {
  readonly verdict: VerifyScore;
  /** Length of the audio verified. */
  readonly audioMs: number;
  /** Wall-clock time the verification took. */
  readonly elapsedMs: number;
  readonly engine: string;
}

/**
 * A speech recogniser for telephone audio.
 *
 * @example
 * const asr: Recogniser = new PocketsphinxRecogniser();
 * await asr.check(); // throws RecogniserMissingError naming the package
 * const r = await asr.recognise(prompt, { phrases: ['press one for sales', 'goodbye'] });
 * console.log(r.text);
 */
export interface Recogniser {
  readonly name: string;
  /** Resolves when the recogniser can run; rejects with `RecogniserMissingError` naming what to install. */
  check(): Promise<void>;
  /** Recognise 8 kHz mono PCM. */
  recognise(audio: Int16Array, request?: RecognitionRequest): Promise<Recognition>;
  /**
   * Did `audio` say `expected`? Utterance verification that needs no list of
   * other phrases (`verify.ts`).
   */
  verify?(audio: Int16Array, expected: string): Promise<Verification>;
  /**
   * Get ready for recognitions to come (learn their words, start decoders),
   * so the first one is as fast as the rest: `phrases` the texts to be
   * heard, `verify` whether they are verified rather than chosen among.
   */
  prepare?(request: { readonly phrases: readonly string[]; readonly verify: boolean }): Promise<void>;
}
