/**
 * How close a transcript is to the expected words: one minus the word edit
 * distance (substitutions, insertions and deletions all cost one) divided by
 * the longer of the two lengths. 1 is identical, 0 shares nothing in order.
 */
import { normaliseWords } from './text.js';

/** Word-level Levenshtein distance. */
export function wordDistance(a: readonly string[], b: readonly string[]): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * Similarity of two texts on normalised words, 0..1.
 *
 * @example
 * wordSimilarity('press one for sales', 'Press 1 for sales.') // 1
 * wordSimilarity('press two for sales', 'press one for sales') // 0.75
 */
export function wordSimilarity(heard: string, expected: string): number {
  const a = normaliseWords(heard);
  const b = normaliseWords(expected);
  const n = Math.max(a.length, b.length);
  if (n === 0) return 1;
  return 1 - wordDistance(a, b) / n;
}
