/**
 * The voicemail server as a doug app (`shtoom serve voicemail`), the
 * seed's voicemail: a caller reaches a mailbox (the Request-URI's user,
 * or whose call a PBX forwarded: `addressing.ts`), hears its greeting, a
 * beep, and leaves a message; the owner calls the voicemail's own user
 * (`sip:voicemail@host`), logs in with mailbox and PIN (or by digest),
 * and hears, saves and deletes messages, calls their callers back (`7`,
 * REFER), records greetings and changes the PIN. Subscribers
 * to a mailbox's `message-summary` (RFC 3842) get a NOTIFY on every change,
 * and so does the mailbox's `notify` URI (unsolicited).
 *
 * Leaving a message:
 * - an unknown mailbox: answered, "The mailbox you called does not exist.
 *   Goodbye.", hung up (nothing recorded);
 * - the greeting: the owner's recording, else the owner's recorded name
 *   (or "The person at extension 100") and "is not available…"; `*` skips
 *   it, `0` transfers the caller to the operator (REFER) when there is one;
 * - a beep, then recording until the caller hangs up, presses a key (`#`),
 *   is silent for `silenceMs`, or reaches `maxSeconds`;
 * - under `minSpeechMs` (1 s) of sound, the message is discarded; else it
 *   is filed in INBOX (`store.ts`: crash-safe, numbering dense).
 */
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { ChimeSource } from '../../audio/conference/cues.js';
import { readWavFile } from '../../audio/formats/wav.js';
import { CallEndedError } from '../../app/errors.js';
import type { VoiceApp } from '../../doug/server.js';
import type { VoiceCall } from '../../doug/voice-call.js';
import { silentLogger, type Logger } from '../../log/logger.js';
import type { IncomingSubscription } from '../../sip/api/subscription.js';
import { authenticatedUser } from '../../sip/access/access-control.js';
import type { UserAgent } from '../../sip/api/user-agent.js';
import { addressed, callbackTarget } from './addressing.js';
import { summaryBody } from './message-summary.js';
import { PROMPTS, countsPrompt, envelopePrompt, whoPrompt } from './prompts.js';
import { speechSamples, type EndReason, type StoredMessage, type VoicemailStore } from './store.js';

/** One mailbox (from the mailboxes file). */
export interface Mailbox {
  readonly number: string;
  /** The PIN of the owner's menu (the one the owner set from the phone wins). */
  readonly pin?: string;
  readonly name?: string;
  readonly email?: string;
  /**
   * The owner's digest user name (`serve --auth`): a caller authenticated as
   * this user who calls the main URI reaches the menu without mailbox and PIN.
   * Without it, a user named as the mailbox's number is its owner.
   */
  readonly user?: string;
  /** Where an unsolicited message-summary NOTIFY goes on every change (a `sip:`/`sips:` URI: the owner's phone). */
  readonly notify?: string;
}

export interface VoicemailServiceOptions {
  readonly store: VoicemailStore;
  readonly mailboxes: ReadonlyMap<string, Mailbox>;
  /** Speaks every prompt. */
  readonly tts: { render(text: string): Promise<Int16Array> };
  /** Silence that ends a message, ms (default 5000). */
  readonly silenceMs?: number;
  /** The longest message, seconds (default 180). */
  readonly maxSeconds?: number;
  /** Less sound than this and the message is discarded, ms (default 1000). */
  readonly minSpeechMs?: number;
  /** Where `0` during the greeting transfers the caller (REFER); none: `0` skips the greeting. */
  readonly operator?: string;
  /** The user of the owners' number (default `voicemail`). */
  readonly mainUser?: string;
  /** Tries at mailbox and PIN (default 3). */
  readonly loginTries?: number;
  /**
   * The user a call's INVITE was authenticated as by digest (`serve --auth`);
   * default: what the SIP stack's access control verified.
   */
  readonly authenticatedUser?: (call: VoiceCall) => string | undefined;
  /** Called once a message is filed (e-mail, `--on-message`…). */
  readonly onMessage?: (msg: StoredMessage) => void;
  /**
   * Called on every change of a mailbox (a message filed, saved, deleted):
   * a media worker tells the main thread, whose service holds the
   * subscriptions (`changed`).
   */
  readonly onChanged?: (mailbox: string) => void;
  readonly log?: Logger;
  /** Wall-clock time, ms (message times; default `Date.now`). */
  readonly now?: () => number;
}

