/** How long a tone sounds in a recording: what the calls interop tests assert on. */
import { ToneDetector } from '../../../src/audio/dsp/tone-detector.js';
import { readWavFile } from '../../../src/audio/formats/wav.js';

/** Seconds of `freq` (Hz) detected in an 8 kHz mono WAV file. */
export function wavToneSeconds(file: string, freq: number): number {
  const det = new ToneDetector([{ name: 'f', freqs: [freq] }]);
  det.process(readWavFile(file).samples);
  det.flush();
  let s = 0;
  for (let e = det.pollEvent(); e; e = det.pollEvent()) if (e.type === 'end') s += (e.duration ?? 0) / 8000;
  return s;
}
