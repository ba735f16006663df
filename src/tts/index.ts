/** Text-to-speech: flite or espeak-ng rendered to 8 kHz PCM. */
export { speak, ttsAvailable, to8kMono, type SpeakOptions, type TtsEngine } from './speak.js';
export { TtsMissingError, TtsFailedError } from './errors.js';
