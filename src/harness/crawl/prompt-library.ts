/**
 * The prompts a crawl has heard, each once: a newly recorded prompt is the
 * same as a known one when their audio matches both ways and half second by
 * half second (`prompt-compare.ts`). A recording longer than a known prompt
 * that holds all of it (an invalid-key response and the menu said again
 * with no pause the gap could cut) is split there: the known prompt, and
 * what was said before and after it, each identified in turn. Short of
 * that, a pair whose whole score is in the grey zone asks the transcripts
 * for a second opinion. A recording's holes (audio the receiver concealed:
 * `holes.ts`) are left out of its comparisons, unless they are over a fifth
 * of its speech.
 */
import { wordSimilarity } from '../../asr/similarity.js';
import { matchFeatures } from '../match/reference-matcher.js';
import { spectralFeatures, type SpectralFeatures } from '../match/spectral-features.js';
import { holesIn, judgedFeatures, type Hole } from './holes.js';
import { compareFeatures, findInside, speechIn, type Inside, type PromptComparison } from './prompt-compare.js';
import type { PromptInfo } from './types.js';

export type { PromptComparison } from './prompt-compare.js';

export interface PromptLibraryOptions {
  /** Both-ways match score at or above which two clips are one prompt (default 0.85)… */
  readonly sameScore?: number;
  /** … when no half second of either matches the other worse than this (default 0.75). */
  readonly samePiece?: number;
  /** Score from which the transcripts decide (default 0.55). */
  readonly greyScore?: number;
  /** Word similarity of the transcripts that makes a grey-zone pair one prompt (default 0.95). */
  readonly sameWords?: number;
}

interface Entry {
  readonly info: PromptInfo;
  /** The features of each recording kept (the first recording's first), its holes left out. */
  readonly features: SpectralFeatures[];
  /** Its transcription, while it runs (the crawl does not wait for it). */
  transcribing?: Promise<void>;
}

export class PromptLibrary {
  private readonly entries: Entry[] = [];
  private readonly transcribing = new Set<Promise<void>>();
  private failure: unknown;
  private readonly sameScore: number;
  private readonly samePiece: number;
  private readonly greyScore: number;
  private readonly sameWords: number;

  constructor(options: PromptLibraryOptions = {}) {
    this.sameScore = options.sameScore ?? 0.85;
    this.samePiece = options.samePiece ?? 0.75;
    this.greyScore = options.greyScore ?? 0.55;
    this.sameWords = options.sameWords ?? 0.95;
  }

  get prompts(): readonly PromptInfo[] {
    return this.entries.map((e) => e.info);
  }

  /** A known prompt heard again: keep the recording (a few per prompt). */
  private again(entry: Entry, samples: Int16Array, features: SpectralFeatures, holes: readonly Hole[]): PromptInfo {
    if (entry.info.recordings.length < KEEP_RECORDINGS) {
      entry.info.holes?.push([...holes]);
      entry.info.recordings.push(samples);
      entry.features.push(features);
    }
    return entry.info;
  }

  /** A prompt known from an earlier crawl (a resumed one), with its id: new prompts are numbered after it. */
  seed(info: PromptInfo): void {
    if (this.entries.some((e) => e.info.id === info.id)) throw new RangeError(`prompt ${info.id} twice`);
    this.entries.push({ info, features: info.recordings.map((r) => spectralFeatures(r)) });
  }

  get(id: string): PromptInfo | undefined {
    return this.entries.find((e) => e.info.id === id)?.info;
  }

  /**
   * The prompts `samples` holds, in order, each added when new: one prompt,
   * or a known prompt found inside it and the prompts around it. `transcribe`
   * is asked for a new prompt's transcript, and for the second opinion in
   * the grey zone. `holes`: the recording's audio the receiver made up.
   */
  identify(
    samples: Int16Array,
    speechMs: number,
    transcribe: (samples: Int16Array) => Promise<string>,
    holes: readonly Hole[] = [],
  ): Promise<PromptInfo[]> {
    return this.identifyIn(samples, speechMs, transcribe, MAX_SPLITS, holes);
  }

