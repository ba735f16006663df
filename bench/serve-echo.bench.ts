/**
 * serve.echo_concurrent_calls: the most concurrent G.711 echo calls one
 * `shtoom serve echo` process holds with zero lost packets, a round-trip
 * p99 under 10 ms and the load generator's send lateness p99 under 2 ms;
 * its CPU in percent of one core.
 *
 * The calls are placed by a load generator of ours, in this process: a
 * `UserAgent` sets each call up (PCMU, rtcp-mux), then
 * each call sends a 20 ms PCMU packet 50 times a second from its own UDP
 * socket on the precise media clock. Every payload carries its send time
 * and a counter, which the echo returns unchanged (re-originated under its
 * own SSRC and sequence numbers): the generator measures each packet's
 * round trip and counts what did not come back. The server's CPU comes from
 * /proc/PID/stat over the measured window.
 *
 * Steps of concurrent calls: 50, 100, 200, 400, 600, 800, 1000, … up to
 * SHTOOM_BENCH_SERVE_MAX (default 1000), or the comma-separated list in
 * SHTOOM_BENCH_SERVE_STEPS; each held SHTOOM_BENCH_SERVE_SECONDS (default 10;
 * the issue's figure is for 60 s — the machine is shared) after a 2 s
 * warm-up. A step that fails a criterion is run once more (the machine is
 * shared); failing twice ends the run.
 *
 * Reference, in the same run: the same generator against a bare Node UDP
 * echo (one socket per call, `socket.send` of each datagram as it arrives;
 * no SIP, no RTP parsing) — what Node itself costs. It climbs the same steps
 * with the same criteria (`serve.echo_reference_node_calls`: the honest
 * ceiling of a one-socket-per-call Node echo on this machine), and its
 * figures at shtoom's best step are reported beside shtoom's.
 *
 * SHTOOM_BENCH_SERVE_PROFILE=DIR runs the served process under
 * `node --cpu-prof --cpu-prof-dir DIR` (a .cpuprofile written when it exits).
 * SHTOOM_BENCH_REFERENCE_FIFO=PRIO runs the bare echo under `chrt -f PRIO`,
 * in the real-time class `shtoom serve echo` raises itself to when
 * permitted (`--rtp-clock-realtime`); by default it runs at normal priority.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PreciseMediaScheduler } from '../src/net/rtp-media-clock.js';
import type { MediaStream } from '../src/rtp/media-scheduler.js';
import { createOffer, processAnswer } from '../src/sdp/offer-answer.js';
import { parseSdp } from '../src/sdp/parse.js';
import { serializeSdp } from '../src/sdp/serialize.js';
import type { Dialog } from '../src/sip/api/dialog.js';
import { UserAgent } from '../src/sip/api/user-agent.js';
import { freePort } from './lib/ports.js';
import { note, percentile, report } from './lib/report.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SECONDS = Number(process.env.SHTOOM_BENCH_SERVE_SECONDS ?? 10);
const MAX = Number(process.env.SHTOOM_BENCH_SERVE_MAX ?? 1000);
const STEPS = process.env.SHTOOM_BENCH_SERVE_STEPS
  ? process.env.SHTOOM_BENCH_SERVE_STEPS.split(',').map(Number)
  : [50, 100, 200, 400, 600, 800, 1000, 1200, 1500, 2000].filter((n) => n <= MAX);
const PROFILE = process.env.SHTOOM_BENCH_SERVE_PROFILE;
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);
const PAYLOAD = 160;

function cpuTicks(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime
}

/** One call of the load generator. */
class LoadCall {
  socket!: Socket;
  dialog: Dialog | undefined;
  remote!: { address: string; port: number };
  stream: MediaStream | undefined;
  seq = Math.floor(Math.random() * 65536);
  ts = Math.floor(Math.random() * 2 ** 32);
  counter = 0;
  windowFrom = Infinity;
  windowTo = Infinity;
  windowReceived = 0;
  constructor(readonly index: number) {}
}

class Generator {
  readonly clock = new PreciseMediaScheduler({ strategy: 'atomics', realtime: 10, priority: -10 });
  readonly rtts: number[] = [];
  readonly lateness: number[] = [];
  measuring = false;
  private readonly ssrc = 0x5107;

  constructor(private readonly ua: UserAgent) {}

  private async open(index: number): Promise<LoadCall> {
    const c = new LoadCall(index);
    c.socket = createSocket('udp4');
    await new Promise<void>((r) => c.socket.bind(0, '127.0.0.1', () => r()));
    c.socket.on('message', (msg) => this.receive(c, msg));
    return c;
  }

  /** A stream straight to a port (the bare echo). */
  async direct(index: number, port: number): Promise<LoadCall> {
    const c = await this.open(index);
    c.remote = { address: '127.0.0.1', port };
    return c;
  }

