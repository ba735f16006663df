/**
 * How two recorded prompts compare, and where a known prompt lies inside a
 * longer recording. Two clips are one prompt when their audio matches both
 * ways (the reference matcher of `matches`, each clip as the other's
 * reference, so a short prompt inside a longer one is not taken for it), and
 * every half second of each matches near its place in the other (one changed
 * word in a long prompt barely moves the whole score).
 *
 * A known prompt inside a longer recording (an IVR that says "not a valid
 * option" and repeats its menu with too short a pause for the gap to cut
 * them): the known prompt is slid over the recording, the stretch where it
 * fits best is cut out, and that stretch must pass the same both-ways and
 * half-second test against the known prompt as a whole recording would. A
 * recording that holds only part of the known prompt (a few of its words, a
 * jingle it starts with) leaves the rest of the known prompt unmet and fails.
 */
import { matchFeatures } from '../match/reference-matcher.js';
import { FEATURE_HOP_MS, spectralFeatures, type SpectralFeatures } from '../match/spectral-features.js';

/** How two clips compare. */
export interface PromptComparison {
  /** The lower of the two directions' match scores. */
  readonly score: number;
  /** The worst correlation of half a second of either clip near its place in the other. */
  readonly worstPiece: number;
  /** Speech lengths within a quarter of each other. */
  readonly lengthsAgree: boolean;
}

/** What makes two clips one prompt. */
export interface SameCriteria {
  /** Both-ways match score at or above which two clips are one prompt… */
  readonly sameScore: number;
  /** … when no half second of either matches the other worse than this. */
  readonly samePiece: number;
}

/** Pieces of a clip checked on their own: 0.5 s of features, with at least 0.2 s active. */
const CHUNK = 50;
const CHUNK_ACTIVE = 20;
/** How far a piece may move from where the whole clip aligned: ±300 ms. */
const CHUNK_SLACK = 30;
/** Frames at or above this level (dB under the clip's loudest) hold speech. */
const ACTIVE_DB = -35;

/**
 * The worst-matching half second of `a` near where it lies in `b` (`lag`:
 * frames from `a`'s start to its place in `b`). A whole-prompt score
 * barely moves when one word of a long prompt changes ("Accounts…" /
 * "Cards…, press 1 …" score 0.89 whole); the changed word's half second
 * does. Only frames active in both count: a packet lost on a real call
 * leaves a gap that is not a different word. Frames masked in either
 * (audio the receiver concealed) do not count, and a half second left with
 * too few frames that do is not judged.
 */
