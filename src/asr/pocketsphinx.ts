/**
 * The pocketsphinx recogniser (Debian `pocketsphinx` and `pocketsphinx-en-us`),
 * run as `pocketsphinx_batch` on one utterance: the whole prompt is decoded
 * as a single utterance (no voice-activity splitting) and the result comes
 * with word timings and scores (`-hypseg`).
 *
 * Tuned for telephone audio, by measurement (docs/ivr.md):
 * - front end `wideband` (default): the 8 kHz audio is levelled, resampled
 *   to 16 kHz and given a −50 dBFS noise floor (`front-end.ts`), then decoded
 *   with the stock 16 kHz model, so the features come from the filter bank
 *   the model was trained with. On the test corpus this beats the
 *   narrow-band model by far. Noise and dither are seeded: runs repeat exactly.
 * - front end `narrowband`: 8 kHz audio with a copy of the model whose filter
 *   bank stops at 3500 Hz (made in the cache directory on first use).
 * - constrained search: with phrases, a JSGF grammar whose one rule is the
 *   choice among them, searched with wide beams so that an unusual voice
 *   is not pruned away.
 * - free transcription (no phrases) uses the model's trigram language model.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeWav } from '../audio/formats/wav-format.js';
import { PronunciationDictionary } from './dictionary.js';
import { narrowband, wideband } from './front-end.js';
import { RecogniserFailedError, RecogniserMissingError } from './errors.js';
import { grammarWords, jsgfChoice } from './grammar.js';
import { narrowbandModel, shtoomCacheDir } from './model-cache.js';
import type { Recognition, RecognisedWord, RecognitionRequest, Recogniser } from './recogniser.js';

export interface PocketsphinxOptions {
  /** The batch decoder (default `pocketsphinx_batch` on the PATH). */
  readonly binary?: string;
  /** The model root holding `en-us/`, `cmudict-en-us.dict` and `en-us.lm.bin` (default: Debian's). */
  readonly modelRoot?: string;
  /**
   * `wideband` (8 kHz resampled to 16 kHz, stock model; default) or `narrowband` (8 kHz, model copy with -upperf 3500).
   */
  readonly frontEnd?: 'wideband' | 'narrowband';
  /** Where the narrow-band model copy is made (default `shtoomCacheDir()`). */
  readonly cacheDir?: string;
  /** Longest a recognition may take (default 60 s). */
  readonly timeoutMs?: number;
  /** Beam widths of the grammar search (defaults 1e-80 for states and phones, 1e-60 for word exits). */
  readonly beam?: number;
  readonly wordBeam?: number;
}

export const DEFAULT_MODEL_ROOT = '/usr/share/pocketsphinx/model/en-us';

/** One utterance's result as `-hypseg` prints it. */
export interface Hypseg {
  readonly id: string;
  readonly acoustic: number;
  readonly words: RecognisedWord[];
  /** Frames decoded (10 ms each). */
  readonly frames: number;
}

const FILLER = /^(<s>|<\/s>|<sil>|\[[A-Z_]+\]|\+\+.*\+\+)$/;

/**
 * Parse one `-hypseg` line: `id S scale T total A acoustic L lm {start ascr lscr word}* end`.
 *
 * @example
 * parseHypseg('u S 0 T -4097 A -3423 L -674 0 -193 -337 <sil> 19 -423 0 you 35') // words: [{ word: 'you', startMs:
 * 190, endMs: 350 }]
 */
export function parseHypseg(line: string): Hypseg | undefined {
  const t = line.trim().split(/\s+/);
  if (t.length < 9 || t[1] !== 'S' || t[3] !== 'T' || t[5] !== 'A' || t[7] !== 'L') return undefined;
  const acoustic = Number(t[6]);
  const words: RecognisedWord[] = [];
  let i = 9;
  let end = 0;
  while (i + 3 < t.length) {
    const start = Number(t[i]);
    const word = t[i + 3]!;
    const next = Number(t[i + 4] ?? start);
    if (!FILLER.test(word)) words.push({ word: word.replace(/\(\d+\)$/, ''), startMs: start * 10, endMs: next * 10 });
    i += 4;
    end = next;
  }
  if (i < t.length) end = Number(t[i]);
  return { id: t[0]!, acoustic, words, frames: Number.isFinite(end) ? end : 0 };
}

function which(cmd: string): string | undefined {
  if (cmd.includes('/')) return existsSync(cmd) ? cmd : undefined;
  const r = spawnSync('sh', ['-c', 'command -v "$0"', cmd], { encoding: 'utf8' });
  const p = r.stdout?.trim();
  return r.status === 0 && p ? p : undefined;
}

/**
 * pocketsphinx behind the `Recogniser` interface.
 *
 * @example
 * const asr = new PocketsphinxRecogniser();
 * const r = await asr.recognise(prompt8k, { phrases: ['for sales press one', 'goodbye'] });
 * r.text // 'for sales press one'
 */
export class PocketsphinxRecogniser implements Recogniser {
  readonly name: string;
  private readonly binary: string;
  private readonly modelRoot: string;
  private readonly frontEnd: 'wideband' | 'narrowband';
  private readonly cacheDir: string;
  private readonly timeoutMs: number;
  private readonly beam: number;
  private readonly wordBeam: number;
  private checked: Promise<void> | undefined;