  /** A SIP call (shtoom serve echo). */
  async place(index: number, target: string): Promise<LoadCall> {
    const c = await this.open(index);
    const offer = createOffer({
      address: '127.0.0.1',
      port: c.socket.address().port,
      formats: [{ name: 'PCMU', clockRate: 8000 }],
      rtcpMux: true,
    });
    const inv = this.ua.invite(target, { body: serializeSdp(offer) });
    c.dialog = await inv.answered;
    const n = processAnswer(offer, parseSdp(Buffer.from(inv.response!.body).toString()));
    c.remote = n.remoteRtp!;
    return c;
  }

  start(c: LoadCall): void {
    c.stream = this.clock.add(({ due, now }) => {
      if (this.measuring) this.lateness.push(now - due);
      const b = Buffer.allocUnsafe(12 + PAYLOAD);
      b[0] = 0x80;
      b[1] = 0;
      b.writeUInt16BE(c.seq, 2);
      b.writeUInt32BE(c.ts >>> 0, 4);
      b.writeUInt32BE(this.ssrc + c.index, 8);
      b.writeDoubleLE(performance.now(), 12);
      b.writeUInt32LE(c.counter++, 20);
      b.fill(0xff, 24);
      c.seq = (c.seq + 1) & 0xffff;
      c.ts = (c.ts + 160) >>> 0;
      c.socket.send(b, c.remote.port, c.remote.address);
    });
  }

  private receive(c: LoadCall, msg: Buffer): void {
    if (msg.length < 12 + 16 || (msg[1]! >= 192 && msg[1]! <= 223)) return; // RTCP
    const off = 12 + 4 * (msg[0]! & 0x0f);
    const sent = msg.readDoubleLE(off);
    const counter = msg.readUInt32LE(off + 8);
    if (counter >= c.windowFrom && counter < c.windowTo) {
      c.windowReceived++;
      this.rtts.push(performance.now() - sent);
    }
  }
}

interface StepResult {
  calls: number;
  lost: number;
  sent: number;
  rttP50: number;
  rttP99: number;
  latenessP99: number;
  cpuPercent: number;
}

async function step(
  gen: Generator,
  serverPid: number,
  n: number,
  connect: (i: number) => Promise<LoadCall>,
): Promise<StepResult> {
  const calls: LoadCall[] = [];
  // Set up 25 at a time.
  for (let i = 0; i < n; i += 25) {
    const batch = await Promise.all(Array.from({ length: Math.min(25, n - i) }, (_, k) => connect(i + k)));
    calls.push(...batch);
  }
  for (const c of calls) gen.start(c);
  await new Promise((r) => setTimeout(r, 2000));
  gen.rtts.length = 0;
  gen.lateness.length = 0;
  for (const c of calls) {
    c.windowFrom = c.counter;
    c.windowReceived = 0;
  }
  const cpu0 = cpuTicks(serverPid);
  const t0 = performance.now();
  gen.measuring = true;
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  gen.measuring = false;
  const elapsed = performance.now() - t0;
  const cpu1 = cpuTicks(serverPid);
  for (const c of calls) c.windowTo = c.counter;
  await new Promise((r) => setTimeout(r, 500)); // what is still on its way back
  for (const c of calls) c.stream?.stop();
  const sent = calls.reduce((s, c) => s + (c.windowTo - c.windowFrom), 0);
  const got = calls.reduce((s, c) => s + c.windowReceived, 0);
  const result: StepResult = {
    calls: n,
    sent,
    lost: sent - got,
    rttP50: percentile(gen.rtts, 50),
    rttP99: percentile(gen.rtts, 99),
    latenessP99: percentile(gen.lateness, 99),
    cpuPercent: (100 * (cpu1 - cpu0)) / CLK_TCK / (elapsed / 1000),
  };
  await Promise.all(calls.map((c) => c.dialog?.bye().catch(() => undefined)));
  for (const c of calls) c.socket.close();
  await new Promise((r) => setTimeout(r, 500));
  return result;
}

