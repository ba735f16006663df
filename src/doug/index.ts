/** doug, the voice application server: voice apps are async functions of a `VoiceCall`. */
export { DougServer, describeEnd, type DougServerOptions, type DougStats, type VoiceApp } from './server.js';
export {
  VoiceCall,
  type CollectOptions,
  type PlayOptions,
  type PlayResult,
  type RecordOptions,
  type RecordResult,
  type SilenceOptions,
} from './voice-call.js';
export { systemTts, cached, type Tts, type SystemTtsOptions } from './tts.js';
export { AppLoadError, CallEndedError, CallStateError, DougTimeoutError, TtsError } from './errors.js';
