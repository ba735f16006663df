/**
 * G.722 as a `Codec`: RTP payload type 9 (RFC 3551 4.5.2), 16 kHz audio at
 * 64 kbit/s, one byte per two samples, stateful per stream.
 */
import type { Codec } from './codec.js';
import { G722Decoder, G722Encoder } from './g722/index.js';

/**
 * ITU-T G.722, 64 kbit/s.
 *
 * RFC 3551 4.5.2: "Even though the actual sampling rate for G.722 audio is
 * 16,000 Hz, the RTP clock rate for the G722 payload format is 8,000 Hz
 * because that value was erroneously assigned in RFC 1890 and must remain
 * unchanged for backward compatibility." So `a=rtpmap:9 G722/8000`, a
 * 20 ms frame is 320 samples, 160 bytes and 160 RTP timestamp units.
 *
 * Ie 13 is G.722 at 64 kbit/s on the wideband scale (ITU-T G.113 Appendix
 * IV, Ie,wb). shtoom conceals no lost G.722 frames, so Bpl is 4.3 as for
 * the other codecs without concealment.
 *
 * @example
 * const enc = G722.createEncoder();
 * const payload = enc.encode(pcm320at16k); // 160 bytes
 */
export const G722: Codec = Object.freeze({
  name: 'G722',
  id: 'g722',
  payloadType: 9,
  dynamicPayloadType: false,
  clockRate: 8000,
  sampleRate: 16000,
  channels: 1,
  samplesPerFrame: 320,
  ticksPerFrame: 160,
  bytesPerFrame: 160,
  frameMs: 20,
  sampleBased: true,
  ie: 13,
  bpl: 4.3,
  payloadSamples: (bytes: number) => (Number.isInteger(bytes) && bytes >= 0 ? 2 * bytes : undefined),
  samplesIn: (payload: Uint8Array) => 2 * payload.length,
  unavailable: () => undefined,
  createEncoder: () => new G722Encoder(),
  createDecoder: () => new G722Decoder(),
});
