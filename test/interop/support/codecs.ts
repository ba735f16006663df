/**
 * Helpers for the codec interop tests: run a reference tool (toast, sox,
 * espeak-ng …) to completion under `timeout`, and compare codec output frame
 * by frame so a failure names the first frame that differs.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireBinary } from './peers.js';

/** Run `cmd args` under `timeout`; fail the test with its stderr unless it exits 0. Returns stdout. */
export function runTool(
  cmd: string,
  args: readonly string[],
  opts: { input?: Uint8Array; timeoutSec?: number } = {},
): Buffer {
  const bin = requireBinary(cmd);
  const r = spawnSync('timeout', ['-k', '5', String(opts.timeoutSec ?? 60), bin, ...args], {
    input: opts.input,
    maxBuffer: 1 << 30,
  });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.status ?? r.signal}: ${r.stderr?.toString().trim()}`);
  }
  return r.stdout;
}

/** 16-bit little-endian samples of a raw file or buffer. */
export function samplesOf(bytes: Uint8Array): Int16Array {
  const copy = bytes.slice();
  return new Int16Array(copy.buffer, 0, copy.length >> 1);
}

export function readSamples(path: string): Int16Array {
  return samplesOf(readFileSync(path));
}

/** The index of the first `size`-unit frame where `a` and `b` differ, or −1 (lengths must match too). */
export function firstDifferentFrame(a: ArrayLike<number>, b: ArrayLike<number>, size: number): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return Math.floor(i / size);
  return a.length === b.length ? -1 : Math.floor(n / size);
}

/**
 * Compile a reference harness (a C file in bench/lib) against a Debian
 * library into `dir`; fails the test naming the package when the compiler
 * or the library's headers are missing.
 */
export function buildHarness(dir: string, source: string, lib: string, pkg: string): string {
  const src = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bench', 'lib', source);
  const out = join(dir, source.replace(/\.c$/, ''));
  const cc = spawnSync('timeout', ['120', 'cc', '-O2', '-o', out, src, `-l${lib}`], { encoding: 'utf8' });
  if (cc.status !== 0) {
    throw new Error(
      `cannot build ${source} (needs build-essential and ${pkg}: apt-get install ${pkg}): ${cc.stderr || cc.error}`,
    );
  }
  return out;
}
