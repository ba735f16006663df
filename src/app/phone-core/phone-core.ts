/**
 * The phone's application core, under every front end (`shtoom phone
 * --control`, its line mode, a terminal UI): the seed paper's "application
 * core" between the SIP/RTP layers and a pluggable UI. It owns the account
 * (registration, refreshed, retried after a failure), the list of calls with
 * short ids, the microphone and speaker shared by the calls (`AudioRouter`),
 * and turns commands into SIP and what happens into events.
 *
 * Commands are methods; none returns a promise and none rejects later:
 * what they start reports through events (`answered`, `held`, `error`…).
 * A command that cannot be done at all throws `PhoneCommandError` at once
 * (no such call, a call in the wrong state, a bad URI) — a front end turns
 * it into an `error` event.
 *
 * Phone habits: answering or dialling while another call is up holds that
 * one first (call waiting); resuming a call makes it current and holds the
 * current one; a held call (by us) gets hold music or silence; a call held
 * by the other side gets nothing from us (RFC 3264 8.4, the RTP session
 * sends nothing while the agreed direction is recvonly or inactive).
 *
 * @example
 * const core = await PhoneCore.create({ phone, input: mic, output: speaker, autoAcceptTransfer: true });
 * core.on('incoming', (e) => core.answer(e.call));
 * core.on('ended', (e) => console.log(e.call, e.reason));
 * const id = core.dial('sip:bob@example.com');
 * core.hold(id); core.resume(id); core.transfer(id, 'sip:carol@example.com');
 * await core.quit();
 */
import type { AudioSink, AudioSource } from '../../audio/device.js';
import type { TimerHandle } from '../../clock/timers.js';
import { LocalError } from '../../errors.js';
import { silentLogger, type Logger } from '../../log/logger.js';
import type { Registration } from '../../sip/api/registration.js';
import { formatNameAddr } from '../../sip/message/name-addr.js';
import { formatUri } from '../../sip/message/uri.js';
import type { Call } from '../call.js';
import type { TransferRequest } from '../call-transfer.js';
import type { CallEnd, DtmfMode } from '../call-types.js';
import { CallFailedError } from '../errors.js';
import type { Phone } from '../phone.js';
import { AudioRouter } from './audio-router.js';
import { mixerConference, type ConferenceEngine } from './conference.js';
import { dialTarget } from './dial-target.js';
import type { PhoneCallInfo, PhoneCallState, PhoneCoreEvents } from './events.js';
import { TypedEmitter } from '../../util/emitter.js';

/** A command the phone cannot do (no such call, the wrong state, a bad URI): the front end says so. */
export class PhoneCommandError extends LocalError {}

export interface PhoneCoreOptions {
  readonly phone: Phone;
  /** The microphone: a device, a file, a tone, or silence. */
  readonly input: AudioSource;
  /** The speaker: a device, a recording, or null. */
  readonly output: AudioSink;
  /** A new source of hold music for each call we hold (undefined, or none given: silence). */
  readonly holdMusic?: () => Promise<AudioSource | undefined>;
  /** Register the account at start (the phone's AOR), refreshed until `quit`. */
  readonly register?: { readonly registrar?: string; readonly expires?: number } | false;
  /** Wait this long before registering again after a failure, ms (default 30 000). */
  readonly registerRetryMs?: number;
  /** Follow the other side's transfer (REFER) without asking (default false: `acceptTransfer`). */
  readonly autoAcceptTransfer?: boolean;
  /** CANCEL a call we place when it is not answered within this time, ms (default: no limit). */
  readonly answerTimeoutMs?: number;
  /** How `dtmf` sends keys (default `auto`: RFC 4733 when the peer has it, else tones). */
  readonly dtmfMode?: DtmfMode;
  /** The conference engine (default: the seed's mixer, the four loudest at unity gain). */
  readonly engine?: () => ConferenceEngine;
  readonly log?: Logger;
}

interface Entry {
  readonly id: number;
  readonly call: Call;
  heldLocal: boolean;
  heldRemote: boolean;
  /** The other side's transfer request waiting for `acceptTransfer`/`rejectTransfer`. */
  transfer: TransferRequest | undefined;
  /** Our transfer's target (for the `transferred` event). */
  transferTarget: string | undefined;
  /** The call we placed following this call's transfer request. */
  followedBy: number | undefined;
  ended: boolean;
}

