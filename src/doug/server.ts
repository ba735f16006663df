/**
 * `DougServer`: the seed's event-driven voice application server. Every
 * incoming call of a `Phone` runs the voice app (an async function of a
 * `VoiceCall`) on its own; many calls run at once in one process.
 *
 * House rules, so that no app can hold a call or the server hostage:
 * - an app that returns (or throws) with its call still up has the call
 *   ended for it: hung up when answered, refused (480, or 500 after a
 *   throw) when not;
 * - an app still running after `maxCallMs` has its call hung up (its waits
 *   then reject with `CallEndedError`);
 * - an app's exception is logged, never thrown out of the server;
 * - one line is logged per call: who called, what became of it, codec,
 *   duration, packets and loss.
 */
import type { Call } from '../app/call.js';
import type { CallEnd } from '../app/call-types.js';
import { CallEndedError } from '../app/errors.js';
import type { Phone } from '../app/phone.js';
import type { TimerHandle } from '../clock/timers.js';
import { silentLogger, type Logger } from '../log/logger.js';
import type { Tts } from './tts.js';
import { VoiceCall } from './voice-call.js';

/** A voice application: what to do with one call. */
export type VoiceApp = (call: VoiceCall) => Promise<void> | void;

export interface DougServerOptions {
  readonly phone: Phone;
  readonly app: VoiceApp;
  /** The app's name in logs. */
  readonly name?: string;
  /** Longest a call may last, ms (default one hour). */
  readonly maxCallMs?: number;
  readonly tts?: Tts;
  readonly log?: Logger;
}

/** What the server has done so far. */
export interface DougStats {
  /** Calls handed to the app. */
  calls: number;
  /** Calls in progress. */
  active: number;
  /** Apps that threw (other than because the call ended). */
  appErrors: number;
  /** Calls ended because they outlived `maxCallMs`. */
  timedOut: number;
  /** Calls refused at capacity (503). */
  overloaded: number;
}

/** One line about a call that ended, for the log. */
export function describeEnd(call: Call, end: CallEnd): string {
  const id = call.callId ? ` [${call.callId.slice(0, 8)}]` : '';
  const head = `call from ${call.remote}${id}`;
  if (!end.answered) return `${head}: not answered: ${end.message}${end.status ? ` (${end.status})` : ''}`;
  const s = call.stats();
  const media = s
    ? `, ${s.received.packets} packets in (${s.received.lossPercent.toFixed(1)} % lost), ${s.sent.packets} out, ` +
      `mean jitter ${(s.rtp.received?.meanJitterMs ?? 0).toFixed(1)} ms` +
      (s.srtp ? `, SRTP ${s.srtp.suite}` : '') +
      (s.srtp && s.srtp.authFailed > 0 ? `, SRTP authentication failed: ${s.srtp.authFailed} packets` : '')
    : '';
  return `${head}: ${call.codec ?? '?'}, ${(end.durationMs / 1000).toFixed(1)} s${media}; ended: ${end.reason}`;
}

/** How one call went under its app. */
export interface ServedCall {
  readonly end: CallEnd;
  /** The app threw (other than because the call ended). */
  readonly appError: boolean;
  /** The call outlived `maxCallMs`. */
  readonly timedOut: boolean;
}

/**
 * Run `app` on one call under the house rules (above): the call ends when
 * the app returns or throws, or after `maxCallMs`; one line is logged when
 * it has ended. The same on the main thread and in a media worker.
 */
