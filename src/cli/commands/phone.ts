/**
 * `shtoom phone`: the phone — it takes calls and places them, several at
 * once, with hold, transfers, conferences and messages, over the phone core
 * (`src/app/phone-core`). On a terminal (stdin and stdout) without
 * `--control` it is the full-screen UI (`src/cli/phone-ui`). Otherwise
 * commands come one a line on stdin; events go to stdout: one JSON object
 * a line with `--control` (for scripts and CI,
 * `docs/phone.md`), a line for people otherwise (the line mode). `quit`,
 * the end of stdin, Ctrl-C or SIGTERM end the calls with BYE, unregister
 * and exit 0; a bad command is an `error` event, never an exit.
 */
import { createInterface } from 'node:readline';
import { PhoneCore } from '../../app/phone-core/phone-core.js';
import type { PhoneCoreEvents } from '../../app/phone-core/events.js';
import type { AudioSink, AudioSource } from '../../audio/device.js';
import { openSink, openSource } from '../../audio/open.js';
import { UsageError } from '../../errors.js';
import type { CommandContext, CommandSpec, Input } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { audioOpenOptions } from '../settings.js';
import { aborted, phoneFrom } from './call-common.js';
import { COMMAND_USAGE, parseCommand, runCommand } from '../phone/phone-commands.js';
import { humanLine, jsonLine, type PrintedEvent } from '../phone/phone-output.js';
import { PhoneUi, UiLogSink } from '../phone-ui/phone-ui.js';
import type { Screen } from '../phone-ui/terminal.js';
import { Logger, type LogLevel } from '../../log/logger.js';

/** The core's events a front end prints (all but `update`, which is for front ends that draw). */
const PRINTED: readonly Exclude<keyof PhoneCoreEvents, 'update'>[] = [
  'registered',
  'registration-failed',
  'unregistered',
  'calling',
  'incoming',
  'ringing',
  'answered',
  'held',
  'resumed',
  'dtmf',
  'transfer-requested',
  'transferred',
  'message',
  'conference',
  'ended',
  'error',
];

/** A file name, or a device URI (`alsa:…`, `null`), as `openSink` takes it. */
function sinkUri(v: string): string {
  return /^[a-z]+:/i.test(v) || v === 'null' ? v : `file:${v}`;
}

async function run(ctx: CommandContext): Promise<number> {
  const o = ctx.options;
  const control = o.get('phone.control');
  const register = o.get('call.register');
  if (register && !o.get('account.aor'))
    throw new UsageError('--register needs the account: --aor sip:user@domain (and --user/--password)');
  const audioOpts = audioOpenOptions(o);
  // The audio first: a missing file or device is a usage error before anything is bound.
  const input: AudioSource = await openSource(o.get('phone.input'), audioOpts);
  let output: AudioSink;
  try {
    output = await openSink(sinkUri(o.get('phone.output')), audioOpts);
  } catch (e) {
    await input.close();
    throw e;
  }
  const music = o.get('phone.hold-music');
  // On a terminal (stdin and stdout), without --control: the full-screen UI; else the line mode.
  const stdin = ctx.stdin?.();
  const screen = !control && stdin?.isTTY === true && stdin.setRawMode ? terminalOf(ctx.stdout) : undefined;
  // Log lines would scribble over the screen: while it is up they go to its message pane.
  const uiLog = screen ? new UiLogSink((line) => process.stderr.write(line)) : undefined;
  const log = uiLog ? new Logger(uiLog, uiLogLevel(o.get('log.level'))) : ctx.log;
  let phone;
  try {
    // A missing hold-music file is said now, not at the first hold.
    if (music) await (await openSource(music, audioOpts)).close();
    phone = await phoneFrom(o, log);
  } catch (e) {
    await Promise.all([input.close(), output.close()]);
    throw e;
  }
  const registrar = o.get('account.registrar');
  const core = await PhoneCore.create({
    phone,
    input,
    output,
    ...(music ? { holdMusic: () => openSource(music, audioOpts) } : {}),
    register: register ? { ...(registrar ? { registrar } : {}) } : false,
    autoAcceptTransfer: o.get('phone.auto-accept-transfer'),
    dtmfMode: o.get('call.dtmf-mode'),
    answerTimeoutMs: o.get('call.answer-timeout'),
    log,
  });
  if (screen && stdin) return runScreen(ctx, core, phone, stdin, screen, uiLog!, register);
  const print = (e: PrintedEvent) => ctx.out.raw(control ? jsonLine(e) : humanLine(e));
  for (const name of PRINTED) core.on(name, (e: object) => print({ event: name, ...e } as PrintedEvent));
  // Whatever a peer sends, the phone stays up: a stray exception is an error event, not an exit.
  const onCrash = (err: unknown) => {
    ctx.log.error(`unexpected error (the phone goes on): ${(err as Error)?.stack ?? String(err)}`);
    print({ event: 'error', message: `internal error: ${(err as Error)?.message ?? String(err)}` });
  };
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  const lines = stdin ? createInterface({ input: stdin, terminal: false, crlfDelay: Infinity }) : undefined;
  try {
    print({ event: 'ready', contact: phone.ua.contact(), aor: phone.ua.aor, listen: phone.ua.addresses });
    const quit = new Promise<void>((resolve) => {
      lines?.on('line', (line) => {
        try {
          const c = parseCommand(line);
          if (!c) return;
          const r = runCommand(core, c);
          if (r.kind === 'calls') print({ event: 'calls', calls: r.calls });
          else if (r.kind === 'help') print({ event: 'help', commands: COMMAND_USAGE.map(([u]) => u) });
          else if (r.kind === 'quit') resolve();
        } catch (err) {
          print({ event: 'error', message: (err as Error).message });
        }
      });
      // The end of stdin is a quit: a script that closes its pipe ends the phone.
      lines?.on('close', () => resolve());
    });
    await Promise.race([quit, aborted(ctx.signal)]);
    lines?.close();
    stdin?.pause();
    await core.quit();
    return ExitCode.OK;
  } finally {
    lines?.close();
    stdin?.pause();
    await core.quit();
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
  }
}