/** A beep before recording: 1000 Hz, 300 ms. */
const BEEP = [{ hz: 1000, ms: 300 }];
/** The pause between the parts of the owner's menu (ivr-demo pauses as long between its prompts). */
const PAUSE_MS = 800;
/** What a PIN may be (keys the owner can type; `#` ends it). */
const PIN = /^[0-9*]{1,16}$/;

/**
 * @example
 * const service = new VoicemailService({ store: new VoicemailStore('/var/spool/vm'), mailboxes, tts });
 * service.listen(phone.ua);                       // message-summary subscriptions
 * new DougServer({ phone, app: service.app, name: 'voicemail' }).start();
 */
export class VoicemailService {
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly subs = new Map<string, Set<IncomingSubscription>>();
  private ua: UserAgent | undefined;
  private readonly onSub = (s: IncomingSubscription) => this.onSubscribe(s);
  /** Unsolicited NOTIFYs in flight, by mailbox: 'again' when the mailbox changed meanwhile. */
  private readonly pushing = new Map<string, 'busy' | 'again'>();
  private closed = false;

  constructor(private readonly opts: VoicemailServiceOptions) {
    this.log = (opts.log ?? silentLogger).child('voicemail');
    this.now = opts.now ?? Date.now;
  }

  /** The voice app: one run per incoming call. */
  readonly app: VoiceApp = (call) => this.serve(call);

  private async serve(call: VoiceCall): Promise<void> {
    const to = addressed(call.requestUri, {
      diversion: call.header('diversion'),
      historyInfo: call.header('history-info'),
    });
    const main = this.opts.mainUser ?? 'voicemail';
    call.ring();
    await call.answer();
    // A moment for the caller's media to start, so the first prompt is heard whole.
    await call.play('silence', { timeoutMs: 300 });
    if (to.by === 'request-uri' && to.user === main) return this.menu(call);
    const box = to.user !== undefined ? this.opts.mailboxes.get(to.user) : undefined;
    if (!box) {
      this.log.info(`${call.from}: no mailbox ${JSON.stringify(to.user ?? '')} (by ${to.by}): told so`);
      await call.say(PROMPTS.noMailbox);
      await call.hangup();
      return;
    }
    await this.leaveMessage(call, box, to.by === 'request-uri' ? (call.requestUri ?? box.number) : to.user!);
  }

  private async say(call: VoiceCall, text: string, stopOnDtmf = false): Promise<boolean> {
    return (await call.say(text, { stopOnDtmf })).reason === 'dtmf';
  }

  /**
   * The pause between the parts of the menu (the counts, an envelope, the
   * message, the choices), as on a real IVR: each can be told apart, by a
   * listener and by a test's `listen`; a key cuts it (true).
   */
  private async pause(call: VoiceCall): Promise<boolean> {
    return (await call.play('silence', { timeoutMs: PAUSE_MS, stopOnDtmf: true })).reason === 'dtmf';
  }

  /** One part of the menu, then the pause after it; true when a key cut either short. */
  private async part(call: VoiceCall, text: string): Promise<boolean> {
    return (await this.say(call, text, true)) || (await this.pause(call));
  }

  /** The greeting; returns the key that cut it short ('' when none). */
  private async greet(call: VoiceCall, box: Mailbox): Promise<string> {
    const greeting = this.opts.store.greeting(box.number);
    const name = this.opts.store.nameFile(box.number);
    let cut: boolean;
    if (existsSync(greeting)) cut = (await call.play(greeting, { stopOnDtmf: true })).reason === 'dtmf';
    else {
      cut = existsSync(name) && (await call.play(name, { stopOnDtmf: true })).reason === 'dtmf';
      if (!cut) {
        const who = existsSync(name) ? '' : `${whoPrompt(box.number, box.name)} `;
        cut = await this.say(call, `${who}${PROMPTS.unavailable}`, true);
      }
    }
    return cut ? await call.collectDtmf({ max: 1, timeoutMs: 1 }) : '';
  }