/** How many calls the list keeps at most (a peer cannot grow it without bound: the phone's capacity refuses more). */
const DEFAULT_CAPACITY = 16;

export class PhoneCore extends TypedEmitter<PhoneCoreEvents> {
  readonly phone: Phone;
  private readonly router: AudioRouter;
  private readonly entries = new Map<number, Entry>();
  private readonly byCall = new Map<Call, Entry>();
  private nextId = 1;
  private readonly log: Logger;
  private registration: Registration | undefined;
  private registerTimer: TimerHandle | undefined;
  private quitting: Promise<void> | undefined;

  private constructor(private readonly o: PhoneCoreOptions) {
    super();
    this.phone = o.phone;
    this.log = (o.log ?? silentLogger).child('phone');
    this.router = new AudioRouter({
      input: o.input,
      output: o.output,
      scheduler: o.phone.platform.scheduler,
      engine: o.engine ?? mixerConference,
      ...(o.holdMusic ? { holdMusic: o.holdMusic } : {}),
      log: this.log,
    });
    o.phone.on('incoming', (c) => this.onIncoming(c));
    o.phone.ua.on('message', (m) => {
      this.emit('message', {
        from: formatNameAddr({ ...m.from, params: [] }),
        text: m.text,
        ...(m.contentType ? { contentType: m.contentType } : {}),
      });
    });
  }

  /** Start the core: the audio router, and the registration when asked. */
  static async create(o: PhoneCoreOptions): Promise<PhoneCore> {
    const core = new PhoneCore(o);
    if (o.register) core.registerNow();
    return core;
  }

  /** Calls in the list (ended ones are removed once their `ended` event went out). */
  calls(): PhoneCallInfo[] {
    return [...this.entries.values()].map((e) => this.info(e));
  }

  /** The `Call` behind a short id (for front ends that show statistics or levels). */
  call(id: number): Call | undefined {
    return this.entries.get(id)?.call;
  }

  /** The registration, while registered. */
  get registered(): Registration | undefined {
    return this.registration;
  }

  // ---- commands -------------------------------------------------------------

  /**
   * Dial a URI, or a number or user name (through the account's domain:
   * `1234` → `sip:1234@example.com`). The current call is held first.
   * Returns the new call's id (also in the `calling` event).
   */
  dial(target: string): number {
    this.checkOpen();
    const uri = this.uriOf(target);
    this.holdCurrent();
    return this.place(uri);
  }

  /** Answer a ringing call (default: the one that rang first); the current call is held first. */
  answer(id?: number): void {
    const e = id === undefined ? this.firstRinging() : this.entry(id);
    if (!e) throw new PhoneCommandError('no call is ringing');
    if (this.stateOf(e) !== 'incoming') throw new PhoneCommandError(`call ${e.id} is not ringing (${this.stateOf(e)})`);
    if (this.router.current !== e.id) this.holdCurrent();
    this.router.current = e.id;
    const port = this.router.port(e.id);
    e.call.answer({ source: port.source, sink: port.sink }).catch((err: Error) => this.fail(e, 'answer', err));
    this.updateRinging();
  }

  /** Refuse a ringing call: 486 Busy Here by default, or another 4xx-6xx. */
  reject(id?: number, status = 486): void {
    const e = id === undefined ? this.firstRinging() : this.entry(id);
    if (!e) throw new PhoneCommandError('no call is ringing');
    if (this.stateOf(e) !== 'incoming') throw new PhoneCommandError(`call ${e.id} is not ringing (${this.stateOf(e)})`);
    if (!Number.isInteger(status) || status < 400 || status > 699)
      throw new PhoneCommandError(`reject needs a 4xx-6xx status, got ${status}`);
    e.call.reject(status);
  }

  /** Hang up (default: the current call, else the only one). BYE, CANCEL, or 603 for a ringing call. */
  hangup(id?: number): void {
    const e = id === undefined ? this.defaultCall('hang up') : this.entry(id);
    void e.call.hangup().catch(() => {});
  }

