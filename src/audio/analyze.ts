/**
 * What is in a recording: level, speech and silence, DTMF keys, call-progress
 * tones and any tones asked for. `shtoom analyze` prints it; the IVR
 * assertions use the same function on received audio.
 */
import { FRAME_SAMPLES } from './device.js';
import { CallProgressDetector, type CallProgressTone } from './dsp/call-progress.js';
import { DtmfDetector } from './dsp/dtmf-detector.js';
import type { DtmfDigit } from './dsp/dtmf.js';
import { peak, peakDbfs, rms, rmsDbfs } from './dsp/level.js';
import { ToneDetector, type ToneSpec } from './dsp/tone-detector.js';
import { Vad, type VadOptions } from './dsp/vad.js';

const RATE = 8000;

export interface Segment {
  /** Seconds from the start. */
  readonly start: number;
  readonly end: number;
  readonly duration: number;
}

export interface AudioAnalysis {
  /** Seconds of audio analysed (8 kHz mono). */
  readonly duration: number;
  readonly level: {
    readonly peakDbfs: number;
    readonly rmsDbfs: number;
    /** Samples at full scale (±32767/−32768): clipping. */
    readonly clipped: number;
  };
  /** Sound that is not (mostly) a DTMF key or a tone. */
  readonly speech: readonly Segment[];
  /** No sound at all: the gaps between speech, keys and tones. */
  readonly silence: readonly Segment[];
  readonly dtmf: readonly { readonly digit: DtmfDigit; readonly start: number; readonly duration: number }[];
  readonly callProgress: readonly { readonly tone: CallProgressTone; readonly start: number }[];
  readonly tones: readonly { readonly name: string; readonly start: number; readonly duration: number }[];
}

export interface AnalyzeOptions {
  /** Extra tones to look for (`{ name: '1000Hz', freqs: [1000] }`). */
  readonly tones?: readonly ToneSpec[];
  readonly vad?: VadOptions;
}

const round = (s: number) => Math.round(s * 1000) / 1000;
const seconds = (samples: number) => round(samples / RATE);
const dbRound = (db: number) => (Number.isFinite(db) ? Math.round(db * 100) / 100 : db);

/**
 * Analyse 8 kHz mono audio.
 *
 * @example
 * const a = analyzeAudio(samples);
 * a.dtmf.map((d) => d.digit).join(''); // '1234#'
 */
export function analyzeAudio(samples: Int16Array, options: AnalyzeOptions = {}): AudioAnalysis {
  const dtmf = new DtmfDetector();
  const vad = new Vad(options.vad);
  const cp = new CallProgressDetector();
  const extra = options.tones?.length ? new ToneDetector(options.tones) : undefined;
  for (let i = 0; i < samples.length; i += FRAME_SAMPLES) {
    const frame = samples.subarray(i, Math.min(samples.length, i + FRAME_SAMPLES));
    dtmf.process(frame);
    vad.process(frame);
    cp.process(frame);
    extra?.process(frame);
  }
  dtmf.flush();
  vad.flush();
  cp.flush();
  extra?.flush();

  const keys: { digit: DtmfDigit; start: number; duration: number }[] = [];
  for (let e; (e = dtmf.pollEvent()); )
    if (e.type === 'end') keys.push({ digit: e.digit, start: seconds(e.start), duration: seconds(e.duration!) });

  const sound: Segment[] = [];
  for (let e; (e = vad.pollEvent()); ) {
    if (e.type === 'speech-end')
      sound.push({ start: seconds(e.start), end: seconds(e.start + e.duration!), duration: seconds(e.duration!) });
  }
  const total = seconds(samples.length);
  const silence: Segment[] = [];
  let at = 0;
  for (const s of sound) {
    if (s.start > at) silence.push({ start: at, end: s.start, duration: round(s.start - at) });
    at = s.end;
  }
  if (total > at) silence.push({ start: at, end: total, duration: round(total - at) });

  const callProgress: { tone: CallProgressTone; start: number }[] = [];
  for (let e; (e = cp.pollEvent()); ) callProgress.push({ tone: e.tone, start: seconds(e.start) });
  const tones: { name: string; start: number; duration: number }[] = [];
  for (let e; extra && (e = extra.pollEvent()); ) {
    if (e.type === 'end') tones.push({ name: e.name, start: seconds(e.start), duration: seconds(e.duration!) });
  }
  tones.sort((a, b) => a.start - b.start);

  // Sound that is mostly keys or tones is not speech. Each key or tone also
  // covers 150 ms either side, so the short pauses of a run of keys count with it.
  const pad = 0.15;
  const toneTime = [
    ...keys.map((k) => [k.start, k.start + k.duration] as const),
    ...cp.segments.map((t) => [t.start / RATE, (t.start + t.duration) / RATE] as const),
    ...tones.map((t) => [t.start, t.start + t.duration] as const),
  ]
    .map(([a, b]) => [a - pad, b + pad] as const)
    .sort((x, y) => x[0] - y[0]);
  const speech = sound.filter((s) => {
    let covered = 0;
    let reach = s.start;
    for (const [a, b] of toneTime) {
      const from = Math.max(a, reach);
      const to = Math.min(b, s.end);
      if (to > from) covered += to - from;
      reach = Math.max(reach, Math.min(b, s.end));
    }
    return covered < 0.8 * s.duration;
  });

  let clipped = 0;
  for (let i = 0; i < samples.length; i++) if (samples[i] === 32767 || samples[i] === -32768) clipped++;
  return {
    duration: total,
    level: { peakDbfs: dbRound(peakDbfs(peak(samples))), rmsDbfs: dbRound(rmsDbfs(rms(samples))), clipped },
    speech,
    silence,
    dtmf: keys,
    callProgress,
    tones,
  };
}

/** Parse a `--tone` item: `1000` or `350+440` (Hz). Returns undefined when malformed. */
export function parseToneSpec(text: string): ToneSpec | undefined {
  const freqs = text.split('+').map((f) => Number(f.trim().replace(/hz$/i, '')));
  if (freqs.length === 0 || freqs.some((f) => !(f > 0 && f < RATE / 2))) return undefined;
  return { name: freqs.join('+') + ' Hz', freqs };
}
