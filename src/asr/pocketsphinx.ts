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
import type { Recognition, RecognisedWord, RecognitionRequest, Recogniser, Verification } from './recogniser.js';
import { normaliseWords } from './text.js';
import {
  DEFAULT_VERIFY_THRESHOLDS,
  fsgExactly,
  parseScoredHypseg,
  verifyAlignment,
  type VerifyScore,
  type VerifyThresholds,
} from './verify.js';

export interface PocketsphinxOptions {
  /** The batch decoder (default `pocketsphinx_batch` on the PATH). */
  readonly binary?: string;
  /** The model root holding `en-us/`, `cmudict-en-us.dict` and `en-us.lm.bin` (default: Debian's). */
  readonly modelRoot?: string;
  /** `wideband` (8 kHz resampled to 16 kHz, stock model; default) or `narrowband` (8 kHz, model copy with -upperf 3500). */
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
 * parseHypseg('u S 0 T -4097 A -3423 L -674 0 -193 -337 <sil> 19 -423 0 you 35') // words: [{ word: 'you', startMs: 190, endMs: 350 }]
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
      for (const f of ['en-us/mdef', 'en-us/feat.params', 'cmudict-en-us.dict', 'en-us-phone.lm.bin']) {
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
    const job = this.prepare(audios);
    try {
      const phrases = request.phrases?.filter((p) => grammarWords([p]).size > 0) ?? [];
      const grammar = phrases.length > 0;
      const args = [...job.common('hypseg')];
      if (grammar) {
        writeFileSync(join(job.dir, 'g.gram'), jsgfChoice(phrases));
        writeFileSync(join(job.dir, 'words.dict'), this.dictionary().format(grammarWords(phrases)));
        args.push('-jsgf', join(job.dir, 'g.gram'), '-dict', join(job.dir, 'words.dict'), ...this.beams());
      } else {
        args.push('-lm', join(this.modelRoot, 'en-us.lm.bin'), '-dict', this.dictPath());
      }
      await this.run(args);
      const byId = job.read('hypseg', parseHypseg);
      const elapsed = (performance.now() - started) / audios.length;
      return audios.map((a, i) => this.recognition(a, byId.get(job.ids[i]!), grammar ? 'grammar' : 'free', elapsed));
    } finally {
      job.remove();
    }
  }

  async verify(audio: Int16Array, expected: string): Promise<Verification> {
    const [v] = await this.verifyAll([audio], [expected]);
    return v!;
  }

  /**
   * Verify each clip against its expected text (`verify.ts`): three decoder
   * runs over all the clips, side by side — the forced alignment of each
   * expected text, the phone loop, and free transcription for the words
   * shown as heard (recognised without knowing the expectation).
   */
  async verifyAll(
    audios: readonly Int16Array[],
    expected: readonly string[],
    thresholds: VerifyThresholds = DEFAULT_VERIFY_THRESHOLDS,
  ): Promise<Verification[]> {
    const started = performance.now();
    const { verdicts, transcripts } = await this.scoreAll(audios, [expected], { thresholds, transcribe: true });
    const elapsed = (performance.now() - started) / audios.length;
    return audios.map((a, i) => ({
      ...this.recognition(a, transcripts[i], 'free', elapsed),
      verdict: verdicts[0]![i]!,
    }));
  }

