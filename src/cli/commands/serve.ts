/**
 * `shtoom serve echo|announce|ivr-demo|FILE.js`: run a doug voice app for every
 * incoming call, one log line per call, until SIGTERM or Ctrl-C — then end
 * the calls with BYE, unregister and exit 0.
 */
import { existsSync } from 'node:fs';
import { BUILT_IN_APPS, loadApp } from '../../apps/index.js';
import { DougServer } from '../../doug/server.js';
import { systemTts } from '../../doug/tts.js';
import { UsageError } from '../../errors.js';
import type { CommandContext, CommandSpec } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { accessControlFrom } from '../settings.js';
import { aborted, stopServing, phoneFrom, registerIfAsked, drainOf } from './call-common.js';
import { runConference } from './serve-conference.js';
import { runVoicemail } from './serve-voicemail.js';
import { serveOnWorkers, showWorkersStatus, workersOf } from './serve-workers.js';
import type { Phone } from '../../app/phone.js';
import { reportSipFailure } from './sip-failure.js';

async function run(ctx: CommandContext): Promise<number> {
  const o = ctx.options;
  const name = ctx.args[0]!;
  if (name === 'conference') return runConference(ctx);
  if (name === 'voicemail') return runVoicemail(ctx);
  const workers = workersOf(o);
  // The status a server on workers writes (the query need not repeat its --workers).
  if (o.get('conference.status')) return showWorkersStatus(ctx, portOf(o.get('serve.listen'), o.get('sip.port')));
  const log = ctx.log.child('serve');
  const tts = systemTts();
  const playSet = o.entry('call.play').source.kind !== 'default';
  const say = o.get('serve.say');
  if (name === 'announce') {
    const play = o.get('call.play');
    if (playSet && /\.wav$/i.test(play) && !play.includes(':') && !existsSync(play))
      throw new UsageError(`--play ${play}: no such file`);
    if (!playSet && !tts)
      throw new UsageError(
        'announce needs --play FILE (or tone:…), or a text-to-speech engine for --say: install espeak-ng or flite',
      );
  }
  const voice = o.get('ivr-demo.voice');
  const ivrDemo = { pin: o.get('ivr-demo.pin'), voice: { engine: o.get('ivr-demo.tts'), ...(voice ? { voice } : {}) } };
  const appOptions = {
    ...(playSet ? { play: o.get('call.play') } : {}),
    ...(say !== undefined ? { say } : {}),
    ivrDemo,
  };
  const app = await loadApp(name, appOptions);
  // Who may call (docs/security.md): --auth, --allow, --deny, per-source limits.
  const access = accessControlFrom(o, ctx.log);
  const phoneExtras = {
    ...(access ? { access } : {}),
    ...(o.get('serve.listen') ? { listen: o.get('serve.listen')! } : {}),
    capacity: o.get('serve.capacity'),
    retryAfterSec: Math.round(o.get('serve.retry-after') / 1000),
    // A menu takes keys however they come, tones in the audio too.
    ...(name === 'ivr-demo' ? { inbandDtmf: 'on' as const } : {}),
  };
  if (workers > 1)
    return serveOnWorkers(ctx, {
      name,
      workers,
      appOptions,
      phoneExtras,
      port: portOf(o.get('serve.listen'), o.get('sip.port')),
      announce: (phone) => announceServing(ctx, name, phone, `; ${workers} media workers`),
    });
  const phone = await phoneFrom(o, ctx.log, phoneExtras);
  // Whatever a peer sends, the server stays up: a stray exception is logged, not fatal.
  const onCrash = (err: unknown) =>
    log.error(`unexpected error (the server goes on): ${(err as Error)?.stack ?? String(err)}`);
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  // A second signal: stop waiting for the calls (dropped at once); a registration is still removed.
  ctx.urgent.addEventListener('abort', () => phone.hurry(), { once: true });
  const server = new DougServer({
    phone,
    app,
    name,
    maxCallMs: o.get('serve.max-call-duration'),
    ...(tts ? { tts } : {}),
    log: ctx.log,
  }).start();
  try {
    try {
      await registerIfAsked(o, phone, log);
    } catch (e) {
      return reportSipFailure(ctx, e);
    }
    announceServing(ctx, name, phone);
    await aborted(ctx.signal);
    await stopServing(phone, server, ctx.urgent, log, undefined, drainOf(o));
    return ExitCode.OK;
  } finally {
    await Promise.race([server.close(), aborted(ctx.urgent)]);
    await phone.close();
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
  }
}

/** The SIP port the options name (`--listen …:PORT`, its first entry, else `--sip-port`). */
function portOf(listen: string | undefined, sipPort: number): number {
  const first = listen?.split(',')[0];
  const m = first ? /:(\d+)$/.exec(first.trim()) : null;
  return m ? Number(m[1]) : sipPort;
}

/** The "serving …" line (or its JSON). */
function announceServing(ctx: CommandContext, name: string, phone: Phone, extra = ''): void {
  const o = ctx.options;
  const host = (a: string) => (a.includes(':') ? `[${a}]` : a);
  const kinds = [...new Set(phone.ua.sockets.map((s) => s.transport))];
  const where = kinds
    .map((k) => {
      const on = phone.ua.sockets.filter((s) => s.transport === k).map((s) => `${host(s.address)}:${s.port}`);
      return `${k} ${on.join(' and ')}`;
    })
    .join(', ');
  // Bound to a wildcard, each caller is answered with the address it reached: no one Contact to show.
  const wildcard = phone.ua.sockets.some((s) => s.address === '0.0.0.0' || s.address === '::');
  const contact = wildcard ? 'Contact: the address each caller reaches' : phone.ua.contact();
  ctx.out.data(
    {
      serving: name,
      listen: phone.ua.addresses,
      sockets: phone.ua.sockets,
      contact: phone.ua.contact(),
      capacity: o.get('serve.capacity'),
    },
    () =>
      `serving ${name} on ${where} (${contact}); at most ${o.get('serve.capacity')} calls${extra}; ` +
      'Ctrl-C or SIGTERM to stop',
  );
}

export const serveCommand: CommandSpec = {
  name: 'serve',
  globals: [
    'account.aor',
    'account.user',
    'account.password',
    'sip.address',
    'sip.port',
    'sip.transport',
    'rtp.address',
    'stun.server',
  ],
  description:
    `run a voice app (doug) for every incoming call: ${BUILT_IN_APPS.join(', ')}, conference, voicemail, ` +
    'or your own FILE.js',
  args: [
    {
      name: 'app',
      description:
        `${BUILT_IN_APPS.join(' | ')} | conference | voicemail | FILE.js ` +
        '(a module whose default export is async (call) => …)',
      required: true,
    },
  ],
  run,
  examples: [
    'shtoom serve echo --listen 127.0.0.1:5070',
    'shtoom serve echo --listen 127.0.0.1:5070 --workers 4',
    'shtoom serve echo --listen 127.0.0.1:5070 --status',
    'shtoom serve announce --play welcome.wav',
    'shtoom serve announce --say "The office is closed."',
    'shtoom serve ivr-demo --listen 127.0.0.1:5080 --ivr-demo-pin 4321',
    'shtoom serve conference --listen 127.0.0.1:5090 --conference-rooms rooms.ini --record-dir rec/',
    'shtoom serve conference --listen 127.0.0.1:5090 --status',
    'shtoom serve voicemail --listen 127.0.0.1:5095 --mailboxes mailboxes.ini --voicemail-dir vm/',
    'shtoom serve ./my-ivr.js --register --aor sip:ivr@example.com --password secret',
  ],
};
