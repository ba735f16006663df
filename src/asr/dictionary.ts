/**
 * Pronunciations for the words of a grammar: the CMU dictionary that ships
 * with the recogniser's model, and for a word it lacks, the readings of the
 * two TTS engines (flite speaks the CMU phone set; espeak-ng's IPA is mapped
 * to it), so that a prompt either engine spoke is decoded with the
 * pronunciation it used; with neither engine, the word spelt letter by letter.
 */
import { execFile, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

/** The phones of the CMU US English acoustic model. */
const PHONES = new Set(
  'AA AE AH AO AW AY B CH D DH EH ER EY F G HH IH IY JH K L M N NG OW OY P R S SH T TH UH UW V W Y Z ZH'.split(' '),
);

const cache = new Map<string, Map<string, string[]>>();
const loading = new Map<string, Promise<Map<string, string[]>>>();
const guesses = new Map<string, string[]>();

function addEntry(entries: Map<string, string[]>, line: string): void {
  const sp = line.indexOf(' ');
  if (sp <= 0) return;
  const word = line.slice(0, sp).replace(/\(\d+\)$/, '');
  const phones = line.slice(sp + 1).trim();
  if (!phones) return;
  const list = entries.get(word);
  if (list) list.push(phones);
  else entries.set(word, [phones]);
}

/**
 * A pronunciation dictionary in CMU format (`word PH ON ES`, alternates as `word(2)`).
 *
 * @example
 * const dict = PronunciationDictionary.load('/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict');
 * dict.pronunciations(['press', 'one']) // Map { 'press' => ['P R EH S'], 'one' => ['W AH N', 'HH W AH N'] }
 */
export class PronunciationDictionary {
  private constructor(private readonly entries: Map<string, string[]>) {}

  /** Read (once per process) the dictionary at `path`. */
  static load(path: string): PronunciationDictionary {
    let entries = cache.get(path);
    if (!entries) {
      entries = new Map();
      const lines = readFileSync(path, 'latin1').split('\n');
      for (const line of lines) addEntry(entries, line);
      cache.set(path, entries);
    }
    return new PronunciationDictionary(entries);
  }

  /**
   * `load` without holding up the event loop (the CMU dictionary takes half
   * a second to read: calls in progress would miss their media ticks): the
   * file is read asynchronously and parsed a slice at a time.
   */
  static async loadAsync(path: string): Promise<PronunciationDictionary> {
    const done = cache.get(path);
    if (done) return new PronunciationDictionary(done);
    let p = loading.get(path);
    if (!p) {
      p = (async () => {
        const lines = (await readFile(path, 'latin1')).split('\n');
        const entries = new Map<string, string[]>();
        for (let i = 0; i < lines.length; i += 5000) {
          for (const line of lines.slice(i, i + 5000)) addEntry(entries, line);
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
        cache.set(path, entries);
        return entries;
      })().finally(() => loading.delete(path));
      loading.set(path, p);
    }
    return new PronunciationDictionary(await p);
  }

  has(word: string): boolean {
    return this.entries.has(word);
  }

  /** Every pronunciation of each word; words the dictionary lacks are guessed (see the file comment). */
  pronunciations(words: Iterable<string>): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const w of words) {
      if (out.has(w)) continue;
      out.set(w, this.entries.get(w) ?? this.guess(w));
    }
    return out;
  }

  /** `pronunciations`, with the guesses made by TTS processes the event loop does not wait on. */
  async pronunciationsAsync(words: Iterable<string>): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    for (const w of words) {
      if (out.has(w)) continue;
      const known = this.entries.get(w) ?? guesses.get(w);
      if (known) out.set(w, known);
      else {
        const [f, e] = await Promise.all([
          run('flite', ['-t', w, '-ps', '-o', 'none']),
          run('espeak-ng', espeakArgs(w)),
        ]);
        out.set(
          w,
          this.settle(w, f === undefined ? undefined : fliteToCmu(f), e === undefined ? undefined : ipaToCmu(e)),
        );
      }
    }
    return out;
  }

  /** The dictionary text for `words`, in the recogniser's format. */
  format(words: Iterable<string>): string {
    const lines: string[] = [];
    for (const [w, prons] of this.pronunciations(words)) {
      for (const [i, p] of prons.entries()) lines.push(`${i === 0 ? w : `${w}(${i + 1})`} ${p}`);
    }
    return lines.join('\n') + '\n';
  }

  private guess(word: string): string[] {
    return guesses.get(word) ?? this.settle(word, flitePhones(word), espeakPhones(word));
  }

  /** The guesses of both engines (letter by letter without either), remembered. */
  private settle(word: string, flite: string | undefined, espeak: string | undefined): string[] {
    let g = [...new Set([flite, espeak].filter((p): p is string => !!p))];
    if (g.length === 0) {
      const letters = [...word.replace(/[^a-z]/g, '')]
        .map((c) => this.entries.get(c)?.[0])
        .filter((p): p is string => !!p);
      g = [letters.length ? letters.join(' ') : 'AH'];
    }
    guesses.set(word, g);
    return g;
  }
}

