/**
 * Utterance verification: did this clip say this text? Used by `heard` when
 * the scenario lists no other prompts to choose among.
 *
 * A recogniser told to choose among one phrase always finds it; the
 * question is how much worse the expected text explains the audio than the
 * best explanation that knows nothing of it. Two decodes of the same clip:
 *
 * 1. forced alignment: a grammar that is exactly the expected words, silence
 *    allowed between them (no noise fillers, which would swallow speech);
 * 2. an unconstrained phone loop (any sequence of the model's phones).
 *
 * Both compute every senone in every frame, so their per-frame scores share
 * one normaliser and can be subtracted. The log-likelihood ratio per frame
 * over the whole clip (`score`) catches another prompt; the worst stretch of
 * at least 200 ms of aligned words (`worstWindow`, each word's score against
 * the phone loop's over the same frames) catches a near miss, where one key
 * word or number is different and the rest matches. An alignment that does
 * not reach the end of the clip (the expected words explain only part of
 * it) is rejected. Thresholds were set on the real-voice corpus (docs/ivr.md).
 */

/** One segment of a decode: a word (or phone, or silence) over frames [start, end) and its acoustic score. */
export interface ScoredSegment {
  readonly word: string;
  readonly start: number;
  readonly end: number;
  readonly acoustic: number;
}

/** A decode as `-hypseg` prints it: every segment, silences included, and the frame count. */
export interface ScoredDecode {
  readonly acoustic: number;
  readonly segments: readonly ScoredSegment[];
  readonly frames: number;
}

/** Where the decision is made. */
export interface VerifyThresholds {
  /** Least log-likelihood ratio per frame over the whole clip. */
  readonly minScore: number;
  /** Least log-likelihood ratio per frame over the worst stretch of words. */
  readonly minWindow: number;
  /** Frames (10 ms) a stretch covers at least. */
  readonly windowFrames: number;
  /** Least share of the clip's frames the alignment must reach. */
  readonly minCoverage: number;
}

/** Set on the real-voice corpus (asterisk-core-sounds-en, G.711 and GSM), see docs/ivr.md. */
export const DEFAULT_VERIFY_THRESHOLDS: VerifyThresholds = {
  minScore: -15,
  minWindow: -60,
  windowFrames: 20,
  minCoverage: 0.97,
};

export interface VerifyScore {
  readonly accepted: boolean;
  /** Log-likelihood ratio per frame, forced alignment against the phone loop (0 is as good as the loop). */
  readonly score: number;
  /** The same over the worst stretch of aligned words. */
  readonly worstWindow: number;
  /** The words of the worst stretch. */
  readonly worstWords: string;
  /** The share of the clip the alignment reached. */
  readonly coverage: number;
  /** Why it was rejected (absent when accepted). */
  readonly reason?: string;
}

const SILENCE = /^(<s>|<\/s>|<sil>)$/;

/**
 * Parse a `-hypseg` line keeping every segment and its score:
 * `id S scale T total A acoustic L lm {start ascr lscr word}* end`.
 *
 * @example
 * parseScoredHypseg('u S 0 T -10 A -8 L 0 0 -3 0 <sil> 10 -5 0 hi 30')
 * // { acoustic: -8, frames: 30, segments: [{ word: '<sil>', start: 0, end: 10, acoustic: -3 }, …] }
 */
export function parseScoredHypseg(line: string): (ScoredDecode & { id: string }) | undefined {
  const t = line.trim().split(/\s+/);
  if (t.length < 9 || t[1] !== 'S' || t[3] !== 'T' || t[5] !== 'A' || t[7] !== 'L') return undefined;
  const segments: ScoredSegment[] = [];
  let i = 9;
  while (i + 3 < t.length) {
    const start = Number(t[i]);
    const end = Number(t[i + 4] ?? start);
    segments.push({ word: t[i + 3]!.replace(/\(\d+\)$/, ''), start, end, acoustic: Number(t[i + 1]) });
    i += 4;
  }
  const frames = Number(t[i] ?? segments.at(-1)?.end ?? 0);
  return { id: t[0]!, acoustic: Number(t[6]), segments, frames: Number.isFinite(frames) ? frames : 0 };
}

