/**
 * The echo load test of `serve.echo_concurrent_calls`, in pieces both the
 * echo benchmark and the conference benchmark (which runs it beside its
 * own, in the same run) use: starting `shtoom serve`, a bare Node echo, one
 * step of N echo calls measured, and its pass criteria.
 *
 * Every payload carries its send time and a counter, which an echo returns
 * unchanged: the generator measures each packet's round trip and counts
 * what did not come back.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type GeneratorPool, joinCalls, joinSeries } from './gen-pool.js';
import {
  type CallBehaviour,
  type LoadCall,
  type LoadGenerator,
  connectAll,
  cpuPercent,
  cpuTicks,
} from './load-generator.js';
import { percentile } from './report.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface EchoStep {
  calls: number;
  lost: number;
  sent: number;
  rttP50: number;
  rttP99: number;
  latenessP99: number;
  cpuPercent: number;
  /** The generator's own CPU (this process, every thread), percent of one core. */
  genCpuPercent: number;
  /** Generator threads (1: the generator in this thread). */
  genThreads: number;
}

/** The echo's payloads (send time, counter) and round trips, kept in `rtts` while a call's window is open. */
export function echoBehaviour(rtts: number[]): CallBehaviour {
  return {
    fill(c, payload) {
      payload.writeDoubleLE(performance.now(), 0);
      payload.writeUInt32LE(c.counter, 8);
      payload.fill(0xff, 12);
    },
    receive(c, msg, now) {
      if (msg.length < 12 + 16 || (msg[1]! >= 192 && msg[1]! <= 223)) return; // RTCP
      const off = 12 + 4 * (msg[0]! & 0x0f);
      const counter = msg.readUInt32LE(off + 8);
      if (counter >= c.windowFrom && counter < c.windowTo) {
        c.windowReceived++;
        rtts.push(now - msg.readDoubleLE(off));
      }
    },
  };
}

/** What one measured window of echo calls gave. */
export interface EchoWindow {
  sent: number;
  received: number;
  rtts: number[];
  lateness: number[];
}

/** What `echoStep` drives: the generator in this thread (`threadEcho`) or a pool of generator threads (`poolEcho`). */
export interface EchoLoad {
  readonly threads: number;
  /** Place calls 0..n-1 and start their media. */
  connect(n: number): Promise<void>;
  open(): Promise<void>;
  /** Close the window: what it measured (after waiting for what was still on its way back). */
  close(): Promise<EchoWindow>;
  /** Hang the calls up. */
  end(): Promise<void>;
}

/** The generator of this thread, its calls made by `connect(i)`. */
export function threadEcho(gen: LoadGenerator, rtts: number[], connect: (i: number) => Promise<LoadCall>): EchoLoad {
  let calls: LoadCall[] = [];
  return {
    threads: 1,
    async connect(n) {
      calls = await connectAll(n, connect);
      for (const c of calls) gen.start(c);
    },
    async open() {
      rtts.length = 0;
      gen.lateness.length = 0;
      for (const c of calls) {
        c.windowFrom = c.counter;
        c.windowReceived = 0;
      }
      gen.measuring = true;
    },
    async close() {
      gen.measuring = false;
      for (const c of calls) c.windowTo = c.counter;
      await new Promise((r) => setTimeout(r, 500)); // what is still on its way back
      return {
        sent: calls.reduce((s, c) => s + (c.windowTo - c.windowFrom), 0),
        received: calls.reduce((s, c) => s + c.windowReceived, 0),
        rtts: [...rtts],
        lateness: [...gen.lateness],
      };
    },
    async end() {
      await gen.end(calls);
      calls = [];
    },
  };
}

/** A pool of generator threads (`gen-pool.ts`, behaviour `echo`), its calls to `target(i)` or `port(i)`. */
export function poolEcho(
  pool: GeneratorPool,
  to: { target: (i: number) => string } | { port: (i: number) => number },
): EchoLoad {
  return {
    threads: pool.size,
    connect: (n) => pool.connect(n, to),
    open: () => pool.open(),
    async close() {
      const figures = await pool.close();
      const calls = joinCalls(figures);
      return {
        sent: calls.reduce((s, c) => s + c.sent, 0),
        received: calls.reduce((s, c) => s + c.received, 0),
        rtts: joinSeries(figures, 'rtts'),
        lateness: joinSeries(figures, 'lateness'),
      };
    },
    end: () => pool.end(),
  };
}

/** One step: `n` echo calls for `seconds` after a 2 s warm-up; the server's CPU from its pid, the generator's own. */
export async function echoStep(load: EchoLoad, serverPid: number, n: number, seconds: number): Promise<EchoStep> {
  await load.connect(n);
  await new Promise((r) => setTimeout(r, 2000));
  await load.open();
  const cpu0 = cpuTicks(serverPid);
  const gen0 = cpuTicks(process.pid);
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const elapsed = performance.now() - t0;
  const cpu1 = cpuTicks(serverPid);
  const gen1 = cpuTicks(process.pid);
  const w = await load.close();
  const result: EchoStep = {
    calls: n,
    sent: w.sent,
    lost: w.sent - w.received,
    rttP50: percentile(w.rtts, 50),
    rttP99: percentile(w.rtts, 99),
    latenessP99: percentile(w.lateness, 99),
    cpuPercent: cpuPercent(cpu0, cpu1, elapsed),
    genCpuPercent: cpuPercent(gen0, gen1, elapsed),
    genThreads: load.threads,
  };
  await load.end();
  await new Promise((r) => setTimeout(r, 500));
  return result;
}

