/**
 * The prompts a crawl has heard, each once: a newly recorded prompt is the
 * same as a known one when their audio matches both ways (the reference
 * matcher of `matches`, each clip as the other's reference, so a short
 * prompt inside a longer one is not taken for it), and every half second of each
 * matches near its place in the other (one changed word in a long prompt barely
 * moves the whole score). Short of that, a pair whose whole score is in the
 * grey zone asks the transcripts for a second opinion.
 */
import { wordSimilarity } from '../../asr/similarity.js';
import { matchFeatures } from '../match/reference-matcher.js';
import { FEATURE_HOP_MS, spectralFeatures, type SpectralFeatures } from '../match/spectral-features.js';
import type { PromptInfo } from './types.js';

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
  /** The features of each recording kept (the first recording's first). */
  readonly features: SpectralFeatures[];
}

/** How two clips compare. */
export interface PromptComparison {
  /** The lower of the two directions' match scores. */
  readonly score: number;
  /** The worst correlation of half a second of either clip near its place in the other. */
  readonly worstPiece: number;
  /** Speech lengths within a quarter of each other. */
  readonly lengthsAgree: boolean;
}

export class PromptLibrary {
  private readonly entries: Entry[] = [];
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
  private again(entry: Entry, samples: Int16Array, features: SpectralFeatures): PromptInfo {
    if (entry.info.recordings.length < KEEP_RECORDINGS) {
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
      // Against each recording kept: one with a glitch of its call in it does not hide the prompt.
      for (const known of entry.features) {
        // Matching is heavy and synchronous: let the calls in progress have their media between comparisons.
        await yieldToCalls();
        const c = compareFeatures(features, speechMs, known, entry.info.speechMs);
        if (!c.lengthsAgree) continue;
        if (c.score >= this.sameScore && c.worstPiece >= this.samePiece) return this.again(entry, samples, features);
        if (!best || c.score > best.score) best = { entry, score: c.score };
      }
    }
    let transcript: string | undefined;
    if (best && best.score >= this.greyScore) {
      transcript = await transcribe(samples);
      const known = best.entry.info.transcript;
      if (transcript && known && wordSimilarity(transcript, known) >= this.sameWords)
        return this.again(best.entry, samples, features);
    }
    transcript ??= await transcribe(samples);
    const info: PromptInfo = {
      id: `p${this.entries.length + 1}`,
      samples,
      speechMs,
      recordings: [samples],
      transcript,
    };
    this.entries.push({ info, features: [features] });
    return info;
  }
}

/** Pieces of a clip checked on their own: 0.5 s of features, with at least 0.2 s active. */
const CHUNK = 50;
const CHUNK_ACTIVE = 20;
/** How far a piece may move from where the whole clip aligned: ±300 ms. */
const CHUNK_SLACK = 30;
const ACTIVE_DB = -35;

/**
 * The worst-matching half second of `a` near where it lies in `b` (`lag`:
 * frames from `a`'s start to its place in `b`). A whole-prompt score
 * barely moves when one word of a long prompt changes ("Accounts…" /
 * "Cards…, press 1 …" score 0.89 whole); the changed word's half second
 * does. Only frames active in both count: a packet lost on a real call
 * leaves a gap that is not a different word.
 */
function worstChunk(a: SpectralFeatures, b: SpectralFeatures, lag: number): number {
  const B = a.bands;
  let worst = 1;
  for (let from = 0; from < a.frames; from += CHUNK) {
    const to = Math.min(a.frames, from + CHUNK);
    let active = 0;
    for (let t = from; t < to; t++) if (a.level[t]! >= ACTIVE_DB) active++;
    if (active < CHUNK_ACTIVE) continue;
    let best = -1;
    for (let l = lag - CHUNK_SLACK; l <= lag + CHUNK_SLACK; l++) {
      let n = 0;
      let sa = 0;
      let sb = 0;
      let saa = 0;
      let sbb = 0;
      let sab = 0;
      for (let t = from; t < to; t++) {
        const u = t + l;
        if (u < 0 || u >= b.frames || a.level[t]! < ACTIVE_DB || b.level[u]! < ACTIVE_DB) continue;
        for (let k = 0; k < B; k++) {
          const x = a.values[t * B + k]!;
          const y = b.values[u * B + k]!;
          n++;
          sa += x;
          sb += y;
          saa += x * x;
          sbb += y * y;
          sab += x * y;
        }
      }
      // Half the piece's active frames must meet active frames at all.
      if (n < (active * B) / 2) continue;
      const va = saa - (sa * sa) / n;
      const vb = sbb - (sb * sb) / n;
      const c = va > 0 && vb > 0 ? (sab - (sa * sb) / n) / Math.sqrt(va * vb) : 0;
      if (c > best) best = c;
    }
    worst = Math.min(worst, best);
  }
  return worst;
}

const yieldToCalls = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Recordings kept per prompt. */
const KEEP_RECORDINGS = 3;

function compareFeatures(a: SpectralFeatures, aMs: number, b: SpectralFeatures, bMs: number): PromptComparison {
  const lengthsAgree = Math.abs(aMs - bMs) <= 0.25 * Math.max(aMs, bMs);
  if (!lengthsAgree) return { score: 0, worstPiece: 0, lengthsAgree };
  const ab = matchFeatures(b, a);
  const ba = matchFeatures(a, b);
  const score = Math.min(ab.score, ba.score);
  const hop = FEATURE_HOP_MS;
  // Only where the whole prompts match: the pieces decide nothing below that.
  const worstPiece =
    score < 0.85 ? 0 : Math.min(worstChunk(a, b, ab.offsetMs / hop), worstChunk(b, a, ba.offsetMs / hop));
  return { score, worstPiece, lengthsAgree };
}

/** Two prompts, each with its recordings and transcript, as `samePrompt` sees them. */
export interface JudgedPrompt {
  readonly recordings: readonly Int16Array[];
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
  const fb = b.recordings.map((r) => spectralFeatures(r));
  let best = 0;
  for (const ra of a.recordings) {
    const fa = spectralFeatures(ra);
    for (const f of fb) {
      const c = compareFeatures(fa, a.speechMs, f, b.speechMs);
      if (c.score >= sameScore && c.worstPiece >= samePiece) return { same: true, by: 'audio', score: c.score };
      best = Math.max(best, c.score);
    }
  }
  const words = a.transcript !== '' && b.transcript !== '' && wordSimilarity(a.transcript, b.transcript) >= sameWords;
  return { same: best >= greyScore && words, by: best >= greyScore && words ? 'transcript' : 'audio', score: best };
}

/** Compare two clips as the library does. */
export function comparePrompts(a: Int16Array, aMs: number, b: Int16Array, bMs: number): PromptComparison {
  return compareFeatures(spectralFeatures(a), aMs, spectralFeatures(b), bMs);
}

/**
 * The recording of a prompt to keep as its reference: the one that matches
 * the others best (a recording with a glitch of the call in it — a stretch
 * lost or stretched by a loaded machine — would fail every replay).
 */
export function bestRecording(info: PromptInfo): Int16Array {
  const recs = info.recordings;
  if (recs.length < 3) return recs[0] ?? info.samples;
  const f = recs.map((r) => spectralFeatures(r));
  let best = 0;
  let bestScore = -Infinity;
  for (let i = 0; i < recs.length; i++) {
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
