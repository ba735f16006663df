/**
 * An in-memory far end for the scenario engine: a `CallPort` whose calls are
 * answered by a scripted IVR (`IvrScript`), paced by a `TimerHost` — a
 * `VirtualScheduler` in tests, so a two-minute call runs in milliseconds.
 *
 * Theory of operation. Media flows in 20 ms ticks from the answer (or from
 * 183 early media). Each tick takes one frame each way: the far end's
 * prompt (or silence), mixed with its in-band DTMF, is encoded with the
 * negotiated codec and decoded again (real G.711 or GSM 06.10), optionally
 * dropped with the configured loss rate, and delivered to the caller as an
 * `audio` event; the caller's playback and in-band DTMF go the other way
 * through the same codec into the far end's Goertzel DTMF detector. RFC 4733
 * digits arrive when their event ends, SIP INFO digits when sent.
 */
import type { AudioSource } from '../../audio/device.js';
import { FRAME_SAMPLES } from '../../audio/device.js';
import { DtmfCollector } from '../../audio/dsp/dtmf-collector.js';
import { DtmfDetector } from '../../audio/dsp/dtmf-detector.js';
import { DtmfGenerator } from '../../audio/dsp/dtmf-generator.js';
import { isDtmfDigit } from '../../audio/dsp/dtmf.js';
import type { Clock } from '../../clock/clock.js';
import type { TimerHandle, TimerHost } from '../../clock/timers.js';
import type { CodecId, FrameDecoder, FrameEncoder } from '../../codecs/codec.js';
import { CODEC_IDS, registry } from '../../codecs/registry.js';
import { PacketLossConcealer } from '../../rtp/plc.js';
import { Random } from '../../sim/random.js';
import { speak, type SpeakOptions } from '../../tts/speak.js';
import type {
  CallLeg,
  CallPort,
  CallPortEvent,
  DialOptions,
  DtmfMode,
  MediaStats,
  SendDtmfOptions,
} from '../call-port.js';
import { CadencedToneSource, PcmSource, type CadencedToneOptions } from '../pcm-source.js';
import { FarEndHangup, type CollectOptions, type IvrFarEnd, type IvrScript } from './far-end.js';

export interface IvrSimulatorOptions {
  readonly clock: Clock;
  readonly timers: TimerHost;
  /** The far end's behaviour, run once per call. */
  readonly script: IvrScript;
  /** Codecs the far end accepts (default all). */
  readonly codecs?: readonly CodecId[];
  /** Share of far-to-caller frames lost (default 0). */
  readonly lossRate?: number;
  /** Seed of the loss pattern (default 1). */
  readonly seed?: number;
  /** Frames lost in a row each time one is lost (default 1). */
  readonly lossBurst?: number;
  /**
   * The caller's receiver as a real one: a lost frame is concealed (G.711
   * Appendix I) instead of left silent, and marked (`AudioEvent.concealed`).
   * Default false.
   */
  readonly conceal?: boolean;
  /**
   * With `conceal`: the share of speech frames at which the receiver's
   * jitter buffer grows its delay mid-word, inserting `stretchFrames`
   * concealed frames (default 0). The delay (at most 200 ms) is given back
   * in the pauses, a quiet frame dropped per frame (marked: `dropped`).
   */
  readonly stretchRate?: number;
  /** Concealed frames inserted per stretch (default 3). */
  readonly stretchFrames?: number;
  /**
   * With `conceal`: the caller's receiver stalls `ms` long, `atMs` after
   * media starts (its process held up): as a real one catches its ticks up
   * before it reads its socket, it conceals 5 frames (their packets then
   * come late), plays silence for the rest, and goes on where the audio
   * stopped, the silence marked as an underrun found to be a loss
   * (`AudioEvent.underrun`); the delay gained is given back in the pauses.
   */
  readonly stall?: { readonly atMs: number; readonly ms: number };
  /**
   * The receiver of one call made otherwise (its loss, concealment,
   * stretches, stall): `n` counts the calls from 1, in the order dialled.
   */
  readonly perCall?: (n: number) => Partial<Pick<IvrSimulatorOptions, ReceiverOption>> | undefined;
  /** Time from dialling to the far end's script starting, ms (default 20). */
  readonly setupMs?: number;
  /**
   * Wraps work outside the simulated time (TTS rendering), so that virtual
   * time stands still while it runs; `VirtualTime.hold` in tests.
   */
  readonly hold?: <T>(p: Promise<T>) => Promise<T>;
  /** How the far end speaks `say` (default flite kal16). */
  readonly voice?: SpeakOptions;
}