/** A program's standard output, or undefined when it is missing or fails. */
function run(cmd: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) =>
    execFile(cmd, args, { encoding: 'utf8', timeout: 10_000 }, (err, out) => resolve(err ? undefined : out)),
  );
}

const espeakArgs = (word: string) => ['-q', '--ipa', '-v', 'en-us', word];

/** flite's phones for a word, mapped to the CMU set, or undefined when flite is missing or says nothing usable. */
export function flitePhones(word: string): string | undefined {
  const r = spawnSync('flite', ['-t', word, '-ps', '-o', 'none'], { encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0 || typeof r.stdout !== 'string') return undefined;
  return fliteToCmu(r.stdout);
}

/** flite's `-ps` output as CMU phones (pauses dropped), or undefined when it holds a phone the model lacks. */
function fliteToCmu(out: string): string | undefined {
  const phones = out
    .trim()
    .split(/\s+/)
    .filter((p) => p && p !== 'pau')
    .map((p) => (p === 'ax' ? 'AH' : p.toUpperCase()));
  if (phones.length === 0 || phones.some((p) => !PHONES.has(p))) return undefined;
  return phones.join(' ');
}

/** IPA symbols (longest first) and the CMU phones they become; stress and length marks are dropped. */
const IPA: readonly (readonly [string, string])[] = [
  ['tʃ', 'CH'],
  ['dʒ', 'JH'],
  ['eɪ', 'EY'],
  ['aɪ', 'AY'],
  ['aʊ', 'AW'],
  ['ɔɪ', 'OY'],
  ['oʊ', 'OW'],
  ['əʊ', 'OW'],
  ['ɪə', 'IH R'],
  ['eə', 'EH R'],
  ['ʊə', 'UH R'],
  ['iː', 'IY'],
  ['uː', 'UW'],
  ['ɑː', 'AA'],
  ['ɔː', 'AO'],
  ['ɜː', 'ER'],
  ['oː', 'AO'],
  ['i', 'IY'],
  ['ɪ', 'IH'],
  ['ᵻ', 'IH'],
  ['e', 'EH'],
  ['ɛ', 'EH'],
  ['æ', 'AE'],
  ['a', 'AE'],
  ['ɑ', 'AA'],
  ['ɒ', 'AA'],
  ['ɔ', 'AO'],
  ['o', 'OW'],
  ['ʊ', 'UH'],
  ['u', 'UW'],
  ['ʌ', 'AH'],
  ['ə', 'AH'],
  ['ɐ', 'AH'],
  ['ɚ', 'ER'],
  ['ɜ', 'ER'],
  ['p', 'P'],
  ['b', 'B'],
  ['t', 'T'],
  ['d', 'D'],
  ['k', 'K'],
  ['g', 'G'],
  ['ɡ', 'G'],
  ['f', 'F'],
  ['v', 'V'],
  ['θ', 'TH'],
  ['ð', 'DH'],
  ['s', 'S'],
  ['z', 'Z'],
  ['ʃ', 'SH'],
  ['ʒ', 'ZH'],
  ['h', 'HH'],
  ['m', 'M'],
  ['n', 'N'],
  ['ŋ', 'NG'],
  ['l', 'L'],
  ['ɫ', 'L'],
  ['ɹ', 'R'],
  ['r', 'R'],
  ['ɾ', 'T'],
  ['w', 'W'],
  ['j', 'Y'],
  ['x', 'K'],
];

/**
 * espeak-ng's reading of a word (US English), mapped from IPA to CMU
 * phones; undefined when espeak-ng is missing or says something unmapped.
 *
 * @example ipaToCmu('vˈɔɪpstɚ') // 'V OY P S T ER'
 */
export function espeakPhones(word: string): string | undefined {
  const r = spawnSync('espeak-ng', espeakArgs(word), { encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0 || typeof r.stdout !== 'string') return undefined;
  return ipaToCmu(r.stdout);
}

export function ipaToCmu(ipa: string): string | undefined {
  const s = ipa.normalize('NFC').replace(/[ˈˌːˑ\s_-]|[\u0300-\u036f]/gu, (c) => (c === 'ː' ? 'ː' : ''));
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    if (s[i] === 'ː' || s[i] === 'ʔ') {
      i++;
      continue;
    }
    const hit = IPA.find(([sym]) => s.startsWith(sym, i));
    if (!hit) return undefined;
    out.push(hit[1]);
    i += hit[0].length;
  }
  return out.length ? out.join(' ') : undefined;
}
