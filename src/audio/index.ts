/**
 * The audio layer: one device interface (20 ms frames of 8 kHz mono s16),
 * devices by URI, and the DSP the rest of shtoom listens and speaks with.
 *
 * @example
 * import { audio } from 'shtoom';
 * const src = await audio.openSource('tone:350,440@-13dBm0');
 * const frame = new Int16Array(160);
 * src.read(frame);
 */
export {
  AUDIO_RATE,
  FRAME_SAMPLES,
  newFrame,
  type AudioDeviceInfo,
  type AudioSink,
  type AudioSource,
} from './device.js';
export { parseDeviceUri, type DeviceUri } from './device-uri.js';
export {
  auditAudio,
  backendStatus,
  listDevices,
  openSink,
  openSource,
  type BackendStatus,
  type OpenOptions,
} from './open.js';
export { DriftBuffer, type DriftBufferOptions, type DriftStats } from './drift-buffer.js';
export { analyzeAudio, parseToneSpec, type AnalyzeOptions, type AudioAnalysis, type Segment } from './analyze.js';
export { toMono8k } from './to-mono-8k.js';
export { AudioConfigError, AudioDeviceError, BackendMissingError, DspMisuseError } from './errors.js';
export * from './dsp/index.js';
export * from './conference/index.js';