export const echoOk = (r: EchoStep): boolean => r.lost === 0 && r.rttP99 < 10 && r.latenessP99 < 2;

export function echoLine(r: EchoStep, ok: boolean): string {
  return (
    `${r.calls} calls: ${r.sent} packets out, ${r.lost} lost, round trip p50 ${r.rttP50.toFixed(3)} ms ` +
    `p99 ${r.rttP99.toFixed(3)} ms, generator lateness p99 ${r.latenessP99.toFixed(3)} ms, ` +
    `CPU ${r.cpuPercent.toFixed(1)} %, generator CPU ${r.genCpuPercent.toFixed(1)} % on ${r.genThreads} ` +
    `thread${r.genThreads === 1 ? '' : 's'}${ok ? '' : ' (fails)'}`
  );
}

/** A process's resident memory (VmRSS), KiB. */
export function rssKb(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for process ${pid}`);
  return Number(m[1]);
}

/**
 * Resident memory per idle call, KiB: the server's RSS with `n` calls set up
 * and no media flowing, less its RSS before them (each read after a second
 * to settle); the calls are then ended.
 */
export async function rssPerIdleCall(
  gen: LoadGenerator,
  serverPid: number,
  n: number,
  connect: (i: number) => Promise<LoadCall>,
): Promise<number> {
  await new Promise((r) => setTimeout(r, 1000));
  const before = rssKb(serverPid);
  const calls = await connectAll(n, connect);
  await new Promise((r) => setTimeout(r, 1000));
  const during = rssKb(serverPid);
  await gen.end(calls);
  await new Promise((r) => setTimeout(r, 500));
  return (during - before) / n;
}

/**
 * `serve APP`'s arguments for a load test on loopback: UDP and RTP on
 * 127.0.0.1, quiet logs, no capacity limit (the load decides).
 */
export function loadServerArgs(app: string, port: number, logLevel = 'warn'): string[] {
  return [
    app,
    '--listen',
    `udp:127.0.0.1:${port}`,
    '--rtp-address',
    '127.0.0.1',
    '--log-level',
    logLevel,
    '--capacity',
    '100000',
  ];
}

/**
 * SHTOOM_BENCH_PERF_MAP=1: the served process writes a map of its compiled
 * JavaScript for `perf` (`perf record -g -p PID` then names JS functions;
 * code is not moved by the GC, so the names stay right).
 */
export function perfMapFlags(): string[] {
  return process.env.SHTOOM_BENCH_PERF_MAP === '1'
    ? ['--perf-basic-prof', '--no-compact-code-space', '--interpreted-frames-native-stack']
    : [];
}

/**
 * `shtoom serve ARGS…` in its own process (through tsx), optionally behind
 * a command prefix (`taskset -c 1`, `chrt -f 10`) and with node flags;
 * resolves once it says it is serving.
 */
export async function startServe(
  args: readonly string[],
  opts: { prefix?: readonly string[]; nodeFlags?: readonly string[] } = {},
): Promise<ChildProcess> {
  const cmd = [...(opts.prefix ?? []), process.execPath];
  // SHTOOM_BENCH_BUILT=1: the built CLI (npm run build) instead of the sources through tsx.
  // SHTOOM_BENCH_ROOT=DIR: the shtoom of another checkout (a before/after comparison by the same load).
  const from = process.env.SHTOOM_BENCH_ROOT ?? root;
  const entry =
    process.env.SHTOOM_BENCH_BUILT === '1'
      ? [join(from, 'dist/bin/shtoom.js')]
      : ['--import', 'tsx', join(from, 'bin/shtoom.ts')];
  const flags = [...(opts.nodeFlags ?? []), ...perfMapFlags()];
  const child = spawn(cmd[0]!, [...cmd.slice(1), ...flags, ...entry, 'serve', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('serving') && resolve());
    child.once('exit', (c) => reject(new Error(`serve exited ${c}`)));
  });
  return child;
}

/** A bare Node echo with `n` sockets, in its own process; resolves with its pid and ports. */
export async function bareEcho(
  n: number,
  prefix: readonly string[] = [],
): Promise<{ pid: number; ports: number[]; stop: () => void }> {
  const code = `const d=require('node:dgram');const ports=[];let left=${n};
for(let i=0;i<${n};i++){const s=d.createSocket('udp4');s.on('message',(m,r)=>s.send(m,r.port,r.address));
s.bind(0,'127.0.0.1',()=>{ports.push(s.address().port);if(--left===0)console.log(JSON.stringify(ports));});}`;
  const cmd = [...prefix, process.execPath];
  const child = spawn(cmd[0]!, [...cmd.slice(1), '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ports = await new Promise<number[]>((resolve) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(JSON.parse(out) as number[]);
    });
  });
  return { pid: child.pid!, ports, stop: () => void child.kill('SIGTERM') };
}
