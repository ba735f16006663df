/**
 * GSM 06.10 full rate as a `Codec`: RTP payload type 3 (RFC 3551 §4.5.8),
 * 33-byte frames of 20 ms, stateful per stream.
 */
import type { Codec } from './codec.js';
import { Gsm610Decoder, Gsm610Encoder } from './gsm610/index.js';

function gsmSamples(bytes: number): number | undefined {
  return Number.isInteger(bytes) && bytes >= 0 && bytes % 33 === 0 ? (bytes / 33) * 160 : undefined;
}

/**
 * GSM 06.10 full rate.
 *
 * Ie 20 for GSM-FR from ITU-T G.113 Appendix I (Table I.1). G.113 gives no
 * Bpl for GSM-FR; shtoom conceals no lost GSM frames, so it uses the value
 * G.113 gives a codec without concealment (G.711 without PLC), 4.3.
 *
 * @example
 * const enc = GSM.createEncoder();
 * const payload = enc.encode(frame160); // 33 bytes
 */
export const GSM: Codec = Object.freeze({
  name: 'GSM',
  id: 'gsm',
  payloadType: 3,
  dynamicPayloadType: false,
  clockRate: 8000,
  sampleRate: 8000,
  channels: 1,
  samplesPerFrame: 160,
  ticksPerFrame: 160,
  bytesPerFrame: 33,
  frameMs: 20,
  sampleBased: false,
  ie: 20,
  bpl: 4.3,
  payloadSamples: gsmSamples,
  samplesIn: (payload: Uint8Array) => gsmSamples(payload.length),
  unavailable: () => undefined,
  createEncoder: () => new Gsm610Encoder(),
  createDecoder: () => new Gsm610Decoder(),
});
