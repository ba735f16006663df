/**
 * `VoiceCall`: what a doug voice application sees of one incoming call —
 * answer or refuse it, play and say prompts, record, collect and send DTMF,
 * wait for silence, hang up. Every wait rejects with `CallEndedError` when
 * the caller hangs up (or the call ends otherwise) and has a timeout of its
 * own, so a prompt never plays into a dead line and an app never waits
 * forever.
 *
 * DTMF is buffered from the start of the call (type-ahead): a key pressed
 * during a prompt is there for the next `collectDtmf`.
 */
import type { AudioSource } from '../audio/device.js';
import { openSink, openSource } from '../audio/open.js';
import { DtmfCollector } from '../audio/dsp/dtmf-collector.js';
import { Vad } from '../audio/dsp/vad.js';
import type { TimerHandle, TimerHost } from '../clock/timers.js';
import type { AnswerOptions, Call } from '../app/call.js';
import type { Conference, ConferenceMember, JoinOptions } from '../app/conference.js';
import type { CallEnd, DtmfMode, DtmfReceived } from '../app/call-types.js';
import { CallEndedError, CallStateError } from '../app/errors.js';
import type { Logger } from '../log/logger.js';
import { DougTimeoutError, TtsError } from './errors.js';
import { PcmSource } from '../audio/devices/pcm-source.js';
import type { Tts } from './tts.js';

export interface PlayOptions {
  /** Stop at the first DTMF key (barge-in); the key stays for `collectDtmf`. Default false. */
  readonly stopOnDtmf?: boolean;
  /** Stop after this long, ms (needed for endless sources such as `tone:440`). */
  readonly timeoutMs?: number;
}

export interface PlayResult {
  /** The prompt ran to its end, a key interrupted it, or its time was up. */
  readonly reason: 'end' | 'dtmf' | 'timeout';
}

export interface RecordOptions {
  /** Longest recording, seconds. Default 60. */
  readonly maxSeconds?: number;
  /** Stop at a DTMF key (which is consumed and returned). Default false. */
  readonly stopOnDtmf?: boolean;
  /** Stop after this much silence, ms (off by default). */
  readonly stopOnSilence?: number;
}

export interface RecordResult {
  readonly file: string;
  readonly durationMs: number;
  readonly reason: 'max' | 'dtmf' | 'silence';
  /** The key that stopped it. */
  readonly digit?: string;
}

export interface CollectOptions {
  /** Keys to collect at most. Default 1. */
  readonly max?: number;
  /** A key that ends the input (not included), e.g. `#`. */
  readonly terminator?: string;
  /** Wait for the first key this long, ms. Default 10 000. */
  readonly timeoutMs?: number;
  /** Wait between keys this long, ms. Default 5000. */
  readonly interDigitMs?: number;
}

export interface SilenceOptions {
  /** Silence that counts, ms. Default 1000. */
  readonly silenceMs?: number;
  /** Give up after this long, ms (rejects with `DougTimeoutError`). Default 30 000. */
  readonly timeoutMs?: number;
}

/** What every voice call of a server shares. @internal */
export interface VoiceCallContext {
  readonly tts?: Tts | undefined;
  readonly log?: Logger;
}

/** A device URI for a bare path: `prompt.wav` is `file:prompt.wav`. */
function sourceUri(what: string): string {
  return /^[a-z]+:/i.test(what) || /^(silence|noise|null)(@.*)?$/i.test(what) ? what : `file:${what}`;
}

/**
 * @example
 * // my-app.js: shtoom serve ./my-app.js
 * export default async function (call) {
 *   await call.answer();
 *   await call.say('Press one for sales, two for support.', { stopOnDtmf: true });
 *   const key = await call.collectDtmf({ max: 1, timeoutMs: 5000 });
 *   await call.play(key === '1' ? 'sales.wav' : 'support.wav');
 *   await call.hangup();
 * }
 */
export class VoiceCall {
  /** Aborted when the call ends. */
  readonly signal: AbortSignal;
  private readonly abort = new AbortController();
  /** The caller's keys, kept from the start of the call (type-ahead). */
  private readonly keys: DtmfCollector;
  /** The conference the caller is in, if any: prompts then play over the room. */
  private member: ConferenceMember | undefined;

  constructor(
    /** The call underneath (events, statistics). */
    readonly call: Call,
    private readonly ctx: VoiceCallContext = {},
  ) {
    this.signal = this.abort.signal;
    this.keys = new DtmfCollector(call.timers);
    call.on('dtmf', (d: DtmfReceived) => this.keys.push(d.digit));
    void call.ended.then(() =>
      this.abort.abort(
        new CallEndedError(
          `the call ended: ${call.end?.message ?? ''}`,
          call.end?.reason ?? 'hangup',
          call.end?.status,
        ),
      ),
    );
  }