  private async leaveMessage(call: VoiceCall, box: Mailbox, called: string): Promise<void> {
    const key = await this.greet(call, box);
    if (key === '0' && this.opts.operator) {
      this.log.info(`${box.number}: ${call.from} pressed 0: transferring to ${this.opts.operator}`);
      await call.say(PROMPTS.transferring);
      try {
        await call.transfer(this.opts.operator);
        return;
      } catch (err) {
        if (err instanceof CallEndedError) throw err;
        this.log.warn(`${box.number}: transfer to ${this.opts.operator} failed: ${(err as Error).message}`);
        await call.say(PROMPTS.transferFailed);
      }
    }
    await call.play(new ChimeSource(BEEP));
    const store = this.opts.store;
    const rec = store.begin(
      box.number,
      { caller: call.from, called, codec: call.call.codec ?? 'unknown' },
      new Date(this.now()),
    );
    this.log.info(`${box.number}: recording a message from ${call.from} to ${rec.wav}`);
    let reason: EndReason = 'hangup';
    try {
      const r = await call.record(rec.wav, {
        maxSeconds: this.opts.maxSeconds ?? 180,
        stopOnDtmf: true,
        stopOnSilence: this.opts.silenceMs ?? 5000,
      });
      reason = r.reason;
    } catch (err) {
      if (!(err instanceof CallEndedError)) {
        store.finish(rec, 'interrupted', this.opts.minSpeechMs ?? 1000);
        throw err;
      }
    }
    const msg = store.finish(rec, reason, this.opts.minSpeechMs ?? 1000);
    if (msg) {
      this.log.info(
        `${box.number}: message ${msg.index} from ${call.from}: ${msg.meta.duration} s, ended by ${reason}` +
          ` (${msg.wav})`,
      );
      this.changed(box.number);
      try {
        this.opts.onMessage?.(msg);
      } catch (err) {
        this.log.error(`${box.number}: after message ${msg.index}: ${(err as Error).message}`);
      }
    } else this.log.info(`${box.number}: message from ${call.from} discarded: under 1 s of sound (${reason})`);
    if (reason === 'hangup' || call.signal.aborted) return;
    await call.say(msg ? PROMPTS.saved : PROMPTS.tooShort);
    await call.hangup();
  }

  /** The PIN in force: the one the owner set, else the mailboxes file's. */
  private pinOf(box: Mailbox): string | undefined {
    return this.opts.store.pin(box.number) ?? box.pin;
  }

  /** Mailbox and PIN (`loginTries` tries); undefined when refused (the call is hung up). */
  private async login(call: VoiceCall): Promise<Mailbox | undefined> {
    const tries = this.opts.loginTries ?? 3;
    for (let t = 1; t <= tries; t++) {
      await this.say(call, PROMPTS.mailbox, true);
      const number = await call.collectDtmf({ max: 16, terminator: '#', timeoutMs: 10_000, interDigitMs: 5000 });
      await this.say(call, PROMPTS.pin, true);
      const pin = await call.collectDtmf({ max: 16, terminator: '#', timeoutMs: 10_000, interDigitMs: 5000 });
      const box = this.opts.mailboxes.get(number);
      const want = box ? this.pinOf(box) : undefined;
      if (box && want !== undefined && pin === want) {
        this.log.info(`${box.number}: owner logged in from ${call.from}`);
        return box;
      }
      await this.say(call, PROMPTS.wrongLogin);
    }
    this.log.info(`${call.from}: refused at the owners' menu: wrong mailbox or PIN ${tries} times`);
    await call.say(PROMPTS.goodbye);
    await call.hangup();
    return undefined;
  }

  /** The mailbox whose owner `user` (a digest user name) is: its `user`, else the mailbox named `user` without one. */
  ownedBy(user: string): Mailbox | undefined {
    for (const b of this.opts.mailboxes.values()) if (b.user === user) return b;
    const b = this.opts.mailboxes.get(user);
    return b && b.user === undefined ? b : undefined;
  }

