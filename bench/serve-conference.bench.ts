/**
 * conference.participants_per_core: the most participants one `shtoom serve
 * conference` process, pinned to one core, holds in rooms of 10 — PCMU, 50
 * packets a second each way per participant — with nothing lost either
 * way, no participant's output missing ticks, and the mix right; beside
 * it, in the same run and pinned to the same core, the echo's figure
 * (`serve.echo_concurrent_calls`, the same load generator and criteria as
 * `serve-echo.bench.ts`), and the ratio of the two (the goal: at least 0.8
 * of the echo's, and at least 500 participants).
 *
 * The load: the project's load generator (`lib/load-generator.ts`) on
 * SHTOOM_BENCH_GEN_WORKERS threads of this process (`lib/gen-pool.ts`;
 * default half the cores and at least two), all pinned to the other core, places the calls (rooms
 * `bench-0`, `bench-1`, … of 10 each, no PIN). In every room three
 * participants talk — a tone each, 600, 1000 and 1400 Hz — and the other
 * seven send silence, as a conference sounds. Participant 0 of room 0 is
 * the probe: it decodes what it hears, and the step fails unless all three
 * of its room's talkers are in it.
 *
 * A step (after the calls are set up and the join prompts are over) is
 * measured for SHTOOM_BENCH_CONF_SECONDS (default 10). It holds when:
 * - the server lost nothing we sent (its status file: every participant's
 *   loss 0 %);
 * - we lost nothing it sent (no gap in any participant's sequence numbers);
 * - no participant's output missed ticks: each got its 50 packets a second
 *   (two fewer in the window at most, for its edges), and the p99 of the
 *   deviation of its packets' spacing from 20 ms is under 10 ms;
 * - the generator kept its own clock (send lateness p99 under 2 ms);
 * - the probe heard its three talkers.
 *
 * Steps: 100, 200, … (SHTOOM_BENCH_CONF_STEPS, or up to
 * SHTOOM_BENCH_CONF_MAX, default 1000); a failed step gets a second chance
 * (the machine is shared). The CPU of each server is read from /proc over
 * the window. Pinning uses `taskset`; the echo climbs the same steps.
 * SHTOOM_BENCH_CONF_PROFILE=DIR runs the conference server under
 * `node --cpu-prof`, its media clock at the normal priority (a raised one
 * starves the profiler's sampling thread on the shared core); SHTOOM_BENCH_CONF_SKIP_ECHO=1 leaves the echo out
 * (for profiling only: the figure needs its reference).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOM, TALKERS, talkersHeard } from './lib/conference-load.js';
import { type EchoStep, echoLine, echoOk, echoStep, loadServerArgs, poolEcho, startServe } from './lib/echo-load.js';
import { GeneratorPool, genWorkers, joinCalls, joinSeries } from './lib/gen-pool.js';
import { climb, cpuPercent, cpuTicks } from './lib/load-generator.js';
import { freePort } from './lib/ports.js';
import { note, percentile, report } from './lib/report.js';

const SECONDS = Number(process.env.SHTOOM_BENCH_CONF_SECONDS ?? 10);
const MAX = Number(process.env.SHTOOM_BENCH_CONF_MAX ?? 1000);
const STEPS = process.env.SHTOOM_BENCH_CONF_STEPS
  ? process.env.SHTOOM_BENCH_CONF_STEPS.split(',').map(Number)
  : [100, 200, 300, 400, 500, 600, 700, 800, 1000, 1200].filter((n) => n <= MAX);
const PROFILE = process.env.SHTOOM_BENCH_CONF_PROFILE;
const SKIP_ECHO = process.env.SHTOOM_BENCH_CONF_SKIP_ECHO === '1';
const SERVER_CORE = '1';
const GENERATOR_CORE = '0';

// The generator (every thread of this process) on one core, the servers on the other.
const pinned = spawnSync('taskset', ['-a', '-p', '-c', GENERATOR_CORE, String(process.pid)], { encoding: 'utf8' });
if (pinned.status !== 0) throw new Error(`taskset failed: ${pinned.stderr}`);
const serverPrefix = ['taskset', '-c', SERVER_CORE];

interface ConfStep {
  calls: number;
  /** Packets the server says it lost of ours (its status). */
  serverLost: number;
  /** Participants whose status the server did not show. */
  unseen: number;
  /** Packets we never got (sequence gaps). */
  gaps: number;
  /** Participants that got fewer packets than 50 a second. */
  short: number;
  spacingP99: number;
  latenessP99: number;
  probe: number[];
  cpuPercent: number;
  /** Frames the server's jitter buffers made up over the calls (lost or late packets), and late packets. */
  concealed: number;
  late: number;
}

interface StatusFile {
  rooms: { participants: { packetsIn: number; lossPercent: number; concealed?: number; late?: number }[] }[];
}

