/**
 * Output buffers of encoders and decoders: the caller's buffer when it gives
 * one (so the media path allocates nothing per frame), a new one otherwise.
 */
import { CodecInputError } from './errors.js';

/** `out` itself when it holds exactly `n` bytes, its first `n` bytes when longer, or a new buffer. */
export function byteOutput(out: Uint8Array | undefined, n: number, codec: string): Uint8Array {
  if (out === undefined) return new Uint8Array(n);
  if (out.length === n) return out;
  if (out.length < n) throw new CodecInputError(codec, `output buffer holds ${out.length} bytes, ${n} are needed`);
  return out.subarray(0, n);
}

/** `out` itself when it holds exactly `n` samples, its first `n` samples when longer, or a new buffer. */
export function sampleOutput(out: Int16Array | undefined, n: number, codec: string): Int16Array {
  if (out === undefined) return new Int16Array(n);
  if (out.length === n) return out;
  if (out.length < n) throw new CodecInputError(codec, `output buffer holds ${out.length} samples, ${n} are needed`);
  return out.subarray(0, n);
}