  /** The owner's mailbox when the call was authenticated by digest as its owner. */
  private byDigest(call: VoiceCall): Mailbox | undefined {
    const fromStack = (c: VoiceCall) => (c.call.request ? authenticatedUser(c.call.request) : undefined);
    const user = (this.opts.authenticatedUser ?? fromStack)(call);
    if (user === undefined) return undefined;
    const box = this.ownedBy(user);
    if (box) this.log.info(`${box.number}: owner logged in from ${call.from}, authenticated as ${user}`);
    return box;
  }

  /** The owner's menu. */
  private async menu(call: VoiceCall): Promise<void> {
    // The issue: "or the owner's own URI when already authenticated by digest".
    const box = this.byDigest(call) ?? (await this.login(call));
    if (!box) return;
    const store = this.opts.store;
    const mb = box.number;
    // This session's messages, new then old, by id (a message keeps its id when renumbered or saved).
    const list = [...store.list(mb, 'INBOX'), ...store.list(mb, 'Old')].map((m) => m.meta.id);
    const counts = store.counts(mb);
    await this.part(call, countsPrompt(counts.new, counts.old));
    let at = 0;
    let play = list.length > 0;
    let idle = 0;
    for (;;) {
      const id = list[at];
      const msg = id !== undefined ? store.find(mb, id) : undefined;
      if (id !== undefined && !msg) {
        // Gone meanwhile (another session of the owner deleted it).
        list.splice(at, 1);
        if (at >= list.length) at = Math.max(0, list.length - 1);
        continue;
      }
      if (play && msg) {
        const n = store.list(mb, msg.folder).findIndex((m) => m.meta.id === msg.meta.id) + 1;
        const envelope = envelopePrompt(n, msg.folder, msg.meta.caller, new Date(msg.meta.time));
        if (!(await this.part(call, envelope))) {
          if ((await call.play(msg.wav, { stopOnDtmf: true })).reason !== 'dtmf') await this.pause(call);
        }
      }
      play = false;
      if (call.pendingDigits === '') await this.say(call, msg ? PROMPTS.afterMessage : PROMPTS.noMessagesMenu, true);
      const key = await call.collectDtmf({ max: 1, timeoutMs: 10_000 });
      if (key === '') {
        if (++idle >= 3) break;
        continue;
      }
      idle = 0;
      if (key === '0') {
        await this.options(call, box);
        continue;
      }
      if (!msg) continue;
      switch (key) {
        case '1':
          play = true;
          break;
        case '2':
          store.save(msg);
          this.changed(mb);
          await this.part(call, PROMPTS.saved2);
          play = await this.next(call, mb, list, ++at);
          break;
        case '3':
          store.delete(msg);
          this.log.info(`${mb}: the owner deleted a message from ${msg.meta.caller}`);
          this.changed(mb);
          await this.part(call, PROMPTS.deleted);
          list.splice(at, 1);
          play = await this.next(call, mb, list, at);
          break;
        case '4':
          if (at === 0) await this.part(call, PROMPTS.first);
          else {
            at--;
            play = true;
          }
          break;
        case '6':
          if (at + 1 >= list.length) await this.part(call, PROMPTS.last);
          else {
            at++;
            play = true;
          }
          break;
        case '7':
          // The issue: "7 call back if possible". Transferred: the owner's phone calls the caller, the menu ends.
          if (await this.callBack(call, mb, msg)) return;
          break;
        default:
          break;
      }
      if (at >= list.length) at = Math.max(0, list.length - 1);
    }
    await call.say(PROMPTS.goodbye);
    await call.hangup();
  }