  /** Who calls (the From of the INVITE). */
  get from(): string {
    return this.call.remote;
  }
  /** Whom it calls (the To of the INVITE). */
  get to(): string {
    return this.call.local;
  }
  /** What the caller dialled: the INVITE's Request-URI (`sip:room-42@host`). */
  get requestUri(): string | undefined {
    return this.call.requestUri;
  }
  /** The conference the caller is in (`joinConference`), while it is. */
  get conference(): ConferenceMember | undefined {
    return this.member?.present ? this.member : undefined;
  }
  get callId(): string | undefined {
    return this.call.callId;
  }
  /** Keys received and not yet collected. */
  get pendingDigits(): string {
    return this.keys.pending;
  }

  private ended(e: CallEnd | undefined = this.call.end): CallEndedError {
    return new CallEndedError(`the call ended: ${e?.message ?? 'hung up'}`, e?.reason ?? 'hangup', e?.status);
  }

  private ensureLive(): void {
    if (this.call.end || this.signal.aborted) throw this.ended();
  }

  /**
   * Wait for a condition set up by `arm` (which returns its cleanup), with
   * a timeout (`onTimeout` decides the outcome) and the call's end (rejects).
   */
  private wait<T>(
    arm: (resolve: (v: T) => void, reject: (e: unknown) => void) => () => void,
    timeoutMs: number | undefined,
    onTimeout: () => T | Error,
  ): Promise<T> {
    this.ensureLive();
    return new Promise<T>((resolve, reject) => {
      const host = this.timers;
      let timer: TimerHandle | undefined;
      let cleanup: (() => void) | undefined;
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        cleanup?.();
        if (timer !== undefined) host.clearTimer(timer);
        this.signal.removeEventListener('abort', onAbort);
        fn();
      };
      const onAbort = () => settle(() => reject(this.ended()));
      this.signal.addEventListener('abort', onAbort);
      if (timeoutMs !== undefined)
        timer = host.setTimer(timeoutMs, () =>
          settle(() => {
            const r = onTimeout();
            if (r instanceof Error) reject(r);
            else resolve(r);
          }),
        );
      cleanup = arm(
        (v) => settle(() => resolve(v)),
        (e) => settle(() => reject(e)),
      );
      // `arm` may have settled at once: then undo what it set up.
      if (settled) cleanup();
    });
  }

  private get timers(): TimerHost {
    return this.call.timers;
  }

  /** 180 Ringing. */
  ring(): void {
    this.call.ring();
  }

  /** Answer (200 OK); with `echo`, every packet is returned to the caller as it comes. */
  async answer(opts: AnswerOptions = {}): Promise<void> {
    try {
      await this.call.answer(opts);
    } catch (err) {
      if (this.call.end) throw this.ended();
      throw err;
    }
  }

  /** Refuse the call (486 Busy Here by default). */
  reject(status = 486, reason?: string): void {
    this.call.reject(status, reason);
  }

  /**
   * Play a WAV file, `tone:440`, `silence`, a device, or a source; resolves
   * when it ended, a key interrupted it (`stopOnDtmf`) or its time was up.
   */
  async play(what: string | AudioSource, opts: PlayOptions = {}): Promise<PlayResult> {
    this.ensureLive();
    if (opts.stopOnDtmf && this.keys.pending.length > 0) return { reason: 'dtmf' };
    const source = typeof what === 'string' ? await openSource(sourceUri(what)) : what;
    // In a conference, a prompt is the caller's alone, over the room.
    const member = this.conference;
    let stoppedBy: PlayResult['reason'] = 'end';
    const stop = (why: PlayResult['reason']) => {
      stoppedBy = why;
      if (member) member.stopPlaying();
      else this.call.stopPlaying();
    };
    const stopKeys = opts.stopOnDtmf ? this.keys.onKey(() => stop('dtmf')) : undefined;
    let timer: TimerHandle | undefined;
    if (opts.timeoutMs !== undefined) timer = this.timers.setTimer(opts.timeoutMs, () => stop('timeout'));
    try {
      if (!member) await this.call.play(source);
      else if ((await member.play(source)) === 'removed') this.ensureLive();
    } catch (err) {
      if (err instanceof CallEndedError) throw this.ended();
      throw err;
    } finally {
      stopKeys?.();
      if (timer !== undefined) this.timers.clearTimer(timer);
    }
    return { reason: stoppedBy };
  }

  /** Speak `text` (espeak-ng or flite, rendered to 8 kHz) like `play`. */
  async say(text: string, opts: PlayOptions = {}): Promise<PlayResult> {
    this.ensureLive();
    const tts = this.ctx.tts;
    if (!tts) throw new TtsError('say() needs a text-to-speech engine: install espeak-ng or flite');
    const pcm = await tts.render(text);
    return this.play(new PcmSource(pcm, `say:${text.slice(0, 40)}`), opts);
  }

  /**
   * Record what the caller says into a WAV file (valid at every moment).
   * Rejects with `CallEndedError` when the caller hangs up — the file is
   * finished and holds everything up to then.
   */
  async record(file: string, opts: RecordOptions = {}): Promise<RecordResult> {
    this.ensureLive();
    const media = this.call.media;
    if (!media || this.call.state !== 'answered') throw new CallStateError('record() needs an answered call');
    const maxFrames = Math.round((opts.maxSeconds ?? 60) * 50);
    const sink = await openSink(/^[a-z]+:/i.test(file) ? file : `file:${file}`);
    const vad = opts.stopOnSilence !== undefined ? new Vad() : undefined;
    const silence = ((opts.stopOnSilence ?? 0) * 8000) / 1000;
    let frames = 0;
    let untap: (() => void) | undefined;
    const result = (reason: RecordResult['reason'], digit?: string): RecordResult => ({
      file,
      durationMs: frames * 20,
      reason,
      ...(digit ? { digit } : {}),
    });
    try {
      return await this.wait<RecordResult>(
        (resolve, reject) => {
          const onKey = () => {
            if (!opts.stopOnDtmf) return;
            resolve(result('dtmf', this.keys.take()));
          };
          if (opts.stopOnDtmf && this.keys.pending.length > 0) {
            onKey();
            return () => {};
          }
          const stopKeys = this.keys.onKey(onKey);
          untap = media.addTap((frame) => {
            try {
              sink.write(frame);
            } catch (err) {
              return reject(err); // a full disk, say: the app hears it
            }
            frames++;
            if (vad) vad.process(frame);
            if (frames >= maxFrames) resolve(result('max'));
            else if (vad && vad.silentFor >= silence) resolve(result('silence'));
          });
          return () => {
            stopKeys();
            untap?.();
          };
        },
        undefined,
        () => result('max'),
      );
    } finally {
      untap?.();
      await sink.close();
    }
  }

  /**
   * Collect up to `max` DTMF keys, stopping early at `terminator` (consumed,
   * not returned); resolves with what was collected when the time is up
   * (possibly nothing).
   */
  collectDtmf(opts: CollectOptions = {}): Promise<string> {
    const rule = {
      max: opts.max ?? 1,
      terminator: opts.terminator,
      firstKeyMs: opts.timeoutMs ?? 10_000,
      interKeyMs: opts.interDigitMs ?? 5000,
    };
    return this.wait<string>(
      (resolve) => this.keys.collect(rule, resolve),
      undefined,
      () => '',
    );
  }

  /** Send DTMF to the caller (RFC 4733 when negotiated, else tones; or as asked). */
  async sendDtmf(digits: string, mode: DtmfMode = 'auto'): Promise<void> {
    this.ensureLive();
    try {
      await this.call.sendDtmf(digits, mode);
    } catch (err) {
      if (this.call.end) throw this.ended();
      throw err;
    }
  }

  /** Wait until the caller has been quiet for `silenceMs` (e.g. the end of a greeting). */
  waitForSilence(opts: SilenceOptions = {}): Promise<void> {
    this.ensureLive();
    const media = this.call.media;
    if (!media || this.call.state !== 'answered') throw new CallStateError('waitForSilence() needs an answered call');
    const silenceMs = opts.silenceMs ?? 1000;
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const vad = new Vad();
    return this.wait<void>(
      (resolve) =>
        media.addTap((frame) => {
          vad.process(frame);
          if (vad.silentFor >= silenceMs * 8) resolve();
        }),
      timeoutMs,
      () => new DougTimeoutError(`no ${silenceMs} ms of silence within ${timeoutMs} ms`, 'silence', timeoutMs),
    );
  }

  /**
   * Put the caller in a conference (answering first if the call rings):
   * from now on it hears the room and is heard in it, and `play` and `say`
   * go to it alone, over the room. Resolves with its membership (mute,
   * leave, `left`); the caller leaves the room when the call ends.
   *
   * @example
   * const me = await call.joinConference(room, { name: call.from });
   * await call.say('You are muted.');   // heard by this caller only
   * me.muted = true;
   * await me.left;
   */
  async joinConference(conference: Conference, opts: JoinOptions = {}): Promise<ConferenceMember> {
    if (this.call.state === 'ringing') await this.answer();
    this.ensureLive();
    if (this.conference) throw new CallStateError('the caller is in a conference already: leave it first');
    try {
      this.member = conference.join(this.call, opts);
    } catch (err) {
      if (this.call.end) throw this.ended();
      throw err;
    }
    return this.member;
  }

  /**
   * Echo the caller: answer in echo mode (every packet, audio and RFC 4733
   * events, returned at once) and resolve when the call ends.
   */
  async echo(): Promise<void> {
    if (this.call.state === 'ringing') await this.answer({ echo: true });
    else if (this.call.media?.mode !== 'reflect')
      throw new CallStateError('echo() must answer the call itself (echo is chosen when answering)');
    await this.call.ended;
  }

  /** Hang up; resolves when the call has ended. */
  async hangup(): Promise<void> {
    await this.call.hangup();
  }
}
