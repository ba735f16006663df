/**
 * The real-voice corpus for `heard`: the Asterisk core sound prompts
 * (Debian asterisk-core-sounds-en-wav, recorded by Allison Smith, CC-BY-SA
 * 3.0; installed by scripts/install-peers.sh, never copied here), with the
 * transcripts the package ships (core-sounds-en.txt). Prompts of at least
 * four words; bracketed descriptions ("[beep]"), "(10 seconds of silence)"
 * and files the list names but the package lacks are left out.
 *
 * Each prompt is judged against its own text, against the most similar
 * other prompt's text (the near miss: the highest word similarity among
 * prompts whose normalised text differs) and against other prompts' texts
 * (a seeded sample of prompts sharing less than half their words).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { wordSimilarity } from '../../src/asr/similarity.js';
import { normaliseText, normaliseWords } from '../../src/asr/text.js';
import { Random } from '../../src/sim/random.js';

export const SOUNDS_DIR = '/usr/share/asterisk/sounds/en_US_f_Allison';
export const TRANSCRIPTS = '/usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz';

export interface RealPrompt {
  readonly name: string;
  readonly text: string;
  readonly file: string;
  /** The most similar other prompt's text. */
  readonly near: string;
  /** Texts of other prompts (word similarity < 0.5). */
  readonly others: readonly string[];
}

/** Throws with the Debian packages to install when the corpus is missing. */
export function loadRealVoiceCorpus(othersPerPrompt = 3, seed = 13): RealPrompt[] {
  if (!existsSync(TRANSCRIPTS) || !existsSync(SOUNDS_DIR))
    throw new Error('the real-voice corpus needs: apt-get install asterisk-core-sounds-en asterisk-core-sounds-en-wav');
  const list: { name: string; text: string; file: string; norm: string }[] = [];
  for (const line of gunzipSync(readFileSync(TRANSCRIPTS)).toString('utf8').split('\n')) {
    const m = /^([\w/.-]+):\s*(.*)$/.exec(line);
    if (!m || /[[(]/.test(m[2]!) || m[1]!.startsWith('silence/')) continue;
    const file = join(SOUNDS_DIR, `${m[1]}.wav`);
    if (normaliseWords(m[2]!).length < 4 || !existsSync(file)) continue;
    list.push({ name: m[1]!, text: m[2]!.trim(), file, norm: normaliseText(m[2]!) });
  }
  const rnd = new Random(seed);
  return list.map((p) => {
    let near = '';
    let best = -1;
    const unlike: string[] = [];
    for (const o of list) {
      if (o.norm === p.norm) continue;
      const sim = wordSimilarity(o.text, p.text);
      if (sim > best) {
        best = sim;
        near = o.text;
      }
      if (sim < 0.5) unlike.push(o.text);
    }
    const others: string[] = [];
    for (let i = 0; i < othersPerPrompt && unlike.length > 0; i++) {
      others.push(unlike.splice(rnd.int(unlike.length), 1)[0]!);
    }
    return { name: p.name, text: p.text, file: p.file, near, others };
  });
}
