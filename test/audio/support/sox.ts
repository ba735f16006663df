/**
 * Test signals made by third-party tools: sox synthesises tones and runs the
 * G.711 and GSM codecs, espeak-ng and flite speak. Audio comes back as 8 kHz
 * mono s16 in an Int16Array. A missing tool fails the test (never a skip).
 */
import { spawnSync } from 'node:child_process';
import { requireBinary } from '../../interop/support/peers.js';

const RAW8K = ['-t', 'raw', '-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer', '-L'];

function run(cmd: string, args: readonly string[], input?: Buffer): Buffer {
  const r = spawnSync(requireBinary(cmd), args, { input, maxBuffer: 1 << 28, timeout: 60_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr?.toString() ?? r.error}`);
  return r.stdout;
}

export function bufferToInt16(b: Buffer): Int16Array {
  const out = new Int16Array(b.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = b.readInt16LE(2 * i);
  return out;
}

export function int16ToBuffer(x: Int16Array): Buffer {
  const b = Buffer.alloc(x.length * 2);
  for (let i = 0; i < x.length; i++) b.writeInt16LE(x[i]!, 2 * i);
  return b;
}

export interface ToneSpec {
  /** Frequencies and their peak amplitudes (0..1 of full scale). */
  readonly tones: readonly { freq: number; amplitude: number }[];
  readonly seconds: number;
  /** Silence before and after, seconds. */
  readonly padBefore?: number;
  readonly padAfter?: number;
}

/** Sum of sines made by sox (`synth` + `remix` with the given amplitudes; no dither). */
export function soxTones(spec: ToneSpec): Int16Array {
  const n = spec.tones.length;
  const synth = spec.tones.flatMap((t) => ['sine', String(t.freq)]);
  const remix = spec.tones.map((t, i) => `${i + 1}v${t.amplitude}`).join(',');
  const out = run('sox', [
    '-D',
    ...['-r', '8000', '-c', String(n), '-n'],
    ...['-t', 'raw', '-b', '16', '-e', 'signed-integer', '-L', '-'],
    ...['synth', String(spec.seconds), ...synth],
    ...['remix', remix],
    ...['pad', String(spec.padBefore ?? 0), String(spec.padAfter ?? 0)],
  ]);
  return bufferToInt16(out);
}

/** Through a codec as sox (libsox, libgsm) implements it: encode, then decode back to 16-bit. */
export function soxCodec(x: Int16Array, codec: 'ulaw' | 'alaw' | 'gsm'): Int16Array {
  const type = codec === 'ulaw' ? ['-t', 'ul'] : codec === 'alaw' ? ['-t', 'al'] : ['-t', 'gsm'];
  const enc = run('sox', ['-D', ...RAW8K, '-', ...type, '-r', '8000', '-c', '1', '-'], int16ToBuffer(x));
  return bufferToInt16(run('sox', ['-D', ...type, '-r', '8000', '-c', '1', '-', ...RAW8K, '-'], enc));
}

/** Any audio file sox reads, as 8 kHz mono s16 (no dither). */
export function soxRead(file: string): Int16Array {
  return bufferToInt16(run('sox', ['-D', file, ...RAW8K, '-', 'remix', '-']));
}
