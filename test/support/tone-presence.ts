/**
 * How long a tone sounds in a recording that may hold several at once (a
 * conference's mix): a 40 ms Hann-windowed DFT bin at the tone's frequency,
 * every 20 ms; a window counts when the tone's amplitude there is above
 * `minAmplitude`. Tones 200 Hz apart do not leak into each other's bins.
 */
import { ToneBin } from '../../src/audio/dsp/tone-bin.js';

/** Seconds during which a sine at `hz` of at least `minAmplitude` (peak) sounds in 8 kHz `samples`. */
export function toneSecondsIn(samples: Int16Array, hz: number, minAmplitude = 400): number {
  const bin = new ToneBin(hz, 8000, 320);
  let windows = 0;
  for (let at = 0; at + 320 <= samples.length; at += 160) {
    bin.measure(samples, at);
    if (bin.amplitude() >= minAmplitude) windows++;
  }
  return (windows * 160) / 8000;
}

/** Where (seconds from the start) a tone at `hz` last sounded, or -1. */
export function toneLastHeardAt(samples: Int16Array, hz: number, minAmplitude = 400): number {
  const bin = new ToneBin(hz, 8000, 320);
  let last = -1;
  for (let at = 0; at + 320 <= samples.length; at += 160) {
    bin.measure(samples, at);
    if (bin.amplitude() >= minAmplitude) last = (at + 320) / 8000;
  }
  return last;
}
