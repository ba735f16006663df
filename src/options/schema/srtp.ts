/** SRTP with SDES keys (`[srtp]` in the ini file): RFC 3711, RFC 4568, RFC 7714. */
import { opt } from '../define.js';

export const srtpOptions = [
  opt.enum('srtp.mode', {
    help:
      'SRTP for calls: off (plain RTP), optional (RTP/AVP with a=crypto: SRTP when the peer takes it), ' +
      'mandatory (RTP/SAVP: a call without SRTP is refused with 488 or fails)',
    choices: ['off', 'optional', 'mandatory'],
    default: 'off',
    flag: 'srtp',
    argName: 'mode',
  }),
  opt.list('srtp.suites', {
    help: 'SRTP crypto suites offered and accepted, in order of preference',
    choices: ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32', 'AEAD_AES_128_GCM', 'AEAD_AES_256_GCM'],
    default: ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32', 'AEAD_AES_128_GCM', 'AEAD_AES_256_GCM'],
    argName: 'suites',
  }),
  opt.bool('srtp.allow-insecure-keys', {
    help:
      'offer and accept SRTP keys over signalling that is not TLS (UDP, TCP): anyone who sees the SIP can ' +
      'decrypt the media',
    default: false,
  }),
  opt.int('srtp.replay-window', {
    help: 'SRTP replay window, packets (RFC 3711 3.3.2); a peer asking for more (WSH=) gets more',
    default: 64,
    min: 64,
    max: 32768,
    argName: 'packets',
  }),
] as const;
