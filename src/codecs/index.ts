/**
 * shtoom's audio codecs: G.711 µ-law and A-law, GSM 06.10 full rate, G.722
 * and Opus, the `Codec` interface and the registry.
 *
 * @example
 * import { codecs } from 'shtoom';
 * const gsm = codecs.byName('GSM', 8000)!;      // from an a=rtpmap line
 * const enc = gsm.createEncoder();
 * const payload = enc.encode(new Int16Array(160)); // 33 bytes
 */
import { PCMA, PCMU } from './g711.js';
import { G722 } from './g722.js';
import { GSM } from './gsm.js';
import { OPUS_16K } from './opus.js';
import { ALL_CODEC_IDS, CODEC_IDS, registry } from './registry.js';

export type { Codec, CodecId, CodecName, FrameDecoder, FrameEncoder } from './codec.js';
export { CodecRegistry, CODEC_IDS, ALL_CODEC_IDS, WIDEBAND_MEDIA } from './registry.js';
export type { CodecRegistryOptions } from './registry.js';
export { PCMA, PCMU } from './g711.js';
export { GSM } from './gsm.js';
export { G722 } from './g722.js';
export { OPUS, OPUS_16K, opusCodec } from './opus.js';
export type { OpusCodecOptions } from './opus.js';
export { CodecFrameError, CodecInputError, CodecUnavailableError } from './errors.js';
export { ulawDecode, ulawDecodeSample, ulawEncode, ulawEncodeSample, ULAW_TO_PCM } from './ulaw.js';
export { alawDecode, alawDecodeSample, alawEncode, alawEncodeSample, ALAW_TO_PCM } from './alaw.js';
export { Gsm610Decoder, Gsm610Encoder } from './gsm610/index.js';
export { G722Decoder, G722Encoder } from './g722/index.js';
export {
  encoderOptionsFor,
  formatOpusFmtp,
  OpusFrameDecoder,
  OpusFrameEncoder,
  parseOpusFmtp,
  parseOpusPacket,
} from './opus/index.js';
export type { OpusEncoderOptions, OpusFmtp, OpusPacketInfo, OpusSampleRate } from './opus/index.js';

/**
 * The codec registry with the codecs as properties: `codecs.pcmu`,
 * `codecs.pcma`, `codecs.gsm`, `codecs.g722`, `codecs.opus`, `codecs.all`
 * (what calls offer by default), `codecs.known` (every codec),
 * `codecs.byName(…)`, `codecs.byPayloadType(…)`, `codecs.byId(…)`,
 * `codecs.select([...])`, `codecs.refusal(codec)`.
 */
export const codecs = Object.freeze({
  pcmu: PCMU,
  pcma: PCMA,
  gsm: GSM,
  g722: G722,
  opus: OPUS_16K,
  ids: CODEC_IDS,
  allIds: ALL_CODEC_IDS,
  all: registry.all,
  known: registry.known,
  byId: registry.byId.bind(registry),
  byName: registry.byName.bind(registry),
  byPayloadType: registry.byPayloadType.bind(registry),
  select: registry.select.bind(registry),
  refusal: registry.refusal.bind(registry),
});
