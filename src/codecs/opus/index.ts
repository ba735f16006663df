/**
 * Opus (RFC 6716, RTP payload RFC 7587) through libopus as WebAssembly.
 */
export { OpusFrameEncoder, encoderOptionsFor, OPUS_MAX_PACKET } from './encoder.js';
export type { OpusEncoderOptions, OpusSampleRate } from './encoder.js';
export { OpusFrameDecoder } from './decoder.js';
export { formatOpusFmtp, parseOpusFmtp } from './fmtp.js';
export type { OpusFmtp } from './fmtp.js';
export { parseOpusPacket } from './packet.js';
export type { OpusPacketInfo, OpusPacketResult } from './packet.js';
export { libopusMissing, loadLibopus, OPUS_PACKAGE } from './libopus.js';