/** The phone loop's acoustic score over frames [start, end), segments cut in proportion. */
export function scoreOver(loop: ScoredDecode, start: number, end: number): number {
  let sum = 0;
  for (const s of loop.segments) {
    const overlap = Math.min(end, s.end) - Math.max(start, s.start);
    if (overlap > 0 && s.end > s.start) sum += (s.acoustic * overlap) / (s.end - s.start);
  }
  return sum;
}

/**
 * Accept or reject the forced alignment of the expected text against the
 * phone loop of the same clip (see the file comment).
 *
 * @example
 * const v = verifyAlignment(forced, loop);
 * if (!v.accepted) console.log(v.reason);
 */
export function verifyAlignment(
  forced: ScoredDecode | undefined,
  loop: ScoredDecode,
  t: VerifyThresholds = DEFAULT_VERIFY_THRESHOLDS,
): VerifyScore {
  const frames = Math.max(1, loop.frames);
  const words = forced?.segments.filter((s) => !SILENCE.test(s.word)) ?? [];
  if (!forced || words.length === 0) {
    return {
      accepted: false,
      score: -Infinity,
      worstWindow: -Infinity,
      worstWords: '',
      coverage: 0,
      reason: 'the expected words cannot be aligned with the audio',
    };
  }
  const coverage = Math.min(1, (forced.segments.at(-1)?.end ?? 0) / frames);
  const score = (forced.acoustic - loop.acoustic) / frames;
  // Stretches start at a word and take the following segments (silences
  // between words included: speech forced into silence scores badly) until
  // they span windowFrames.
  const segs = forced.segments.filter((s) => s.end > s.start);
  let worstWindow = Infinity;
  let worstWords = '';
  for (let i = 0; i < segs.length; i++) {
    if (SILENCE.test(segs[i]!.word)) continue;
    let ratio = 0;
    let span = 0;
    let j = i;
    for (; j < segs.length; j++) {
      const s = segs[j]!;
      ratio += s.acoustic - scoreOver(loop, s.start, s.end);
      span += s.end - s.start;
      if (span >= t.windowFrames) break;
    }
    if (span > 0 && ratio / span < worstWindow) {
      worstWindow = ratio / span;
      worstWords = segs
        .slice(i, j + 1)
        .filter((s) => !SILENCE.test(s.word))
        .map((s) => s.word)
        .join(' ');
    }
  }
  if (worstWindow === Infinity) worstWindow = 0;
  const reason =
    coverage < t.minCoverage
      ? `the expected words explain only ${Math.round(coverage * 100)} % of the audio`
      : score < t.minScore
        ? `the audio fits the expected words badly (score ${score.toFixed(1)} < ${t.minScore})`
        : worstWindow < t.minWindow
          ? `"${worstWords}" does not fit the audio (score ${worstWindow.toFixed(1)} < ${t.minWindow})`
          : undefined;
  return { accepted: reason === undefined, score, worstWindow, worstWords, coverage, ...(reason ? { reason } : {}) };
}

/**
 * A Sphinx finite-state grammar that is exactly `words` in order.
 *
 * @example fsgExactly(['press', 'one']) // 'FSG_BEGIN expected\nNUM_STATES 3\n…'
 */
export function fsgExactly(words: readonly string[]): string {
  if (words.length === 0) throw new RangeError('a grammar needs at least one word');
  return [
    'FSG_BEGIN expected',
    `NUM_STATES ${words.length + 1}`,
    'START_STATE 0',
    `FINAL_STATE ${words.length}`,
    ...words.map((w, i) => `TRANSITION ${i} ${i + 1} 1.0 ${w}`),
    'FSG_END',
    '',
  ].join('\n');
}
