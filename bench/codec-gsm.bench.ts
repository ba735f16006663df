/**
 * GSM 06.10 speed against libgsm, measured in the same run on the same
 * 60 s input: a small C harness (bench/lib/gsm-harness.c) is compiled
 * against libgsm1-dev in a temp dir, so process start-up is excluded. C and
 * TypeScript rounds alternate and each side keeps its best, so load from
 * other processes hurts both alike. Also checks that both produced the same
 * bytes and samples.
 *
 *   codec.gsm_encode_ratio  frames/s of shtoom's encoder ÷ libgsm's (goal ≥ 0.5)
 *   codec.gsm_decode_ratio  the same for the decoder
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Gsm610Decoder, Gsm610Encoder } from '../src/codecs/gsm610/index.js';
import { speechLike } from '../test/codecs/support/signals.js';
import { note, report } from './lib/report.js';

const FRAMES = 3000; // 60 s
const ROUNDS = 5;
const CYCLES = 3;

const dir = mkdtempSync(join(tmpdir(), 'shtoom-bench-gsm-'));
try {
  const harness = join(dir, 'gsm-harness');
  const src = join(dirname(fileURLToPath(import.meta.url)), 'lib', 'gsm-harness.c');
  const cc = spawnSync('cc', ['-O2', '-o', harness, src, '-lgsm'], { encoding: 'utf8' });
  if (cc.status !== 0) {
    throw new Error(`cannot build the libgsm harness (needs a C compiler and libgsm1-dev): ${cc.stderr || cc.error}`);
  }
  const pcm = speechLike(FRAMES / 50, 5);
  const input = join(dir, 'in.raw');
  writeFileSync(input, new Uint8Array(pcm.buffer));

  let cEnc = Infinity;
  let cDec = Infinity;
  let jsEnc = Infinity;
  let jsDec = Infinity;
  const encoded = new Uint8Array(FRAMES * 33);
  const decoded = new Int16Array(FRAMES * 160);
  // Frame views made beforehand, as a media path holds its buffers: nothing is allocated while timing.
  const pcmFrames = Array.from({ length: FRAMES }, (_, f) => pcm.subarray(f * 160, f * 160 + 160));
  const encFrames = Array.from({ length: FRAMES }, (_, f) => encoded.subarray(f * 33, f * 33 + 33));
  const decFrames = Array.from({ length: FRAMES }, (_, f) => decoded.subarray(f * 160, f * 160 + 160));
  for (let cycle = 0; cycle < CYCLES; cycle++) {
    const r = spawnSync(harness, [input, join(dir, 'out.gsm'), join(dir, 'out.raw'), String(ROUNDS)], {
      encoding: 'utf8',
    });
    const m = /encode_ns ([\d.]+) decode_ns ([\d.]+)/.exec(r.stdout);
    if (r.status !== 0 || !m) throw new Error(`libgsm harness failed: ${r.stderr || r.status}`);
    cEnc = Math.min(cEnc, Number(m[1]));
    cDec = Math.min(cDec, Number(m[2]));
    for (let round = 0; round < ROUNDS; round++) {
      const enc = new Gsm610Encoder();
      let t = performance.now();
      for (let f = 0; f < FRAMES; f++) enc.encode(pcmFrames[f]!, encFrames[f]);
      jsEnc = Math.min(jsEnc, ((performance.now() - t) * 1e6) / FRAMES);
      const dec = new Gsm610Decoder();
      t = performance.now();
      for (let f = 0; f < FRAMES; f++) dec.decode(encFrames[f]!, decFrames[f]);
      jsDec = Math.min(jsDec, ((performance.now() - t) * 1e6) / FRAMES);
    }
  }
  const cBytes = readFileSync(join(dir, 'out.gsm'));
  const cPcm = readFileSync(join(dir, 'out.raw'));
  if (!Buffer.from(encoded).equals(cBytes))
    throw new Error('shtoom and libgsm encoded the benchmark input differently');
  if (!Buffer.from(decoded.buffer).equals(cPcm))
    throw new Error('shtoom and libgsm decoded the benchmark input differently');

  note(
    `libgsm: encode ${(cEnc / 1000).toFixed(2)} µs/frame, decode ${(cDec / 1000).toFixed(2)} µs/frame (best of ` +
      `${CYCLES * ROUNDS})`,
  );
  report('codec.gsm_encode_ratio', cEnc / jsEnc, 'ratio');
  report('codec.gsm_decode_ratio', cDec / jsDec, 'ratio');
  report('codec.gsm_encode_us_per_frame', jsEnc / 1000, 'us');
  report('codec.gsm_decode_us_per_frame', jsDec / 1000, 'us');
  report('codec.libgsm_encode_us_per_frame', cEnc / 1000, 'us');
  report('codec.libgsm_decode_us_per_frame', cDec / 1000, 'us');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
