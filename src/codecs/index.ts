/**
 * shtoom's audio codecs: G.711 µ-law and A-law, GSM 06.10 full rate, the
 * `Codec` interface and the registry.
 *
 * @example
 * import { codecs } from 'shtoom';
 * const gsm = codecs.byName('GSM', 8000)!;      // from an a=rtpmap line
 * const enc = gsm.createEncoder();
 * const payload = enc.encode(new Int16Array(160)); // 33 bytes
 */
import { PCMA, PCMU } from './g711.js';
import { GSM } from './gsm.js';
import { CODEC_IDS, registry } from './registry.js';

export type { Codec, CodecId, CodecName, FrameDecoder, FrameEncoder } from './codec.js';
export { CodecRegistry, CODEC_IDS } from './registry.js';
export { PCMA, PCMU } from './g711.js';
export { GSM } from './gsm.js';
export { CodecFrameError, CodecInputError } from './errors.js';
export { ulawDecode, ulawDecodeSample, ulawEncode, ulawEncodeSample, ULAW_TO_PCM } from './ulaw.js';
export { alawDecode, alawDecodeSample, alawEncode, alawEncodeSample, ALAW_TO_PCM } from './alaw.js';
export { Gsm610Decoder, Gsm610Encoder } from './gsm610/index.js';

/**
 * The codec registry with the codecs as properties: `codecs.pcmu`,
 * `codecs.pcma`, `codecs.gsm`, `codecs.all`, `codecs.byName(…)`,
 * `codecs.byPayloadType(…)`, `codecs.byId(…)`, `codecs.select([...])`.
 */
export const codecs = Object.freeze({
  pcmu: PCMU,
  pcma: PCMA,
  gsm: GSM,
  ids: CODEC_IDS,
  all: registry.all,
  byId: registry.byId.bind(registry),
  byName: registry.byName.bind(registry),
  byPayloadType: registry.byPayloadType.bind(registry),
  select: registry.select.bind(registry),
});
