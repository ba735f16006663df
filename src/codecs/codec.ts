/**
 * What every audio codec offers the rest of shtoom: the facts SDP
 * negotiation and RTP need (encoding name, payload type, RTP clock rate,
 * format parameters, frame size) and per-stream encoders and decoders. PCM
 * is mono signed 16-bit at the codec's `sampleRate`, in `Int16Array`s.
 *
 * Three rates are kept apart: `sampleRate` is the rate of the PCM an
 * encoder takes and a decoder gives (8000 for G.711 and GSM, 16000 for
 * G.722, 48000 for Opus); `clockRate` is the RTP clock of the `a=rtpmap`
 * line and of RTP timestamps (8000 for G.722 — RFC 3551 4.5.2 — and 48000
 * for Opus whatever its audio bandwidth — RFC 7587 4.1); `ticksPerFrame` is
 * how far one frame moves the RTP timestamp.
 */

/** The SDP encoding name (RFC 3551 §6, the `a=rtpmap` name). */
export type CodecName = 'PCMU' | 'PCMA' | 'GSM' | 'G722' | 'opus';
/** The name options and the command line use (`--codec pcmu,gsm`). */
export type CodecId = 'pcmu' | 'pcma' | 'gsm' | 'g722' | 'opus';

/** Turns PCM into payload bytes; one per stream (a codec may keep state between frames). */
export interface FrameEncoder {
  /**
   * Encode `pcm` (whole frames for frame-based codecs), into `out` when
   * given so nothing is allocated; returns the bytes written.
   */
  encode(pcm: Int16Array, out?: Uint8Array): Uint8Array;
}

/** Turns payload bytes into PCM; one per stream. */
export interface FrameDecoder {
  /**
   * Decode `payload`, into `out` when given so nothing is allocated; returns
   * the samples written. A payload that is not valid for the codec throws
   * `CodecFrameError`.
   */
  decode(payload: Uint8Array, out?: Int16Array): Int16Array;
  /**
   * Packet loss concealment, for a decoder that can do better than silence
   * (Opus): `samples` samples standing in for a lost packet, into `out`
   * when given. Undefined on decoders without their own concealment.
   */
  conceal?(samples: number, out?: Int16Array): Int16Array;
  /**
   * In-band forward error correction (Opus, RFC 6716 2.1.7): the audio of
   * the packet lost just before `next`, rebuilt from the redundancy `next`
   * carries, `samples` samples long. Call it before decoding `next` itself.
   * A `next` without FEC data gives concealment instead (as libopus does).
   * Undefined on decoders without FEC.
   */
  decodeFec?(next: Uint8Array, samples: number, out?: Int16Array): Int16Array;
}

export interface Codec {
  readonly name: CodecName;
  readonly id: CodecId;
  /**
   * The RFC 3551 static payload type (0 PCMU, 8 PCMA, 3 GSM, 9 G722), or
   * for a codec without one (Opus) the dynamic type shtoom offers it with;
   * see `dynamicPayloadType`.
   */
  readonly payloadType: number;
  /** True when `payloadType` is only a preference: the number means nothing without an `a=rtpmap` (Opus). */
  readonly dynamicPayloadType: boolean;
  /** The RTP clock rate: the `a=rtpmap` rate and the unit of RTP timestamps. */
  readonly clockRate: number;
  /** The rate of the PCM the encoder takes and the decoder gives. */
  readonly sampleRate: number;
  /** The `a=rtpmap` channel count (2 for Opus, RFC 7587 7); PCM is mono whatever this says. */
  readonly channels: 1 | 2;
  /** PCM samples (at `sampleRate`) in one frame of `frameMs`. */
  readonly samplesPerFrame: number;
  /** How far one frame of `frameMs` moves the RTP timestamp (`clockRate × frameMs / 1000`). */
  readonly ticksPerFrame: number;
  /** Bytes of one encoded frame: 160 for G.711 and G.722, 33 for GSM; Opus: the most one 20 ms packet may take. */
  readonly bytesPerFrame: number;
  readonly frameMs: 20;
  /**
   * Whether a payload may hold any number of samples (G.711, G.722: a
   * byte per sample, or per two) rather than whole frames (GSM, Opus).
   */
  readonly sampleBased: boolean;
  /** What shtoom says in `a=fmtp` for this codec (Opus: RFC 7587 7.1), if anything. */
  readonly fmtp?: string;
  /** E-model equipment impairment factor Ie (ITU-T G.113 Appendix I; G.107.1 for wideband codecs). */
  readonly ie: number;
  /** E-model packet-loss robustness factor Bpl (ITU-T G.113 Appendix I); see docs/codecs.md. */
  readonly bpl: number;
  /**
   * PCM samples (at `sampleRate`) carried by a payload of `bytes` bytes, or
   * undefined when no valid payload has that length or the length alone
   * does not tell (Opus: use `samplesIn`).
   */
  payloadSamples(bytes: number): number | undefined;
  /** PCM samples (at `sampleRate`) `payload` decodes to, or undefined when it is not a valid payload. */
  samplesIn(payload: Uint8Array): number | undefined;
  /**
   * Why this codec cannot be used here, or undefined when it can: an
   * optional package that is not installed (Opus). The registry never
   * offers an unavailable codec and refuses one asked for by name.
   */
  unavailable(): string | undefined;
  /**
   * A new encoder for one stream. `remoteFmtp` is the peer's `a=fmtp` for
   * this format — its receiving wishes shape what we send (Opus: FEC,
   * bandwidth, bit rate); codecs without parameters ignore it.
   */
  createEncoder(remoteFmtp?: string): FrameEncoder;
  createDecoder(): FrameDecoder;
  /**
   * The mean square of the PCM `payload` decodes to, read from the payload
   * without decoding it: only a codec whose decoding has no state (G.711)
   * has it. Others: decode and measure.
   */
  readonly meanSquare?: (payload: Uint8Array) => number;
}
