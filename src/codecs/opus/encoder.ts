/**
 * One stream's Opus encoder over libopus (RFC 6716): mono 16-bit PCM at the
 * codec's sample rate in, one Opus packet per call out. Its settings follow
 * the peer's fmtp (RFC 7587 7.1): in-band FEC when the peer asks for it,
 * the audio bandwidth its `maxplaybackrate` can render, at most its
 * `maxaveragebitrate`, constant bit rate on `cbr=1`.
 */
import { byteOutput } from '../buffers.js';
import { CodecInputError } from '../errors.js';
import type { OpusFmtp } from './fmtp.js';
import { loadLibopus, OPUS, type Libopus } from './libopus.js';

/** The sample rates libopus encodes and decodes at (RFC 6716 2). */
export type OpusSampleRate = 8000 | 12000 | 16000 | 24000 | 48000;

export interface OpusEncoderOptions {
  /** PCM sample rate. Default 48000. */
  readonly sampleRate?: OpusSampleRate;
  /** Target bit rate, bits per second. Default 32000 (RFC 7587 3.1.1: 28–40 kbit/s for fullband speech). */
  readonly bitrate?: number;
  /** Code in-band FEC (LBRR) so the receiver can rebuild a lost packet from the next one. Default false. */
  readonly fec?: boolean;
  /** The loss the FEC is sized for, 0–100 %. Default 10 with FEC, else 0. */
  readonly packetLossPercent?: number;
  /** The widest audio bandwidth to code, as a sample rate that can carry it. Default: the sample rate. */
  readonly maxBandwidthRate?: number;
  /** Constant bit rate. Default false (VBR). */
  readonly cbr?: boolean;
}

/** The most bytes one packet may take: one 1275-byte frame, the TOC and frame-count bytes (RFC 6716 3.4 R2). */
export const OPUS_MAX_PACKET = 1277;
/** The most PCM one `encode` takes: 60 ms at 48 kHz. */
const MAX_SAMPLES = 2880;
/** The frame durations libopus encodes, in 2.5 ms units: 2.5, 5, 10, 20, 40, 60 ms. */
const FRAME_UNITS: ReadonlySet<number> = new Set([1, 2, 4, 8, 16, 24]);

/** The encoder settings the peer's fmtp asks for (RFC 7587 7.1), on top of `base`. */
export function encoderOptionsFor(remote: OpusFmtp, base: OpusEncoderOptions = {}): OpusEncoderOptions {
  const bitrate = base.bitrate ?? 32000;
  return {
    ...base,
    // RFC 7587 6.1 maxaveragebitrate: "the maximum average receive bitrate of a session in bits per second".
    bitrate: remote.maxaveragebitrate !== undefined ? Math.min(bitrate, remote.maxaveragebitrate) : bitrate,
    // useinbandfec: "specifies that the decoder has the capability to take advantage of the Opus in-band FEC".
    fec: remote.useinbandfec ?? base.fec ?? false,
    // maxplaybackrate: "a hint about the maximum output sampling rate that the receiver is capable of rendering".
    ...(remote.maxplaybackrate !== undefined ? { maxBandwidthRate: remote.maxplaybackrate } : {}),
    // cbr: "specifies if the decoder prefers the use of a constant bitrate versus a variable bitrate".
    ...(remote.cbr !== undefined ? { cbr: remote.cbr } : {}),
  };
}

/** The libopus bandwidth that a sample rate of `rate` can carry (RFC 6716 Table 1). */
function bandwidthFor(rate: number): number {
  if (rate <= 8000) return OPUS.BANDWIDTH_NARROWBAND;
  if (rate <= 12000) return OPUS.BANDWIDTH_MEDIUMBAND;
  if (rate <= 16000) return OPUS.BANDWIDTH_WIDEBAND;
  if (rate <= 24000) return OPUS.BANDWIDTH_SUPERWIDEBAND;
  return OPUS.BANDWIDTH_FULLBAND;
}

/** Frees a coder's libopus memory when the coder is garbage-collected. */
export const freeOnCollect = new FinalizationRegistry<{ lib: Libopus; ptrs: number[] }>(({ lib, ptrs }) => {
  for (const p of ptrs) lib.api.free(p);
});

/**
 * One stream's Opus encoder.
 *
 * @example
 * const enc = new OpusFrameEncoder({ sampleRate: 48000, fec: true });
 * const packet = enc.encode(pcm960);          // one 20 ms packet
 */