  constructor(options: PocketsphinxOptions = {}) {
    this.binary = options.binary ?? 'pocketsphinx_batch';
    this.modelRoot = options.modelRoot ?? DEFAULT_MODEL_ROOT;
    this.frontEnd = options.frontEnd ?? 'wideband';
    this.cacheDir = options.cacheDir ?? shtoomCacheDir();
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.beam = options.beam ?? 1e-80;
    this.wordBeam = options.wordBeam ?? 1e-60;
    this.name = `pocketsphinx ${this.frontEnd}`;
  }

  check(): Promise<void> {
    this.checked ??= Promise.resolve().then(() => {
      if (!which(this.binary)) throw new RecogniserMissingError(`the ${this.binary} program`, 'pocketsphinx');
      for (const f of ['en-us/mdef', 'en-us/feat.params', 'cmudict-en-us.dict']) {
        if (!existsSync(join(this.modelRoot, f))) {
          throw new RecogniserMissingError(`the US English model (${join(this.modelRoot, f)})`, 'pocketsphinx-en-us');
        }
      }
    });
    return this.checked;
  }

  async recognise(audio: Int16Array, request: RecognitionRequest = {}): Promise<Recognition> {
    const [r] = await this.recogniseAll([audio], request);
    return r!;
  }

  /**
   * Recognise several utterances against the same phrases in one decoder run
   * (the model is loaded once): for corpora and benchmarks.
   */
  async recogniseAll(audios: readonly Int16Array[], request: RecognitionRequest = {}): Promise<Recognition[]> {
    await this.check();
    const started = performance.now();
    const dir = mkdtempSync(join(tmpdir(), 'shtoom-asr-'));
    try {
      const wide = this.frontEnd === 'wideband';
      const hmm = wide ? join(this.modelRoot, 'en-us') : narrowbandModel(join(this.modelRoot, 'en-us'), this.cacheDir);
      const ids = audios.map((_, i) => `u${i}`);
      audios.forEach((a, i) => {
        const pcm = wide ? wideband(a) : narrowband(a);
        writeFileSync(
          join(dir, `${ids[i]}.wav`),
          encodeWav(pcm, { sampleRate: wide ? 16000 : 8000, channels: 1, encoding: 'pcm16' }),
        );
      });
      writeFileSync(join(dir, 'ctl'), ids.join('\n') + '\n');
      const dictPath = join(this.modelRoot, 'cmudict-en-us.dict');
      const phrases = request.phrases?.filter((p) => grammarWords([p]).size > 0) ?? [];
      const grammar = phrases.length > 0;
      const args = [
        '-adcin',
        'yes',
        '-adchdr',
        '44',
        '-cepdir',
        dir,
        '-cepext',
        '.wav',
        '-ctl',
        join(dir, 'ctl'),
        '-hmm',
        hmm,
        '-hypseg',
        join(dir, 'hypseg'),
        '-logfn',
        '/dev/null',
        '-dither',
        'yes',
        '-seed',
        '1',
        ...(wide ? ['-samprate', '16000'] : ['-samprate', '8000', '-nfft', '256']),
      ];
      if (grammar) {
        writeFileSync(join(dir, 'g.gram'), jsgfChoice(phrases));
        writeFileSync(join(dir, 'words.dict'), PronunciationDictionary.load(dictPath).format(grammarWords(phrases)));
        const b = String(this.beam);
        args.push(
          '-jsgf',
          join(dir, 'g.gram'),
          '-dict',
          join(dir, 'words.dict'),
          '-beam',
          b,
          '-pbeam',
          b,
          '-wbeam',
          String(this.wordBeam),
        );
      } else {
        args.push('-lm', join(this.modelRoot, 'en-us.lm.bin'), '-dict', dictPath);
      }
      await new Promise<void>((resolve, reject) => {
        execFile(this.binary, args, { timeout: this.timeoutMs, maxBuffer: 1 << 24 }, (err, _out, stderr) => {
          if (err)
            reject(
              new RecogniserFailedError(
                `${this.binary} failed: ${String(stderr).trim().split('\n').pop() || err.message}`,
              ),
            );
          else resolve();
        });
      });
      const byId = new Map<string, Hypseg>();
      const hypPath = join(dir, 'hypseg');
      if (existsSync(hypPath)) {
        for (const line of readFileSync(hypPath, 'utf8').split('\n')) {
          const h = parseHypseg(line);
          if (h) byId.set(h.id, h);
        }
      }
      const elapsed = (performance.now() - started) / audios.length;
      return audios.map((a, i) => {
        const h = byId.get(ids[i]!);
        const words = h?.words ?? [];
        return {
          text: words.map((w) => w.word).join(' '),
          words,
          mode: grammar ? ('grammar' as const) : ('free' as const),
          ...(h && h.frames > 0 && words.length > 0 ? { acousticScore: h.acoustic / h.frames } : {}),
          audioMs: (a.length / 8000) * 1000,
          elapsedMs: elapsed,
          engine: this.name,
        };
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
