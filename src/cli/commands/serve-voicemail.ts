/**
 * `shtoom serve voicemail`: the voicemail server — mailboxes from
 * `--mailboxes FILE`, messages under `--voicemail-dir DIR`, the owners'
 * menu on `sip:voicemail@…` (`--voicemail-main`), message-summary
 * subscriptions (RFC 3842), 503 with Retry-After beyond `--capacity`.
 * At start-up, what a killed server was recording is filed (`recover()`).
 */
import { accessSync, constants, mkdirSync } from 'node:fs';
import { MessageNotifier } from '../../apps/voicemail/notify.js';
import { threadId } from 'node:worker_threads';
import type { Phone } from '../../app/phone.js';
import { type Mailbox, VoicemailService } from '../../apps/voicemail/service.js';
import { type StoredMessage, VoicemailStore } from '../../apps/voicemail/store.js';
import { SharedLock } from '../../util/shared-lock.js';
import { DougServer } from '../../doug/server.js';
import { systemTts } from '../../doug/tts.js';
import { UsageError } from '../../errors.js';
import type { CommandContext } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { readMailboxesFile } from '../voicemail-mailboxes.js';
import { defaultMailFrom, smtpMailer } from '../voicemail-mailer.js';
import { realTimers } from '../../clock/timers.js';
import { accessControlFrom } from '../settings.js';
import { aborted, stopServing, phoneFrom, registerIfAsked, drainOf } from './call-common.js';
import { reportSipFailure } from './sip-failure.js';
import { lockId } from './serve-worker-apps.js';
import { serveOnWorkers, showWorkersStatus, workersOf } from './serve-workers.js';

/** The SIP port the options name (`--listen …:PORT`, its first entry, else `--sip-port`). */
function portOf(listen: string | undefined, sipPort: number): number {
  const m = listen ? /:(\d+)$/.exec(listen.split(',')[0]!.trim()) : null;
  return m ? Number(m[1]) : sipPort;
}

function listenOf(phone: Phone): string[] {
  return phone.ua.addresses.map(
    (a) => `${a.transport} ${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}`,
  );
}

