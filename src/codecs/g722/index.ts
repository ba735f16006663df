/**
 * ITU-T G.722 (SB-ADPCM, 64 kbit/s, 16 kHz), bit-exact with spandsp.
 */
export { G722Encoder } from './encoder.js';
export { G722Decoder } from './decoder.js';
