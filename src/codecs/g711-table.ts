/**
 * The table-driven loops both G.711 laws share: a 64 K-entry table from
 * every 16-bit sample to its byte, and a 256-entry table back. µ-law and
 * A-law differ only in how their tables are built (ulaw.ts, alaw.ts).
 *
 * @example
 * const ENCODE = encodeTable((s) => myLaw(s));
 * tableEncode(ENCODE, frame160, payload160, 'PCMU');
 */
import { byteOutput, sampleOutput } from './buffers.js';

/** Indexed by the 16-bit sample as an unsigned number (`x & 0xffff`). */
export function encodeTable(encodeSample: (sample: number) => number): Uint8Array {
  const table = new Uint8Array(1 << 16);
  for (let i = 0; i < table.length; i++) table[i] = encodeSample((i << 16) >> 16);
  return table;
}

/** The 256 decoded values (16-bit PCM), indexed by the byte. */
export function decodeTable(decodeByte: (code: number) => number): Int16Array {
  return Int16Array.from({ length: 256 }, (_, b) => decodeByte(b));
}

/** PCM to one byte per sample through `table`, into `out` when given (no allocation). */
export function tableEncode(
  table: Uint8Array,
  pcm: Int16Array,
  out: Uint8Array | undefined,
  codec: string,
): Uint8Array {
  const n = pcm.length;
  const dst = byteOutput(out, n, codec);
  let i = 0;
  // Four at a time: fewer loop tests (measurably faster in V8).
  for (; i + 3 < n; i += 4) {
    dst[i] = table[pcm[i]! & 0xffff]!;
    dst[i + 1] = table[pcm[i + 1]! & 0xffff]!;
    dst[i + 2] = table[pcm[i + 2]! & 0xffff]!;
    dst[i + 3] = table[pcm[i + 3]! & 0xffff]!;
  }
  for (; i < n; i++) dst[i] = table[pcm[i]! & 0xffff]!;
  return dst;
}

/** Bytes to PCM through `table`, into `out` when given (no allocation). */
export function tableDecode(
  table: Int16Array,
  codes: Uint8Array,
  out: Int16Array | undefined,
  codec: string,
): Int16Array {
  const n = codes.length;
  const dst = sampleOutput(out, n, codec);
  let i = 0;
  for (; i + 3 < n; i += 4) {
    dst[i] = table[codes[i]!]!;
    dst[i + 1] = table[codes[i + 1]!]!;
    dst[i + 2] = table[codes[i + 2]!]!;
    dst[i + 3] = table[codes[i + 3]!]!;
  }
  for (; i < n; i++) dst[i] = table[codes[i]!]!;
  return dst;
}

/** The square of each of the 256 decoded values: a payload's power without decoding it. */
export function squareTable(decode: Int16Array): Float64Array {
  return Float64Array.from(decode, (v) => v * v);
}

/** The mean square of the samples `codes` decode to, through a `squareTable`. */
export function tableMeanSquare(squares: Float64Array, codes: Uint8Array): number {
  const n = codes.length;
  if (n === 0) return 0;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += squares[codes[i]!]!;
  return sum / n;
}
