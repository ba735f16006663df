/**
 * STUN (RFC 5389): the message codec, MESSAGE-INTEGRITY and FINGERPRINT,
 * the sans-I/O client, NAT behaviour discovery (RFC 5780), mapping
 * keep-alives, and demultiplexing a shared socket (RFC 7983).
 */
export * from './constants.js';
export * from './errors.js';
export * from './ip-address.js';
export * from './message.js';
export * from './attributes.js';
export * from './parse.js';
export * from './serialize.js';
export * from './integrity.js';
export { crc32, fingerprintOf } from './fingerprint.js';
export { saslprep } from './saslprep.js';
export * from './client-transaction.js';
export * from './client.js';
export * from './demux.js';
export * from './nat-discovery.js';
export * from './keepalive.js';
