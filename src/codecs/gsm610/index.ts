/**
 * GSM 06.10 full rate (RPE-LTP, 13 kbit/s), bit-exact with libgsm.
 */
export { Gsm610Encoder } from './encoder.js';
export { Gsm610Decoder } from './decoder.js';
export {
  GSM_FRAME_BYTES,
  GSM_FRAME_SAMPLES,
  GSM_PARAMS,
  GSM_SIGNATURE,
  BC,
  MC,
  NC,
  XMAXC,
  XMC,
  newFrameParams,
  packFrame,
  subframeAt,
  unpackFrame,
} from './frame.js';
