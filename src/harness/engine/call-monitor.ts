/**
 * Everything the engine knows about one call as it happens: its signalling
 * events, all received audio (frames placed by their media-time index, a
 * lost frame left silent), and what runs over that audio live — voice
 * activity (for "the prompt has ended") and the Goertzel DTMF detector (for
 * in-band digits). Waiters subscribe with `onChange` and are called after
 * every event.
 */
import { AUDIO_RATE, FRAME_SAMPLES } from '../../audio/device.js';
import { DtmfDetector } from '../../audio/dsp/dtmf-detector.js';
import { Vad } from '../../audio/dsp/vad.js';
import type { CallPortEvent } from '../call-port.js';

const FRAME = FRAME_SAMPLES;
const RATE = AUDIO_RATE;

export interface ReceivedDigit {
  readonly digit: string;
  /** Time on the scenario's clock (ms from its start). */
  readonly atMs: number;
  readonly method: 'rfc4733' | 'info' | 'inband';
}

export interface SpeechSegment {
  /** Sample positions in the received audio. */
  readonly start: number;
  readonly end: number;
}

/**
 * Received audio the receiver made up (`AudioEvent.concealed`, an
 * underrun found to be a loss: `AudioEvent.underrun`): sample positions
 * [start, end). Or far-end audio its jitter buffer dropped unplayed
 * (`dropped`): absent, so the span starts at the seam and is as long as
 * what was dropped (drops at neighbouring frames joined, each put at the
 * first seam: 20 ms apart at most a frame).
 */
export interface ConcealedSpan {
  readonly start: number;
  end: number;
  readonly kind: 'lost' | 'stretch' | 'dropped';
}

export class CallMonitor {
  /** Signalling events (not audio), in order, with times from the scenario's start. */
  readonly events: (CallPortEvent & { readonly ms: number })[] = [];
  readonly digits: ReceivedDigit[] = [];
  readonly speech: SpeechSegment[] = [];
  /** Where the receiver concealed or inserted audio, in order (neighbouring frames of a kind joined). */
  readonly concealed: ConcealedSpan[] = [];
  /**
   * Underruns found to be a loss (a stall, or a stream that stopped and came
   * back with packets missing): the silence the receiver played meanwhile,
   * in order. Its frames are in `concealed` too.
   */
  readonly stalls: SpeechSegment[] = [];
  private buf = new Int16Array(RATE * 30);
  /** Samples of received audio so far (up to the newest frame). */
  samples = 0;
  /** Scenario time of sample 0 (the first frame's time minus its index). */
  audioStartMs: number | undefined;
  private fed = 0;
  readonly vad = new Vad({ hangoverMs: 200 });
  private readonly dtmf = new DtmfDetector();
  private readonly listeners = new Set<() => void>();
  private speechStart: number | undefined;

  constructor(private readonly startMs: number) {}

  /** The port's event callback. `at` is on the engine clock; stored relative to the scenario start. */
  readonly onEvent = (e: CallPortEvent): void => {
    const ms = e.at - this.startMs;
    if (e.type === 'audio') {
      this.audio(e.index, e.frame, ms);
      if (e.underrun) this.underrun(e.index, e.underrun.lost, e.underrun.inserted);
      if (e.concealed) this.madeUp(e.index * FRAME, e.concealed);
      // A drop is marked at the seam, as long as the audio dropped (absent: the frames here are heard).
      for (let k = 0; k < (e.dropped ?? 0); k++) this.madeUp((e.index + k) * FRAME, 'dropped');
    } else {
      this.events.push({ ...e, ms });
      if (e.type === 'dtmf') this.digits.push({ digit: e.digit, atMs: ms, method: e.method });
    }
    for (const l of [...this.listeners]) l();
  };

  /** Call `fn` after every event; returns the unsubscribe function. */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Scenario time of a sample position. */
  msOf(sample: number): number {
    return (this.audioStartMs ?? 0) + (sample / RATE) * 1000;
  }

  /** Sample position at a scenario time (clamped to what was received). */
  sampleAt(ms: number): number {
    if (this.audioStartMs === undefined) return 0;
    return Math.max(0, Math.min(this.samples, Math.round(((ms - this.audioStartMs) * RATE) / 1000)));
  }

  /** A copy of received audio between two sample positions. */
  slice(start: number, end: number): Int16Array {
    return this.buf.slice(Math.max(0, start), Math.min(this.samples, end));
  }

  /** All received audio. */
  all(): Int16Array {
    return this.buf.slice(0, this.samples);
  }

  /** The view (no copy) of received audio from `start`, for incremental detectors. */
  view(start: number, end = this.samples): Int16Array {
    return this.buf.subarray(Math.max(0, start), Math.min(this.samples, end));
  }

  get ended(): boolean {
    return this.events.some((e) => e.type === 'ended' || e.type === 'failed');
  }

  get answered(): boolean {
    return this.events.some((e) => e.type === 'answered');
  }

  private audio(index: number, frame: Int16Array, ms: number): void {
    if (this.audioStartMs === undefined) this.audioStartMs = ms - index * 20;
    const end = (index + 1) * FRAME;
    if (end > this.buf.length) {
      const grown = new Int16Array(Math.max(end, this.buf.length * 2));
      grown.set(this.buf.subarray(0, this.samples));
      this.buf = grown;
    }
    this.buf.set(frame.subarray(0, FRAME), index * FRAME);
    if (end > this.samples) this.samples = end;
    // Live detectors see audio in order; a lost frame is fed as the silence it left.
    if (this.samples > this.fed) {
      const chunk = this.buf.subarray(this.fed, this.samples);
      this.vad.process(chunk);
      this.dtmf.process(chunk);
      this.fed = this.samples;
      for (let v; (v = this.vad.pollEvent()); ) {
        if (v.type === 'speech-start') this.speechStart = v.start;
        else {
          this.speech.push({ start: v.start, end: v.start + v.duration! });
          this.speechStart = undefined;
        }
      }
      for (let d; (d = this.dtmf.pollEvent()); ) {
        if (d.type === 'start') this.digits.push({ digit: d.digit, atMs: this.msOf(d.start), method: 'inband' });
      }
    }
  }

  /** The `lost` + `inserted` frames before frame `index` were an underrun's silence, found to be a loss. */
  private underrun(index: number, lost: number, inserted: number): void {
    const first = Math.max(0, index - lost - inserted);
    // Not over what is already marked (the concealment before the silence).
    const from = Math.max(first * FRAME, this.concealed.at(-1)?.end ?? 0);
    for (let at = from; at < (index - inserted) * FRAME; at += FRAME) this.madeUp(at, 'lost');
    for (let at = Math.max(from, (index - inserted) * FRAME); at < index * FRAME; at += FRAME)
      this.madeUp(at, 'stretch');
    if (index * FRAME > from) this.stalls.push({ start: from, end: index * FRAME });
  }

  private madeUp(start: number, kind: ConcealedSpan['kind']): void {
    const last = this.concealed.at(-1);
    if (last && last.kind === kind && last.end === start) last.end = start + FRAME;
    else this.concealed.push({ start, end: start + FRAME, kind });
  }

  /** The speech segment now open, if any (start sample). */
  get openSpeech(): number | undefined {
    return this.speechStart;
  }

  /** Close the live detectors (the call is over). */
  finish(): void {
    this.vad.flush();
    for (let v; (v = this.vad.pollEvent()); ) {
      if (v.type === 'speech-end') this.speech.push({ start: v.start, end: v.start + v.duration! });
    }
    this.speechStart = undefined;
    this.dtmf.flush();
    for (const l of [...this.listeners]) l();
  }
}
