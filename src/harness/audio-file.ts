/** Reading audio files for the harness: any WAV shtoom decodes, as 8 kHz mono PCM. */
import { WavSource } from '../audio/devices/file.js';

/**
 * The whole file as 8 kHz mono 16-bit PCM (mixed down and resampled as needed).
 *
 * @example const reference = readAudioFile('prompts/welcome.wav');
 */
export function readAudioFile(path: string): Int16Array {
  const src = WavSource.open(`file:${path}`, path);
  const chunks: Int16Array[] = [];
  const frame = new Int16Array(160);
  try {
    for (let i = 0; i < 8000 * 60 * 60; i++) {
      if (!src.read(frame)) break;
      chunks.push(frame.slice());
    }
  } finally {
    void src.close();
  }
  const out = new Int16Array(chunks.length * 160);
  for (const [i, c] of chunks.entries()) out.set(c, i * 160);
  return out;
}
