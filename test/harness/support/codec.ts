/** Test helpers: audio through shtoom's own codecs, frame by frame. */
import type { CodecId } from '../../../src/codecs/codec.js';
import { registry } from '../../../src/codecs/registry.js';

/** Encode and decode `pcm` with a codec (the tail short of a whole frame is padded with silence). */
export function throughCodec(id: CodecId, pcm: Int16Array): Int16Array {
  const codec = registry.byId(id)!;
  const enc = codec.createEncoder();
  const dec = codec.createDecoder();
  const frames = Math.ceil(pcm.length / 160);
  const padded = new Int16Array(frames * 160);
  padded.set(pcm);
  const out = new Int16Array(frames * 160);
  for (let i = 0; i < frames; i++)
    dec.decode(enc.encode(padded.subarray(i * 160, (i + 1) * 160)), out.subarray(i * 160, (i + 1) * 160));
  return out;
}