function worstChunk(a: SpectralFeatures, b: SpectralFeatures, lag: number): number {
  const B = a.bands;
  const bMask = b.masked;
  // Out of the judgement: `a`'s frames masked, and those that meet a masked frame of `b` where the whole aligned.
  const out = (t: number) => a.masked?.[t] === 1 || bMask?.[t + lag] === 1;
  let worst = 1;
  // Each piece is half a second of frames judged: one with frames left out reaches further.
  for (let from = 0, to = 0; from < a.frames; from = to) {
    for (let kept = 0; to < a.frames && kept < CHUNK; to++) if (!out(to)) kept++;
    let active = 0;
    for (let t = from; t < to; t++) if (a.level[t]! >= ACTIVE_DB && !out(t)) active++;
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
        if (out(t) || bMask?.[u] === 1) continue;
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

export function compareFeatures(a: SpectralFeatures, aMs: number, b: SpectralFeatures, bMs: number): PromptComparison {
  const lengthsAgree = Math.abs(aMs - bMs) <= 0.25 * Math.max(aMs, bMs);
  if (!lengthsAgree) return { score: 0, worstPiece: 0, lengthsAgree };
  const ab = matchFeatures(b, a);
  const ba = matchFeatures(a, b);
  let score = Math.min(ab.score, ba.score);
  // The whole prompts again with their pauses squeezed: a loaded receiver's jitter buffer may have
  // stretched or shrunk them. The words are still judged half second by half second as recorded
  // (each half second finds its own place near where the whole aligned).
  if (score < 0.85) {
    const [sa, sb] = [squeezePauses(a), squeezePauses(b)];
    score = Math.max(score, Math.min(matchFeatures(sb, sa).score, matchFeatures(sa, sb).score));
  }
  const hop = FEATURE_HOP_MS;
  // Only where the whole prompts match: the pieces decide nothing below that.
  const worstPiece =
    score < 0.85 ? 0 : Math.min(worstChunk(a, b, ab.offsetMs / hop), worstChunk(b, a, ba.offsetMs / hop));
  return { score, worstPiece, lengthsAgree };
}

/** Pauses are compared up to this long: 150 ms. */
const PAUSE_KEPT = 15;

/**
 * The features with every pause (a run of inactive frames) longer than
 * `PAUSE_KEPT` shortened to it. A receiver's adaptive jitter buffer on a
 * loaded machine grows and shrinks its delay in the pauses between phrases:
 * two recordings of one menu came out with pauses 100–200 ms apart, more
 * than the matcher lets its blocks slip, and scored 0.72. The words stay
 * as they were, and each is compared as before.
 */
export function squeezePauses(f: SpectralFeatures): SpectralFeatures {
  const keep: number[] = [];
  for (let t = 0; t < f.frames; ) {
    if (f.level[t]! >= ACTIVE_DB) {
      keep.push(t++);
      continue;
    }
    let end = t;
    while (end < f.frames && f.level[end]! < ACTIVE_DB) end++;
    const run = end - t;
    const head = Math.min(run, Math.ceil(PAUSE_KEPT / 2));
    const tail = Math.min(run - head, Math.floor(PAUSE_KEPT / 2));
    for (let u = t; u < t + head; u++) keep.push(u);
    for (let u = end - tail; u < end; u++) keep.push(u);
    t = end;
  }
  if (keep.length === f.frames) return f;
  const B = f.bands;
  const values = new Float64Array(keep.length * B);
  const level = new Float64Array(keep.length);
  const masked = f.masked ? new Uint8Array(keep.length) : undefined;
  keep.forEach((t, i) => {
    values.set(f.values.subarray(t * B, (t + 1) * B), i * B);
    level[i] = f.level[t]!;
    if (masked) masked[i] = f.masked![t]!;
  });
  return { frames: keep.length, bands: B, values, level, ...(masked ? { masked } : {}) };
}

const SAMPLES_PER_FRAME = (8000 * FEATURE_HOP_MS) / 1000;
/** How far the known prompt may reach past either end of the recording: 200 ms (its recorded context). */
const INSIDE_SLACK_MS = 200;

/** Where the known prompt fits best inside a recording, the score that is worth cutting the stretch out to judge. */
const LOCATE_SCORE = 0.5;

/** Where a known prompt lies inside a recording: samples [start, end). */
export interface Inside {
  readonly start: number;
  readonly end: number;
  readonly score: number;
}

/**
 * Where `known` (a whole prompt's recording, its features `knownF`, its
 * speech `knownMs` long) lies inside the longer recording `clip`, judged by
 * the same criteria as two whole prompts; undefined when it is not all there.
 */
export function findInside(
  clip: Int16Array,
  clipF: SpectralFeatures,
  known: Int16Array,
  knownF: SpectralFeatures,
  knownMs: number,
  c: SameCriteria,
): Inside | undefined {
  if (knownF.frames === 0 || knownF.frames > clipF.frames + INSIDE_SLACK_MS / FEATURE_HOP_MS) return undefined;
  const where = matchFeatures(clipF, knownF, { maxOffsetMs: INSIDE_SLACK_MS });
  // Most recordings stop here: nothing like the known prompt anywhere. The level of the rest of the
  // recording weighs on this score (a loud prompt before a quiet one), so the stretch is judged below.
  if (where.score < LOCATE_SCORE) return undefined;
  const start = Math.max(0, Math.round(where.offsetMs / FEATURE_HOP_MS) * SAMPLES_PER_FRAME);
  const end = Math.min(clip.length, start + known.length);
  if (end - start < known.length / 2) return undefined;
  // The stretch on its own, as a recording of its own: its level taken off its own loudest frame.
  const stretch = spectralFeatures(clip.subarray(start, end));
  const same = compareFeatures(stretch, knownMs, knownF, knownMs);
  if (same.score < c.sameScore || same.worstPiece < c.samePiece) return undefined;
  return { start, end, score: same.score };
}

/**
 * The speech in samples [from, to) of a recording (its features `f`): from
 * its first to its last active frame with 100 ms of context each side, as
 * a probe records a prompt (`start`: where it begins in `clip`); undefined when under `minMs` of it is active.
 */
export function speechIn(
  clip: Int16Array,
  f: SpectralFeatures,
  from: number,
  to: number,
  minMs: number,
): { samples: Int16Array; speechMs: number; start: number } | undefined {
  const a = Math.ceil(from / SAMPLES_PER_FRAME);
  const b = Math.min(f.frames, Math.floor(to / SAMPLES_PER_FRAME));
  let first = -1;
  let last = -1;
  let active = 0;
  for (let t = a; t < b; t++) {
    if (f.level[t]! < ACTIVE_DB) continue;
    active++;
    if (first < 0) first = t;
    last = t;
  }
  if (active * FEATURE_HOP_MS < minMs) return undefined;
  const pad = 100 * (SAMPLES_PER_FRAME / FEATURE_HOP_MS);
  const s = Math.max(from, first * SAMPLES_PER_FRAME - pad);
  const e = Math.min(to, (last + 1) * SAMPLES_PER_FRAME + pad);
  return { samples: clip.slice(s, e), speechMs: (last + 1 - first) * FEATURE_HOP_MS, start: s };
}
