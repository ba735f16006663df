/**
 * G.711 speed: nanoseconds to encode or decode one 20 ms frame (160
 * samples) into a reused buffer, as the media path does. Goal: well under
 * 1 µs per frame.
 */
import { alawDecode, alawEncode } from '../src/codecs/alaw.js';
import { ulawDecode, ulawEncode } from '../src/codecs/ulaw.js';
import { speechLike } from '../test/codecs/support/signals.js';
import { opsPerSecond, report } from './lib/report.js';

const FRAMES = 500;
const pcm = speechLike(FRAMES / 50, 7);
const bytes = new Uint8Array(160);
const out = new Int16Array(160);
const ulaw = ulawEncode(pcm);
const alaw = alawEncode(pcm);

function perFrame(fn: (f: number) => void): number {
  let f = 0;
  const ops = opsPerSecond(() => {
    for (let i = 0; i < 50; i++) {
      fn(f);
      f = f + 1 === FRAMES ? 0 : f + 1;
    }
  }, 50);
  return 1e9 / ops;
}

report('codec.ulaw_encode_ns_per_frame', Math.round(perFrame((f) => ulawEncode(pcm.subarray(f * 160, f * 160 + 160), bytes))), 'ns');
report('codec.ulaw_decode_ns_per_frame', Math.round(perFrame((f) => ulawDecode(ulaw.subarray(f * 160, f * 160 + 160), out))), 'ns');
report('codec.alaw_encode_ns_per_frame', Math.round(perFrame((f) => alawEncode(pcm.subarray(f * 160, f * 160 + 160), bytes))), 'ns');
report('codec.alaw_decode_ns_per_frame', Math.round(perFrame((f) => alawDecode(alaw.subarray(f * 160, f * 160 + 160), out))), 'ns');
