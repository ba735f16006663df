/**
 * The pocketsphinx recogniser (Debian `pocketsphinx` and `pocketsphinx-en-us`),
 * run as `pocketsphinx_batch` on one utterance: the whole prompt is decoded
 * as a single utterance (no voice-activity splitting) and the result comes
 * with word timings and scores (`-hypseg`).
 *
 * The decoders keep running between recognitions, one pool per kind
 * (grammar, forced alignment, phone loop, free transcription;
 * `decoder-process.ts`): the model is loaded once, not once per prompt.
 *
 * Tuned for telephone audio, by measurement (docs/ivr.md):
 * - front end `wideband` (default): the 8 kHz audio is levelled, resampled
 *   to 16 kHz and given a −50 dBFS noise floor (`front-end.ts`), then decoded
 *   with the stock 16 kHz model, so the features come from the filter bank
 *   the model was trained with. On the test corpus this beats the
 *   narrow-band model by far. The noise is seeded and the decoder adds no
 *   dither: a clip decodes the same whatever was decoded before it.
 * - front end `narrowband`: 8 kHz audio with a copy of the model whose filter
 *   bank stops at 3500 Hz (made in the cache directory on first use).
 * - constrained search: with phrases, a grammar that is the choice among
 *   them, searched with wide beams so that an unusual voice is not pruned
 *   away.
 * - free transcription (no phrases) uses the model's trigram language model.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeWav } from '../audio/formats/wav-format.js';
import { PronunciationDictionary } from './dictionary.js';
import { narrowband, wideband } from './front-end.js';
import { DecoderPool } from './decoder-pool.js';
import { closeLauncher } from './launcher.js';
import { UtteranceSkippedError } from './decoder-process.js';
import { RecogniserMissingError } from './errors.js';
import { fsgChoice, grammarWords } from './grammar.js';
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
  /**
   * `wideband` (8 kHz resampled to 16 kHz, stock model; default) or `narrowband` (8 kHz, model copy with -upperf 3500).
   */
  readonly frontEnd?: 'wideband' | 'narrowband';
  /** Where the narrow-band model copy is made (default `shtoomCacheDir()`). */
  readonly cacheDir?: string;
  /**
   * How long one decode may take once its decoder turns to it: `timeoutMs`
   * plus `timeoutPerSecondMs` per second of audio (defaults 30 s and 10 s, a
   * hundred times what it takes on an idle machine: a busy machine slows
   * recognition down, it does not fail it). A decoder past it is stopped and
   * the decode tried once more on a fresh one.
   */
  readonly timeoutMs?: number;
  readonly timeoutPerSecondMs?: number;
  /** Decoders of each kind running at most (default: one per CPU). */
  readonly processes?: number;
  /** A decoder without work for this long ends (default 30 s). */
  readonly idleMs?: number;
  /**
   * Niceness of the free-transcription decoders (default 5): what was heard
   * is shown in reports, while the decisions (grammar, alignment, phone
   * loop) are what a scenario waits for, so on a busy CPU those get most of
   * it. 0 runs them like the others.
   */
  readonly transcriptionNice?: number;
  /** Beam widths of the grammar search (defaults 1e-80 for states and phones, 1e-60 for word exits). */
  readonly beam?: number;
  readonly wordBeam?: number;
}

export const DEFAULT_MODEL_ROOT = '/usr/share/pocketsphinx/model/en-us';

type DecoderKind = 'grammar' | 'forced' | 'loop' | 'free';

/** A decoder is renewed after this many utterances (it keeps every grammar it was given). */
const MAX_UTTERANCES = 200;

/**
 * Free transcription without the flat second pass: on 40 real recorded
 * prompts its words were closer to the truth (word similarity 0.47 against
 * 0.43) at the same cost. At most 3000 HMMs and 10 word exits a frame: half
 * the CPU (real-time factor 0.43 against 0.84 on the first 40 Asterisk
 * prompts through G.711, busy machine) for word similarity 0.53 against
 * 0.55 — it is what a report shows, not what decides.
 */
const FREE_SEARCH = ['-fwdflat', 'no', '-maxhmmpf', '3000', '-maxwpf', '10'];

/** Work directories to remove when the process exits. */
const liveDirs = new Set<string>();
let exitHook = false;
const DIR_PREFIX = 'shtoom-asr-';

/**
 * Remove the work directories of processes that are gone (killed before
 * they could clean up): each is named for the process that made it.
 */
