/** SDP (RFC 8866) parse/serialize and RFC 3264 offer/answer. */
export * from './types.js';
export { parseSdp } from './parse.js';
export { serializeSdp } from './serialize.js';
export * from './media-format.js';
export * from './offer-answer.js';
export * from './errors.js';
export * from './sdes.js';
