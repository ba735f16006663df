/**
 * What happens once a message is filed, besides the NOTIFYs: a command
 * run with the message in its environment (`--on-message`), and an e-mail
 * to the mailbox's address with the WAV attached (`--voicemail-smtp`).
 *
 * The e-mail never costs the message: the message is on disk before any of
 * this starts, and each e-mail to send is first written to
 * `DIR/.outbox/<id>.json`, removed only once the server accepted it. A
 * failing mail server is logged and tried again (30 s, 1, 2, 5, 10 min, then
 * every 30 min, for 3 days); a server restarted meanwhile picks the outbox
 * up (`resume()`). A message deleted before its e-mail went out is not sent.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { TimerHandle, TimerHost } from '../../clock/timers.js';
import { silentLogger, type Logger } from '../../log/logger.js';
import type { Mailbox } from './service.js';
import { type StoredMessage, type VoicemailStore, writeWhole } from './store.js';

/** One e-mail, as the mailer sends it. */
export interface OutgoingMail {
  readonly from: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly attachment: { readonly filename: string; readonly content: Uint8Array; readonly contentType: string };
}

/** Sends an e-mail; rejects when the server did not take it. */
export interface Mailer {
  send(mail: OutgoingMail): Promise<void>;
}

export interface MessageNotifierOptions {
  readonly store: VoicemailStore;
  readonly mailboxes: ReadonlyMap<string, Mailbox>;
  /** Run for every message through `sh -c`, its environment telling which (see `messageEnv`). */
  readonly command?: string;
  /** Longest the command may run, ms (then it is killed; default 60 000). */
  readonly commandTimeoutMs?: number;
  /** E-mail to mailboxes with an address. */
  readonly mailer?: Mailer;
  /** The From of the e-mails. */
  readonly from?: string;
  readonly timers: TimerHost;
  readonly log?: Logger;
  /** Wall-clock time, ms (default `Date.now`). */
  readonly now?: () => number;
}

/** Waits between tries of an e-mail, ms: then the last one again, until `GIVE_UP_MS`. */
const RETRY_MS = [30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000];
const GIVE_UP_MS = 3 * 86_400_000;

interface OutboxEntry {
  readonly mailbox: string;
  readonly id: string;
  readonly since: number;
  tries: number;
  lastError?: string;
}

/** The environment `--on-message` runs with. */
export function messageEnv(msg: StoredMessage, box: Mailbox | undefined): Record<string, string> {
  return {
    VOICEMAIL_MAILBOX: msg.meta.mailbox,
    VOICEMAIL_WAV: msg.wav,
    VOICEMAIL_JSON: msg.json,
    VOICEMAIL_FOLDER: msg.folder,
    VOICEMAIL_INDEX: String(msg.index),
    VOICEMAIL_ID: msg.meta.id,
    VOICEMAIL_CALLER: msg.meta.caller,
    VOICEMAIL_CALLED: msg.meta.called,
    VOICEMAIL_TIME: msg.meta.time,
    VOICEMAIL_DURATION: String(msg.meta.duration),
    VOICEMAIL_CODEC: msg.meta.codec,
    VOICEMAIL_ENDED: msg.meta.ended,
    VOICEMAIL_NAME: box?.name ?? '',
    VOICEMAIL_EMAIL: box?.email ?? '',
  };
}