const FRAME = FRAME_SAMPLES;

/** The options of the caller's receiver, which `perCall` may set per call. */
type ReceiverOption = 'lossRate' | 'seed' | 'lossBurst' | 'conceal' | 'stretchRate' | 'stretchFrames' | 'stall';

/**
 * A `CallPort` answered by a scripted IVR.
 *
 * @example
 * const vt = new VirtualTime();
 * const port = new IvrSimulator({ clock: vt.clock, timers: vt.timers, hold: vt.hold, script: demoIvr() });
 */
export class IvrSimulator implements CallPort {
  private nextId = 1;
  /** Calls in progress. */
  readonly active = new Set<SimCall>();

  constructor(readonly options: IvrSimulatorOptions) {}

  dial(target: string, options: DialOptions, onEvent: (event: CallPortEvent) => void): CallLeg {
    const n = this.nextId++;
    const call = new SimCall(`sim-${n}`, target, options, onEvent, this, this.options.perCall?.(n));
    this.active.add(call);
    return call;
  }
}

type State = 'dialling' | 'early' | 'up' | 'ended';

class SimCall implements CallLeg {
  /** The far end's view of this call, handed to the script. */
  readonly farEnd: IvrFarEnd;
  readonly codec: CodecId;
  private state: State = 'dialling';
  private readonly o: IvrSimulatorOptions;
  private readonly random: Random;
  private index = 0;
  private readonly timersLive = new Set<TimerHandle>();
  // far end -> caller
  private readonly farEnc: FrameEncoder;
  private readonly callerDec: FrameDecoder;
  private farSource: { src: AudioSource; done: () => void } | undefined;
  // caller -> far end
  private readonly callerEnc: FrameEncoder;
  private readonly farDec: FrameDecoder;
  private callerSource: { src: AudioSource; done: () => void } | undefined;
  private readonly detector = new DtmfDetector();
  /** The caller's keys as the far end hears them (type-ahead). */
  private readonly keys: DtmfCollector;
  private readonly hangupWaiters = new Set<(e: Error) => void>();
  /** The caller's pending operations, finished when the call ends. */
  private readonly onEnd = new Set<() => void>();
  private sent = 0;
  private received = 0;
  private lost = 0;
  /** Frames still to lose of a burst. */
  private lossLeft = 0;
  private readonly receiver: SimReceiver | undefined;

  constructor(
    readonly id: string,
    readonly target: string,
    dialOptions: DialOptions,
    private readonly emit: (event: CallPortEvent) => void,
    private readonly sim: IvrSimulator,
    receiver?: Partial<Pick<IvrSimulatorOptions, ReceiverOption>>,
  ) {
    this.o = receiver ? { ...sim.options, ...receiver } : sim.options;
    this.random = new Random(this.o.seed ?? 1);
    if (this.o.conceal) this.receiver = new SimReceiver(this.o);
    this.keys = new DtmfCollector({
      setTimer: (ms, fn) => this.after(ms, fn),
      clearTimer: (h) => this.clear(h),
    });
    const offered = dialOptions.codecs ?? CODEC_IDS;
    const accepted = this.o.codecs ?? CODEC_IDS;
    const chosen = offered.find((c) => accepted.includes(c));
    this.codec = chosen ?? 'pcmu';
    const codec = registry.byId(this.codec)!;
    this.farEnc = codec.createEncoder();
    this.callerDec = codec.createDecoder();
    this.callerEnc = codec.createEncoder();
    this.farDec = codec.createDecoder();
    this.farEnd = {
      target,
      codec: this.codec,
      ring: () => this.ring(),
      progress: () => this.progress(),
      answer: () => this.answer(),
      reject: (status, reason) => this.reject(status, reason),
      play: (audio) => this.farPlay(audio),
      say: (text, options) => this.say(text, options),
      playTone: (freqs, options) => this.playTone(freqs, options),
      collectDtmf: (options) => this.collectDtmf(options),
      flushDtmf: () => this.flushDtmf(),
      sendDtmf: (digits, mode) => this.farSendDtmf(digits, mode),
      wait: (ms) => this.wait(ms),
      hangup: () => this.farHangup(),
      // The caller is the harness, which reports a REFER and declines it.
      transfer: async (to) => {
        this.assertLive();
        this.emit({ type: 'transfer', at: this.now(), target: to });
        return false;
      },
    };
    this.after(this.o.setupMs ?? 20, () => {
      if (this.state !== 'dialling') return;
      if (!chosen) {
        this.fail(488, 'Not Acceptable Here');
        return;
      }
      this.o.script(this.farEnd).then(
        () => undefined,
        (e: unknown) => {
          if (e instanceof FarEndHangup) return;
          // A script that breaks ends its call the way a server would.
          if (this.state === 'dialling' || this.state === 'early')
            this.fail(500, `Server Internal Error (${String(e)})`);
          else this.end('remote', `script error: ${String(e)}`);
        },
      );
    });
  }

