/**
 * G.711 speed: nanoseconds to encode or decode one 20 ms frame (160
 * samples) into a reused buffer, as the media path does (the frames are
 * views made beforehand, so nothing is allocated while timing). Goal: well
 * under 1 µs per frame.
 */
import { alawDecode, alawEncode } from '../src/codecs/alaw.js';
import { ulawDecode, ulawEncode } from '../src/codecs/ulaw.js';
import { speechLike } from '../test/codecs/support/signals.js';
import { opsPerSecond, report } from './lib/report.js';

const FRAMES = 500;
const pcm = speechLike(FRAMES / 50, 7);
const frames = Array.from({ length: FRAMES }, (_, f) => pcm.subarray(f * 160, f * 160 + 160));
const ulaw = Array.from({ length: FRAMES }, (_, f) => ulawEncode(frames[f]!));
const alaw = Array.from({ length: FRAMES }, (_, f) => alawEncode(frames[f]!));
const bytes = new Uint8Array(160);
const out = new Int16Array(160);

/** Nanoseconds per frame of a loop over all frames (each loop its own closure, so its call inlines). */
function nsPerFrame(loop: () => void): number {
  return Math.round(1e9 / opsPerSecond(loop, FRAMES));
}

report(
  'codec.ulaw_encode_ns_per_frame',
  nsPerFrame(() => {
    for (let f = 0; f < FRAMES; f++) ulawEncode(frames[f]!, bytes);
  }),
  'ns',
);
report(
  'codec.ulaw_decode_ns_per_frame',
  nsPerFrame(() => {
    for (let f = 0; f < FRAMES; f++) ulawDecode(ulaw[f]!, out);
  }),
  'ns',
);
report(
  'codec.alaw_encode_ns_per_frame',
  nsPerFrame(() => {
    for (let f = 0; f < FRAMES; f++) alawEncode(frames[f]!, bytes);
  }),
  'ns',
);
report(
  'codec.alaw_decode_ns_per_frame',
  nsPerFrame(() => {
    for (let f = 0; f < FRAMES; f++) alawDecode(alaw[f]!, out);
  }),
  'ns',
);
