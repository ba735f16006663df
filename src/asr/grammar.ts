/**
 * JSGF grammars for constrained recognition: the utterance is exactly one of
 * the given phrases. Tokens are normalised words (letters and apostrophes);
 * a word with an apostrophe is quoted, as JSGF requires.
 */
import { normaliseWords } from './text.js';

/**
 * A JSGF grammar whose one public rule is a choice among `phrases`
 * (normalised, duplicates and empty phrases dropped).
 *
 * @example
 * jsgfChoice(['Press 1 for sales', 'goodbye'])
 * // #JSGF V1.0;\ngrammar prompts;\npublic <prompt> = ( press one for sales ) | ( goodbye );\n
 */
export function jsgfChoice(phrases: readonly string[]): string {
  const alts = [...new Set(phrases.map((p) => normaliseWords(p).map(token).join(' ')).filter(Boolean))];
  if (alts.length === 0) throw new RangeError('a grammar needs at least one phrase with words');
  return `#JSGF V1.0;\ngrammar prompts;\npublic <prompt> = ${alts.map((a) => `( ${a} )`).join(' | ')};\n`;
}

function token(w: string): string {
  return /^[a-z]+$/.test(w) ? w : `"${w}"`;
}

/** The distinct words of `phrases`, normalised. */
export function grammarWords(phrases: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const p of phrases) for (const w of normaliseWords(p)) out.add(w);
  return out;
}
