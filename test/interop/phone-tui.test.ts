/**
 * The full-screen `shtoom phone` in a real terminal: the built CLI in a
 * detached tmux session of 80x24 (its own tmux server, removed after), a
 * `shtoom call` calling it on loopback; the test reads the screen with
 * `tmux capture-pane` and types with `tmux send-keys`, asserting on content:
 *
 * - the incoming call shows (peer, state), the bell-ringing call is
 *   answered by a key, shows answered with its codec and a live level; a
 *   resize redraws at the new size; a digit typed goes out as DTMF (the
 *   caller prints it); a key hangs up and
 *   the call goes to the history; the phone's speaker recorded the caller;
 * - the preferences screen: a bad value is refused with the schema's words,
 *   a good one saved to the ini file the phone runs with;
 * - `q` ends it with exit 0 and the terminal is given back (no alternate
 *   screen left on); so does Ctrl-C during a call, which ends it with BYE;
 *   the terminal closing (SIGHUP) ends the call with BYE too.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preferenceRows } from '../../src/cli/phone-ui/preferences.js';
import { resolveOptions } from '../../src/options/resolve.js';
import { schema } from '../../src/options/schema/index.js';
import { freeSipPort, requireBinary, SHTOOM_BIN, startShtoom, stopAllPeers, waitFor } from './support/peers.js';
import { wavToneSeconds } from './support/wav-tone.js';

let dir: string;
let socket: string;
let tmuxBin: string;

/** Our own tmux server (its socket in our directory): nothing else's sessions are touched. */
function tmux(...args: string[]): string {
  const r = spawnSync('timeout', ['10', tmuxBin, '-S', socket, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr || r.status}`);
  return r.stdout;
}

let session = 'phone';
const screen = () => tmux('capture-pane', '-p', '-t', session);
const keys = (...k: string[]) => tmux('send-keys', '-t', session, ...k);

async function shows(re: RegExp, what: string, timeoutMs = 20_000): Promise<string> {
  let last = '';
  try {
    await waitFor(
      () => {
        last = screen();
        return re.test(last);
      },
      what,
      timeoutMs,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; the screen:\n${last}`);
  }
  return last;
}

beforeAll(() => {
  tmuxBin = requireBinary('tmux');
  requireBinary('timeout');
  dir = mkdtempSync(join(tmpdir(), 'shtoom-phone-tui-'));
  socket = join(dir, 'tmux.sock');
});

afterAll(async () => {
  await stopAllPeers();
  // Ends only our server (and the phone in it, if a failed test left it running).
  spawnSync('timeout', ['10', tmuxBin, '-S', socket, 'kill-server'], { encoding: 'utf8' });
  rmSync(dir, { recursive: true, force: true });
});

/** Start `shtoom phone` in a new 80x24 tmux session; resolves when its screen is up. */
async function startPhone(name: string, ini: string, heard: string): Promise<number> {
  session = name;
  const port = await freeSipPort();
  const phone = [
    'timeout --foreground -k 5 150',
    process.execPath,
    SHTOOM_BIN,
    'phone',
    `--config ${ini}`,
    '--sip-address 127.0.0.1',
    `--sip-port ${port}`,
    '--rtp-address 127.0.0.1',
    '--input tone:440',
    `--output ${heard}`,
  ].join(' ');
  // The shell stays after the phone ends, to say its exit status on the screen. `timeout --foreground`:
  // the phone must be in the terminal's foreground process group to read keys.
  tmux(
    'new-session',
    '-d',
    '-s',
    name,
    '-x',
    '80',
    '-y',
    '24',
    `${phone} 2>${join(dir, `${name}-stderr.txt`)}; echo "phone exited $?" | tee ${join(dir, `${name}-exit.txt`)}; ` +
      'sleep 120',
  );
  await shows(new RegExp(`^shtoom phone {2}sip:shtoom@127\\.0\\.0\\.1:${port} +not registered`, 'm'), 'the UI');
  expect(tmux('display-message', '-p', '-t', name, '#{window_width}x#{window_height}').trim()).toBe('80x24');
  return port;
}

