/**
 * A recogniser that runs at most `slots` recognitions at once and queues the
 * rest in order. Each pocketsphinx decoder is a process of its own with the
 * model in memory: a load test with a hundred calls must not start a
 * hundred of them together. Queued work finishes no later than time-sliced
 * work would, and the first prompts are judged first.
 */
import type { Recognition, RecognitionRequest, Recogniser, Verification } from '../../asr/recogniser.js';

/**
 * @example
 * const asr = limitedRecogniser(new PocketsphinxRecogniser(), availableParallelism());
 */
export function limitedRecogniser(inner: Recogniser, slots: number): Recogniser {
  let running = 0;
  const waiting: (() => void)[] = [];
  // A finished recognition hands its slot straight to the next in line.
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };
  const slot = async <T>(work: () => Promise<T>): Promise<T> => {
    if (running >= slots) await new Promise<void>((resolve) => waiting.push(resolve));
    else running++;
    try {
      return await work();
    } finally {
      release();
    }
  };
  const verify = inner.verify?.bind(inner);
  return {
    name: inner.name,
    check: () => inner.check(),
    recognise: (audio: Int16Array, request?: RecognitionRequest): Promise<Recognition> =>
      slot(() => inner.recognise(audio, request)),
    ...(verify
      ? { verify: (audio: Int16Array, expected: string): Promise<Verification> => slot(() => verify(audio, expected)) }
      : {}),
  };
}