/** What a worker's `vm-filed` / `vm-changed` says: a mailbox of ours (and a message id); else undefined. */
export function mailboxSaid(
  json: string,
  mailboxes: ReadonlyMap<string, Mailbox>,
): { readonly mailbox: string; readonly id?: string } | undefined {
  let x: unknown;
  try {
    x = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (typeof x !== 'object' || x === null) return undefined;
  const { mailbox, id } = x as { mailbox?: unknown; id?: unknown };
  if (typeof mailbox !== 'string' || !mailboxes.has(mailbox)) return undefined;
  return typeof id === 'string' ? { mailbox, id } : { mailbox };
}

/** `shtoom serve voicemail`. */
export async function runVoicemail(ctx: CommandContext): Promise<number> {
  const o = ctx.options;
  // The status a server on media workers writes.
  if (o.get('conference.status')) return showWorkersStatus(ctx, portOf(o.get('serve.listen'), o.get('sip.port')));
  const log = ctx.log.child('serve');
  const file = o.get('voicemail.mailboxes');
  if (file === undefined)
    throw new UsageError('voicemail needs --mailboxes FILE: an ini file with a [NUMBER] section each');
  const dir = o.get('voicemail.dir');
  if (dir === undefined) throw new UsageError('voicemail needs --voicemail-dir DIR: where the messages are kept');
  const { mailboxes, warnings } = readMailboxesFile(file);
  for (const w of warnings) log.warn(w);
  if (mailboxes.size === 0) throw new UsageError(`--mailboxes ${file}: no mailbox in it: add a [100] section`);
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (err) {
    throw new UsageError(`--voicemail-dir ${dir}: cannot write there: ${(err as NodeJS.ErrnoException).code}`);
  }
  const tts = systemTts();
  if (!tts) throw new UsageError('the voicemail speaks its prompts: install flite or espeak-ng');
  const operator = o.get('voicemail.operator');
  const workers = workersOf(o);
  // On media workers, every thread files into the spool under one lock (docs/workers.md).
  const lockBuffer = workers > 1 ? SharedLock.buffer() : undefined;
  const lock = lockBuffer ? new SharedLock(lockBuffer, lockId(threadId)) : undefined;
  const store = new VoicemailStore(dir, lock);
  // After a message: --on-message, and the e-mail (queued on disk first, tried again when it fails).
  const smtp = o.get('voicemail.smtp');
  const smtpUser = o.get('voicemail.smtp-user');
  const smtpPassword = o.get('voicemail.smtp-password');
  const mailer =
    smtp !== undefined
      ? smtpMailer({
          server: smtp,
          security: o.get('voicemail.smtp-security') as 'auto' | 'starttls' | 'tls' | 'none',
          ...(smtpUser !== undefined ? { user: smtpUser } : {}),
          ...(smtpPassword !== undefined ? { password: smtpPassword } : {}),
        })
      : undefined;
  if (mailer)
    for (const b of mailboxes.values())
      if (!b.email) log.warn(`--voicemail-smtp: mailbox ${b.number} has no email: its messages are not e-mailed`);
  const onMessage = o.get('voicemail.on-message');
  const notifier = new MessageNotifier({
    store,
    mailboxes,
    ...(onMessage !== undefined ? { command: onMessage } : {}),
    ...(mailer ? { mailer, from: o.get('voicemail.mail-from') ?? defaultMailFrom() } : {}),
    timers: realTimers,
    log: ctx.log,
  });
  const recovered = store.recover();
  for (const m of recovered)
    log.info(`${m.meta.mailbox}: filed message ${m.index} (${m.meta.duration} s), left by a server that stopped`);
  const queued = notifier.resume();
  if (queued > 0) log.info(`${queued} e-mail(s) left to send by a server that stopped: sending`);
  for (const m of recovered) notifier.filed(m);
  const capacity = o.get('serve.capacity');
  // Who may call (docs/security.md): --auth, --allow, --deny, per-source limits. With --auth, an owner
  // authenticated as a mailbox's user reaches its menu without mailbox and PIN (docs/voicemail.md).
  const access = accessControlFrom(o, ctx.log);
  const phoneExtras = {
    ...(access ? { access } : {}),
    ...(o.get('serve.listen') ? { listen: o.get('serve.listen')! } : {}),
    capacity,
    retryAfterSec: Math.round(o.get('serve.retry-after') / 1000),
    // A menu takes keys however they come, tones in the audio too.
    inbandDtmf: 'auto' as const,
  };
  const serviceOptions = {
    store,
    mailboxes,
    tts,
    silenceMs: o.get('voicemail.silence'),
    maxSeconds: o.get('voicemail.max-length') / 1000,
    ...(operator !== undefined ? { operator } : {}),
    mainUser: o.get('voicemail.main-user'),
    onMessage: (m: StoredMessage) => notifier.filed(m),
    log: ctx.log,
  };
  const listening = (phone: Phone) =>
    ctx.out.data(
      {
        serving: 'voicemail',
        listen: phone.ua.addresses,
        contact: phone.ua.contact(),
        capacity,
        mailboxes: [...mailboxes.keys()],
        dir,
        ...(workers > 1 ? { workers } : {}),
      },
      () =>
        `serving voicemail on ${listenOf(phone).join(', ')} (${phone.ua.contact()}): ${mailboxes.size} mailbox(es) ` +
        `in ${dir}; owners call ${o.get('voicemail.main-user')}; ` +
        `${workers > 1 ? `${workers} media workers; ` : ''}Ctrl-C or SIGTERM to stop`,
    );
  if (lockBuffer && lock) {
    // The calls run in the workers; this thread keeps the subscriptions, `--on-message` and the e-mail.
    const main = new VoicemailService(serviceOptions);
    return serveOnWorkers(ctx, {
      name: 'voicemail',
      workers,
      appOptions: {},
      phoneExtras,
      port: portOf(o.get('serve.listen'), o.get('sip.port')),
      service: {
        kind: 'voicemail',
        dir,
        lock: lockBuffer,
        mailboxes: [...mailboxes],
        silenceMs: serviceOptions.silenceMs,
        maxSeconds: serviceOptions.maxSeconds,
        ...(operator !== undefined ? { operator } : {}),
        mainUser: serviceOptions.mainUser,
      },
      onApp: (worker, topic, json) => {
        const said = mailboxSaid(json, mailboxes);
        if (!said) return log.warn(`worker ${worker}: a ${topic} that names no mailbox of ours: ignored`);
        if (topic === 'vm-changed') main.changed(said.mailbox);
        else if (topic === 'vm-filed') {
          const m = said.id !== undefined ? store.find(said.mailbox, said.id) : undefined;
          if (m) notifier.filed(m);
        }
      },
      onThreadExit: (tid) => {
        if (lock.releaseIfHeldBy(lockId(tid))) log.warn('a media worker died holding the spool lock: freed');
      },
      withPhone: (phone) => main.listen(phone.ua),
      close: async () => {
        await main.close();
        await notifier.close();
      },
      announce: listening,
    });
  }
  const phone = await phoneFrom(o, ctx.log, phoneExtras);
  const onCrash = (err: unknown) =>
    log.error(`unexpected error (the server goes on): ${(err as Error)?.stack ?? String(err)}`);
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  ctx.urgent.addEventListener('abort', () => phone.hurry(), { once: true });
  const service = new VoicemailService(serviceOptions);
  service.listen(phone.ua);
  const server = new DougServer({
    phone,
    app: service.app,
    name: 'voicemail',
    maxCallMs: o.get('serve.max-call-duration'),
    tts,
    log: ctx.log,
  }).start();
  try {
    try {
      await registerIfAsked(o, phone, log);
    } catch (e) {
      return reportSipFailure(ctx, e);
    }
    listening(phone);
    await aborted(ctx.signal);
    await stopServing(phone, server, ctx.urgent, log, undefined, drainOf(o));
    return ExitCode.OK;
  } finally {
    await Promise.race([server.close(), aborted(ctx.urgent)]);
    await service.close();
    await notifier.close();
    await phone.close();
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
  }
}
