/**
 * Opus per 20 ms frame through shtoom's codec (libopus as WebAssembly from
 * @evan/opus), 48 kHz mono, 32 kbit/s, VOIP application, beside Debian's
 * native libopus with the same settings in the same run (a C harness,
 * bench/lib/opus-harness.c, compiled against libopus-dev). Both sides time
 * encoding and decoding of the same 20 s of speech-like audio; C and
 * WebAssembly rounds alternate and each keeps its best. Also says how many
 * packets both made alike (the WebAssembly build is libopus 1.3.1, as
 * Debian's is; floating-point rounding of the two builds' SIMD code makes
 * a few differ).
 *
 *   codec.opus_encode_us   µs to encode one 20 ms frame
 *   codec.opus_decode_us   µs to decode one 20 ms packet
 *   codec.opus_encode_ratio, codec.opus_decode_ratio   native time ÷ shtoom's (1 = as fast as native)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OpusFrameDecoder, OpusFrameEncoder } from '../src/codecs/opus/index.js';
import { speechLike } from '../test/codecs/support/signals.js';
import { note, report } from './lib/report.js';

const FRAMES = 1000; // 20 s
const ROUNDS = 3;
const CYCLES = 3;

const dir = mkdtempSync(join(tmpdir(), 'shtoom-bench-opus-'));
try {
  const harness = join(dir, 'opus-harness');
  const src = join(dirname(fileURLToPath(import.meta.url)), 'lib', 'opus-harness.c');
  const cc = spawnSync('cc', ['-O2', '-o', harness, src, '-lopus'], { encoding: 'utf8' });
  if (cc.status !== 0) {
    throw new Error(`cannot build the libopus harness (needs a C compiler and libopus-dev): ${cc.stderr || cc.error}`);
  }
  const pcm = speechLike(FRAMES / 50, 5, 48000);
  const input = join(dir, 'in.raw');
  writeFileSync(input, new Uint8Array(pcm.buffer));

  let cEnc = Infinity;
  let cDec = Infinity;
  let jsEnc = Infinity;
  let jsDec = Infinity;
  let version = '';
  const pcmFrames = Array.from({ length: FRAMES }, (_, f) => pcm.subarray(f * 960, f * 960 + 960));
  const packets = Array.from({ length: FRAMES }, () => new Uint8Array(1277));
  const sizes = new Int32Array(FRAMES);
  const out = new Int16Array(960);
  for (let cycle = 0; cycle < CYCLES; cycle++) {
    const r = spawnSync('timeout', ['300', harness, 'bench', input, String(ROUNDS)], { encoding: 'utf8' });
    const m = /encode_ns ([\d.]+) decode_ns ([\d.]+) frames \d+ version (.*)/.exec(r.stdout);
    if (r.status !== 0 || !m) throw new Error(`libopus harness failed: ${r.stderr || r.status}`);
    cEnc = Math.min(cEnc, Number(m[1]));
    cDec = Math.min(cDec, Number(m[2]));
    version = m[3]!.trim();
    for (let round = 0; round < ROUNDS; round++) {
      const enc = new OpusFrameEncoder({ sampleRate: 48000, bitrate: 32000 });
      let t = performance.now();
      for (let f = 0; f < FRAMES; f++) sizes[f] = enc.encode(pcmFrames[f]!, packets[f]).length;
      jsEnc = Math.min(jsEnc, ((performance.now() - t) * 1e6) / FRAMES);
      const dec = new OpusFrameDecoder({ sampleRate: 48000 });
      t = performance.now();
      for (let f = 0; f < FRAMES; f++) dec.decode(packets[f]!.subarray(0, sizes[f]), out);
      jsDec = Math.min(jsDec, ((performance.now() - t) * 1e6) / FRAMES);
    }
  }
  // The same packets as native libopus with the same settings.
  const pkts = join(dir, 'ref.pkts');
  const r = spawnSync('timeout', ['300', harness, 'enc', input, pkts, '48000', '32000', '0', '0']);
  if (r.status !== 0) throw new Error(`libopus harness failed to encode: ${r.stderr}`);
  const ref = readFileSync(pkts);
  let same = 0;
  for (let f = 0, at = 0; f < FRAMES && at + 2 <= ref.length; f++) {
    const n = ref[at]! | (ref[at + 1]! << 8);
    if (Buffer.from(packets[f]!.subarray(0, sizes[f])).equals(ref.subarray(at + 2, at + 2 + n))) same++;
    at += 2 + n;
  }
  note(
    `native ${version}: encode ${(cEnc / 1000).toFixed(1)} µs/frame, decode ${(cDec / 1000).toFixed(1)} µs/frame ` +
      `(best of ${CYCLES * ROUNDS}); ${same} of ${FRAMES} packets identical to native's`,
  );
  report('codec.opus_encode_us', jsEnc / 1000, 'us');
  report('codec.opus_decode_us', jsDec / 1000, 'us');
  report('codec.libopus_native_encode_us', cEnc / 1000, 'us');
  report('codec.libopus_native_decode_us', cDec / 1000, 'us');
  report('codec.opus_encode_ratio', cEnc / jsEnc, 'ratio');
  report('codec.opus_decode_ratio', cDec / jsDec, 'ratio');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
