/**
 * `shtoom ivr --workers W` over worker threads that die (`runOnWorkers`,
 * `load-workers.ts`), with in-memory fake workers in virtual time: a fake
 * starts each of its runs at 100 ms × its number, reports a step, and
 * finishes it (passed) 500 ms later; it can be killed.
 * - a worker killed mid-run: its runs in flight fail, named, with the reason
 *   and the steps they had; the rest of its share runs on the restarted
 *   thread; the merged result, JSON, JUnit and HTML hold every run exactly
 *   once, in run order; exit 1 (must fail);
 * - a worker that dies at every start: given up after 3 deaths in a row, the
 *   rest of its share failed with the bound's reason, in bounded time.
 */
import { describe, expect, it } from 'vitest';
import { runExitCode } from '../../src/cli/commands/ivr.js';
import { workersLine } from '../../src/cli/commands/ivr-report.js';
import {
  type FromIvrWorker,
  type IvrJob,
  type IvrWorkerData,
  runOnWorkers,
  type StartIvrThread,
} from '../../src/cli/commands/ivr-workers.js';
import { ExitCode } from '../../src/cli/exit-codes.js';
import type { ScenarioResult } from '../../src/harness/engine/results.js';
import { startedResult } from '../../src/harness/engine/runner.js';
import { htmlReport } from '../../src/harness/report/html.js';
import { jsonReport } from '../../src/harness/report/json.js';
import { junitReport } from '../../src/harness/report/junit.js';
import { VirtualTime } from '../../src/harness/virtual-time.js';
import { Logger } from '../../src/log/logger.js';

const RUN_MS = 500;

type Fault =
  | { readonly kind: 'exit'; readonly atMs: number; readonly code: number }
  | { readonly kind: 'exit-at-once' };

function fakes(
  vt: VirtualTime,
  jobs: readonly IvrJob[],
  fault: (worker: number, generation: number) => Fault | undefined,
) {
  const started: { worker: number; generation: number; runs: readonly number[]; at: number; since: number }[] = [];
  const start: StartIvrThread = (data: IvrWorkerData, events) => {
    started.push({
      worker: data.worker,
      generation: data.generation,
      runs: data.runs,
      at: vt.clock.now(),
      since: data.sinceStartMs,
    });
    let alive = true;
    const later = (ms: number, fn: () => void) =>
      vt.timers.setTimer(Math.max(0, ms), () => {
        if (alive) fn();
      });
    const post = (m: FromIvrWorker) => events.message(m);
    const die = (code: number) => {
      alive = false;
      events.exit(code);
    };
    const f = fault(data.worker, data.generation);
    if (f?.kind === 'exit-at-once') later(0, () => die(134));
    else {
      if (f?.kind === 'exit') later(f.atMs - vt.clock.now(), () => die(f.code));
      // The whole run started `sinceStartMs` before this thread: run i starts at 100 ms × i of the whole run.
      const origin = vt.clock.now() - data.sinceStartMs;
      let left = data.runs.length;
      for (const i of data.runs)
        later(origin + i * 100 - vt.clock.now(), () => {
          const job = jobs[i]!;
          post({ t: 'start', index: i });
          const step = { path: '1', kind: 'call' as const, label: 'call ${ivr}', status: 'passed' as const };
          later(50, () =>
            post({
              t: 'step',
              index: i,
              name: job.name,
              iteration: job.iteration,
              step: { ...step, startMs: 0, endMs: 50 },
            }),
          );
          later(RUN_MS, () => {
            const r: ScenarioResult = startedResult(job.name, job.file, job.iteration);
            r.steps.push({ ...step, startMs: 0, endMs: 50 });
            r.durationMs = RUN_MS;
            post({ t: 'scenario', index: i, result: r });
            if (--left === 0) later(1, () => post({ t: 'done' }));
          });
        });
    }
    return {
      post: () => undefined,
      terminate: () => {
        alive = false;
      },
    };
  };
  return { start, started };
}

function jobsOf(names: readonly string[], repeat: number): IvrJob[] {
  const jobs: IvrJob[] = [];
  for (let r = 1; r <= repeat; r++) for (const name of names) jobs.push({ name, file: `${name}.yaml`, iteration: r });
  return jobs;
}

function run(vt: VirtualTime, jobs: readonly IvrJob[], start: StartIvrThread) {
  const lines: string[] = [];
  const finished: ScenarioResult[] = [];
  const p = vt.run(() =>
    runOnWorkers({
      workers: 2,
      jobs,
      concurrency: 8,
      data: {
        options: {} as IvrWorkerData['options'],
        paths: [],
        vars: {},
        repeat: 2,
        keep: 'all',
        logLevel: 'info',
      },
      log: new Logger({ write: (r) => lines.push(`${r.level} ${r.msg}`) }, 'info'),
      onStep: () => undefined,
      onScenario: (r) => finished.push(r),
      signal: new AbortController().signal,
      start,
      timers: vt.timers,
      now: () => vt.clock.now(),
    }),
  );
  return { p, lines, finished };
}

