/** The in-memory sources the harness plays into calls (they live with the audio devices). */
export { CadencedToneSource, PcmSource, type CadencedToneOptions } from '../audio/devices/pcm-source.js';