  /**
   * Verify each clip against several texts (`texts[k][i]` for clip `i`): one
   * phone loop per clip, one forced-alignment run per list; free
   * transcription only when asked. For corpora and benchmarks.
   */
  async scoreAll(
    audios: readonly Int16Array[],
    texts: readonly (readonly string[])[],
    options: { thresholds?: VerifyThresholds; transcribe?: boolean } = {},
  ): Promise<{ verdicts: VerifyScore[][]; transcripts: (Hypseg | undefined)[] }> {
    await this.check();
    for (const list of texts) if (list.length !== audios.length) throw new RangeError('one text per clip');
    const job = this.prepare(audios);
    try {
      const words = texts.map((list) => list.map((e) => normaliseWords(e)));
      writeFileSync(join(job.dir, 'forced.dict'), this.dictionary().format(new Set(words.flat(2))));
      writeFileSync(join(job.dir, 'silence.fdict'), '<s> SIL\n</s> SIL\n<sil> SIL\n');
      words.forEach((list, k) => {
        // A text without words gets a grammar that cannot match speech.
        for (const [i, w] of list.entries())
          writeFileSync(join(job.dir, `f${k}-${i}.fsg`), fsgExactly(w.length ? w : ['<sil>']));
        writeFileSync(join(job.dir, `fsgctl${k}`), list.map((_, i) => `f${k}-${i}`).join('\n') + '\n');
      });
      const allSenones = ['-compallsen', 'yes'];
      await Promise.all([
        ...words.map((_, k) =>
          this.run([
            ...job.common(`forced${k}`),
            ...allSenones,
            ...['-fsgctl', join(job.dir, `fsgctl${k}`), '-fsgdir', job.dir, '-fsgext', '.fsg'],
            ...['-dict', join(job.dir, 'forced.dict'), '-fdict', join(job.dir, 'silence.fdict')],
            ...this.beams(),
          ]),
        ),
        this.run([
          ...job.common('loop'),
          ...allSenones,
          ...['-allphone', join(this.modelRoot, 'en-us-phone.lm.bin'), '-allphone_ci', 'yes', '-lw', '2.0'],
          ...['-beam', '1e-20', '-pbeam', '1e-20', '-dict', this.dictPath()],
        ]),
        ...(options.transcribe
          ? [this.run([...job.common('free'), '-lm', join(this.modelRoot, 'en-us.lm.bin'), '-dict', this.dictPath()])]
          : []),
      ]);
      const loop = job.read('loop', parseScoredHypseg);
      const free = options.transcribe ? job.read('free', parseHypseg) : new Map<string, Hypseg>();
      const verdicts = words.map((_, k) => {
        const forced = job.read(`forced${k}`, parseScoredHypseg);
        return job.ids.map((id): VerifyScore => {
          const l = loop.get(id);
          if (l) return verifyAlignment(forced.get(id), l, options.thresholds);
          return {
            accepted: false,
            score: -Infinity,
            worstWindow: -Infinity,
            worstWords: '',
            coverage: 0,
            reason: 'the recogniser decoded nothing',
          };
        });
      });
      return { verdicts, transcripts: job.ids.map((id) => free.get(id)) };
    } finally {
      job.remove();
    }
  }

  private dictPath(): string {
    return join(this.modelRoot, 'cmudict-en-us.dict');
  }

  private dictionary(): PronunciationDictionary {
    return PronunciationDictionary.load(this.dictPath());
  }

  private beams(): string[] {
    const b = String(this.beam);
    return ['-beam', b, '-pbeam', b, '-wbeam', String(this.wordBeam)];
  }

  private recognition(a: Int16Array, h: Hypseg | undefined, mode: 'grammar' | 'free', elapsedMs: number): Recognition {
    const words = h?.words ?? [];
    return {
      text: words.map((w) => w.word).join(' '),
      words,
      mode,
      ...(h && h.frames > 0 && words.length > 0 ? { acousticScore: h.acoustic / h.frames } : {}),
      audioMs: (a.length / 8000) * 1000,
      elapsedMs,
      engine: this.name,
    };
  }

  /** The clips as WAV files in a directory of their own, with the arguments every run shares. */
  private prepare(audios: readonly Int16Array[]) {
    const dir = mkdtempSync(join(tmpdir(), 'shtoom-asr-'));
    const wide = this.frontEnd === 'wideband';
    const hmm = wide ? join(this.modelRoot, 'en-us') : narrowbandModel(join(this.modelRoot, 'en-us'), this.cacheDir);
    const ids = audios.map((_, i) => `u${i}`);
    try {
      audios.forEach((a, i) => {
        const pcm = wide ? wideband(a) : narrowband(a);
        writeFileSync(
          join(dir, `${ids[i]}.wav`),
          encodeWav(pcm, { sampleRate: wide ? 16000 : 8000, channels: 1, encoding: 'pcm16' }),
        );
      });
      writeFileSync(join(dir, 'ctl'), ids.join('\n') + '\n');
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
    return {
      dir,
      ids,
      common: (hypseg: string) => [
        ...['-adcin', 'yes', '-adchdr', '44', '-cepdir', dir, '-cepext', '.wav', '-ctl', join(dir, 'ctl')],
        ...['-hmm', hmm, '-hypseg', join(dir, hypseg), '-logfn', '/dev/null', '-dither', 'yes', '-seed', '1'],
        ...(wide ? ['-samprate', '16000'] : ['-samprate', '8000', '-nfft', '256']),
      ],
      read<T extends { id: string }>(hypseg: string, parse: (line: string) => T | undefined): Map<string, T> {
        const out = new Map<string, T>();
        const path = join(dir, hypseg);
        if (!existsSync(path)) return out;
        for (const line of readFileSync(path, 'utf8').split('\n')) {
          const h = parse(line);
          if (h) out.set(h.id, h);
        }
        return out;
      },
      remove: () => rmSync(dir, { recursive: true, force: true }),
    };
  }

  private run(args: string[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      execFile(this.binary, args, { timeout: this.timeoutMs, maxBuffer: 1 << 24 }, (err, _out, stderr) => {
        if (err) {
          const last = String(stderr).trim().split('\n').pop() || err.message;
          reject(new RecogniserFailedError(`${this.binary} failed: ${last}`));
        } else resolve();
      });
    });
  }
}
