/**
 * One stream's Opus decoder over libopus (RFC 6716): packets in, mono
 * 16-bit PCM at the codec's sample rate out (a stereo packet is mixed down
 * by libopus). Besides `decode` it offers what a jitter buffer needs when a
 * packet is lost: `conceal` (libopus's packet loss concealment) and
 * `decodeFec` (RFC 6716 2.1.7: the lost packet rebuilt from the in-band
 * FEC the next packet carries).
 */
import { sampleOutput } from '../buffers.js';
import { CodecFrameError, CodecInputError } from '../errors.js';
import { freeOnCollect, type OpusSampleRate } from './encoder.js';
import { loadLibopus, type Libopus } from './libopus.js';
import { parseOpusPacket } from './packet.js';

/** The largest packet taken: 120 ms of 1275-byte frames is far more than any RTP payload. */
const MAX_PACKET = 8192;
/** The most samples one call gives: 120 ms at 48 kHz (RFC 6716 3.4 R5). */
const MAX_SAMPLES = 5760;

/**
 * One stream's Opus decoder.
 *
 * @example
 * const dec = new OpusFrameDecoder({ sampleRate: 48000 });
 * const pcm = dec.decode(packet);                 // 960 samples for a 20 ms packet
 * const lost = dec.decodeFec(nextPacket, 960);    // a lost packet, rebuilt from the next one
 */
export class OpusFrameDecoder {
  readonly sampleRate: OpusSampleRate;
  private readonly lib: Libopus;
  private readonly st: number;
  private readonly packet: number;
  private readonly pcm: number;

  /** @throws CodecUnavailableError when libopus is not installed. */
  constructor(options: { readonly sampleRate?: OpusSampleRate } = {}) {
    this.sampleRate = options.sampleRate ?? 48000;
    const lib = loadLibopus();
    this.lib = lib;
    this.st = lib.alloc(lib.api.opus_decoder_get_size(1));
    this.packet = lib.alloc(MAX_PACKET);
    this.pcm = lib.alloc(MAX_SAMPLES * 2);
    freeOnCollect.register(this, { lib, ptrs: [this.st, this.packet, this.pcm] });
    const code = lib.api.opus_decoder_init(this.st, this.sampleRate, 1);
    if (code < 0)
      throw new CodecInputError('opus', `libopus refused a ${this.sampleRate} Hz decoder: ${lib.error(code)}`);
  }

  /**
   * Decode one packet, into `out` when given.
   * @throws CodecFrameError naming the rule of RFC 6716 3.4 a malformed packet breaks, or libopus's complaint.
   */
  decode(payload: Uint8Array, out?: Int16Array): Int16Array {
    const samples = this.check(payload);
    return this.run(payload, samples, 0, out);
  }

  /**
   * `samples` samples of concealment for a lost packet (libopus's PLC: the
   * last audio extended, fading out over successive losses).
   */
  conceal(samples: number, out?: Int16Array): Int16Array {
    this.checkDuration(samples);
    return this.run(undefined, samples, 0, out);
  }

  /**
   * The packet lost just before `next`, rebuilt from the FEC data in `next`
   * (RFC 6716 2.1.7), `samples` long — the lost packet's duration. Decode
   * `next` itself afterwards as usual. Where `next` carries no FEC, libopus
   * conceals instead.
   */
  decodeFec(next: Uint8Array, samples: number, out?: Int16Array): Int16Array {
    this.check(next);
    this.checkDuration(samples);
    return this.run(next, samples, 1, out);
  }

  private check(payload: Uint8Array): number {
    const parsed = parseOpusPacket(payload);
    if (!parsed.ok) throw new CodecFrameError('opus', undefined, `not an Opus packet: ${parsed.problem}`);
    if (payload.length > MAX_PACKET)
      throw new CodecFrameError('opus', undefined, `a ${payload.length}-byte packet; at most ${MAX_PACKET} are taken`);
    return (parsed.info.samples * this.sampleRate) / 48000;
  }

  private checkDuration(samples: number): void {
    // libopus conceals and rebuilds in whole 2.5 ms units.
    const unit = this.sampleRate / 400;
    if (
      !Number.isInteger(samples) ||
      samples <= 0 ||
      samples % unit !== 0 ||
      samples > (MAX_SAMPLES * this.sampleRate) / 48000
    )
      throw new CodecInputError('opus', `${samples} samples is not a whole number of 2.5 ms units up to 120 ms`);
  }

  private run(payload: Uint8Array | undefined, samples: number, fec: 0 | 1, out: Int16Array | undefined): Int16Array {
    const lib = this.lib;
    if (payload) lib.bytes().set(payload, this.packet);
    const n = lib.api.opus_decode(
      this.st,
      payload ? this.packet : 0,
      payload ? payload.length : 0,
      this.pcm,
      samples,
      fec,
    );
    if (n < 0) throw new CodecFrameError('opus', undefined, `libopus could not decode the packet: ${lib.error(n)}`);
    const dst = sampleOutput(out, n, 'opus');
    const at = this.pcm >> 1;
    dst.set(lib.samples().subarray(at, at + n));
    return dst;
  }
}
