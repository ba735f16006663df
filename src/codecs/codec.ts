/**
 * What every audio codec offers the rest of shtoom: the facts SDP
 * negotiation and RTP need (encoding name, static payload type, clock rate,
 * frame size) and per-stream encoders and decoders. PCM is always 8 kHz mono
 * signed 16-bit, in `Int16Array`s.
 */

/** The SDP encoding name (RFC 3551 §6, the `a=rtpmap` name). */
export type CodecName = 'PCMU' | 'PCMA' | 'GSM';
/** The name options and the command line use (`--codec pcmu,gsm`). */
export type CodecId = 'pcmu' | 'pcma' | 'gsm';

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
}

export interface Codec {
  readonly name: CodecName;
  readonly id: CodecId;
  /** RFC 3551 static payload type: 0 PCMU, 8 PCMA, 3 GSM. */
  readonly payloadType: 0 | 8 | 3;
  readonly clockRate: 8000;
  readonly channels: 1;
  /** Samples in one frame of `frameMs`. */
  readonly samplesPerFrame: 160;
  /** Bytes of one encoded frame: 160 for G.711, 33 for GSM. */
  readonly bytesPerFrame: number;
  readonly frameMs: 20;
  /**
   * Whether a payload may hold any number of samples (G.711: one byte per
   * sample) rather than whole frames (GSM).
   */
  readonly sampleBased: boolean;
  /** E-model equipment impairment factor Ie (ITU-T G.113 Appendix I). */
  readonly ie: number;
  /** E-model packet-loss robustness factor Bpl (ITU-T G.113 Appendix I); see docs/codecs.md. */
  readonly bpl: number;
  /** Samples carried by a payload of `bytes` bytes, or undefined when no valid payload has that length. */
  payloadSamples(bytes: number): number | undefined;
  createEncoder(): FrameEncoder;
  createDecoder(): FrameDecoder;
}
