/**
 * The two G.711 codecs as `Codec`s: PCMU (µ-law) and PCMA (A-law). Stateless
 * and sample-based: a payload of n bytes is n samples, at any packet time.
 */
import { alawDecode, alawEncode, alawMeanSquare } from './alaw.js';
import type { Codec } from './codec.js';
import { ulawDecode, ulawEncode, ulawMeanSquare } from './ulaw.js';

const sampleCount = (bytes: number) => (Number.isInteger(bytes) && bytes >= 0 ? bytes : undefined);

/**
 * G.711 µ-law, RTP payload type 0.
 *
 * Ie 0 and Bpl 4.3 (no packet-loss concealment) from ITU-T G.113 Appendix I
 * (Tables I.1 and I.3); with G.711 Appendix I concealment Bpl would be 25.1.
 *
 * @example
 * const enc = PCMU.createEncoder();
 * const payload = enc.encode(frame160); // 160 bytes
 */
export const PCMU: Codec = Object.freeze({
  name: 'PCMU',
  id: 'pcmu',
  payloadType: 0,
  dynamicPayloadType: false,
  clockRate: 8000,
  sampleRate: 8000,
  channels: 1,
  samplesPerFrame: 160,
  ticksPerFrame: 160,
  bytesPerFrame: 160,
  frameMs: 20,
  sampleBased: true,
  ie: 0,
  bpl: 4.3,
  payloadSamples: sampleCount,
  samplesIn: (payload: Uint8Array) => payload.length,
  unavailable: () => undefined,
  createEncoder: () => ({ encode: ulawEncode }),
  createDecoder: () => ({ decode: ulawDecode }),
  meanSquare: ulawMeanSquare,
});

/**
 * G.711 A-law, RTP payload type 8. Ie 0, Bpl 4.3 as PCMU.
 *
 * @example
 * const pcm = PCMA.createDecoder().decode(payload);
 */
export const PCMA: Codec = Object.freeze({
  name: 'PCMA',
  id: 'pcma',
  payloadType: 8,
  dynamicPayloadType: false,
  clockRate: 8000,
  sampleRate: 8000,
  channels: 1,
  samplesPerFrame: 160,
  ticksPerFrame: 160,
  bytesPerFrame: 160,
  frameMs: 20,
  sampleBased: true,
  ie: 0,
  bpl: 4.3,
  payloadSamples: sampleCount,
  samplesIn: (payload: Uint8Array) => payload.length,
  unavailable: () => undefined,
  createEncoder: () => ({ encode: alawEncode }),
  createDecoder: () => ({ decode: alawDecode }),
  meanSquare: alawMeanSquare,
});
