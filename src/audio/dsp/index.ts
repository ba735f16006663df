/**
 * Pure signal processing on 8 kHz 16-bit audio: levels, the resampler, DTMF
 * and tone detection and generation, voice activity, the conference mixer.
 * Every processor is allocation-free per frame once constructed.
 */
export { Resampler, type ResamplerOptions } from './resampler.js';
export { designLowpass, kaiserBeta, kaiserLength } from './fir-design.js';
export {
  DBM0_AT_FULL_SCALE,
  FULL_SCALE,
  dbm0OfSineAmplitude,
  energy,
  peak,
  peakDbfs,
  rms,
  rmsDbfs,
  sineAmplitudeForDbfs,
  sineAmplitudeForDbm0,
} from './level.js';
export { DTMF_HIGH, DTMF_KEYS, DTMF_LOW, dtmfFrequencies, isDtmfDigit, type DtmfDigit } from './dtmf.js';
export { DtmfDetector, type DtmfBlockInfo, type DtmfDetectorOptions, type DtmfEvent } from './dtmf-detector.js';
export { DtmfGenerator, type DtmfGeneratorOptions } from './dtmf-generator.js';
export { ToneDetector, type ToneDetectorOptions, type ToneEvent, type ToneSpec } from './tone-detector.js';
export { CallProgressDetector, type CallProgressEvent, type CallProgressTone } from './call-progress.js';
export { Vad, type VadEvent, type VadOptions } from './vad.js';
export { ConferenceMixer, type ConferenceMixerOptions } from './conference-mixer.js';
export { TalkerSelector, type TalkerSelectorOptions } from './talker-selector.js';
export { SineFit } from './sine-fit.js';
export { ToneBin, hann } from './tone-bin.js';