async function conferenceStep(
  pool: GeneratorPool,
  serverPid: number,
  statusFile: string,
  target: (room: number) => string,
  n: number,
): Promise<ConfStep> {
  await pool.connect(n, { target: (i) => target(Math.floor(i / ROOM)) });
  // The join prompts ("there are 10 participants…") are over by then.
  await new Promise((r) => setTimeout(r, 4000));
  await pool.open();
  const cpu0 = cpuTicks(serverPid);
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const elapsed = performance.now() - t0;
  const cpu1 = cpuTicks(serverPid);
  const figures = await pool.close();
  // The status is rewritten every second: read one written after the window.
  await new Promise((r) => setTimeout(r, 1000));
  const status = JSON.parse(readFileSync(statusFile, 'utf8')) as StatusFile;
  const seen = status.rooms.flatMap((r) => r.participants);
  const expected = Math.floor((elapsed / 1000) * 50);
  const states = joinCalls(figures).map((c) => c.conf!);
  const probe = figures.find((f) => f.probe)?.probe ?? new Int16Array(0);
  const result: ConfStep = {
    calls: n,
    serverLost: seen.filter((p) => p.lossPercent > 0).length,
    unseen: n - seen.length,
    gaps: states.reduce((s, x) => s + x.gaps, 0),
    short: states.filter((x) => x.received + x.gaps < expected - 2).length,
    spacingP99: percentile(joinSeries(figures, 'spacing'), 99),
    latenessP99: percentile(joinSeries(figures, 'lateness'), 99),
    probe: talkersHeard(probe),
    cpuPercent: cpuPercent(cpu0, cpu1, elapsed),
    concealed: seen.reduce((a, p) => a + (p.concealed ?? 0), 0),
    late: seen.reduce((a, p) => a + (p.late ?? 0), 0),
  };
  await pool.end();
  await new Promise((r) => setTimeout(r, 1000));
  return result;
}

const confOk = (r: ConfStep): boolean =>
  r.serverLost === 0 &&
  r.unseen === 0 &&
  r.gaps === 0 &&
  r.short === 0 &&
  r.spacingP99 < 10 &&
  r.latenessP99 < 2 &&
  r.probe.length === TALKERS.length;

function confLine(r: ConfStep, ok: boolean): string {
  return (
    `${r.calls} participants in ${r.calls / ROOM} rooms: server lost ours for ${r.serverLost}` +
    `${r.unseen ? ` (${r.unseen} not in its status)` : ''}, ${r.gaps} of its packets lost, ${r.short} short of ` +
    `50/s, spacing off 20 ms p99 ${r.spacingP99.toFixed(2)} ms, generator lateness p99 ` +
    `${r.latenessP99.toFixed(3)} ms, probe heard ${r.probe.join('+') || 'nothing'} Hz, server concealed ` +
    `${r.concealed} frames (${r.late} late packets) over the calls, CPU ` +
    `${r.cpuPercent.toFixed(1)} %${ok ? '' : ' (fails)'}`
  );
}

note(`load average before: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);

// 1. The echo, pinned like the conference will be.
const echoPort = await freePort();
const echo = await startServe(
  // One thread (the default), like the conference (media workers: docs/workers.md).
  loadServerArgs('echo', echoPort),
  { prefix: serverPrefix },
);
const echoPool = await GeneratorPool.start(genWorkers(), { behaviour: 'echo' });
let echoBest: EchoStep | undefined;
let echoFailed: EchoStep | undefined;
try {
  if (!SKIP_ECHO)
    ({ best: echoBest, failedAt: echoFailed } = await climb(
      'shtoom serve echo (pinned)',
      STEPS,
      (n) => echoStep(poolEcho(echoPool, { target: () => `sip:echo@127.0.0.1:${echoPort}` }), echo.pid!, n, SECONDS),
      echoOk,
      echoLine,
    ));
} finally {
  echo.kill('SIGTERM');
  await echoPool.stop();
}

// 2. The conference.
const confPort = await freePort();
const statusFile = join(tmpdir(), `shtoom-bench-conference-${process.pid}.json`);
const conf = await startServe(
  [
    'conference',
    '--listen',
    `udp:127.0.0.1:${confPort}`,
    '--rtp-address',
    '127.0.0.1',
    '--log-level',
    'warn',
    '--capacity',
    '100000',
    '--status-file',
    statusFile,
    // Profiling: the media clock's thread at the normal priority, or the
    // profiler's sampling thread (pinned to the same core) never runs while
    // it is busy and the profile shows only its idle time.
    ...(PROFILE ? ['--rtp-clock-realtime', '0', '--rtp-clock-priority', '0'] : []),
  ],
  { prefix: serverPrefix, ...(PROFILE ? { nodeFlags: ['--cpu-prof', '--cpu-prof-dir', PROFILE] } : {}) },
);
const confPool = await GeneratorPool.start(genWorkers(), { behaviour: 'conference' });
let best: ConfStep | undefined;
let failedAt: ConfStep | undefined;
try {
  ({ best, failedAt } = await climb(
    'shtoom serve conference (pinned)',
    STEPS,
    (n) => conferenceStep(confPool, conf.pid!, statusFile, (room) => `sip:bench-${room}@127.0.0.1:${confPort}`, n),
    confOk,
    confLine,
  ));
} finally {
  conf.kill('SIGTERM');
  await confPool.stop();
}
note(`load average after: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
note(
  `servers pinned to core ${SERVER_CORE}, generator to core ${GENERATOR_CORE}; ${SECONDS} s per step ` +
    `(SHTOOM_BENCH_CONF_SECONDS), steps ${STEPS.join(', ')}; echo: ` +
    `${echoFailed ? `${echoFailed.calls} calls failed` : 'held every step (a lower bound)'}; conference: ` +
    `${failedAt ? `${failedAt.calls} participants failed` : 'held every step (a lower bound)'}`,
);
report('serve.echo_concurrent_calls', echoBest?.calls ?? 0, 'calls');
if (echoBest) report('serve.echo_cpu_percent', echoBest.cpuPercent, '%');
report('conference.participants_per_core', best?.calls ?? 0, 'participants');
if (best) {
  report('conference.cpu_percent', best.cpuPercent, '%');
  report('conference.output_spacing_p99_ms', best.spacingP99, 'ms');
}
if (echoBest && best) report('conference.vs_echo', best.calls / echoBest.calls, 'x');