/** `shtoom call` to the phone, sending a 1000 Hz tone. */
function call(port: number) {
  return startShtoom(
    [
      'call',
      `sip:bob@127.0.0.1:${port}`,
      '--sip-address',
      '127.0.0.1',
      '--sip-port',
      '0',
      '--rtp-address',
      '127.0.0.1',
      '--play',
      'tone:1000',
    ],
    { timeoutSec: 90 },
  );
}

describe('shtoom phone on a terminal (tmux, 80x24)', () => {
  it('answers a call by key, shows it answered with its codec, sends DTMF, hangs up; preferences; quits', async () => {
    const ini = join(dir, 'phone.ini');
    writeFileSync(ini, '; the phone under test\n[sip]\n');
    const heard = join(dir, 'heard.wav');
    const port = await startPhone('phone', ini, heard);
    const bell = () => tmux('display-message', '-p', '-t', 'phone', '#{window_bell_flag}').trim();
    expect(bell()).toBe('0');

    const caller = call(port);
    let s = await shows(/^>1 +incoming +sip:shtoom@127\.0\.0\.1/m, 'the incoming call');
    expect(s).toMatch(/call 1: incoming from <sip:shtoom@127\.0\.0\.1[^>]*> \(a answer \/ r reject\)/);
    expect(s).toMatch(/^ a answer {2}r reject/m);
    // It rings: the terminal bell.
    await waitFor(() => bell() === '1', 'the terminal bell');

    keys('a');
    // Answered, with its codec, a running time and the caller's tone on the level meter.
    s = await shows(
      /^>1 +answered +sip:shtoom@127\.0\.0\.1\S* +G722 +\d+:\d\d +-\d+dB +\d+\.\d% +current/m,
      'answered',
    );
    expect(s).toMatch(/call 1: answered \(G722\)/);

    // A resize redraws at the new size (the title's right end moves to the new last column); and back.
    tmux('resize-window', '-t', 'phone', '-x', '100', '-y', '30');
    await waitFor(() => screen().split('\n')[0]!.trimEnd().length === 100, 'the screen redrawn at 100x30');
    expect(screen().split('\n')[29]).toMatch(/^ 0-9\*# DTMF/);
    tmux('resize-window', '-t', 'phone', '-x', '80', '-y', '24');
    await waitFor(() => screen().split('\n')[0]!.trimEnd().length === 80, 'the screen redrawn at 80x24');
    keys('5');
    await shows(/call 1: DTMF 5 sent/, 'the DTMF line');
    await waitFor(() => /DTMF 5 received/.test(caller.stdout() + caller.stderr()), 'the caller to receive DTMF 5');

    // Two seconds of the call before hanging up: the recording must hold the caller's tone.
    await shows(/^>1 +answered .* G722 +(?!0:0[01])\d+:\d\d /m, 'two seconds of the call');
    keys('h');
    s = await shows(/no calls/, 'the call to end');
    expect(await caller.exited).toBe(0);
    // The speaker (a recording) heard the caller's tone while the call was up.
    expect(wavToneSeconds(heard, 1000)).toBeGreaterThan(0.5);

    keys('l');
    await shows(/^ \d\d:\d\d:\d\d from sip:shtoom@127\.0\.0\.1\S* +0:\d\d G722 +hung up/m, 'the history');
    keys('Escape');
    await shows(/^ d dial \(or type a number\)/m, 'the call list again');

    // Preferences: generated from the schema; sip.port is refused "abc", takes 5070 and saves it.
    keys('p');
    await shows(/^ preferences: .*phone\.ini \(used from the next start\)/m, 'the preferences screen');
    const at = preferenceRows(resolveOptions(schema)).findIndex((r) => r.spec.id === 'sip.port');
    expect(at).toBeGreaterThan(0);
    tmux('send-keys', '-t', 'phone', '-N', String(at), 'Down');
    await shows(/allowed: an integer from 0 to 65535/, 'sip.port selected');
    keys('Enter', 'C-u', 'abc', 'Enter');
    s = await shows(/sip\.port: "abc" is not an integer; allowed: an integer from 0 to 65535/, 'the refusal');
    expect(s).toMatch(/^sip\.port = abc/m);
    expect(readFileSync(ini, 'utf8')).not.toMatch(/port/);
    keys('C-u', '5070', 'Enter');
    await shows(/saved sip\.port = 5070 to .*phone\.ini/, 'the value saved');
    expect(readFileSync(ini, 'utf8')).toBe('; the phone under test\n[sip]\nport = 5070\n');

    keys('Escape');
    await shows(/^ d dial/m, 'the call list again');
    keys('q');
    s = await shows(/phone exited \d+/, 'the phone to exit');
    expect(s).toMatch(/phone exited 0/);
    // The terminal is given back: no alternate screen, the cursor visible.
    expect(tmux('display-message', '-p', '-t', 'phone', '#{alternate_on} #{cursor_flag}').trim()).toBe('0 1');
    expect(readFileSync(join(dir, 'phone-stderr.txt'), 'utf8')).not.toMatch(/internal error/);
  }, 150_000);

  it('Ctrl-C during a call ends it with BYE, exits 0 and gives the terminal back', async () => {
    const ini = join(dir, 'ctrl-c.ini');
    writeFileSync(ini, '');
    const port = await startPhone('ctrl-c', ini, join(dir, 'ctrl-c.wav'));
    const caller = call(port);
    await shows(/^>1 +incoming/m, 'the incoming call');
    keys('a');
    await shows(/^>1 +answered/m, 'answered');
    keys('C-c');
    const s = await shows(/phone exited \d+/, 'the phone to exit');
    expect(s).toMatch(/phone exited 0/);
    expect(tmux('display-message', '-p', '-t', 'ctrl-c', '#{alternate_on} #{cursor_flag}').trim()).toBe('0 1');
    expect(await caller.exited).toBe(0);
    expect(caller.stdout() + caller.stderr()).toMatch(/the other side hung up/);
  }, 150_000);

  it('the terminal going away (SIGHUP: SSH dropped) ends the call with BYE', async () => {
    const ini = join(dir, 'hup.ini');
    writeFileSync(ini, '');
    const port = await startPhone('hup', ini, join(dir, 'hup.wav'));
    const caller = call(port);
    await shows(/^>1 +incoming/m, 'the incoming call');
    keys('a');
    await shows(/^>1 +answered/m, 'answered');
    // Killing the session closes its terminal: the processes in it get SIGHUP.
    tmux('kill-session', '-t', 'hup');
    expect(await caller.exited).toBe(0);
    expect(caller.stdout() + caller.stderr()).toMatch(/the other side hung up/);
  }, 150_000);

  it('SIGHUP twice (the kernel, then a parent passing it on) still ends the call with BYE', async () => {
    const ini = join(dir, 'hup-twice.ini');
    writeFileSync(ini, '');
    const port = await startPhone('hup-twice', ini, join(dir, 'hup-twice.wav'));
    const caller = call(port);
    await shows(/^>1 +incoming/m, 'the incoming call');
    keys('a');
    await shows(/^>1 +answered/m, 'answered');
    // The pane runs sh, which runs timeout, which runs the phone.
    const shell = Number(tmux('display-message', '-p', '-t', 'hup-twice', '#{pane_pid}').trim());
    const phone = Number(childOf(childOf(shell)));
    process.kill(phone, 'SIGHUP');
    await new Promise((r) => setTimeout(r, 5));
    try {
      process.kill(phone, 'SIGHUP');
    } catch {
      // already gone: it ended its call and exited within those milliseconds
    }
    expect(await caller.exited).toBe(0);
    expect(caller.stdout() + caller.stderr()).toMatch(/the other side hung up/);
    // It has ended its call: a SIGHUP that comes while Node tears the process down may still end it
    // with 129 (no listener is left by then), which nobody on a closed terminal sees. (Read from a file:
    // on the screen it wraps wherever the phone's cursor was left.)
    const exit = join(dir, 'hup-twice-exit.txt');
    await waitFor(
      () => existsSync(exit) && /phone exited/.test(readFileSync(exit, 'utf8')),
      'the phone to exit',
      20_000,
    );
    expect(readFileSync(exit, 'utf8')).toMatch(/phone exited (0|129)/);
  }, 150_000);
});

/** The one child process of `pid` (its PID). */
function childOf(pid: number): number {
  const r = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' });
  const kids = r.stdout.trim().split('\n').filter(Boolean);
  if (kids.length !== 1) throw new Error(`process ${pid} has ${kids.length} children, not one`);
  return Number(kids[0]);
}