  /** Hold a call (re-INVITE with a=sendonly): it hears hold music or silence. */
  hold(id: number): void {
    const e = this.upEntry(id, 'hold');
    if (e.heldLocal) throw new PhoneCommandError(`call ${id} is already on hold`);
    this.doHold(e);
  }

  /** Take a call off hold (re-INVITE with a=sendrecv); it becomes current and the current one is held. */
  resume(id: number): void {
    const e = this.upEntry(id, 'resume');
    if (!e.heldLocal) throw new PhoneCommandError(`call ${id} is not on hold`);
    if (!this.router.conference.includes(id)) {
      this.holdCurrent(e.id);
      this.router.current = e.id;
    }
    this.doResume(e);
  }

  /** Make a call current (switch between calls): the current one is held, this one resumed if held. */
  switchTo(id: number): void {
    const e = this.upEntry(id, 'switch to');
    this.holdCurrent(e.id);
    this.router.current = e.id;
    if (e.heldLocal) this.doResume(e);
    this.changed(e);
  }

  /** Stop sending the microphone to a call (in a conference: mute the microphone in the mix). */
  mute(id: number): void {
    const e = this.upEntry(id, 'mute');
    this.router.setMuted(e.id, true);
    this.changed(e);
  }

  unmute(id: number): void {
    const e = this.upEntry(id, 'unmute');
    this.router.setMuted(e.id, false);
    this.changed(e);
  }

