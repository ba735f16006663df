/**
 * ITU-T G.711 A-law (PCMA, RTP payload type 8): 8-bit logarithmic codes for
 * 13-bit uniform PCM, table-driven in both directions.
 *
 * G.711 defines the quantiser on the 13-bit uniform code (Table 1a/G.711:
 * magnitudes 0 … 4095 in seven segments, the first two with steps of 2, then
 * 4, 8, … 128; every interval decodes to its midpoint, so there is no zero
 * level). G.711 does not say how a 16-bit sample becomes that code: shtoom
 * rounds it to the nearest 13-bit value (x / 8, ties up, saturating at 4095)
 * and a negative value v takes the magnitude −v − 1 (its one's complement, so
 * the 4096 negative codes mirror the 4096 non-negative ones), as sox does, so
 * `alawEncode` gives the same bytes as `sox -e a-law`.
 *
 * Even bits are inverted on the line (XOR 0x55); positive values have the
 * top bit set.
 */
import { squareTable, tableMeanSquare, decodeTable, encodeTable, tableDecode, tableEncode } from './g711-table.js';

function encode13(x13: number): number {
  const negative = x13 < 0;
  const magnitude = negative ? -x13 - 1 : x13; // 0 … 4095
  // Segment 0 and 1 both step by 2; segment s ≥ 1 starts at 2^(s+4).
  const segment = magnitude < 32 ? 0 : 31 - Math.clz32(magnitude) - 4;
  const mantissa = (magnitude >> (segment === 0 ? 1 : segment)) & 0x0f;
  return ((segment << 4) | mantissa) ^ (negative ? 0x55 : 0xd5);
}

function decode16(code: number): number {
  const c = code ^ 0x55;
  const segment = (c >> 4) & 0x07;
  const mantissa = c & 0x0f;
  // Midpoint of the interval on the 13-bit scale, times 8 for 16 bits.
  const magnitude = (segment === 0 ? 2 * mantissa + 1 : (2 * mantissa + 33) << (segment - 1)) * 8;
  return c & 0x80 ? magnitude : -magnitude;
}

/** The 16-bit sample to its 13-bit uniform code: nearest, ties up, saturating. */
function to13(sample: number): number {
  return Math.min(4095, (sample + 4) >> 3);
}

/** Indexed by the 16-bit sample as an unsigned number (`x & 0xffff`). */
const ENCODE = encodeTable((sample) => encode13(to13(sample)));

/** The 256 decoded values (16-bit PCM), indexed by the A-law byte. */
export const ALAW_TO_PCM: Readonly<Int16Array> = decodeTable(decode16);
const DECODE = ALAW_TO_PCM as Int16Array;

/**
 * One 16-bit sample to its A-law byte.
 * @example alawEncodeSample(0) === 0xd5; alawEncodeSample(-8) === 0x55
 */
export function alawEncodeSample(sample: number): number {
  return ENCODE[sample & 0xffff]!;
}

/**
 * One A-law byte to its 16-bit sample.
 * @example alawDecodeSample(0xd5) === 8
 */
export function alawDecodeSample(code: number): number {
  return DECODE[code & 0xff]!;
}

/**
 * Encode PCM to A-law, one byte per sample, into `out` when given (no allocation).
 * @example const payload = alawEncode(frame160, scratch160);
 */
export function alawEncode(pcm: Int16Array, out?: Uint8Array): Uint8Array {
  return tableEncode(ENCODE, pcm, out, 'PCMA');
}

/**
 * Decode A-law bytes to PCM, into `out` when given (no allocation).
 * @example const pcm = alawDecode(payload, scratch160);
 */
export function alawDecode(codes: Uint8Array, out?: Int16Array): Int16Array {
  return tableDecode(DECODE, codes, out, 'PCMA');
}

const SQUARES = squareTable(DECODE);

/**
 * The mean square of the PCM `codes` decode to, without decoding them.
 * @example const quiet = alawMeanSquare(payload) < 100 * 100;
 */
export function alawMeanSquare(codes: Uint8Array): number {
  return tableMeanSquare(SQUARES, codes);
}