export class OpusFrameEncoder {
  readonly sampleRate: OpusSampleRate;
  private readonly lib: Libopus;
  private readonly st: number;
  private readonly pcm: number;
  private readonly packet: number;

  /** @throws CodecUnavailableError when libopus is not installed. */
  constructor(options: OpusEncoderOptions = {}) {
    this.sampleRate = options.sampleRate ?? 48000;
    const lib = loadLibopus();
    const api = lib.api;
    this.lib = lib;
    this.st = lib.alloc(api.opus_encoder_get_size(1));
    this.pcm = lib.alloc(MAX_SAMPLES * 2);
    this.packet = lib.alloc(OPUS_MAX_PACKET);
    freeOnCollect.register(this, { lib, ptrs: [this.st, this.pcm, this.packet] });
    const fail = (what: string, code: number) => {
      if (code < 0) throw new CodecInputError('opus', `libopus refused ${what}: ${lib.error(code)}`);
    };
    fail(`a ${this.sampleRate} Hz encoder`, api.opus_encoder_init(this.st, this.sampleRate, 1, OPUS.APPLICATION_VOIP));
    const bitrate = options.bitrate ?? 32000;
    fail(`bit rate ${bitrate}`, api.opus_encoder_ctl_set(this.st, OPUS.SET_BITRATE, bitrate));
    fail('the voice signal type', api.opus_encoder_ctl_set(this.st, OPUS.SET_SIGNAL, OPUS.SIGNAL_VOICE));
    const fec = options.fec ?? false;
    fail('in-band FEC', api.opus_encoder_ctl_set(this.st, OPUS.SET_INBAND_FEC, fec ? 1 : 0));
    const loss = options.packetLossPercent ?? (fec ? 10 : 0);
    fail(`packet loss ${loss} %`, api.opus_encoder_ctl_set(this.st, OPUS.SET_PACKET_LOSS_PERC, loss));
    const band = bandwidthFor(Math.min(options.maxBandwidthRate ?? this.sampleRate, this.sampleRate));
    fail('the bandwidth', api.opus_encoder_ctl_set(this.st, OPUS.SET_MAX_BANDWIDTH, band));
    fail('VBR', api.opus_encoder_ctl_set(this.st, OPUS.SET_VBR, options.cbr ? 0 : 1));
  }

  /** The settings libopus runs with (for tests and reports). */
  get settings(): { bitrate: number; fec: boolean; packetLossPercent: number; maxBandwidth: number; vbr: boolean } {
    const get = (req: number) => this.lib.api.opus_encoder_ctl_get(this.st, req);
    return {
      bitrate: get(OPUS.GET_BITRATE),
      fec: get(OPUS.GET_INBAND_FEC) === 1,
      packetLossPercent: get(OPUS.GET_PACKET_LOSS_PERC),
      maxBandwidth: get(OPUS.GET_MAX_BANDWIDTH),
      vbr: get(OPUS.GET_VBR) === 1,
    };
  }

  /**
   * The encoder's delay in samples at its rate (libopus's lookahead): what
   * an Ogg Opus file's pre-skip tells a decoder to drop.
   */
  get lookahead(): number {
    return this.lib.api.opus_encoder_ctl_get(this.st, OPUS.GET_LOOKAHEAD);
  }

  /**
   * Encode one frame of 2.5, 5, 10, 20, 40 or 60 ms into one packet, into
   * `out` when given (the packet is `out`'s first bytes).
   */
  encode(pcm: Int16Array, out?: Uint8Array): Uint8Array {
    const n = pcm.length;
    const units = (n * 400) / this.sampleRate;
    if (!FRAME_UNITS.has(units))
      throw new CodecInputError(
        'opus',
        `${n} samples at ${this.sampleRate} Hz are not one Opus frame (2.5, 5, 10, 20, 40 or 60 ms)`,
      );
    const lib = this.lib;
    lib.samples().set(pcm, this.pcm >> 1);
    const len = lib.api.opus_encode(this.st, this.pcm, n, this.packet, OPUS_MAX_PACKET);
    if (len < 0) throw new CodecInputError('opus', `libopus could not encode the frame: ${lib.error(len)}`);
    const dst = byteOutput(out, len, 'opus');
    dst.set(lib.bytes().subarray(this.packet, this.packet + len));
    return dst;
  }
}
