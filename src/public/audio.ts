/**
 * The `audio` namespace of the package: the audio layer, and the function
 * that reads its options (which lives with the command line's settings).
 */
export * from '../audio/index.js';
export { audioOpenOptions } from '../cli/settings.js';