describe('ivr --workers over workers that die', () => {
  it('killed mid-run: its runs in flight fail, named; the rest run on the new thread; each run once', async () => {
    const vt = new VirtualTime();
    const jobs = jobsOf(['a', 'b', 'c', 'd'], 2);
    // Worker 1 (from 0: worker 0) has runs 0, 2, 4, 6 at 0, 200, 400, 600 ms; it dies at 250 with 0 and 2 up.
    const f = fakes(vt, jobs, (w, g) => (w === 0 && g === 0 ? { kind: 'exit', atMs: 250, code: 1 } : undefined));
    const { p, lines, finished } = run(vt, jobs, f.start);
    const { result, outcome } = await p;
    expect(outcome).toEqual({ deaths: 1, restarts: 1, abandoned: 0 });
    expect(f.started.map((s) => [s.worker, s.generation, s.runs, s.at])).toEqual([
      [0, 0, [0, 2, 4, 6], 0],
      [1, 0, [1, 3, 5, 7], 0],
      [0, 1, [4, 6], 300],
    ]);
    // The restarted thread keeps each run's place in the whole run.
    expect(f.started[2]!.since).toBe(300);
    expect(result.summary).toEqual({ total: 8, passed: 6, failed: 2 });
    expect(result.scenarios.map((r) => [r.name, r.iteration, r.status, r.failure])).toEqual([
      ['a', 1, 'failed', 'its worker exited (1)'],
      ['b', 1, 'passed', undefined],
      ['c', 1, 'failed', 'its worker exited (1)'],
      ['d', 1, 'passed', undefined],
      ['a', 2, 'passed', undefined],
      ['b', 2, 'passed', undefined],
      ['c', 2, 'passed', undefined],
      ['d', 2, 'passed', undefined],
    ]);
    // A lost run keeps what it had done: run 0's step came at 50 ms.
    expect(result.scenarios[0]!.steps.map((s) => s.label)).toEqual(['call ${ivr}']);
    expect(result.scenarios[0]!.durationMs).toBe(250);
    expect(result.scenarios[0]!.file).toBe('a.yaml');
    // Every run reported to the progress once.
    expect(finished).toHaveLength(8);
    expect(lines.join('\n')).toMatch(/worker 1 died \(its worker exited \(1\)\): 2 run\(s\) in flight failed/);
    // The reports hold every run exactly once.
    const json = jsonReport(result) as { scenarios: { name: string; iteration: number; failure?: string }[] };
    expect(json.scenarios.map((s) => `${s.name}#${s.iteration}`)).toEqual([
      'a#1',
      'b#1',
      'c#1',
      'd#1',
      'a#2',
      'b#2',
      'c#2',
      'd#2',
    ]);
    const junit = junitReport(result);
    expect(junit.match(/<testcase /g)).toHaveLength(8);
    expect(junit.match(/<failure message="its worker exited \(1\)"/g)).toHaveLength(2);
    expect(junit).toMatch(/tests="8" failures="2"/);
    const html = htmlReport(result, { clips: new Map(), calls: new Map() });
    expect(html.match(/<section class="scenario /g)).toHaveLength(8);
    expect(workersLine({ workers: 2, ...outcome })).toBe('2 worker threads: 1 died, 1 restarted');
    // Must fail: runs a dead worker had in flight fail the run.
    expect(runExitCode(result.summary, false, false)).toBe(ExitCode.FAILURE);
  });

  it('no death: every run passes, exit 0 (the exit code tells them apart)', async () => {
    const vt = new VirtualTime();
    const jobs = jobsOf(['a', 'b'], 2);
    const { result, outcome } = await run(vt, jobs, fakes(vt, jobs, () => undefined).start).p;
    expect(outcome).toEqual({ deaths: 0, restarts: 0, abandoned: 0 });
    expect(result.summary).toEqual({ total: 4, passed: 4, failed: 0 });
    expect(workersLine({ workers: 2, ...outcome })).toBe('2 worker threads, none died');
    expect(runExitCode(result.summary, false, false)).toBe(ExitCode.OK);
  });

  it('dying at every start: given up after 3 deaths in a row; the rest of its share fails, with why', async () => {
    const vt = new VirtualTime();
    const jobs = jobsOf(['a', 'b', 'c'], 2);
    const f = fakes(vt, jobs, (w) => (w === 1 ? { kind: 'exit-at-once' } : undefined));
    const { p, lines } = run(vt, jobs, f.start);
    const { result, outcome } = await p;
    expect(outcome).toEqual({ deaths: 3, restarts: 2, abandoned: 1 });
    expect(f.started.filter((s) => s.worker === 1).map((s) => [s.generation, s.at])).toEqual([
      [0, 0],
      [1, 50],
      [2, 150],
    ]);
    expect(result.summary).toEqual({ total: 6, passed: 3, failed: 3 });
    const why = 'its worker exited (134); its worker died 3 times in a row and was not started again';
    expect(result.scenarios.map((r) => [r.name, r.iteration, r.failure])).toEqual([
      ['a', 1, undefined],
      ['b', 1, why],
      ['c', 1, undefined],
      ['a', 2, why],
      ['b', 2, undefined],
      ['c', 2, why],
    ]);
    expect(vt.clock.now()).toBeLessThan(2000);
    expect(lines.join('\n')).toMatch(
      /worker 2 died .* 3 times in a row: not restarted; its 3 run\(s\) not yet started fail/,
    );
    expect(workersLine({ workers: 2, ...outcome })).toBe(
      '2 worker threads: 3 died, 2 restarted, 1 given up after deaths in a row',
    );
    expect(runExitCode(result.summary, false, false)).toBe(ExitCode.FAILURE);
  });
});
