/**
 * Decoys: near-miss variants of an expected phrase added to the grammar as
 * competitors, so that a prompt which changed by one key word ("press two
 * for sales" where "press one for sales" was expected) loses to its own
 * variant instead of being forced onto the expected phrase. IVR prompts go
 * wrong mostly in their digits, so each digit word (and star, pound) is
 * replaced in turn by every other one.
 */
import { normaliseWords } from './text.js';

const KEYS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'star', 'pound'];

/**
 * Single-substitution variants of `phrase` on its key words.
 *
 * @example
 * digitDecoys('press one for sales') // ['press zero for sales', 'press two for sales', …]
 */
export function digitDecoys(phrase: string): string[] {
  const words = normaliseWords(phrase);
  const out: string[] = [];
  words.forEach((w, i) => {
    if (!KEYS.includes(w)) return;
    for (const k of KEYS) {
      if (k === w) continue;
      const v = [...words];
      v[i] = k;
      out.push(v.join(' '));
    }
  });
  return out;
}
