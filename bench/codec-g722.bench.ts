/**
 * G.722 speed against spandsp, measured in the same run on the same 60 s
 * of 16 kHz input: the C harness (bench/lib/g722-harness.c) is compiled
 * against libspandsp-dev in a temp dir, so process start-up is excluded.
 * C and TypeScript rounds alternate and each side keeps its best, so load
 * from other processes hurts both alike. Also checks that both produced the
 * same code words and samples.
 *
 *   codec.g722_encode_ratio  frames/s of shtoom's encoder ÷ spandsp's (goal ≥ 0.5)
 *   codec.g722_decode_ratio  the same for the decoder
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { G722Decoder, G722Encoder } from '../src/codecs/g722/index.js';
import { speechLike } from '../test/codecs/support/signals.js';
import { note, report } from './lib/report.js';

const FRAMES = 3000; // 60 s of 20 ms frames: 320 samples, 160 bytes each
const ROUNDS = 5;
const CYCLES = 3;

const dir = mkdtempSync(join(tmpdir(), 'shtoom-bench-g722-'));
try {
  const harness = join(dir, 'g722-harness');
  const src = join(dirname(fileURLToPath(import.meta.url)), 'lib', 'g722-harness.c');
  const cc = spawnSync('cc', ['-O2', '-o', harness, src, '-lspandsp'], { encoding: 'utf8' });
  if (cc.status !== 0) {
    throw new Error(
      `cannot build the spandsp harness (needs a C compiler and libspandsp-dev): ${cc.stderr || cc.error}`,
    );
  }
  const pcm = speechLike(FRAMES / 50, 5, 16000);
  const input = join(dir, 'in.raw');
  writeFileSync(input, new Uint8Array(pcm.buffer));

  let cEnc = Infinity;
  let cDec = Infinity;
  let jsEnc = Infinity;
  let jsDec = Infinity;
  const encoded = new Uint8Array(FRAMES * 160);
  const decoded = new Int16Array(FRAMES * 320);
  // Frame views made beforehand, as a media path holds its buffers: nothing is allocated while timing.
  const pcmFrames = Array.from({ length: FRAMES }, (_, f) => pcm.subarray(f * 320, f * 320 + 320));
  const encFrames = Array.from({ length: FRAMES }, (_, f) => encoded.subarray(f * 160, f * 160 + 160));
  const decFrames = Array.from({ length: FRAMES }, (_, f) => decoded.subarray(f * 320, f * 320 + 320));
  for (let cycle = 0; cycle < CYCLES; cycle++) {
    const r = spawnSync(
      'timeout',
      ['120', harness, 'bench', input, join(dir, 'out.g722'), join(dir, 'out.raw'), String(ROUNDS)],
      { encoding: 'utf8' },
    );
    const m = /encode_ns ([\d.]+) decode_ns ([\d.]+)/.exec(r.stdout);
    if (r.status !== 0 || !m) throw new Error(`spandsp harness failed: ${r.stderr || r.status}`);
    cEnc = Math.min(cEnc, Number(m[1]));
    cDec = Math.min(cDec, Number(m[2]));
    for (let round = 0; round < ROUNDS; round++) {
      const enc = new G722Encoder();
      let t = performance.now();
      for (let f = 0; f < FRAMES; f++) enc.encode(pcmFrames[f]!, encFrames[f]);
      jsEnc = Math.min(jsEnc, ((performance.now() - t) * 1e6) / FRAMES);
      const dec = new G722Decoder();
      t = performance.now();
      for (let f = 0; f < FRAMES; f++) dec.decode(encFrames[f]!, decFrames[f]);
      jsDec = Math.min(jsDec, ((performance.now() - t) * 1e6) / FRAMES);
    }
  }
  if (!Buffer.from(encoded).equals(readFileSync(join(dir, 'out.g722'))))
    throw new Error('shtoom and spandsp encoded the benchmark input differently');
  if (!Buffer.from(decoded.buffer).equals(readFileSync(join(dir, 'out.raw'))))
    throw new Error('shtoom and spandsp decoded the benchmark input differently');

  note(
    `spandsp: encode ${(cEnc / 1000).toFixed(2)} µs/frame, decode ${(cDec / 1000).toFixed(2)} µs/frame ` +
      `(20 ms frames, best of ${CYCLES * ROUNDS})`,
  );
  report('codec.g722_encode_ratio', cEnc / jsEnc, 'ratio');
  report('codec.g722_decode_ratio', cDec / jsDec, 'ratio');
  report('codec.g722_encode_us_per_frame', jsEnc / 1000, 'us');
  report('codec.g722_decode_us_per_frame', jsDec / 1000, 'us');
  report('codec.spandsp_g722_encode_us_per_frame', cEnc / 1000, 'us');
  report('codec.spandsp_g722_decode_us_per_frame', cDec / 1000, 'us');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
