/**
 * `shtoom serve voicemail`: the voicemail server — mailboxes from
 * `--mailboxes FILE`, messages under `--voicemail-dir DIR`, the owners'
 * menu on `sip:voicemail@…` (`--voicemail-main`), message-summary
 * subscriptions (RFC 3842), 503 with Retry-After beyond `--capacity`.
 * At start-up, what a killed server was recording is filed (`recover()`).
 */
import { accessSync, constants, mkdirSync } from 'node:fs';
import { MessageNotifier } from '../../apps/voicemail/notify.js';
import { VoicemailService } from '../../apps/voicemail/service.js';
import { VoicemailStore } from '../../apps/voicemail/store.js';
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

/** `shtoom serve voicemail`. */
export async function runVoicemail(ctx: CommandContext): Promise<number> {
  const o = ctx.options;
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
  const store = new VoicemailStore(dir);
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
  const phone = await phoneFrom(o, ctx.log, {
    ...(access ? { access } : {}),
    ...(o.get('serve.listen') ? { listen: o.get('serve.listen')! } : {}),
    capacity,
    retryAfterSec: Math.round(o.get('serve.retry-after') / 1000),
    // A menu takes keys however they come, tones in the audio too.
    inbandDtmf: 'auto',
  });
  const onCrash = (err: unknown) =>
    log.error(`unexpected error (the server goes on): ${(err as Error)?.stack ?? String(err)}`);
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  ctx.urgent.addEventListener('abort', () => phone.hurry(), { once: true });
  const service = new VoicemailService({
    store,
    mailboxes,
    tts,
    silenceMs: o.get('voicemail.silence'),
    maxSeconds: o.get('voicemail.max-length') / 1000,
    ...(operator !== undefined ? { operator } : {}),
    mainUser: o.get('voicemail.main-user'),
    onMessage: (m) => notifier.filed(m),
    log: ctx.log,
  });
  service.listen(phone.ua);
  const server = new DougServer({
    phone,
    app: service.app,
    name: 'voicemail',
    maxCallMs: o.get('serve.max-call-duration'),
    tts,
    log: ctx.log,
  }).start();
  const listen = phone.ua.addresses.map(
    (a) => `${a.transport} ${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}`,
  );
  try {
    try {
      await registerIfAsked(o, phone, log);
    } catch (e) {
      return reportSipFailure(ctx, e);
    }
    ctx.out.data(
      {
        serving: 'voicemail',
        listen: phone.ua.addresses,
        contact: phone.ua.contact(),
        capacity,
        mailboxes: [...mailboxes.keys()],
        dir,
      },
      () =>
        `serving voicemail on ${listen.join(', ')} (${phone.ua.contact()}): ${mailboxes.size} mailbox(es) in ${dir}; ` +
        `owners call ${o.get('voicemail.main-user')}; Ctrl-C or SIGTERM to stop`,
    );
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