  /** Send DTMF keys (0-9 * # A-D): RFC 4733 when the peer has it, else tones. */
  dtmf(id: number, keys: string): void {
    const e = this.upEntry(id, 'send DTMF to');
    if (!/^[0-9*#A-Da-d]+$/.test(keys)) throw new PhoneCommandError(`not DTMF keys: ${JSON.stringify(keys)}`);
    e.call.sendDtmf(keys, this.o.dtmfMode ?? 'auto').catch((err: Error) => this.fail(e, 'DTMF', err));
  }

  /** Blind transfer (REFER): the call ends `transferred` once the other side reached `target`. */
  transfer(id: number, target: string): void {
    const e = this.upEntry(id, 'transfer');
    const uri = this.uriOf(target);
    this.startTransfer(e, uri, undefined);
  }

  /**
   * Attended transfer (REFER with Replaces, RFC 3891): `id`'s party is
   * joined to `other`'s, whose call with us it replaces. Both our calls end.
   */
  attended(id: number, other: number): void {
    const e = this.upEntry(id, 'transfer');
    const o = this.upEntry(other, 'transfer to');
    if (e === o) throw new PhoneCommandError('an attended transfer joins two different calls');
    const d = o.call.dialog;
    if (!d) throw new PhoneCommandError(`call ${other} has no dialog`);
    // The Refer-To names the target's own Contact: the INVITE with Replaces must reach that very agent.
    this.startTransfer(e, formatUri(d.remoteTarget), o);
  }

  /** Follow the other side's transfer request of a call: the new call's id (also in `calling`). */
  acceptTransfer(id?: number): number {
    const e = id === undefined ? [...this.entries.values()].find((x) => x.transfer) : this.entry(id);
    const t = e?.transfer;
    if (!e || !t)
      throw new PhoneCommandError(
        id === undefined ? 'no transfer request is waiting' : `call ${id} has no transfer request`,
      );
    return this.follow(e, t);
  }

  /** Decline the other side's transfer request (603). */
  rejectTransfer(id?: number): void {
    const e = id === undefined ? [...this.entries.values()].find((x) => x.transfer) : this.entry(id);
    const t = e?.transfer;
    if (!e || !t)
      throw new PhoneCommandError(
        id === undefined ? 'no transfer request is waiting' : `call ${id} has no transfer request`,
      );
    e.transfer = undefined;
    t.reject(603);
  }

  /**
   * Join every call that is up (held ones are resumed) into one mix with
   * the microphone and the speaker: each party hears the others and us.
   */
  conference(): void {
    const up = [...this.entries.values()].filter((e) => this.isUp(e));
    if (up.length < 2)
      throw new PhoneCommandError(
        `a conference needs two calls that are up (there ${up.length === 1 ? 'is 1' : `are ${up.length}`})`,
      );
    for (const e of up) if (e.heldLocal) this.doResume(e);
    this.router.join(up.map((e) => e.id));
    this.router.current = undefined;
    this.announceConference();
    for (const e of up) this.changed(e);
  }

  /** Send a SIP MESSAGE (RFC 3428) to a URI, number or user; an `error` event when it is refused. */
  message(target: string, text: string): void {
    this.checkOpen();
    const uri = this.uriOf(target);
    this.phone.ua.message(uri, text).then(
      (res) => {
        if (res.status >= 300) this.emit('error', { message: `MESSAGE to ${uri}: ${res.status} ${res.reason}` });
      },
      (err: Error) => {
        if (!this.quitting) this.emit('error', { message: err.message });
      },
    );
  }

  /**
   * End every call with BYE (CANCEL, 503 for ringing ones), unregister,
   * close the microphone and the speaker. Resolves when all is done.
   */
  quit(): Promise<void> {
    return (this.quitting ??= this.doQuit());
  }

  private async doQuit(): Promise<void> {
    if (this.registerTimer !== undefined) this.phone.platform.timers.clearTimer(this.registerTimer);
    this.registerTimer = undefined;
    const aor = this.registration?.aor;
    // Phone.close ends the calls (bounded by Timer H), unregisters and closes the user agent.
    await this.phone.close();
    if (aor) this.emit('unregistered', { aor });
    await this.router.close();
  }

  /** A dialled string as a URI (numbers through the account's domain); a bad one is a command error. */
  private uriOf(target: string): string {
    const aor = this.phone.ua.core.config.aor;
    try {
      return dialTarget(target, aor ? formatUri(aor) : undefined);
    } catch (err) {
      throw new PhoneCommandError((err as Error).message);
    }
  }

  // ---- registration ---------------------------------------------------------

  private registerNow(): void {
    const r = this.o.register;
    if (!r || this.quitting) return;
    this.registerTimer = undefined;
    this.phone
      .register({ ...(r.registrar ? { registrar: r.registrar } : {}), ...(r.expires ? { expires: r.expires } : {}) })
      .then(
        (reg) => {
          if (this.quitting) return;
          this.registration = reg;
          this.emit('registered', { aor: reg.aor, registrar: reg.registrar, expires: reg.expires });
          reg.on('refreshed', (expires) =>
            this.emit('registered', { aor: reg.aor, registrar: reg.registrar, expires }),
          );
          reg.on('failed', (err) => this.registrationFailed(err));
        },
        (err: Error) => {
          this.registrationFailed(err);
          if (this.quitting) return;
          this.registerTimer = this.phone.platform.timers.setTimer(this.o.registerRetryMs ?? 30_000, () =>
            this.registerNow(),
          );
        },
      );
  }

  private registrationFailed(err: Error & { status?: number }): void {
    if (this.quitting) return;
    this.emit('registration-failed', { ...(err.status ? { status: err.status } : {}), message: err.message });
  }

  // ---- calls ------------------------------------------------------------------

  private checkOpen(): void {
    if (this.quitting) throw new PhoneCommandError('the phone is quitting');
  }

  private entry(id: number): Entry {
    const e = this.entries.get(id);
    if (!e) throw new PhoneCommandError(`no call ${id}`);
    return e;
  }

  private upEntry(id: number, what: string): Entry {
    const e = this.entry(id);
    if (!this.isUp(e)) throw new PhoneCommandError(`cannot ${what} call ${id}: it is ${this.stateOf(e)}`);
    return e;
  }

  private isUp(e: Entry): boolean {
    return !e.ended && e.call.state === 'answered';
  }

  private firstRinging(): Entry | undefined {
    return [...this.entries.values()].find((e) => this.stateOf(e) === 'incoming');
  }

  private defaultCall(what: string): Entry {
    const cur = this.router.current;
    if (cur !== undefined && this.entries.has(cur)) return this.entries.get(cur)!;
    const live = [...this.entries.values()].filter((e) => !e.ended);
    if (live.length === 1) return live[0]!;
    throw new PhoneCommandError(
      live.length === 0 ? `no call to ${what}` : `which call? ${live.map((e) => e.id).join(', ')} (name one)`,
    );
  }

  private stateOf(e: Entry): PhoneCallState {
    const c = e.call;
    if (e.ended || c.state === 'ended') return 'ended';
    if (c.state === 'calling') return 'calling';
    if (c.state === 'ringing') return c.direction === 'incoming' ? 'incoming' : 'ringing';
    if (c.transferring) return 'transferring';
    return e.heldLocal || e.heldRemote ? 'held' : 'answered';
  }

  private info(e: Entry): PhoneCallInfo {
    const s = e.call.stats();
    return {
      call: e.id,
      direction: e.call.direction,
      peer: e.call.remote,
      state: this.stateOf(e),
      heldBy: [...(e.heldLocal ? (['local'] as const) : []), ...(e.heldRemote ? (['remote'] as const) : [])],
      muted: this.router.isMuted(e.id),
      current: this.router.current === e.id,
      conference: this.router.conference.includes(e.id),
      ...(e.call.codec ? { codec: e.call.codec } : {}),
      durationMs: s?.durationMs ?? 0,
      ...(s
        ? {
            lossPercent: Math.round(s.received.lossPercent * 100) / 100,
            packets: { sent: s.sent.packets, received: s.received.packets },
          }
        : {}),
    };
  }

  private changed(e: Entry): void {
    this.emit('update', this.info(e));
  }

  /** Hold the current call (not `except`), as a phone does before another call takes the microphone. */
  private holdCurrent(except?: number): void {
    const cur = this.router.current;
    if (cur === undefined || cur === except) return;
    const e = this.entries.get(cur);
    this.router.current = undefined;
    if (e && this.isUp(e) && !e.heldLocal) this.doHold(e);
  }

  private doHold(e: Entry): void {
    e.heldLocal = true;
    if (this.router.current === e.id) this.router.current = undefined;
    this.router.leave(e.id);
    this.announceConference();
    this.router.setHeld(e.id, true);
    this.changed(e);
    e.call.hold().catch((err: Error) => {
      e.heldLocal = false;
      this.router.setHeld(e.id, false);
      this.fail(e, 'hold', err);
    });
  }

  private doResume(e: Entry): void {
    e.heldLocal = false;
    this.router.setHeld(e.id, false);
    this.changed(e);
    e.call.resume().catch((err: Error) => this.fail(e, 'resume', err));
  }

  private startTransfer(e: Entry, target: string, other: Entry | undefined): void {
    e.transferTarget = target;
    this.changed(e);
    e.call.transfer(target, other ? { replaces: other.call } : {}).then(
      () => {
        // After an attended transfer the target ends our call with it (it was replaced); if it does not
        // (a target without Replaces), we do.
        if (other && !other.ended) void other.call.hangup('transferred').catch(() => {});
      },
      (err: Error) => this.fail(e, 'transfer', err),
    );
  }

  private place(uri: string, opts: { readonly headers?: readonly (readonly [string, string])[] } = {}): number {
    const id = this.nextId++;
    let call: Call;
    const port = this.router.port(id);
    try {
      call = this.phone.call(uri, {
        source: port.source,
        sink: port.sink,
        ...(opts.headers ? { headers: opts.headers } : {}),
        ...(this.o.answerTimeoutMs !== undefined ? { answerTimeoutMs: this.o.answerTimeoutMs } : {}),
      });
    } catch (err) {
      void port.source.close();
      void port.sink.close();
      throw new PhoneCommandError((err as Error).message);
    }
    this.router.current = id;
    this.add(id, call);
    this.emit('calling', { call: id, to: uri });
    return id;
  }

  private onIncoming(call: Call): void {
    if (this.quitting) {
      call.reject(503);
      return;
    }
    if (this.entries.size >= DEFAULT_CAPACITY) {
      call.reject(486);
      return;
    }
    const id = this.nextId++;
    const e = this.add(id, call);
    const replaced = call.replaces ? this.byCall.get(call.replaces) : undefined;
    this.emit('incoming', {
      call: id,
      from: call.remote,
      to: call.local,
      ...(replaced ? { replaces: replaced.id } : {}),
    });
    if (replaced) {
      // RFC 3891: the other side already agreed to talk to us; the new call takes the old one's place at once.
      const inConference = this.router.conference.includes(replaced.id);
      const port = this.router.port(id);
      if (this.router.current === replaced.id) this.router.current = id;
      if (inConference) this.router.join([id]);
      call.answer({ source: port.source, sink: port.sink }).catch((err: Error) => this.fail(e, 'answer', err));
      return;
    }
    call.ring();
    this.updateRinging();
  }

  private add(id: number, call: Call): Entry {
    const e: Entry = {
      id,
      call,
      heldLocal: false,
      heldRemote: false,
      transfer: undefined,
      transferTarget: undefined,
      followedBy: undefined,
      ended: false,
    };
    this.entries.set(id, e);
    this.byCall.set(call, e);
    call.on('ringing', (status) => {
      this.emit('ringing', { call: id, status });
      this.changed(e);
    });
    call.on('answered', (a) => {
      this.emit('answered', { call: id, codec: a.codec });
      this.updateRinging();
      this.changed(e);
    });
    call.on('hold', (h) => {
      if (h.by === 'remote') e.heldRemote = h.held;
      this.emit(h.held ? 'held' : 'resumed', { call: id, by: h.by });
      this.changed(e);
    });
    call.on('dtmf', (d) => this.emit('dtmf', { call: id, digit: d.digit, how: d.how }));
    call.on('transfer-requested', (t) => this.onTransferRequest(e, t));
    call.on('answered', () => call.dialog?.on('message', (m) => this.inDialogMessage(e, m.text, m.contentType)));
    call.on('ended', (end) => this.onEnded(e, end));
    return e;
  }

  private inDialogMessage(e: Entry, text: string, contentType: string | undefined): void {
    this.emit('message', { from: e.call.remote, text, ...(contentType ? { contentType } : {}), call: e.id });
  }

  private onTransferRequest(e: Entry, t: TransferRequest): void {
    this.emit('transfer-requested', { call: e.id, target: t.target, attended: t.attended });
    if (this.o.autoAcceptTransfer) {
      try {
        this.follow(e, t);
      } catch (err) {
        this.fail(e, 'follow the transfer', err as Error);
      }
      return;
    }
    // Waits for acceptTransfer or rejectTransfer (the call declines it after 30 s).
    e.transfer = t;
  }

  /** Follow a transfer request: the new call gets the microphone (and a conference place) of the old one. */
  private follow(e: Entry, t: TransferRequest): number {
    e.transfer = undefined;
    const id = this.nextId++;
    const port = this.router.port(id);
    let next: Call;
    try {
      next = t.accept({ source: port.source, sink: port.sink });
    } catch (err) {
      void port.source.close();
      void port.sink.close();
      throw err;
    }
    e.followedBy = id;
    if (this.router.current === e.id || this.router.current === undefined) this.router.current = id;
    if (this.router.conference.includes(e.id)) this.router.join([id]);
    this.add(id, next);
    this.emit('calling', { call: id, to: t.target });
    return id;
  }

  private onEnded(e: Entry, end: CallEnd): void {
    e.ended = true;
    if (end.reason === 'transferred')
      this.emit('transferred', {
        call: e.id,
        ...(e.transferTarget ? { target: e.transferTarget } : {}),
        ...(e.followedBy !== undefined ? { to: e.followedBy } : {}),
      });
    this.emit('ended', {
      call: e.id,
      reason: end.reason,
      ...(end.status !== undefined ? { status: end.status } : {}),
      message: end.message,
    });
    this.changed(e);
    this.entries.delete(e.id);
    this.byCall.delete(e.call);
    this.router.leave(e.id);
    this.announceConference();
    this.updateRinging();
  }

  /** The `conference` event, when the calls in it changed (joined, left, or it is over: none). */
  private announceConference(): void {
    const now = this.router.conference;
    const last = this.lastConference;
    if (now.length === last.length && now.every((id, i) => last[i] === id)) return;
    this.lastConference = [...now];
    this.emit('conference', { calls: [...now] });
  }
  private lastConference: readonly number[] = [];

  private updateRinging(): void {
    this.router.ringing = [...this.entries.values()].some((x) => this.stateOf(x) === 'incoming');
  }

  private fail(e: Entry, what: string, err: Error): void {
    if (err instanceof CallFailedError && e.ended) return; // the `ended` event says it
    if (e.ended && what !== 'transfer') return;
    this.emit('error', { call: e.id, message: `${what}: ${err.message}` });
  }
}