/** The e-mail for a message: the envelope in the text, the WAV attached. */
export function messageMail(msg: StoredMessage, box: Mailbox, from: string, wav: Uint8Array): OutgoingMail {
  const m = msg.meta;
  const text =
    `${box.name ?? `Mailbox ${box.number}`}, you have a new voice message.\r\n\r\n` +
    `From:     ${m.caller}\r\nTo:       ${m.called}\r\nMailbox:  ${m.mailbox}\r\nReceived: ${m.time}\r\n` +
    `Length:   ${m.duration} s (${m.codec}; ended by ${m.ended})\r\n\r\nThe recording is attached.\r\n`;
  return {
    from,
    to: box.email!,
    subject: `New voice message from ${m.caller} (${Math.round(m.duration)} s)`,
    text,
    attachment: { filename: msg.wav.replace(/^.*\//, ''), content: wav, contentType: 'audio/wav' },
  };
}

/**
 * @example
 * const notifier = new MessageNotifier({ store, mailboxes, mailer, from: 'vm@example.com', timers: realTimers });
 * notifier.resume();                                    // e-mails a stopped server had not sent
 * new VoicemailService({ …, onMessage: (m) => notifier.filed(m) });
 */
export class MessageNotifier {
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly timers = new Map<string, TimerHandle>();
  private readonly running = new Set<Promise<unknown>>();
  private closed = false;

  constructor(private readonly opts: MessageNotifierOptions) {
    this.log = (opts.log ?? silentLogger).child('voicemail');
    this.now = opts.now ?? Date.now;
  }

  private get outbox(): string {
    return join(this.opts.store.dir, '.outbox');
  }

  /** A message was filed: the command, and the e-mail (queued first). */
  filed(msg: StoredMessage): void {
    const box = this.opts.mailboxes.get(msg.meta.mailbox);
    if (this.opts.command) this.track(this.run(this.opts.command, msg, box));
    if (this.opts.mailer && box?.email) {
      const entry: OutboxEntry = { mailbox: msg.meta.mailbox, id: msg.meta.id, since: this.now(), tries: 0 };
      this.save(entry);
      this.track(this.attempt(entry));
    }
  }

  /** Send what the outbox holds (at start-up). Returns how many e-mails it holds. */
  resume(): number {
    if (!this.opts.mailer) return 0;
    let n = 0;
    let files: string[] = [];
    try {
      files = readdirSync(this.outbox).filter((f) => f.endsWith('.json'));
    } catch {
      return 0;
    }
    for (const f of files) {
      try {
        const e = JSON.parse(readFileSync(join(this.outbox, f), 'utf8')) as OutboxEntry;
        n++;
        this.track(this.attempt(e));
      } catch {
        rmSync(join(this.outbox, f), { force: true });
      }
    }
    return n;
  }

  private save(e: OutboxEntry): void {
    mkdirSync(this.outbox, { recursive: true });
    writeWhole(join(this.outbox, `${e.id}.json`), `${JSON.stringify(e)}\n`);
  }

  private drop(e: OutboxEntry): void {
    rmSync(join(this.outbox, `${e.id}.json`), { force: true });
  }

  private async attempt(e: OutboxEntry): Promise<void> {
    this.timers.delete(e.id);
    if (this.closed) return;
    const box = this.opts.mailboxes.get(e.mailbox);
    const msg = this.opts.store.find(e.mailbox, e.id);
    if (!box?.email || !msg) {
      this.log.info(`${e.mailbox}: e-mail of message ${e.id} not sent: ${msg ? 'no address' : 'deleted meanwhile'}`);
      this.drop(e);
      return;
    }
    const from = this.opts.from ?? 'voicemail@localhost';
    try {
      await this.opts.mailer!.send(messageMail(msg, box, from, readFileSync(msg.wav)));
      this.drop(e);
      this.log.info(`${e.mailbox}: message ${msg.index} e-mailed to ${box.email}`);
    } catch (err) {
      e.tries++;
      e.lastError = (err as Error).message;
      if (this.now() - e.since > GIVE_UP_MS) {
        this.log.error(
          `${e.mailbox}: e-mail of message ${msg.index} to ${box.email} given up after ${e.tries} tries ` +
            `(the message stays in the mailbox): ${e.lastError}`,
        );
        this.drop(e);
        return;
      }
      const wait = RETRY_MS[Math.min(e.tries - 1, RETRY_MS.length - 1)]!;
      this.log.warn(
        `${e.mailbox}: e-mail of message ${msg.index} to ${box.email} failed (try ${e.tries}): ${e.lastError}; ` +
          `trying again in ${wait / 1000} s`,
      );
      this.save(e);
      if (!this.closed)
        this.timers.set(
          e.id,
          this.opts.timers.setTimer(wait, () => this.track(this.attempt(e))),
        );
    }
  }

  private run(command: string, msg: StoredMessage, box: Mailbox | undefined): Promise<void> {
    return new Promise<void>((resolve) => {
      let err = '';
      const child = spawn('sh', ['-c', command], {
        env: { ...process.env, ...messageEnv(msg, box) },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      child.stderr!.on('data', (d: Buffer) => {
        if (err.length < 4096) err += d.toString();
      });
      const limit = this.opts.commandTimeoutMs ?? 60_000;
      const timer = this.opts.timers.setTimer(limit, () => {
        this.log.warn(`${msg.meta.mailbox}: --on-message still running after ${limit / 1000} s: killed`);
        child.kill('SIGKILL');
      });
      child.on('error', (e) => {
        this.opts.timers.clearTimer(timer);
        this.log.error(`${msg.meta.mailbox}: --on-message: ${e.message}`);
        resolve();
      });
      child.on('close', (code, signal) => {
        this.opts.timers.clearTimer(timer);
        if (code !== 0) {
          const last = err.trim().split('\n').at(-1) ?? '';
          this.log.warn(
            `${msg.meta.mailbox}: --on-message for message ${msg.index} ended with ${code ?? signal}` +
              `${last ? `: ${last}` : ''}`,
          );
        }
        resolve();
      });
    });
  }

  private track(p: Promise<unknown>): void {
    this.running.add(p);
    void p.finally(() => this.running.delete(p));
  }

  /** Stop retrying (the outbox keeps what is unsent) and wait for what runs, at most `graceMs`. */
  async close(graceMs = 5000): Promise<void> {
    this.closed = true;
    for (const t of this.timers.values()) this.opts.timers.clearTimer(t);
    this.timers.clear();
    let t: TimerHandle | undefined;
    await Promise.race([
      Promise.all([...this.running]),
      new Promise<void>((r) => (t = this.opts.timers.setTimer(graceMs, r))),
    ]);
    if (t !== undefined) this.opts.timers.clearTimer(t);
  }
}
