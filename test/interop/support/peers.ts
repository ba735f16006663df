/**
 * Helpers for interop tests against real peers on loopback.
 *
 * House rules: a missing peer is a test failure (never a skip); every peer
 * runs under `timeout` and is ended by its own PID; readiness is awaited by
 * looking at the peer's sockets, never by sleeping; ports are picked free.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Which Debian package provides each peer binary (for the failure message). */
export const PEER_PACKAGES: Record<string, string> = {
  sipp: 'sip-tester',
  kamailio: 'kamailio',
  kamcmd: 'kamailio',
  baresip: 'baresip-core',
  turnserver: 'coturn',
  turnutils_stunclient: 'coturn',
  stun: 'stun-client',
  toast: 'libgsm-tools',
  untoast: 'libgsm-tools',
  opusenc: 'opus-tools',
  opusdec: 'opus-tools',
  opusinfo: 'opus-tools',
  sox: 'sox',
  soxi: 'sox',
  'espeak-ng': 'espeak-ng',
  flite: 'flite',
  pocketsphinx_continuous: 'pocketsphinx',
  tshark: 'tshark',
  aplay: 'alsa-utils',
  arecord: 'alsa-utils',
  pulseaudio: 'pulseaudio',
  pactl: 'pulseaudio-utils',
  ip: 'iproute2',
  iptables: 'iptables',
  chromium: 'chromium',
  timeout: 'coreutils',
  python3: 'python3',
  tmux: 'tmux',
  aiosmtpd: 'python3-aiosmtpd',
  svwar: 'sipvicious',
  dnsmasq: 'dnsmasq-base',
  svcrack: 'sipvicious',
  openssl: 'openssl',
};

/** The absolute path of a peer binary; throws (failing the test) when it is not installed. */
export function requireBinary(name: string): string {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const path = r.stdout.trim();
  if (r.status !== 0 || !path) {
    const pkg = PEER_PACKAGES[name] ?? name;
    throw new Error(`peer "${name}" is not installed: apt-get install ${pkg} (or run scripts/install-peers.sh)`);
  }
  return path;
}

/**
 * Test ports come from below the kernel's ephemeral range (where every
 * `bind(0)` of every process lands) and below shtoom's own RTP range
 * (16384 up): a port probed free here cannot be handed to someone's
 * `bind(0)` before the peer that was given it binds it. Picks are random
 * (test files run in parallel processes) and never repeated in a process.
 */
const TEST_PORT_MIN = 10_000;
const TEST_PORT_MAX = Math.min(16_383, ephemeralLow() - 1);
const handedOut = new Set<number>();

function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > TEST_PORT_MIN + 1000 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