/** A bare Node echo with `n` sockets, in its own process; resolves with its pid and ports. */
async function bareEcho(n: number): Promise<{ pid: number; ports: number[]; stop: () => void }> {
  const code = `const d=require('node:dgram');const ports=[];let left=${n};
for(let i=0;i<${n};i++){const s=d.createSocket('udp4');s.on('message',(m,r)=>s.send(m,r.port,r.address));
s.bind(0,'127.0.0.1',()=>{ports.push(s.address().port);if(--left===0)console.log(JSON.stringify(ports));});}`;
  const cmd = process.env.SHTOOM_BENCH_REFERENCE_FIFO
    ? ['chrt', '-f', process.env.SHTOOM_BENCH_REFERENCE_FIFO, process.execPath]
    : [process.execPath];
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

function line(r: StepResult, ok: boolean): string {
  return `${r.calls} calls: ${r.sent} packets out, ${r.lost} lost, round trip p50 ${r.rttP50.toFixed(3)} ms p99 ${r.rttP99.toFixed(3)} ms, generator lateness p99 ${r.latenessP99.toFixed(3)} ms, CPU ${r.cpuPercent.toFixed(1)} %${ok ? '' : ' (fails)'}`;
}

const port = await freePort();
const server = spawn(
  process.execPath,
  [
    ...(PROFILE ? ['--cpu-prof', '--cpu-prof-dir', PROFILE] : []),
    ...['--import', 'tsx', join(root, 'bin/shtoom.ts')],
    ...[
      'serve',
      'echo',
      '--listen',
      `udp:127.0.0.1:${port}`,
      '--rtp-address',
      '127.0.0.1',
      '--log-level',
      'warn',
      '--capacity',
      '100000',
    ],
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
await new Promise<void>((resolve, reject) => {
  server.stdout!.on('data', (d: Buffer) => d.toString().includes('serving') && resolve());
  server.once('exit', (c) => reject(new Error(`serve exited ${c}`)));
});
const ua = await UserAgent.create({ listen: 'udp:127.0.0.1:0', aor: 'sip:load@127.0.0.1' });
const gen = new Generator(ua);
const target = `sip:echo@127.0.0.1:${port}`;
const ok = (r: StepResult): boolean => r.lost === 0 && r.rttP99 < 10 && r.latenessP99 < 2;

/** Climb the steps (a failed step gets a second chance); the last step that held and the one that failed. */
async function climb(
  label: string,
  run: (n: number) => Promise<StepResult>,
  seen: (r: StepResult) => void = () => undefined,
): Promise<{ best?: StepResult; failedAt?: StepResult }> {
  let best: StepResult | undefined;
  for (const n of STEPS) {
    let r = await run(n);
    note(`${label}, ${line(r, ok(r))}`);
    seen(r);
    if (!ok(r)) {
      // A shared machine has hiccups: a step gets a second chance.
      r = await run(n);
      note(`${label}, again: ${line(r, ok(r))}`);
      seen(r);
    }
    if (!ok(r)) return { ...(best ? { best } : {}), failedAt: r };
    best = r;
  }
  return best ? { best } : {};
}

let best: StepResult | undefined;
let failedAt: StepResult | undefined;
let reference: StepResult | undefined;
let refBest: StepResult | undefined;
let refFailedAt: StepResult | undefined;
try {
  ({ best, failedAt } = await climb('shtoom serve echo', (n) =>
    step(gen, server.pid!, n, (i) => gen.place(i, target)),
  ));
} finally {
  server.kill('SIGTERM');
}
try {
  // The reference climbs on its own; its figures at shtoom's best step are the comparison.
  ({ best: refBest, failedAt: refFailedAt } = await climb(
    'bare Node echo (reference)',
    async (n) => {
      const bare = await bareEcho(n);
      try {
        return await step(gen, bare.pid, n, (i) => gen.direct(i, bare.ports[i]!));
      } finally {
        bare.stop();
      }
    },
    (r) => {
      if (best && r.calls === best.calls && (!reference || ok(r))) reference = r;
    },
  ));
} finally {
  gen.clock.close();
  await ua.close();
}
note(
  `measured for ${SECONDS} s per step (SHTOOM_BENCH_SERVE_SECONDS), steps ${STEPS.join(', ')} (SHTOOM_BENCH_SERVE_MAX, SHTOOM_BENCH_SERVE_STEPS)` +
    `; shtoom: ${failedAt ? `${failedAt.calls} calls failed the criteria` : 'held every step'}` +
    `; bare Node echo: ${refFailedAt ? `${refFailedAt.calls} calls failed the criteria` : 'held every step (its figure is a lower bound: raise SHTOOM_BENCH_SERVE_MAX)'}`,
);
report('serve.echo_concurrent_calls', best?.calls ?? 0, 'calls');
if (best) {
  report('serve.echo_rtt_p99_ms', best.rttP99, 'ms');
  report('serve.echo_rtt_p50_ms', best.rttP50, 'ms');
  report('serve.echo_cpu_percent', best.cpuPercent, '%');
  report('serve.echo_generator_lateness_p99_ms', best.latenessP99, 'ms');
}
report('serve.echo_reference_node_calls', refBest?.calls ?? 0, 'calls');
if (reference) {
  report('serve.echo_reference_node_cpu_percent', reference.cpuPercent, '%');
  report('serve.echo_reference_node_rtt_p99_ms', reference.rttP99, 'ms');
}