  /**
   * The known prompt `samples` is whole (the same test as `identify`'s first), the recording kept
   * as one of its own; undefined when none is. Nothing is added.
   */
  async known(samples: Int16Array, speechMs: number, holes: readonly Hole[] = []): Promise<PromptInfo | undefined> {
    const { features } = judgedFeatures(samples, holes);
    for (const entry of this.entries) {
      for (const known of entry.features) {
        await yieldToCalls();
        const c = compareFeatures(features, speechMs, known, entry.info.speechMs);
        if (c.lengthsAgree && c.score >= this.sameScore && c.worstPiece >= this.samePiece)
          return this.again(entry, samples, features, holes);
      }
    }
    return undefined;
  }

  private async identifyIn(
    samples: Int16Array,
    speechMs: number,
    transcribe: (samples: Int16Array) => Promise<string>,
    splits: number,
    holes: readonly Hole[] = [],
  ): Promise<PromptInfo[]> {
    const { features } = judgedFeatures(samples, holes);
    let best: { entry: Entry; score: number } | undefined;
    for (const entry of this.entries) {
      // Against each recording kept: one with a glitch of its call in it does not hide the prompt.
      for (const known of entry.features) {
        // Matching is heavy and synchronous: let the calls in progress have their media between comparisons.
        await yieldToCalls();
        const c = compareFeatures(features, speechMs, known, entry.info.speechMs);
        if (!c.lengthsAgree) continue;
        if (c.score >= this.sameScore && c.worstPiece >= this.samePiece)
          return [this.again(entry, samples, features, holes)];
        if (!best || c.score > best.score) best = { entry, score: c.score };
      }
    }
    // Looking inside, and splitting, go by sample positions: the features of the audio as recorded.
    const plain = holes.length === 0 ? features : spectralFeatures(samples);
    const inside = splits > 0 ? await this.knownInside(samples, plain, speechMs) : undefined;
    if (inside) {
      const part = async (from: number, to: number) => {
        const s = speechIn(samples, plain, from, to, MIN_PART_MS);
        if (!s) return [];
        // Each part keeps the holes that fall in it.
        const h = holesIn(holes, s.start, s.start + s.samples.length);
        return this.identifyIn(s.samples, s.speechMs, transcribe, splits - 1, h);
      };
      const before = await part(0, inside.at.start);
      const after = await part(inside.at.end, samples.length);
      return [...before, inside.entry.info, ...after];
    }
    let transcript: string | undefined;
    if (best && best.score >= this.greyScore) {
      await best.entry.transcribing;
      transcript = await transcribe(samples);
      const known = best.entry.info.transcript;
      if (transcript && known && wordSimilarity(transcript, known) >= this.sameWords)
        return [this.again(best.entry, samples, features, holes)];
    }
    const info: PromptInfo = {
      id: `p${this.entries.length + 1}`,
      samples,
      speechMs,
      recordings: [samples],
      holes: [[...holes]],
      transcript: transcript ?? '',
    };
    const entry: Entry = { info, features: [features] };
    // Transcribed beside the calls: the crawl needs the prompt's identity now, its words only for a
    // grey-zone second opinion (which waits for them) and for the map.
    if (transcript === undefined) entry.transcribing = this.transcribeLater(entry, transcribe(samples));
    this.entries.push(entry);
    return [info];
  }

  private transcribeLater(entry: Entry, words: Promise<string>): Promise<void> {
    const done = words.then(
      (t) => {
        entry.info.transcript = t;
      },
      (e: unknown) => {
        this.failure ??= e;
      },
    );
    this.transcribing.add(done);
    return done.finally(() => this.transcribing.delete(done));
  }

  /** Every transcription started has ended (the first failure, if any, is thrown here). */
  async transcribed(): Promise<void> {
    while (this.transcribing.size > 0) await Promise.all(this.transcribing);
    if (this.failure !== undefined) throw this.failure;
  }

  /**
   * The longest known prompt (of `MIN_INSIDE_MS` of speech or more) that a
   * longer recording holds whole, and where.
   */
  private async knownInside(
    samples: Int16Array,
    features: SpectralFeatures,
    speechMs: number,
  ): Promise<{ entry: Entry; at: Inside } | undefined> {
    const criteria = { sameScore: this.sameScore, samePiece: this.samePiece };
    const candidates = this.entries
      .filter((e) => e.info.speechMs >= MIN_INSIDE_MS && e.info.speechMs < speechMs)
      .sort((a, b) => b.info.speechMs - a.info.speechMs);
    for (const entry of candidates) {
      for (const [i, known] of entry.features.entries()) {
        await yieldToCalls();
        const at = findInside(samples, features, entry.info.recordings[i]!, known, entry.info.speechMs, criteria);
        if (at) return { entry, at };
      }
    }
    return undefined;
  }
}