async function pickPort(usable: (port: number) => Promise<boolean>, what: string): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = TEST_PORT_MIN + Math.floor(Math.random() * (TEST_PORT_MAX - TEST_PORT_MIN));
    if (handedOut.has(port) || !(await usable(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no ${what} found in ${TEST_PORT_MIN}-${TEST_PORT_MAX}`);
}

/** A free UDP port on 127.0.0.1 (and, when `pair`, the next port free too: RTP+RTCP). */
export async function freeUdpPort(pair = false): Promise<number> {
  return pickPort(
    async (port) =>
      pair
        ? port % 2 === 0 && !handedOut.has(port + 1) && (await udpFree(port)) && (await udpFree(port + 1))
        : udpFree(port),
    pair ? 'free even UDP port pair' : 'free UDP port',
  ).then((port) => {
    if (pair) handedOut.add(port + 1);
    return port;
  });
}

/** A port free for both UDP and TCP on 127.0.0.1 (SIP listens on both). */
export async function freeSipPort(): Promise<number> {
  return pickPort(async (port) => (await udpFree(port)) && (await tcpFree(port)), 'port free for UDP and TCP');
}

function bindUdp(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(port, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

async function udpFree(port: number): Promise<boolean> {
  try {
    await bindUdp(port);
    return true;
  } catch {
    return false;
  }
}

function tcpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** Whether something listens on a local port (read from /proc/net, no extra tools). */
export function isListening(port: number, proto: 'udp' | 'tcp'): boolean {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  for (const file of [`/proc/net/${proto}`, `/proc/net/${proto}6`]) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 4) continue;
      const local = cols[1]!;
      // TCP: state 0A is LISTEN. UDP sockets are "listening" once bound.
      if (local.endsWith(`:${hex}`) && (proto === 'udp' || cols[3] === '0A')) return true;
    }
  }
  return false;
}

/** Poll `check` until it is true; fail with `what` after `timeoutMs`. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (let i = 0; ; i++) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, Math.min(10 * 2 ** i, 100)));
  }
}

export interface Peer {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal name) when the process ends. */
  readonly exited: Promise<number | string>;
  /** End the process (SIGTERM, then SIGKILL after `graceMs`); resolves when it is gone. */
  stop(graceMs?: number): Promise<number | string>;
}

const running = new Set<Peer>();

export interface StartOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Hard limit in seconds (the peer runs under `timeout`). Default 120. */
  readonly timeoutSec?: number;
  /** Data written to stdin, which is then kept open or closed (`closeStdin`). */
  readonly stdin?: string;
}

/** Start a peer under `timeout`, capturing its output. */
export function startPeer(cmd: string, args: readonly string[], opts: StartOptions = {}): Peer {
  const bin = requireBinary(cmd);
  const child = spawn('timeout', ['-k', '5', String(opts.timeoutSec ?? 120), bin, ...args], {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  if (opts.stdin !== undefined) child.stdin!.write(opts.stdin);
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  const peer: Peer = {
    name: cmd,
    child,
    pid: child.pid!,
    stdout: () => out,
    stderr: () => err,
    exited,
    async stop(graceMs = 3000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(t);
      }
      running.delete(peer);
      return exited;
    },
  };
  running.add(peer);
  void exited.then(() => running.delete(peer));
  return peer;
}

/** Stop every peer still running (call from afterAll/afterEach). */
export async function stopAllPeers(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop()));
}

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The built CLI (`npm run build` makes it; `npm ci` runs the build). */
export const SHTOOM_BIN = join(ROOT, 'dist', 'bin', 'shtoom.js');

export interface RunResult {
  readonly code: number | string;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run the built `shtoom` CLI to completion (under `timeout`). */
export async function runShtoom(args: readonly string[], opts: StartOptions = {}): Promise<RunResult> {
  const p = startShtoom(args, opts);
  const code = await p.exited;
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

/**
 * `SHTOOM_TEST_SERVE_WORKERS=N` (not set in CI): every `shtoom serve` a test
 * starts without `--workers` runs its calls on N media workers, so the serve
 * tests can be run against workers as they are (`docs/workers.md`).
 */
function withTestWorkers(args: readonly string[]): readonly string[] {
  const n = process.env.SHTOOM_TEST_SERVE_WORKERS;
  if (!n || args[0] !== 'serve' || args.includes('--workers') || args.includes('--status')) return args;
  return [...args, '--workers', n];
}

/** Start the built `shtoom` CLI in the background (e.g. `serve`). */
export function startShtoom(args: readonly string[], opts: StartOptions = {}): Peer {
  return startPeer('node', [SHTOOM_BIN, ...withTestWorkers(args)], opts);
}

/** A UDP socket that takes every datagram and never answers (a peer that is there but silent). */
export async function silentUdpPeer(
  host = '127.0.0.1',
): Promise<{ port: number; count(): number; close(): Promise<void> }> {
  const s = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  let n = 0;
  s.on('message', () => n++);
  await new Promise<void>((r) => s.bind(0, host, () => r()));
  return { port: s.address().port, count: () => n, close: () => new Promise<void>((r) => s.close(() => r())) };
}

/** A UDP port where nothing listens, on 127.0.0.1 and ::1 (an ICMP port unreachable answers a datagram to it). */
export async function deadUdpPort(): Promise<number> {
  const bind = (type: 'udp4' | 'udp6', port: number) =>
    new Promise<number>((resolve) => {
      const s = createSocket(type);
      s.once('error', () => resolve(0));
      s.bind(port, type === 'udp4' ? '127.0.0.1' : '::1', () => {
        const p = s.address().port;
        s.close(() => resolve(p));
      });
    });
  for (let i = 0; i < 20; i++) {
    const port = await bind('udp4', 0);
    if ((await bind('udp6', port)) === port) return port;
  }
  throw new Error('no UDP port free on both 127.0.0.1 and ::1');
}