  private now(): number {
    return this.o.clock.now();
  }

  private after(ms: number, fn: () => void): TimerHandle {
    const h = this.o.timers.setTimer(ms, () => {
      this.timersLive.delete(h);
      fn();
    });
    this.timersLive.add(h);
    return h;
  }

  // ---- far end (IvrFarEnd) ----

  ring(): void {
    if (this.state === 'dialling') this.emit({ type: 'progress', at: this.now(), status: 180, reason: 'Ringing' });
  }

  progress(): void {
    if (this.state !== 'dialling') return;
    this.emit({ type: 'progress', at: this.now(), status: 183, reason: 'Session Progress' });
    this.state = 'early';
    this.startMedia();
  }

  answer(): void {
    if (this.state !== 'dialling' && this.state !== 'early') return;
    const wasEarly = this.state === 'early';
    this.state = 'up';
    this.emit({ type: 'answered', at: this.now(), codec: this.codec });
    if (!wasEarly) this.startMedia();
  }

  reject(status: number, reason = 'Rejected'): void {
    if (this.state === 'dialling' || this.state === 'early') this.fail(status, reason);
  }

  farPlay(audio: Int16Array | AudioSource): Promise<void> {
    this.assertLive();
    const src = audio instanceof Int16Array ? new PcmSource(audio) : audio;
    this.farSource?.done();
    return this.untilHangup(
      new Promise<void>((resolve) => {
        this.farSource = { src, done: resolve };
      }),
    );
  }

  async say(text: string, options?: SpeakOptions): Promise<void> {
    this.assertLive();
    const render = speak(text, { ...this.o.voice, ...options });
    const pcm = await (this.o.hold ? this.o.hold(render) : render);
    await this.farPlay(pcm);
  }

  playTone(freqs: readonly number[], options?: CadencedToneOptions): Promise<void> {
    return this.farPlay(new CadencedToneSource(freqs, options));
  }

  collectDtmf(options: CollectOptions = {}): Promise<string> {
    this.assertLive();
    const timeout = options.timeoutMs ?? 5000;
    const rule = {
      max: options.max ?? Infinity,
      terminator: options.terminator,
      firstKeyMs: timeout,
      interKeyMs: timeout,
    };
    let stop: (() => void) | undefined;
    return this.untilHangup(new Promise<string>((resolve) => (stop = this.keys.collect(rule, resolve)))).finally(() =>
      stop?.(),
    );
  }

  flushDtmf(): void {
    this.keys.clear();
  }

  farSendDtmf(digits: string, mode: DtmfMode = 'rfc4733'): Promise<void> {
    this.assertLive();
    return this.untilHangup(this.sendDigits(digits, { mode }, 'far'));
  }

  wait(ms: number): Promise<void> {
    this.assertLive();
    return this.untilHangup(new Promise<void>((resolve) => this.after(ms, resolve)));
  }

  farHangup(): void {
    if (this.state === 'up' || this.state === 'early') this.end('remote', 'BYE from the far end');
  }

  // ---- caller (CallLeg) ----

  async sendDtmf(digits: string, options: SendDtmfOptions): Promise<void> {
    await this.sendDigits(digits, options, 'caller');
  }

  play(source: AudioSource): Promise<void> {
    return new Promise<void>((resolve) => {
      this.callerSource?.done();
      if (this.state === 'ended') return resolve();
      this.callerSource = { src: source, done: resolve };
    });
  }

  stopPlayback(): void {
    this.callerSource?.done();
    this.callerSource = undefined;
  }

  async hangup(): Promise<void> {
    if (this.state === 'ended') return;
    if (this.state === 'dialling') {
      this.state = 'ended';
      this.emit({ type: 'ended', at: this.now(), by: 'local', reason: 'cancelled' });
      this.cleanup();
      return;
    }
    this.end('local', 'BYE');
  }

  stats(): MediaStats {
    return {
      codec: this.codec,
      packetsSent: this.sent,
      packetsReceived: this.received,
      packetsLost: this.lost,
      jitterMs: 0,
    };
  }