export async function serveCall(
  call: Call,
  app: VoiceApp,
  env: { readonly log: Logger; readonly maxCallMs: number; readonly tts?: Tts },
): Promise<ServedCall> {
  const log = env.log;
  const timers = call.timers;
  const vc = new VoiceCall(call, { ...(env.tts ? { tts: env.tts } : {}), log });
  const maxMs = env.maxCallMs;
  let timedOut = false;
  let timer: TimerHandle | undefined = timers.setTimer(maxMs, () => {
    timer = undefined;
    timedOut = true;
    log.warn(`call from ${call.remote}: still up after ${Math.round(maxMs / 1000)} s: ending it`);
    void call.hangup();
  });
  let threw = false;
  try {
    await app(vc);
  } catch (err) {
    if (!(err instanceof CallEndedError)) {
      threw = true;
      log.error(`the app failed on the call from ${call.remote}: ${(err as Error)?.message ?? String(err)}`);
    }
  } finally {
    if (timer !== undefined) timers.clearTimer(timer);
  }
  if (!call.end) {
    if (call.state === 'ringing') {
      try {
        call.reject(threw ? 500 : 480);
      } catch {
        void call.hangup();
      }
    } else void call.hangup();
  }
  const end = await call.ended;
  log.info(describeEnd(call, end));
  return { end, appError: threw, timedOut };
}

/**
 * @example
 * const phone = await Phone.create({ userAgent: { listen: '0.0.0.0:5060' }, capacity: 200 });
 * const server = new DougServer({ phone, app: async (call) => { await call.answer(); await call.say('hello'); } });
 * server.start();
 * // on SIGTERM:
 * await server.close();
 */
export class DougServer {
  readonly stats: DougStats = { calls: 0, active: 0, appErrors: 0, timedOut: 0, overloaded: 0 };
  private readonly log: Logger;
  private readonly running = new Set<Promise<void>>();
  private started = false;
  private closing: Promise<void> | undefined;
  private readonly onIncoming = (call: Call) => void this.track(this.handle(call));
  private readonly onOverload = () => void this.stats.overloaded++;

  constructor(private readonly opts: DougServerOptions) {
    this.log = (opts.log ?? silentLogger).child(opts.name ?? 'doug');
  }

  /** Take calls. */
  start(): this {
    if (!this.started) {
      this.started = true;
      this.opts.phone.on('incoming', this.onIncoming);
      this.opts.phone.on('overload', this.onOverload);
    }
    return this;
  }

  private track(p: Promise<void>): void {
    this.running.add(p);
    void p.finally(() => this.running.delete(p));
  }

  private async handle(call: Call): Promise<void> {
    this.stats.calls++;
    this.stats.active++;
    const r = await serveCall(call, this.opts.app, {
      log: this.log,
      maxCallMs: this.opts.maxCallMs ?? 3_600_000,
      ...(this.opts.tts ? { tts: this.opts.tts } : {}),
    });
    if (r.appError) this.stats.appErrors++;
    if (r.timedOut) this.stats.timedOut++;
    this.stats.active--;
  }

  /**
   * Let the calls in progress end by themselves (their apps run on), for at
   * most `maxMs`; resolves with how many are still up then. New calls are
   * the phone's to refuse (`Phone.drain`).
   */
  async drain(maxMs: number): Promise<number> {
    const timers = this.opts.phone.platform.timers;
    let t: TimerHandle | undefined;
    await Promise.race([Promise.all([...this.running]), new Promise<void>((r) => (t = timers.setTimer(maxMs, r)))]);
    if (t !== undefined) timers.clearTimer(t);
    return this.running.size;
  }

  /**
   * Stop taking calls, hang up those in progress, and wait for them and
   * their apps at most `graceMs` (a call whose BYE must wait for an ACK may
   * take longer: closing the phone ends it for good).
   */
  close(graceMs = 5000): Promise<void> {
    return (this.closing ??= (async () => {
      this.opts.phone.off('incoming', this.onIncoming);
      this.opts.phone.off('overload', this.onOverload);
      const hangups = Promise.all(this.opts.phone.calls.map((c) => c.hangup('shutdown')));
      const timers = this.opts.phone.platform.timers;
      let t: TimerHandle | undefined;
      await Promise.race([
        Promise.all([hangups, ...this.running]),
        new Promise<void>((r) => (t = timers.setTimer(graceMs, r))),
      ]);
      if (t !== undefined) timers.clearTimer(t);
    })());
  }
}