function sweepStaleDirs(): void {
  let names: string[];
  try {
    names = readdirSync(tmpdir());
  } catch {
    return;
  }
  for (const n of names) {
    const pid = Number(/^shtoom-asr-(\d+)-/.exec(n)?.[1]);
    if (!pid || pid === process.pid || alive(pid)) continue;
    rmSync(join(tmpdir(), n), { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

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

/** The program's path, found without holding up the event loop. */
function which(cmd: string): Promise<string | undefined> {
  if (cmd.includes('/')) return Promise.resolve(existsSync(cmd) ? cmd : undefined);
  return new Promise((resolve) =>
    execFile('sh', ['-c', 'command -v "$0"', cmd], { encoding: 'utf8' }, (e, out) =>
      resolve(!e && out.trim() ? out.trim() : undefined),
    ),
  );
}

/**
 * pocketsphinx behind the `Recogniser` interface.
 *
 * @example
 * const asr = new PocketsphinxRecogniser();
 * const r = await asr.recognise(prompt8k, { phrases: ['for sales press one', 'goodbye'] });
 * r.text // 'for sales press one'
 * await asr.close(); // or let its idle decoders end by themselves
 */
export class PocketsphinxRecogniser implements Recogniser {
  readonly name: string;
  private readonly binary: string;
  private readonly modelRoot: string;
  private readonly frontEnd: 'wideband' | 'narrowband';
  private readonly cacheDir: string;
  private readonly timeoutMs: number;
  private readonly timeoutPerSecondMs: number;
  private readonly beam: number;
  private readonly wordBeam: number;
  private readonly processes: number;
  private readonly idleMs: number;
  private readonly transcriptionNice: number;
  private checked: Promise<void> | undefined;
  private workDir: string | undefined;
  private readonly pools = new Map<DecoderKind, DecoderPool>();
  /** Words the CMU dictionary lacks, with their guessed pronunciations, for the grammar decoders. */
  private readonly extraWords = new Map<string, string[]>();
  private dictFile: string | undefined;
  private wordsReady: Promise<void> = Promise.resolve();
  private seq = 0;

  constructor(options: PocketsphinxOptions = {}) {
    this.binary = options.binary ?? 'pocketsphinx_batch';
    this.modelRoot = options.modelRoot ?? DEFAULT_MODEL_ROOT;
    this.frontEnd = options.frontEnd ?? 'wideband';
    this.cacheDir = options.cacheDir ?? shtoomCacheDir();
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.timeoutPerSecondMs = options.timeoutPerSecondMs ?? 10_000;
    this.beam = options.beam ?? 1e-80;
    this.wordBeam = options.wordBeam ?? 1e-60;
    this.processes = Math.max(1, options.processes ?? availableParallelism());
    this.idleMs = options.idleMs ?? 30_000;
    this.transcriptionNice = options.transcriptionNice ?? 5;
    this.name = `pocketsphinx ${this.frontEnd}`;
  }

  check(): Promise<void> {
    this.checked ??= Promise.resolve().then(async () => {
      if (!(await which(this.binary))) throw new RecogniserMissingError(`the ${this.binary} program`, 'pocketsphinx');
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

  /** Recognise several utterances against the same phrases (for corpora and benchmarks). */
  async recogniseAll(audios: readonly Int16Array[], request: RecognitionRequest = {}): Promise<Recognition[]> {
    await this.check();
    const started = performance.now();
    const phrases = request.phrases?.filter((p) => grammarWords([p]).size > 0) ?? [];
    const grammar = phrases.length > 0;
    if (grammar) await this.knowWords(grammarWords(phrases));
    const fsg = grammar ? fsgChoice(phrases) : undefined;
    const ids = audios.map((a) => this.writeClip(a));
    try {
      const lines = await Promise.all(
        ids.map((id, i) => this.decode(grammar ? 'grammar' : 'free', id, fsg, audios[i]!.length)),
      );
      const elapsed = (performance.now() - started) / audios.length;
      return audios.map((a, i) => this.recognition(a, parseHypseg(lines[i]!), grammar ? 'grammar' : 'free', elapsed));
    } finally {
      this.removeClips(ids);
    }
  }

  async verify(audio: Int16Array, expected: string): Promise<Verification> {
    const [v] = await this.verifyAll([audio], [expected]);
    return v!;
  }

  /**
   * Verify each clip against its expected text (`verify.ts`): the forced
   * alignment of each expected text and the phone loop, side by side on
   * their running decoders. What was heard is `recognise` (free
   * transcription).
   */
  async verifyAll(
    audios: readonly Int16Array[],
    expected: readonly string[],
    thresholds: VerifyThresholds = DEFAULT_VERIFY_THRESHOLDS,
  ): Promise<Verification[]> {
    const started = performance.now();
    const [verdicts] = await this.scoreAll(audios, [expected], thresholds);
    const elapsedMs = (performance.now() - started) / audios.length;
    return audios.map((a, i) => ({
      verdict: verdicts![i]!,
      audioMs: (a.length / 8000) * 1000,
      elapsedMs,
      engine: this.name,
    }));
  }

  /**
   * Verify each clip against several texts (`texts[k][i]` for clip `i`): one
   * phone loop per clip, one forced alignment per text; `verdicts[k][i]`.
   * For corpora and benchmarks.
   */
  async scoreAll(
    audios: readonly Int16Array[],
    texts: readonly (readonly string[])[],
    thresholds: VerifyThresholds = DEFAULT_VERIFY_THRESHOLDS,
  ): Promise<VerifyScore[][]> {
    await this.check();
    for (const list of texts) if (list.length !== audios.length) throw new RangeError('one text per clip');
    const words = texts.map((list) => list.map((e) => normaliseWords(e)));
    await this.knowWords(new Set(words.flat(2)));
    const ids = audios.map((a) => this.writeClip(a));
    try {
      const [loops, forced] = await Promise.all([
        Promise.all(ids.map((id, i) => this.decode('loop', id, undefined, audios[i]!.length))),
        Promise.all(
          words.map((list) =>
            Promise.all(
              ids.map((id, i) =>
                // A text without words cannot be aligned with anything.
                list[i]!.length === 0
                  ? undefined
                  : this.decode('forced', id, fsgExactly(list[i]!), audios[i]!.length).catch((e: unknown) => {
                      if (e instanceof UtteranceSkippedError) return undefined;
                      throw e;
                    }),
              ),
            ),
          ),
        ),
      ]);
      const verdicts = forced.map((lines) =>
        lines.map((line, i): VerifyScore => {
          const loop = parseScoredHypseg(loops[i]!);
          if (loop) return verifyAlignment(line === undefined ? undefined : parseScoredHypseg(line), loop, thresholds);
          return {
            accepted: false,
            score: -Infinity,
            worstWindow: -Infinity,
            worstWords: '',
            coverage: 0,
            reason: 'the recogniser decoded nothing',
          };
        }),
      );
      return verdicts;
    } finally {
      this.removeClips(ids);
    }
  }

  /** End the running decoders and remove their files. Later recognitions start new ones. */
  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.close()));
    if (this.workDir) {
      closeLauncher(this.workDir);
      rmSync(this.workDir, { recursive: true, force: true });
      liveDirs.delete(this.workDir);
    }
    this.workDir = undefined;
    this.dictFile = undefined;
  }

  private dictPath(): string {
    return join(this.modelRoot, 'cmudict-en-us.dict');
  }

  /**
   * Make sure the grammar decoders know `words`: their dictionary is the CMU
   * one, and a word it lacks gets its guessed pronunciations and renews the
   * grammar decoders with a dictionary that has it (pocketsphinx reads its
   * dictionary once, when it starts; starting decoders is kept rare, so a
   * scenario's words all go in at once, see `prepare`). Nothing here holds
   * up the event loop: calls in progress keep their media ticks.
   */
  private knowWords(words: Iterable<string>): Promise<void> {
    const list = [...words];
    const run = this.wordsReady.then(async () => {
      const dict = await PronunciationDictionary.loadAsync(this.dictPath());
      const missing = list.filter((w) => !dict.has(w) && !this.extraWords.has(w));
      if (missing.length === 0) return;
      for (const [w, prons] of await dict.pronunciationsAsync(missing)) this.extraWords.set(w, prons);
      const file = join(this.dir(), `words${++this.seq}.dict`);
      const extra = [...this.extraWords].flatMap(([w, prons]) =>
        prons.map((p, i) => `${i ? `${w}(${i + 1})` : w} ${p}`),
      );
      await writeFile(file, `${await readFile(this.dictPath(), 'latin1')}${extra.join('\n')}\n`, 'latin1');
      const old = this.dictFile;
      this.dictFile = file;
      for (const k of ['grammar', 'forced'] as const) this.pools.get(k)?.renew();
      // The retired decoders read their dictionary when they started.
      if (old) await rm(old, { force: true });
    });
    this.wordsReady = run.catch(() => undefined);
    return run;
  }

  /**
   * Get ready for `heard` steps to come: learn their words and start the
   * decoders they will use (grammar choice when the scenario lists prompts,
   * forced alignment and phone loop when it verifies), with free
   * transcription, so the first prompt is judged as fast as the others.
   */
  async prepare(request: { phrases: readonly string[]; verify: boolean }): Promise<void> {
    await this.check();
    await this.knowWords(grammarWords(request.phrases));
    const kinds: DecoderKind[] = request.verify ? ['forced', 'loop', 'free'] : ['grammar', 'free'];
    for (const k of kinds) this.pool(k).warm();
  }

  private beams(): string[] {
    const b = String(this.beam);
    return ['-beam', b, '-pbeam', b, '-wbeam', String(this.wordBeam)];
  }

  /** The arguments of each kind of decoder. */
  private args(kind: DecoderKind): string[] {
    const wide = this.frontEnd === 'wideband';
    const hmm = wide ? join(this.modelRoot, 'en-us') : narrowbandModel(join(this.modelRoot, 'en-us'), this.cacheDir);
    const common = [
      ...['-adcin', 'yes', '-adchdr', '44', '-cepext', '.wav', '-hmm', hmm, '-logfn', '/dev/null'],
      ...(wide ? ['-samprate', '16000'] : ['-samprate', '8000', '-nfft', '256']),
    ];
    const dict = this.dictFile ?? this.dictPath();
    // Alignment and loop compute every senone in every frame, so their
    // per-frame scores share one normaliser and can be subtracted.
    const allSenones = ['-compallsen', 'yes'];
    switch (kind) {
      case 'grammar':
        return [...common, '-dict', dict, ...this.beams()];
      case 'forced':
        return [...common, ...allSenones, '-dict', dict, '-fdict', this.silenceDict(), ...this.beams()];
      case 'loop':
        return [
          ...common,
          ...allSenones,
          ...['-allphone', join(this.modelRoot, 'en-us-phone.lm.bin'), '-allphone_ci', 'yes', '-lw', '2.0'],
          ...['-beam', '1e-20', '-pbeam', '1e-20', '-dict', this.oneWordDict()],
        ];
      case 'free':
        return [...common, '-lm', join(this.modelRoot, 'en-us.lm.bin'), '-dict', this.dictPath(), ...FREE_SEARCH];
    }
  }

  /** A dictionary for decoders that need one but no words (the phone loop; grammars before any word). */
  private oneWordDict(): string {
    const file = join(this.dir(), 'one.dict');
    if (!existsSync(file)) writeFileSync(file, 'a AH\n');
    return file;
  }

  /** Only silence between aligned words: noise fillers would swallow speech. */
  private silenceDict(): string {
    const file = join(this.dir(), 'silence.fdict');
    if (!existsSync(file)) writeFileSync(file, '<s> SIL\n</s> SIL\n<sil> SIL\n');
    return file;
  }

  private pool(kind: DecoderKind): DecoderPool {
    let p = this.pools.get(kind);
    if (!p) {
      const niced = kind === 'free' && this.transcriptionNice > 0;
      p = new DecoderPool({
        binary: niced ? 'nice' : this.binary,
        label: this.binary,
        args: () => (niced ? ['-n', String(this.transcriptionNice), this.binary, ...this.args(kind)] : this.args(kind)),
        dir: this.dir(),
        kind,
        grammars: kind === 'grammar' || kind === 'forced',
        max: this.processes,
        idleMs: this.idleMs,
        maxUtterances: MAX_UTTERANCES,
      });
      this.pools.set(kind, p);
    }
    return p;
  }

  /** Decode clip `id` on a decoder of `kind`, with the grammar `fsg` (text) when it takes one. */
  private async decode(kind: DecoderKind, id: string, fsg: string | undefined, samples: number): Promise<string> {
    const name = fsg === undefined ? undefined : `g${++this.seq}`;
    if (name) writeFileSync(join(this.dir(), `${name}.fsg`), fsg!);
    try {
      return await this.pool(kind).decode(id, name, this.timeoutMs + (this.timeoutPerSecondMs * samples) / 8000);
    } finally {
      if (name) rmSync(join(this.dir(), `${name}.fsg`), { force: true });
    }
  }

  private dir(): string {
    if (!this.workDir) {
      sweepStaleDirs();
      this.workDir = mkdtempSync(join(tmpdir(), `${DIR_PREFIX}${process.pid}-`));
      liveDirs.add(this.workDir);
      if (!exitHook) {
        exitHook = true;
        process.once('exit', () => {
          for (const d of liveDirs) rmSync(d, { recursive: true, force: true });
        });
      }
    }
    return this.workDir;
  }

  /** The clip as the decoders read it (the front end applied), once for all of them. */
  private writeClip(a: Int16Array): string {
    const id = `c${++this.seq}`;
    const wide = this.frontEnd === 'wideband';
    const pcm = wide ? wideband(a) : narrowband(a);
    writeFileSync(
      join(this.dir(), `${id}.wav`),
      encodeWav(pcm, { sampleRate: wide ? 16000 : 8000, channels: 1, encoding: 'pcm16' }),
    );
    return id;
  }

  private removeClips(ids: readonly string[]): void {
    if (!this.workDir) return;
    for (const id of ids) rmSync(join(this.workDir, `${id}.wav`), { force: true });
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
}
