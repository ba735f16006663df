/**
 * ITU-T G.711 µ-law (PCMU, RTP payload type 0): 8-bit logarithmic codes for
 * 14-bit uniform PCM, table-driven in both directions.
 *
 * G.711 defines the quantiser on the 14-bit uniform code (Table 2a/G.711:
 * eight segments from 0 to 8159, steps 2, 4, … 256, the first interval [0, 1)
 * decoding to 0). G.711 does not say how a 16-bit sample becomes that code:
 * shtoom rounds it to the nearest 14-bit value (x / 4, ties up, saturating
 * at 8191) and a negative value takes its magnitude, as sox does, so
 * `ulawEncode` gives the same bytes as `sox -e u-law`.
 *
 * The code is sent inverted (all bits complemented): positive values have the
 * top bit set, +0 is 0xFF and −0 is 0x7F.
 */
import { squareTable, tableMeanSquare, decodeTable, encodeTable, tableDecode, tableEncode } from './g711-table.js';

/** G.711's µ-law bias on the 14-bit scale: segment ends are 2^(s+6) − 33. */
const BIAS = 33;
/** Largest 14-bit magnitude below the top code's upper decision value (8159). */
const CLIP = 8158;

function encode14(x14: number): number {
  const negative = x14 < 0;
  const biased = Math.min(negative ? -x14 : x14, CLIP) + BIAS; // 33 … 8191
  const segment = 31 - Math.clz32(biased) - 5; // 0 … 7
  const mantissa = (biased >> (segment + 1)) & 0x0f;
  return (negative ? 0x7f : 0xff) ^ ((segment << 4) | mantissa);
}

function decode16(code: number): number {
  const c = ~code & 0xff;
  const segment = (c >> 4) & 0x07;
  const mantissa = c & 0x0f;
  // Midpoint of the interval on the 14-bit scale, times 4 for 16 bits.
  const magnitude = (((2 * mantissa + BIAS) << segment) - BIAS) * 4;
  return c & 0x80 ? -magnitude : magnitude;
}

/** The 16-bit sample to its 14-bit uniform code: nearest, ties up, saturating. */
function to14(sample: number): number {
  return Math.min(8191, (sample + 2) >> 2);
}

/** Indexed by the 16-bit sample as an unsigned number (`x & 0xffff`). */
const ENCODE = encodeTable((sample) => encode14(to14(sample)));

/** The 256 decoded values (16-bit PCM), indexed by the µ-law byte. */
export const ULAW_TO_PCM: Readonly<Int16Array> = decodeTable(decode16);
const DECODE = ULAW_TO_PCM as Int16Array;

/**
 * One 16-bit sample to its µ-law byte.
 * @example ulawEncodeSample(0) === 0xff; ulawEncodeSample(-32768) === 0x00
 */
export function ulawEncodeSample(sample: number): number {
  return ENCODE[sample & 0xffff]!;
}

/**
 * One µ-law byte to its 16-bit sample.
 * @example ulawDecodeSample(0x80) === 32124
 */
export function ulawDecodeSample(code: number): number {
  return DECODE[code & 0xff]!;
}

/**
 * Encode PCM to µ-law, one byte per sample, into `out` when given (no allocation).
 * @example const payload = ulawEncode(frame160, scratch160);
 */
export function ulawEncode(pcm: Int16Array, out?: Uint8Array): Uint8Array {
  return tableEncode(ENCODE, pcm, out, 'PCMU');
}

/**
 * Decode µ-law bytes to PCM, into `out` when given (no allocation).
 * @example const pcm = ulawDecode(payload, scratch160);
 */
export function ulawDecode(codes: Uint8Array, out?: Int16Array): Int16Array {
  return tableDecode(DECODE, codes, out, 'PCMU');
}

const SQUARES = squareTable(DECODE);

/**
 * The mean square of the PCM `codes` decode to, without decoding them.
 * @example const quiet = ulawMeanSquare(payload) < 100 * 100;
 */
export function ulawMeanSquare(codes: Uint8Array): number {
  return tableMeanSquare(SQUARES, codes);
}
