/**
 * The prompts a crawl has heard, each once: a newly recorded prompt is the
 * same as a known one when their audio matches both ways (the reference
 * matcher of `matches`, each clip as the other's reference, so a short
 * prompt inside a longer one is not taken for it), and every second of each
 * matches somewhere in the other (one changed word in a long prompt barely
 * moves the whole score). Short of that, a pair whose whole score is in the
 * grey zone asks the transcripts for a second opinion.
 */
import { wordSimilarity } from '../../asr/similarity.js';
import { matchFeatures } from '../match/reference-matcher.js';
import { spectralFeatures, type SpectralFeatures } from '../match/spectral-features.js';
import type { PromptInfo } from './types.js';

export interface PromptLibraryOptions {
  /** Both-ways match score at or above which two clips are one prompt (default 0.85)… */
  readonly sameScore?: number;
  /** … when no second of either matches the other worse than this (default 0.8). */
  readonly sameSecond?: number;
  /** Score from which the transcripts decide (default 0.55). */
  readonly greyScore?: number;
  /** Word similarity of the transcripts that makes a grey-zone pair one prompt (default 0.95). */
  readonly sameWords?: number;
}

interface Entry {
  readonly info: PromptInfo;
  readonly features: SpectralFeatures;
}

/** How two clips compare. */
export interface PromptComparison {
  /** The lower of the two directions' match scores. */
  readonly score: number;
  /** The worst score of one second of either clip matched anywhere in the other. */
  readonly worstSecond: number;
  /** Speech lengths within a quarter of each other. */
  readonly lengthsAgree: boolean;
}

export class PromptLibrary {
  private readonly entries: Entry[] = [];
  private readonly sameScore: number;
  private readonly sameSecond: number;
  private readonly greyScore: number;
  private readonly sameWords: number;

  constructor(options: PromptLibraryOptions = {}) {
    this.sameScore = options.sameScore ?? 0.85;
    this.sameSecond = options.sameSecond ?? 0.8;
    this.greyScore = options.greyScore ?? 0.55;
    this.sameWords = options.sameWords ?? 0.95;
  }

  get prompts(): readonly PromptInfo[] {
    return this.entries.map((e) => e.info);
  }

  get(id: string): PromptInfo | undefined {
    return this.entries.find((e) => e.info.id === id)?.info;
  }

  /**
   * The prompt `samples` is, added when new. `transcribe` is asked for a
   * new prompt's transcript, and for the second opinion in the grey zone.
   */
  async identify(
    samples: Int16Array,
    speechMs: number,
    transcribe: (samples: Int16Array) => Promise<string>,
  ): Promise<PromptInfo> {
    const features = spectralFeatures(samples);
    let best: { entry: Entry; score: number } | undefined;
    for (const entry of this.entries) {
      const c = compareFeatures(features, speechMs, entry.features, entry.info.speechMs);
      if (!c.lengthsAgree) continue;
      if (c.score >= this.sameScore && c.worstSecond >= this.sameSecond) return entry.info;
      if (!best || c.score > best.score) best = { entry, score: c.score };
    }
    let transcript: string | undefined;
    if (best && best.score >= this.greyScore) {
      transcript = await transcribe(samples);
      const known = best.entry.info.transcript;
      if (transcript && known && wordSimilarity(transcript, known) >= this.sameWords) return best.entry.info;
    }
    transcript ??= await transcribe(samples);
    const info: PromptInfo = { id: `p${this.entries.length + 1}`, samples, speechMs, transcript };
    this.entries.push({ info, features });
    return info;
  }
}

/** Chunks of a clip matched on their own: 1 s of features, with at least 0.3 s active. */
const CHUNK = 100;
const CHUNK_ACTIVE = 30;

/** The features of frames [from, to). */
function sliceFeatures(f: SpectralFeatures, from: number, to: number): SpectralFeatures {
  return {
    frames: to - from,
    bands: f.bands,
    values: f.values.subarray(from * f.bands, to * f.bands),
    level: f.level.subarray(from, to),
  };
}

/**
 * The worst-matching second of `a` anywhere in `b`: a whole-prompt score
 * barely moves when one word of a long prompt changes ("Accounts…" /
 * "Cards…, press 1 …" score 0.89 whole), the changed word's second does.
 */
function worstChunk(a: SpectralFeatures, b: SpectralFeatures): number {
  let worst = 1;
  for (let from = 0; from < a.frames; from += CHUNK) {
    const to = Math.min(a.frames, from + CHUNK);
    let active = 0;
    for (let t = from; t < to; t++) if (a.level[t]! >= -35) active++;
    if (active < CHUNK_ACTIVE) continue;
    worst = Math.min(worst, matchFeatures(b, sliceFeatures(a, from, to)).score);
  }
  return worst;
}

function compareFeatures(a: SpectralFeatures, aMs: number, b: SpectralFeatures, bMs: number): PromptComparison {
  const lengthsAgree = Math.abs(aMs - bMs) <= 0.25 * Math.max(aMs, bMs);
  if (!lengthsAgree) return { score: 0, worstSecond: 0, lengthsAgree };
  const score = Math.min(matchFeatures(a, b).score, matchFeatures(b, a).score);
  const worstSecond = score < 0.5 ? 0 : Math.min(worstChunk(a, b), worstChunk(b, a));
  return { score, worstSecond, lengthsAgree };
}

/** Compare two clips as the library does. */
export function comparePrompts(a: Int16Array, aMs: number, b: Int16Array, bMs: number): PromptComparison {
  return compareFeatures(spectralFeatures(a), aMs, spectralFeatures(b), bMs);
}