  /**
   * `7`: transfer the owner's call (REFER) to the message's caller; false
   * when there is no callable URI or the transfer failed (said so: the
   * owner stays in the menu).
   */
  private async callBack(call: VoiceCall, mb: string, msg: StoredMessage): Promise<boolean> {
    const target = callbackTarget(msg.meta.caller);
    if (!target) {
      this.log.info(`${mb}: no call back to ${msg.meta.caller}: not a callable URI`);
      await this.say(call, PROMPTS.noCallback, true);
      return false;
    }
    this.log.info(`${mb}: the owner calls back ${target}`);
    await call.say(PROMPTS.callingBack);
    try {
      await call.transfer(target);
      return true;
    } catch (err) {
      if (err instanceof CallEndedError) throw err;
      this.log.warn(`${mb}: call back to ${target} failed: ${(err as Error).message}`);
      await this.say(call, PROMPTS.callbackFailed, true);
      return false;
    }
  }

  /** After a save or delete: play the message now at `at` (true), or say what is left. */
  private async next(call: VoiceCall, mailbox: string, list: readonly string[], at: number): Promise<boolean> {
    if (at < list.length) return true;
    const c = this.opts.store.counts(mailbox);
    await this.part(call, c.new + c.old === 0 ? countsPrompt(0, 0) : PROMPTS.last);
    return false;
  }

  /** Mailbox options: greeting, name, PIN. */
  private async options(call: VoiceCall, box: Mailbox): Promise<void> {
    for (let idle = 0; idle < 3; ) {
      await this.say(call, PROMPTS.options, true);
      const key = await call.collectDtmf({ max: 1, timeoutMs: 10_000 });
      if (key === '') {
        idle++;
        continue;
      }
      idle = 0;
      if (key === '*') return;
      if (key === '1') await this.recordPrompt(call, PROMPTS.recordGreeting, this.opts.store.greeting(box.number));
      else if (key === '3') await this.recordPrompt(call, PROMPTS.recordName, this.opts.store.nameFile(box.number));
      else if (key === '5') await this.changePin(call, box);
    }
  }

  /** Record a greeting or a name into `file` (replaced only when something was said). */
  private async recordPrompt(call: VoiceCall, prompt: string, file: string): Promise<void> {
    await this.say(call, prompt);
    await call.play(new ChimeSource(BEEP));
    mkdirSync(dirname(file), { recursive: true });
    // Beside its place, then renamed over it: a caller never hears half a greeting.
    const tmp = `${file}.${process.pid}.rec.wav`;
    try {
      await call.record(tmp, { maxSeconds: 60, stopOnDtmf: true, stopOnSilence: this.opts.silenceMs ?? 5000 });
      if (speechSamples(readWavFile(tmp).samples) < 4000) {
        await this.say(call, PROMPTS.nothingRecorded);
        return;
      }
      renameSync(tmp, file);
      this.log.info(`recorded ${file}`);
      await this.say(call, PROMPTS.recorded);
    } finally {
      rmSync(tmp, { force: true });
    }
  }

  private async changePin(call: VoiceCall, box: Mailbox): Promise<void> {
    await this.say(call, PROMPTS.newPin, true);
    const a = await call.collectDtmf({ max: 17, terminator: '#', timeoutMs: 10_000, interDigitMs: 5000 });
    if (!PIN.test(a)) return void (await this.say(call, PROMPTS.pinInvalid));
    await this.say(call, PROMPTS.newPinAgain, true);
    const b = await call.collectDtmf({ max: 17, terminator: '#', timeoutMs: 10_000, interDigitMs: 5000 });
    if (a !== b) return void (await this.say(call, PROMPTS.pinsDiffer));
    this.opts.store.setPin(box.number, a);
    this.log.info(`${box.number}: the owner changed the PIN`);
    await this.say(call, PROMPTS.pinChanged);
  }

  // ---- Message waiting indication (RFC 3842) ----

  /**
   * Take `message-summary` subscriptions on `ua`: `sip:<mailbox>@host` gets
   * 200 and a NOTIFY with its counts now and on every change; an unknown
   * mailbox 404.
   */
  listen(ua: UserAgent): void {
    this.ua = ua;
    ua.on('subscribe', this.onSub);
    // The configured phones learn the state now (after a restart too), then on every change.
    for (const b of this.opts.mailboxes.values()) if (b.notify) this.push(b.number);
  }