const yieldToCalls = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Recordings kept per prompt. */
const KEEP_RECORDINGS = 3;
/** Known prompts shorter than this are not looked for inside longer recordings (a one-word prompt, a jingle). */
const MIN_INSIDE_MS = 1000;
/** What is said around a known prompt found inside a recording counts when this much of it is speech. */
const MIN_PART_MS = 200;
/** How many times over a recording is split (the parts around a known prompt are searched in turn). */
const MAX_SPLITS = 3;

/** Two prompts, each with its recordings and transcript, as `samePrompt` sees them. */
export interface JudgedPrompt {
  readonly recordings: readonly Int16Array[];
  /** The holes of each recording, when known (left out of the comparison). */
  readonly holes?: readonly (readonly Hole[])[];
  readonly speechMs: number;
  readonly transcript: string;
}

/**
 * Whether two prompts are one, as `identify` decides it: any recording of
 * each matching both ways by audio; short of that, from the grey zone up,
 * transcripts that agree. `score` is the best both-ways score found.
 */
export function samePrompt(
  a: JudgedPrompt,
  b: JudgedPrompt,
  o: PromptLibraryOptions = {},
): { same: boolean; by: 'audio' | 'transcript'; score: number } {
  const sameScore = o.sameScore ?? 0.85;
  const samePiece = o.samePiece ?? 0.75;
  const greyScore = o.greyScore ?? 0.55;
  const sameWords = o.sameWords ?? 0.95;
  const fb = b.recordings.map((r, i) => judgedFeatures(r, b.holes?.[i]).features);
  let best = 0;
  for (const [i, ra] of a.recordings.entries()) {
    const fa = judgedFeatures(ra, a.holes?.[i]).features;
    for (const f of fb) {
      const c = compareFeatures(fa, a.speechMs, f, b.speechMs);
      if (c.score >= sameScore && c.worstPiece >= samePiece) return { same: true, by: 'audio', score: c.score };
      best = Math.max(best, c.score);
    }
  }
  const words = a.transcript !== '' && b.transcript !== '' && wordSimilarity(a.transcript, b.transcript) >= sameWords;
  return { same: best >= greyScore && words, by: best >= greyScore && words ? 'transcript' : 'audio', score: best };
}

/** Compare two clips as the library does, each with its holes (audio the receiver made up) left out. */
export function comparePrompts(
  a: Int16Array,
  aMs: number,
  b: Int16Array,
  bMs: number,
  aHoles: readonly Hole[] = [],
  bHoles: readonly Hole[] = [],
): PromptComparison {
  return compareFeatures(judgedFeatures(a, aHoles).features, aMs, judgedFeatures(b, bHoles).features, bMs);
}

/**
 * The recording of a prompt to keep as its reference: the one that matches
 * the others best (a recording with a glitch of the call in it — a stretch
 * lost or stretched by a loaded machine — would fail every replay), among
 * those with the least audio the receiver is known to have made up.
 */
export function bestRecording(info: PromptInfo): Int16Array {
  const recs = info.recordings;
  // Only among the recordings with the least audio made up by the receiver (concealed or inserted).
  const madeUp = recs.map((_, i) => (info.holes?.[i] ?? []).reduce((n, h) => n + h.end - h.start, 0));
  const least = Math.min(...madeUp);
  if (recs.length < 3) return recs[madeUp.indexOf(least)] ?? info.samples;
  const f = recs.map((r) => spectralFeatures(r));
  let best = 0;
  let bestScore = -Infinity;
  for (let i = 0; i < recs.length; i++) {
    if (madeUp[i]! > least) continue;
    let sum = 0;
    for (let j = 0; j < recs.length; j++)
      if (j !== i) sum += matchFeatures(f[j]!, f[i]!).score + matchFeatures(f[i]!, f[j]!).score;
    if (sum > bestScore) {
      bestScore = sum;
      best = i;
    }
  }
  return recs[best]!;
}
