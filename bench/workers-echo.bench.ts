/**
 * serve.echo_concurrent_calls_all_cores: the most concurrent G.711 echo
 * calls one `shtoom serve echo --workers N` process holds (N media worker
 * threads, default: the number of cores; docs/workers.md), beside the same
 * server on one thread (`--workers 1`) in the same run, and the ratio of
 * the two (the goal: at least 0.9 x N).
 *
 * The same load, steps and criteria as `serve-echo.bench.ts` (zero lost
 * packets, round-trip p99 under 10 ms, generator lateness p99 under 2 ms;
 * a failed step is run once more): the project's load generator
 * (`lib/load-generator.ts`) on SHTOOM_BENCH_GEN_WORKERS threads of this
 * process (`lib/gen-pool.ts`; default half the cores, at least two) places the calls and
 * sends 50 PCMU packets a second on each. On a machine with N cores the
 * generator threads compete with the N workers, so the all-cores figure is
 * also bounded by the machine the generator shares.
 *
 * Env: SHTOOM_BENCH_SERVE_WORKERS (default: the number of cores),
 * SHTOOM_BENCH_SERVE_SECONDS (default 10), SHTOOM_BENCH_SERVE_MAX (default
 * 2000) or SHTOOM_BENCH_SERVE_STEPS (a comma-separated list).
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { type EchoStep, echoLine, echoOk, echoStep, loadServerArgs, poolEcho, startServe } from './lib/echo-load.js';
import { GeneratorPool, genWorkers } from './lib/gen-pool.js';
import { climb } from './lib/load-generator.js';
import { freePort } from './lib/ports.js';
import { note, report } from './lib/report.js';

const SECONDS = Number(process.env.SHTOOM_BENCH_SERVE_SECONDS ?? 10);
const MAX = Number(process.env.SHTOOM_BENCH_SERVE_MAX ?? 2000);
const STEPS = process.env.SHTOOM_BENCH_SERVE_STEPS
  ? process.env.SHTOOM_BENCH_SERVE_STEPS.split(',').map(Number)
  : [50, 100, 200, 400, 600, 800, 1000, 1200, 1500, 2000, 2500, 3000].filter((n) => n <= MAX);
const WORKERS = Number(process.env.SHTOOM_BENCH_SERVE_WORKERS ?? availableParallelism());

const pool = await GeneratorPool.start(genWorkers(), { behaviour: 'echo' });

/** One server with `workers` media workers, climbed to its first failing step. */
async function climbServe(workers: number): Promise<{ best?: EchoStep; failedAt?: EchoStep }> {
  const port = await freePort();
  const server = await startServe([...loadServerArgs('echo', port), '--workers', String(workers)]);
  const target = `sip:echo@127.0.0.1:${port}`;
  try {
    return await climb(
      `shtoom serve echo --workers ${workers}`,
      STEPS,
      (n) => echoStep(poolEcho(pool, { target: () => target }), server.pid!, n, SECONDS),
      echoOk,
      echoLine,
    );
  } finally {
    const gone = new Promise((r) => server.once('exit', r));
    server.kill('SIGTERM');
    await gone;
  }
}

const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const loadBefore = load();
let one: { best?: EchoStep; failedAt?: EchoStep } = {};
let all: { best?: EchoStep; failedAt?: EchoStep } = {};
try {
  one = await climbServe(1);
  all = await climbServe(WORKERS);
} finally {
  await pool.stop();
}
const held = (r: { failedAt?: EchoStep }) => (r.failedAt ? `${r.failedAt.calls} calls failed` : 'held every step');
note(
  `measured for ${SECONDS} s per step, steps ${STEPS.join(', ')}; ${availableParallelism()} cores, ` +
    `load average ${loadBefore} before, ${load()} after; one thread: ${held(one)}; ` +
    `${WORKERS} workers: ${held(all)}; ${pool.size} generator thread${pool.size === 1 ? '' : 's'} ` +
    '(SHTOOM_BENCH_GEN_WORKERS)',
);
const oneCalls = one.best?.calls ?? 0;
const allCalls = all.best?.calls ?? 0;
report('serve.echo_concurrent_calls_one_core', oneCalls, 'calls');
report('serve.echo_concurrent_calls_all_cores', allCalls, 'calls');
report('serve.echo_all_cores_workers', WORKERS, 'workers');
report('serve.echo_all_cores_ratio', oneCalls > 0 ? Number((allCalls / oneCalls).toFixed(2)) : 0, 'x');
if (all.best) {
  report('serve.echo_all_cores_rtt_p99_ms', all.best.rttP99, 'ms');
  report('serve.echo_all_cores_cpu_percent', all.best.cpuPercent, '%');
}
