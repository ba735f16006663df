/**
 * Opus as a `Codec` (RFC 7587): `a=rtpmap:<dynamic> opus/48000/2`, the RTP
 * clock always 48 kHz whatever the audio bandwidth, 20 ms packets, mono PCM
 * at the sample rate chosen (48 kHz unless asked otherwise), stateful per
 * stream. libopus runs as WebAssembly from the optional package
 * `@evan/opus`, loaded on first use.
 */
import type { Codec } from './codec.js';
import {
  encoderOptionsFor,
  formatOpusFmtp,
  libopusMissing,
  OPUS_MAX_PACKET,
  OpusFrameDecoder,
  OpusFrameEncoder,
  parseOpusFmtp,
  parseOpusPacket,
  type OpusEncoderOptions,
  type OpusSampleRate,
} from './opus/index.js';

export interface OpusCodecOptions extends Omit<OpusEncoderOptions, 'fec' | 'maxBandwidthRate' | 'cbr'> {
  /** The dynamic payload type to offer. Default 111. */
  readonly payloadType?: number;
}

/**
 * An Opus codec whose PCM runs at `sampleRate` (8, 12, 16, 24 or 48 kHz).
 *
 * What shtoom says in SDP (RFC 7587 7): `maxplaybackrate` and
 * `sprop-maxcapturerate` are the sample rate (nothing wider is rendered or
 * captured), `stereo=0; sprop-stereo=0` (mono both ways), `useinbandfec=1`
 * (the decoder can rebuild a lost packet from the next one's FEC). The
 * encoder follows the peer's fmtp (`encoderOptionsFor`).
 *
 * Ie and Bpl: ITU-T G.113 gives no values for Opus, so both are NaN and an
 * E-model fed with them says so instead of reporting a made-up figure.
 *
 * @example
 * const opus16k = opusCodec({ sampleRate: 16000 });
 * const enc = opus16k.createEncoder('useinbandfec=1'); // the peer's fmtp
 */
export function opusCodec(options: OpusCodecOptions = {}): Codec {
  const sampleRate: OpusSampleRate = options.sampleRate ?? 48000;
  const { payloadType = 111, ...base } = options;
  return Object.freeze({
    name: 'opus',
    id: 'opus',
    payloadType,
    dynamicPayloadType: true,
    clockRate: 48000,
    sampleRate,
    // RFC 7587 7: "the number of channels MUST be 2" in the rtpmap, whatever is sent.
    channels: 2,
    samplesPerFrame: sampleRate / 50,
    ticksPerFrame: 960,
    bytesPerFrame: OPUS_MAX_PACKET,
    frameMs: 20,
    sampleBased: false,
    fmtp: formatOpusFmtp({
      maxplaybackrate: sampleRate,
      spropMaxcapturerate: sampleRate,
      stereo: false,
      spropStereo: false,
      useinbandfec: true,
    }),
    ie: Number.NaN,
    bpl: Number.NaN,
    // The length of an Opus packet says nothing of its duration: read its TOC (`samplesIn`).
    payloadSamples: () => undefined,
    samplesIn: (payload: Uint8Array) => {
      const p = parseOpusPacket(payload);
      return p.ok ? (p.info.samples * sampleRate) / 48000 : undefined;
    },
    unavailable: libopusMissing,
    createEncoder: (remoteFmtp?: string) =>
      new OpusFrameEncoder({ ...encoderOptionsFor(parseOpusFmtp(remoteFmtp), base), sampleRate }),
    createDecoder: () => new OpusFrameDecoder({ sampleRate }),
  } satisfies Codec);
}

/** Opus at 48 kHz, offered as payload type 111: the library's full-band codec. */
export const OPUS: Codec = opusCodec();

/**
 * Opus as calls use it: 16 kHz PCM (wideband, the rate of G.722), payload
 * type 111, the RTP clock 48 kHz as RFC 7587 wants. Why 16 and not 48 kHz
 * inside a call: docs/media.md ("The call's rate").
 */
export const OPUS_16K: Codec = opusCodec({ sampleRate: 16000 });