  private onSubscribe(s: IncomingSubscription): void {
    if (s.event !== 'message-summary') return s.reject(489, 'Bad Event');
    const uri = s.request.uri;
    const user = uri.kind === 'sip' && uri.user !== undefined ? safeDecode(uri.user) : undefined;
    const box = user !== undefined ? this.opts.mailboxes.get(user) : undefined;
    if (!box) {
      this.log.info(`message-summary for ${s.request.rawUri} from ${formatFrom(s)}: no such mailbox (404)`);
      return s.reject(404, 'No Such Mailbox');
    }
    let set = this.subs.get(box.number);
    if (!set) this.subs.set(box.number, (set = new Set()));
    set.add(s);
    void s.terminated.then(() => set.delete(s));
    s.accept({ body: this.summary(box.number, s.request.rawUri), contentType: 'application/simple-message-summary' });
    this.log.info(`${box.number}: message-summary subscription from ${formatFrom(s)}`);
  }

  private summary(mailbox: string, account: string): string {
    const c = this.opts.store.counts(mailbox);
    return summaryBody({ waiting: c.new > 0, account, voice: { new: c.new, old: c.old } });
  }

  /** A mailbox changed: every subscriber hears it, and the mailbox's `notify` URI. */
  changed(mailbox: string): void {
    this.opts.onChanged?.(mailbox);
    for (const s of this.subs.get(mailbox) ?? []) {
      if (s.state === 'terminated') continue;
      s.notify(this.summary(mailbox, s.request.rawUri)).catch((err: Error) =>
        this.log.warn(`${mailbox}: NOTIFY to ${formatFrom(s)}: ${err.message}`),
      );
    }
    this.push(mailbox);
  }

  /**
   * An unsolicited NOTIFY (outside any subscription, as phones configured
   * for it expect) of the mailbox's state to its `notify` URI. One at a
   * time per mailbox: a change while one is in flight sends the state once
   * more when it is done (never a queue). A failure is logged; the next
   * change tries again.
   */
  private push(mailbox: string): void {
    const box = this.opts.mailboxes.get(mailbox);
    const ua = this.ua;
    if (!box?.notify || !ua || this.closed) return;
    if (this.pushing.has(mailbox)) {
      this.pushing.set(mailbox, 'again');
      return;
    }
    this.pushing.set(mailbox, 'busy');
    const target = box.notify;
    const body = this.summary(mailbox, target);
    ua.request('NOTIFY', target, {
      // RFC 3265 3.2.2: "NOTIFY requests MUST contain a "Subscription-State" header with a value of
      // "active", "pending", or "terminated"". There is no subscription: "active", as such phones expect.
      headers: [
        ['Event', 'message-summary'],
        ['Subscription-State', 'active'],
      ],
      body,
      contentType: 'application/simple-message-summary',
    })
      .then(
        (res) => {
          if (res.status >= 300) this.log.warn(`${mailbox}: NOTIFY to ${target}: ${res.status} ${res.reason}`);
          else this.log.debug(`${mailbox}: NOTIFY to ${target}: ${res.status}`);
        },
        (err: Error) => this.log.warn(`${mailbox}: NOTIFY to ${target}: ${err.message}`),
      )
      .finally(() => {
        const again = this.pushing.get(mailbox) === 'again';
        this.pushing.delete(mailbox);
        if (again) this.push(mailbox);
      });
  }

  /** Subscriptions to a mailbox now. */
  subscribers(mailbox: string): number {
    return this.subs.get(mailbox)?.size ?? 0;
  }

  /** End the subscriptions (a last NOTIFY each). */
  async close(): Promise<void> {
    this.closed = true;
    this.ua?.off('subscribe', this.onSub);
    const all = [...this.subs.values()].flatMap((s) => [...s]);
    this.subs.clear();
    await Promise.all(all.map((s) => s.terminate('noresource').catch(() => undefined)));
  }
}

function safeDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

function formatFrom(s: IncomingSubscription): string {
  const u = s.from.uri;
  return u.kind === 'sip' ? `sip:${u.user ?? ''}@${u.host}` : (s.request.header('from') ?? '?');
}