  // ---- machinery ----

  private assertLive(): void {
    if (this.state === 'ended') throw new FarEndHangup();
  }

  private untilHangup<T>(p: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const onHangup = (e: Error) => reject(e);
      this.hangupWaiters.add(onHangup);
      p.then(
        (v) => {
          this.hangupWaiters.delete(onHangup);
          resolve(v);
        },
        (e: unknown) => {
          this.hangupWaiters.delete(onHangup);
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  }

  private clear(h: TimerHandle): void {
    this.o.timers.clearTimer(h);
    this.timersLive.delete(h);
  }

  private sendDigits(digits: string, options: SendDtmfOptions, from: 'caller' | 'far'): Promise<void> {
    for (const c of digits)
      if (!isDtmfDigit(c.toUpperCase())) return Promise.reject(new RangeError(`not a DTMF key: ${JSON.stringify(c)}`));
    const dur = options.durationMs ?? 100;
    const gap = options.gapMs ?? 100;
    if (options.mode === 'inband') {
      const gen = new DtmfGenerator({ toneMs: dur, pauseMs: gap });
      gen.send(digits);
      if (from === 'caller') this.callerGen = gen;
      else this.farGen = gen;
      return new Promise<void>((resolve) => {
        this.onEnd.add(resolve);
        this.after(digits.length * (dur + gap), resolve);
      });
    }
    return new Promise<void>((resolve) => {
      [...digits].forEach((d, i) => {
        const start = i * (dur + gap);
        const deliverAt = options.mode === 'info' ? start : start + dur;
        this.after(deliverAt, () => {
          if (this.state === 'ended') return;
          if (from === 'caller') this.farDigit(d.toUpperCase());
          else
            this.emit({
              type: 'dtmf',
              at: this.now(),
              digit: d.toUpperCase(),
              durationMs: dur,
              method: options.mode === 'info' ? 'info' : 'rfc4733',
            });
        });
      });
      this.onEnd.add(resolve);
      this.after(digits.length * (dur + gap), resolve);
    });
  }

  private callerGen: DtmfGenerator | undefined;
  private farGen: DtmfGenerator | undefined;

  private farDigit(d: string): void {
    this.keys.push(d);
  }

  private startMedia(): void {
    const t0 = this.now();
    const step = () => {
      if (this.state === 'ended') return;
      this.mediaTick();
      this.index++;
      this.after(Math.max(0, t0 + this.index * 20 - this.now()), step);
    };
    this.after(20, step);
  }

  private readonly far = new Int16Array(FRAME);
  private readonly near = new Int16Array(FRAME);
  private readonly bytes = new Uint8Array(FRAME);

  private mediaTick(): void {
    // far end -> caller
    const f = this.far;
    f.fill(0);
    if (this.farSource && !this.farSource.src.read(f)) {
      const done = this.farSource.done;
      this.farSource = undefined;
      done();
    }
    this.farGen?.fill(f, true);
    if (this.farGen && !this.farGen.busy) this.farGen = undefined;
    const out = new Int16Array(FRAME);
    this.callerDec.decode(this.farEnc.encode(f, this.bytes), out);
    let lost = false;
    if (this.lossLeft > 0) {
      this.lossLeft--;
      lost = true;
    } else if (this.o.lossRate && this.random.chance(this.o.lossRate)) {
      this.lossLeft = Math.max(1, this.o.lossBurst ?? 1) - 1;
      lost = true;
    }
    if (lost) this.lost++;
    else this.received++;
    if (this.receiver) {
      const heard = this.receiver.next(out, lost);
      this.emit({ type: 'audio', at: this.now(), index: this.index, frame: heard.frame, ...heard.made });
    } else if (!lost) this.emit({ type: 'audio', at: this.now(), index: this.index, frame: out });
    // caller -> far end
    const n = this.near;
    n.fill(0);
    if (this.callerSource && !this.callerSource.src.read(n)) {
      const done = this.callerSource.done;
      this.callerSource = undefined;
      done();
    }
    this.callerGen?.fill(n, true);
    if (this.callerGen && !this.callerGen.busy) this.callerGen = undefined;
    this.sent++;
    const heard = new Int16Array(FRAME);
    this.farDec.decode(this.callerEnc.encode(n, this.bytes), heard);
    this.detector.process(heard);
    for (let e; (e = this.detector.pollEvent()); ) if (e.type === 'start') this.farDigit(e.digit);
  }

  private fail(status: number, reason: string): void {
    this.state = 'ended';
    this.emit({ type: 'failed', at: this.now(), status, reason });
    this.cleanup();
  }

  private end(by: 'remote' | 'local', reason: string): void {
    this.state = 'ended';
    this.emit({ type: 'ended', at: this.now(), by, reason });
    this.cleanup();
  }

  private cleanup(): void {
    for (const h of this.timersLive) this.o.timers.clearTimer(h);
    this.timersLive.clear();
    this.farSource?.done();
    this.farSource = undefined;
    this.callerSource?.done();
    this.callerSource = undefined;
    for (const w of [...this.hangupWaiters]) w(new FarEndHangup());
    this.hangupWaiters.clear();
    for (const f of [...this.onEnd]) f();
    this.onEnd.clear();
    this.sim.active.delete(this);
  }
}

/** What the simulated receiver says of a frame it plays (`AudioEvent`'s marks). */
type Made = { concealed?: 'lost' | 'stretch'; dropped?: number; underrun?: { lost: number; inserted: number } };

/** Frames a receiver conceals before it plays silence (a jitter buffer's `maxConcealFrames`). */
const STALL_CONCEAL = 5;

/** Most frames the simulated receiver holds back (its delay grown by stretches): 200 ms. */
const MAX_HELD = 10;
/** A frame this quiet (RMS) is a pause, where the receiver gives its delay back. */
const QUIET_RMS = 100;

const rms = (f: Int16Array) => {
  let e = 0;
  for (const v of f) e += v * v;
  return Math.sqrt(e / f.length);
};

/**
 * The caller's receiver, as a loaded real one plays the far end: lost
 * frames concealed, and now and then its delay grown mid-word by concealed
 * frames inserted (a stretch), given back by dropping quiet frames. One
 * frame out per frame in; bounded (at most `MAX_HELD` frames held).
 */
class SimReceiver {
  private readonly plc = new PacketLossConcealer(8000);
  private readonly held: { frame: Int16Array; lost: boolean }[] = [];
  private readonly random: Random;
  private stretchLeft = 0;

  constructor(private readonly o: IvrSimulatorOptions) {
    this.random = new Random((o.seed ?? 1) + 7919);
  }

  private tick = 0;

  next(frame: Int16Array, lost: boolean): { frame: Int16Array; made: Made } {
    const t = this.tick++;
    const stall = this.o.stall;
    if (stall) {
      const [from, n] = [Math.round(stall.atMs / 20), Math.max(STALL_CONCEAL, Math.round(stall.ms / 20))];
      if (t >= from && t < from + n) {
        // Stalled: the first frames' packets will come too late (concealed), the rest wait to be played.
        if (t - from < STALL_CONCEAL) return { frame: this.plc.conceal(FRAME), made: { concealed: 'lost' } };
        this.held.push({ frame, lost });
        return { frame: this.plc.good(new Int16Array(FRAME)), made: {} };
      }
      if (t === from + n) {
        // Back: the audio goes on where it stopped; the silence was inserted.
        const out = this.play(frame, lost);
        return { frame: out.frame, made: { ...out.made, underrun: { lost: 0, inserted: n - STALL_CONCEAL } } };
      }
    }
    return this.play(frame, lost);
  }

  private play(frame: Int16Array, lost: boolean): { frame: Int16Array; made: Made } {
    this.held.push({ frame, lost });
    const head = this.held[0]!;
    const rate = this.o.stretchRate ?? 0;
    const loud = !head.lost && rms(head.frame) >= QUIET_RMS;
    if (this.stretchLeft === 0 && rate > 0 && loud && this.random.chance(rate)) {
      this.stretchLeft = Math.max(0, Math.min(this.o.stretchFrames ?? 3, MAX_HELD - this.held.length));
    }
    if (this.stretchLeft > 0) {
      this.stretchLeft--;
      return { frame: this.plc.conceal(FRAME), made: { concealed: 'stretch' } };
    }
    let f = this.held.shift()!;
    // The delay given back in a pause: a quiet frame dropped (marked, as a real receiver marks it).
    const quiet = (x: { frame: Int16Array; lost: boolean }) => !x.lost && rms(x.frame) < QUIET_RMS;
    let dropped = false;
    if (this.held.length > 0 && quiet(f) && quiet(this.held[0]!)) {
      f = this.held.shift()!;
      dropped = true;
    }
    const skip = dropped ? { dropped: 1 } : {};
    if (f.lost) return { frame: this.plc.conceal(FRAME), made: { concealed: 'lost', ...skip } };
    return { frame: this.plc.good(f.frame), made: skip };
  }
}
