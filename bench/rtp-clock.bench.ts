/**
 * The media clock: 1,000 sessions on one process with a busy loop
 * on the other core, tick lateness (p50/p99/max) and the drift of the last
 * tick against start + n x 20 ms, for each way of waiting, with the CPU each
 * costs; and the seed's naive `setTimeout(20)` re-arm beside it.
 *
 * The product default is `atomics` with the clock's thread in the real-time
 * class (`rtp.clock-realtime` 10), else at nice -10 (`rtp.clock-priority`);
 * both need root or CAP_SYS_NICE, so run the benchmark as root to measure
 * the default. Variants: `timer` and `spin` waits, `atomics` at nice -10
 * only and with no priority, and with a busy main thread, the clock on it
 * versus in a worker thread.
 *
 * SHTOOM_BENCH_CLOCK_SECONDS (default 60): length of the default-clock and
 * naive runs. SHTOOM_BENCH_CLOCK_VARIANT_SECONDS (default 15): length of the
 * other variants. SHTOOM_BENCH_CLOCK_SESSIONS (default 1000).
 */
import { spawn } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { note, report } from './lib/report.js';
import { runClock, runNaive, type ClockPriority, type ClockRun } from './rtp-clock-load.js';

const SECONDS = Number(process.env.SHTOOM_BENCH_CLOCK_SECONDS ?? 60);
const VARIANT_SECONDS = Number(process.env.SHTOOM_BENCH_CLOCK_VARIANT_SECONDS ?? 15);
const SESSIONS = Number(process.env.SHTOOM_BENCH_CLOCK_SESSIONS ?? 1000);

function pct(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function summarise(prefix: string, r: ClockRun): void {
  const sorted = Float64Array.from(r.lateness).sort();
  const drift = Math.max(...Array.from(r.lastTick, Math.abs));
  report(`${prefix}_lateness_p50_ms`, pct(sorted, 50), 'ms');
  report(`${prefix}_lateness_p99_ms`, pct(sorted, 99), 'ms');
  report(`${prefix}_lateness_max_ms`, sorted[sorted.length - 1]!, 'ms');
  report(`${prefix}_drift_ms`, drift, 'ms');
  report(`${prefix}_cpu_percent`, r.cpuPercent, '%');
  note(`${prefix}: ${r.lateness.length} ticks`);
}

/** A busy loop in another process, on the other core, for the whole run. */
function busyLoop(): () => void {
  const child = spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' });
  return () => child.kill('SIGKILL');
}

/** Simulated signalling work on the main thread: 3 ms of CPU every 10 ms. */
function mainThreadLoad(): () => void {
  const t = setInterval(() => {
    const end = performance.now() + 3;
    while (performance.now() < end);
  }, 10);
  return () => clearInterval(t);
}

const DEFAULT: ClockPriority = { realtime: 10, priority: -10 };
const NICE: ClockPriority = { priority: -10 };

function inWorker(strategy: 'atomics', seconds: number): Promise<ClockRun> {
  // The worker loads TypeScript through tsx, like this process.
  const entry = new URL('./rtp-clock-load.ts', import.meta.url).href;
  const w = new Worker(
    `import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(entry)}); });`,
    {
      eval: true,
      workerData: { kind: 'rtp-clock', strategy, seconds, sessions: SESSIONS, prio: DEFAULT },
    },
  );
  return new Promise((resolve, reject) => {
    w.once('message', (r: ClockRun) => {
      void w.terminate();
      resolve(r);
    });
    w.once('error', reject);
  });
}

const stopBusy = busyLoop();
try {
  note(
    `${SESSIONS} sessions; busy loop on the other core; ${SECONDS} s default and naive, ${VARIANT_SECONDS} s variants`,
  );
  // The default: atomics on the main thread, real-time class.
  summarise('rtp.clock', await runClock('atomics', SECONDS, SESSIONS, DEFAULT));
  // The seed's naive reschedule, measured in the same run.
  summarise('rtp.naive', await runNaive(SECONDS, SESSIONS));
  summarise('rtp.clock_timer', await runClock('timer', VARIANT_SECONDS, SESSIONS, DEFAULT));
  // A spinning thread is never made real-time: it would hold its core.
  summarise('rtp.clock_spin', await runClock('spin', VARIANT_SECONDS, SESSIONS, NICE));
  summarise('rtp.clock_nice', await runClock('atomics', VARIANT_SECONDS, SESSIONS, NICE));
  summarise('rtp.clock_nopriority', await runClock('atomics', VARIANT_SECONDS, SESSIONS));
  // With a busy main thread: the clock on it, then the same clock in a worker thread.
  let stopLoad = mainThreadLoad();
  summarise('rtp.clock_mainload', await runClock('atomics', VARIANT_SECONDS, SESSIONS, DEFAULT));
  stopLoad();
  stopLoad = mainThreadLoad();
  summarise('rtp.clock_worker_mainload', await inWorker('atomics', VARIANT_SECONDS));
  stopLoad();
} finally {
  stopBusy();
}
