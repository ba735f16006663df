/**
 * The recogniser's accuracy corpus: IVR prompts spoken by every flite voice
 * and several espeak-ng voices at two speeds, passed through shtoom's own
 * G.711 and GSM 06.10 codecs. Rendered at test time (nothing is committed).
 */
import { wordSimilarity } from '../../../src/asr/similarity.js';
import type { CodecId } from '../../../src/codecs/codec.js';
import { speak, type SpeakOptions } from '../../../src/tts/speak.js';
import { throughCodec } from '../../harness/support/codec.js';

export const CORPUS_PROMPTS = [
  'Welcome to the shtoom demo line.',
  'For sales, press 1. For support, press 2.',
  'You have reached sales.',
  'You have reached support.',
  'Please enter your four digit PIN, followed by the pound key.',
  'Your PIN has been accepted.',
  'That PIN is not valid. Please try again.',
  'Goodbye.',
  'Thank you for calling.',
  'Please hold while we connect your call.',
  'To repeat this menu, press 9.',
  'To return to the main menu, press star.',
  'Our offices are closed. Please call back tomorrow.',
  'All of our agents are busy. Please stay on the line.',
  'To speak to an operator, press 0.',
  'Your balance is 42 dollars.',
] as const;

export const CORPUS_VOICES: readonly (SpeakOptions & { readonly name: string })[] = [
  { name: 'flite kal', engine: 'flite', voice: 'kal' },
  { name: 'flite kal16', engine: 'flite', voice: 'kal16' },
  { name: 'flite rms', engine: 'flite', voice: 'rms' },
  { name: 'flite awb', engine: 'flite', voice: 'awb' },
  { name: 'flite slt', engine: 'flite', voice: 'slt' },
  { name: 'flite slt slow', engine: 'flite', voice: 'slt', wordsPerMinute: 140 },
  { name: 'flite kal16 fast', engine: 'flite', voice: 'kal16', wordsPerMinute: 210 },
  { name: 'espeak-ng en-us', engine: 'espeak-ng', voice: 'en-us' },
  { name: 'espeak-ng en-us+f2 140', engine: 'espeak-ng', voice: 'en-us+f2', wordsPerMinute: 140 },
  { name: 'espeak-ng en-gb+m3 175', engine: 'espeak-ng', voice: 'en-gb+m3', wordsPerMinute: 175 },
  { name: 'espeak-ng en-029 160', engine: 'espeak-ng', voice: 'en-029', wordsPerMinute: 160 },
  { name: 'espeak-ng en-us+m7 190', engine: 'espeak-ng', voice: 'en-us+m7', wordsPerMinute: 190 },
];

export interface CorpusClip {
  readonly prompt: number;
  readonly voice: string;
  readonly codec: CodecId;
  readonly audio: Int16Array;
}

/** Every prompt × voice × codec. */
export async function renderCorpus(codecs: readonly CodecId[]): Promise<CorpusClip[]> {
  const out: CorpusClip[] = [];
  for (const v of CORPUS_VOICES) {
    const pcm = await Promise.all(CORPUS_PROMPTS.map((p) => speak(p, v)));
    pcm.forEach((a, prompt) => {
      for (const codec of codecs) out.push({ prompt, voice: v.name, codec, audio: throughCodec(codec, a) });
    });
  }
  return out;
}

/** The `heard` rule: pass on the expected phrase; fail on another listed phrase; else the similarity threshold. */
export function accepts(transcript: string, expected: string, listed: readonly string[], threshold = 0.8): boolean {
  if (transcript === expected) return true;
  if (listed.includes(transcript)) return false;
  return wordSimilarity(transcript, expected) >= threshold;
}
