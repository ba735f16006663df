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

/**
 * The same choice as `jsgfChoice` as a Sphinx finite-state grammar (what a
 * running decoder takes per utterance): from the start state one branch
 * per phrase, equally likely, each a chain of its words to the final state.
 *
 * @example
 * fsgChoice(['press one', 'goodbye'])
 * // FSG_BEGIN prompts / NUM_STATES 3 / START_STATE 0 / FINAL_STATE 1 / TRANSITION 0 2 0.5 press / …
 */
export function fsgChoice(phrases: readonly string[]): string {
  const alts = [...new Set(phrases.map((p) => normaliseWords(p).join(' ')).filter(Boolean))].map((a) => a.split(' '));
  if (alts.length === 0) throw new RangeError('a grammar needs at least one phrase with words');
  const p = 1 / alts.length;
  const lines: string[] = [];
  let states = 2; // 0 start, 1 final
  for (const words of alts) {
    let from = 0;
    for (const [i, w] of words.entries()) {
      const to = i === words.length - 1 ? 1 : states++;
      lines.push(`TRANSITION ${from} ${to} ${i === 0 ? p : 1} ${w}`);
      from = to;
    }
  }
  return ['FSG_BEGIN prompts', `NUM_STATES ${states}`, 'START_STATE 0', 'FINAL_STATE 1', ...lines, 'FSG_END', ''].join(
    '\n',
  );
}
