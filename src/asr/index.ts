/** Speech recognition for telephone audio. */
export type { Recogniser, Recognition, RecognitionRequest, RecognisedWord, Verification } from './recogniser.js';
export {
  verifyAlignment,
  DEFAULT_VERIFY_THRESHOLDS,
  type VerifyScore,
  type VerifyThresholds,
} from './verify.js';
export { PocketsphinxRecogniser, parseHypseg, DEFAULT_MODEL_ROOT, type PocketsphinxOptions } from './pocketsphinx.js';
export { RecogniserMissingError, RecogniserFailedError } from './errors.js';
export { normaliseWords, normaliseText, numberWords } from './text.js';
export { wordSimilarity, wordDistance } from './similarity.js';
export { digitDecoys } from './decoys.js';
export { jsgfChoice } from './grammar.js';
export { PronunciationDictionary } from './dictionary.js';
export { narrowbandModel, shtoomCacheDir } from './model-cache.js';
