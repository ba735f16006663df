/**
 * DSP figures, beside the seed paper's conference-mixer table ("Performance":
 * 18 participants of 160 samples, the 4 loudest mixed):
 *
 *                 1 channel   18 channels (dumb)   18 channels (smart)
 *   Python          2.2 ms         8.7 ms               2.7 ms
 *   audioop         0.12 ms        0.80 ms              0.18 ms
 *
 * dumb: every participant's mix recomputed from scratch (rank the others,
 * scale and add). smart: one shared mix for everyone outside the loudest 4,
 * one correction each for the loudest 4 (ConferenceMixer.mix).
 */
import { ConferenceMixer } from '../src/audio/dsp/conference-mixer.js';
import { DtmfDetector } from '../src/audio/dsp/dtmf-detector.js';
import { DtmfGenerator } from '../src/audio/dsp/dtmf-generator.js';
import { Resampler } from '../src/audio/dsp/resampler.js';
import { Random } from '../src/sim/random.js';
import { medianUsPerOp, note, opsPerSecond, report } from './lib/report.js';

const rnd = new Random(2026);
const inputs = Array.from({ length: 18 }, (_, p) =>
  Int16Array.from({ length: 160 }, () => Math.round((rnd.next() * 2 - 1) * 1000 * (p + 1))),
);

/** The "dumb" approach: per participant, rank everyone else by power and mix the top 4 from scratch. */
const energies = new Float64Array(18);
const order = Array.from({ length: 18 }, (_, i) => i);
const dumbOut = Array.from({ length: 18 }, () => new Int16Array(160));
function mixDumb(frames: Int16Array[]): void {
  for (let me = 0; me < frames.length; me++) {
    for (let i = 0; i < frames.length; i++) {
      let e = 0;
      const x = frames[i]!;
      for (let s = 0; s < 160; s++) e += x[s]! * x[s]!;
      energies[i] = e;
    }
    order.sort((a, b) => energies[b]! - energies[a]! || a - b);
    const out = dumbOut[me]!;
    out.fill(0);
    let taken = 0;
    for (let k = 0; k < order.length && taken < 4; k++) {
      const i = order[k]!;
      if (i === me) continue;
      taken++;
      const x = frames[i]!;
      for (let s = 0; s < 160; s++) out[s] = out[s]! + Math.round(x[s]! * 0.25);
    }
  }
}

const mixer = new ConferenceMixer();
const one = new Int16Array(160);

report(
  'dsp.mix_1ch_us',
  medianUsPerOp(() => mixer.mixOne(inputs, one)),
  'us',
);
report(
  'dsp.mix_18_dumb_us',
  medianUsPerOp(() => mixDumb(inputs), 41, 100),
  'us',
);
report(
  'dsp.mix_18_smart_us',
  medianUsPerOp(() => {
    mixer.mix(inputs);
    for (let i = 0; i < 18; i++) mixer.output(i);
  }),
  'us',
);
note('seed (Python 2.2/8.7/2.7 ms; audioop 0.12/0.80/0.18 ms) for 1ch / 18 dumb / 18 smart');

// DTMF: a detector fed speech-like noise with keys in it, one 20 ms frame per call.
const gen = new DtmfGenerator();
gen.send('1234567890*#ABCD');
const audio = new Int16Array(160 * 500);
for (let i = 0; i < audio.length; i += 160) {
  const f = audio.subarray(i, i + 160);
  for (let s = 0; s < 160; s++) f[s] = Math.round((rnd.next() * 2 - 1) * 3000);
  gen.fill(f, true);
}
const det = new DtmfDetector();
let pos = 0;
report(
  'dsp.dtmf_detect_ns_per_frame',
  1e9 /
    opsPerSecond(
      () => {
        det.process(audio.subarray(pos, pos + 160));
        while (det.pollEvent());
        pos = (pos + 160) % audio.length;
      },
      1,
      1500,
    ),
  'ns',
);

const up = new Resampler(8000, 48000);
const frame = Int16Array.from({ length: 160 }, (_, i) => Math.round(8000 * Math.sin(i * 0.7)));
const out48 = new Int16Array(up.maxOutput(160));
report('dsp.resample_8k_48k_ns_per_frame', 1e9 / opsPerSecond(() => up.process(frame, out48), 1, 1500), 'ns');
note(`resampler: ${up.tapsPerPhase} taps per phase (80 dB stopband, flat to 3.5 kHz)`);
