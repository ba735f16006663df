/**
 * Text to speech for `say()`: a Debian TTS engine run as a child process —
 * espeak-ng (WAV on stdout) or flite (WAV to a temporary file) — and its
 * output turned into 8 kHz mono PCM. Rendered prompts are cached by text.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { which } from '../audio/devices/which.js';
import { readWav } from '../audio/formats/wav.js';
import { toMono8k } from '../audio/to-mono-8k.js';
import { TtsError } from './errors.js';

/** Turns text into 8 kHz mono 16-bit PCM. */
export interface Tts {
  readonly name: string;
  render(text: string): Promise<Int16Array>;
}

export interface SystemTtsOptions {
  /** Which engine: the first installed of espeak-ng and flite by default. */
  readonly engine?: 'espeak-ng' | 'flite';
  /** espeak-ng voice (default `en-us`). */
  readonly voice?: string;
  /** Words per minute for espeak-ng (default 150). */
  readonly speed?: number;
  /** Longest a rendering may take, ms (default 20 000). */
  readonly timeoutMs?: number;
  /** Prompts kept rendered (default 64). */
  readonly cacheSize?: number;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

function run(cmd: string, args: readonly string[], timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new TtsError(`${cmd}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new TtsError(`${cmd} failed (${signal ?? `exit ${code}`}): ${err.trim().split('\n')[0] ?? ''}`));
    });
  });
}

function pcmOf(wav: Uint8Array, what: string): Int16Array {
  const w = readWav(wav, what);
  return toMono8k(w.samples, w.format.channels, w.format.sampleRate);
}

/**
 * The TTS engine installed here, or undefined when there is none.
 *
 * @example
 * const tts = systemTts();
 * const pcm = await tts?.render('press one for sales'); // 8 kHz samples
 */
export function systemTts(opts: SystemTtsOptions = {}): Tts | undefined {
  const env = opts.env ?? process.env;
  const engines = opts.engine ? [opts.engine] : (['espeak-ng', 'flite'] as const);
  const timeoutMs = opts.timeoutMs ?? 20_000;
  for (const engine of engines) {
    const path = which(engine, env);
    if (!path) continue;
    const render =
      engine === 'espeak-ng'
        ? async (text: string) => pcmOf(await run(path, ['--stdout', '-v', opts.voice ?? 'en-us', '-s', String(opts.speed ?? 150), '--', text], timeoutMs), 'espeak-ng output')
        : async (text: string) => {
            const dir = mkdtempSync(join(tmpdir(), 'shtoom-tts-'));
            try {
              const file = join(dir, 'say.wav');
              await run(path, ['-t', text, '-o', file], timeoutMs);
              return pcmOf(readFileSync(file), 'flite output');
            } finally {
              rmSync(dir, { recursive: true, force: true });
            }
          };
    return cached(engine, render, opts.cacheSize ?? 64);
  }
  return undefined;
}

/** Keep the last `size` renderings (a prompt said to every caller is rendered once). */
export function cached(name: string, render: (text: string) => Promise<Int16Array>, size = 64): Tts {
  const cache = new Map<string, Promise<Int16Array>>();
  return {
    name,
    render(text: string) {
      const hit = cache.get(text);
      if (hit) {
        cache.delete(text);
        cache.set(text, hit);
        return hit;
      }
      const p = render(text);
      cache.set(text, p);
      p.catch(() => cache.delete(text));
      while (cache.size > size) cache.delete(cache.keys().next().value!);
      return p;
    },
  };
}