/** Standard output when it is a terminal the UI can draw on (its size and resizes), else undefined. */
function terminalOf(stdout: CommandContext['stdout']): Screen | undefined {
  const s = stdout as Partial<Screen> | undefined;
  return s?.isTTY === true && typeof s.on === 'function' && typeof s.off === 'function' ? (s as Screen) : undefined;
}

/** The message pane is for people: info-level chatter stays out of it unless more was asked for. */
function uiLogLevel(level: LogLevel): LogLevel {
  return level === 'info' ? 'warn' : level;
}

/**
 * The full-screen UI over the core, until `q`, Ctrl-C or a signal; then
 * the terminal is given back and the calls end.
 */
async function runScreen(
  ctx: CommandContext,
  core: PhoneCore,
  phone: Awaited<ReturnType<typeof phoneFrom>>,
  stdin: Input,
  screen: Screen,
  uiLog: UiLogSink,
  register: boolean,
): Promise<number> {
  let ui: PhoneUi | undefined;
  // Whatever a peer sends, the phone stays up: a stray exception is said on the screen, not an exit.
  const onCrash = (err: unknown) =>
    ui?.event({ event: 'error', message: `internal error: ${(err as Error)?.message ?? String(err)}` });
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  // The terminal closing sends SIGHUP, often twice (the kernel, and a parent such as `timeout` or the
  // shell passing it on). Once one came, the listener stays for the rest of the process: without it a
  // second SIGHUP would kill the phone (Node's default for a signal nobody listens to) before its BYE,
  // or after it with exit 129.
  let hungUp = false;
  const onHangup = () => {
    hungUp = true;
    ui?.hangup();
  };
  process.on('SIGHUP', onHangup);
  try {
    ui = new PhoneUi({
      core,
      stdin,
      stdout: screen,
      options: ctx.options,
      configFile: ctx.configFile,
      registering: register,
    });
    const shown = ui;
    uiLog.to((line) => shown.log(line));
    for (const name of PRINTED) core.on(name, (e: object) => shown.event({ event: name, ...e } as PrintedEvent));
    ui.event({ event: 'ready', contact: phone.ua.contact(), aor: phone.ua.aor, listen: phone.ua.addresses });
    await Promise.race([ui.done, aborted(ctx.signal)]);
  } finally {
    // The terminal first: whatever the clean-up says is then on stderr, after the screen.
    ui?.close();
    uiLog.to(undefined);
    await core.quit();
    if (!hungUp) process.off('SIGHUP', onHangup);
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
  }
  return ExitCode.OK;
}

export const phoneCommand: CommandSpec = {
  name: 'phone',
  description:
    'the phone: take and place calls, several at once, hold, transfer, conference, MESSAGE; ' +
    'full screen on a terminal, else commands on stdin and events on stdout (--control: JSON lines)',
  run,
  examples: [
    'shtoom phone --control --sip-port 5062 --input tone:440 --output heard.wav',
    'shtoom phone --register --aor sip:alice@example.com --password secret --input alsa:default --output alsa:default',
    'printf "dial sip:echo@127.0.0.1:5070\\ncalls\\n" | shtoom phone --sip-port 0',
  ],
};
