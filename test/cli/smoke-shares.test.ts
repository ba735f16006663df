/**
 * `shtoom smoke --calls N --workers W` over worker threads that die
 * (`runSmokeShares`, `load-workers.ts`), with in-memory fake workers in
 * virtual time: a fake places each call at its time (`start`), ends it with
 * a passing result after a second, and can be killed.
 * - a worker killed mid-run: its calls in flight fail, named with the
 *   reason; the rest of its share completes on the restarted thread; the
 *   other worker never notices; totals right; exit 1 (must fail);
 * - a worker that dies at every start: restarted twice (50 ms, 100 ms), then
 *   given up: the rest of its share fails with the bound's reason, in
 *   bounded time, no endless restart loop;
 * - a worker that reports it failed (`fatal`) is a death too; a worker that
 *   never answers is cut at the run's bound; an interruption stops restarts.
 */
import { describe, expect, it } from 'vitest';
import { runSmokeShares, type StartSmokeThread } from '../../src/cli/commands/smoke-shares.js';
import { smokeLoadExit } from '../../src/cli/commands/smoke-load.js';
import type { FromSmokeWorker, SmokeWorkerData } from '../../src/cli/commands/smoke-load.js';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { smokeLoadSummary, smokeLoadText } from '../../src/harness/smoke/load-summary.js';
import type { SmokeResult } from '../../src/harness/smoke/smoke-call.js';
import { VirtualTime } from '../../src/harness/virtual-time.js';
import { Logger } from '../../src/log/logger.js';

const URI = 'sip:echo@127.0.0.1:5070';
const THRESHOLDS = { maxLossPercent: 1, maxLatencyMs: 400, minMos: 3.5 };
const CALL_MS = 1000;

function passed(): SmokeResult {
  return {
    ok: true,
    target: URI,
    call: { answered: true, codec: 'PCMU' },
    latency: { roundTripMs: 40, probesSent: 3, probesFound: 3, perProbeMs: [40, 40, 40] },
    loss: { receivedPercent: 0, roundTripPercent: 0, packetsSent: 250, packetsReceived: 250 },
    jitter: { meanMs: 1, maxMs: 2 },
    mos: { mos: 4.4, r: 93, ie: 0, bpl: 25.1, model: 'G.107' },
    thresholds: THRESHOLDS,
    checks: [{ name: 'call', ok: true, message: 'answered' }],
  } as SmokeResult;
}

/** How a fake thread misbehaves. */
type Fault =
  | { readonly kind: 'exit'; readonly atMs: number; readonly code: number }
  | { readonly kind: 'exit-at-once'; readonly code: number }
  | { readonly kind: 'exit-after'; readonly afterMs: number; readonly code: number }
  | { readonly kind: 'fatal'; readonly message: string }
  | { readonly kind: 'throw'; readonly atMs: number; readonly message: string }
  | { readonly kind: 'silent' };

/** Fake smoke workers on virtual time; `fault(worker, generation)` decides how a thread misbehaves. */
function fakes(vt: VirtualTime, fault: (worker: number, generation: number) => Fault | undefined) {
  const started: { worker: number; generation: number; calls: number[]; at: number }[] = [];
  const start: StartSmokeThread = (data: SmokeWorkerData, events) => {
    started.push({
      worker: data.worker,
      generation: data.generation,
      calls: data.calls.map((c) => c.index),
      at: vt.clock.now(),
    });
    const timers: unknown[] = [];
    let alive = true;
    const later = (ms: number, fn: () => void) =>
      timers.push(
        vt.timers.setTimer(ms, () => {
          if (alive) fn();
        }),
      );
    const post = (m: FromSmokeWorker) => events.message(m);
    const die = (code: number) => {
      alive = false;
      events.exit(code);
    };
    const f = fault(data.worker, data.generation);
    if (f?.kind === 'exit-at-once') later(0, () => die(f.code));
    else if (f?.kind === 'fatal') later(5, () => post({ t: 'fatal', message: f.message }));
    else if (f?.kind !== 'silent') {
      if (f?.kind === 'exit') later(f.atMs - vt.clock.now(), () => die(f.code));
      if (f?.kind === 'exit-after') later(f.afterMs, () => die(f.code));
      if (f?.kind === 'throw')
        later(f.atMs - vt.clock.now(), () => {
          // An uncaught error (or running out of memory): 'error', then the thread's exit.
          events.error(new Error(f.message));
          die(1);
        });
      let left = data.calls.length;
      for (const c of data.calls)
        later(Math.max(0, c.at - vt.clock.now()), () => {
          post({ t: 'start', index: c.index });
          later(CALL_MS, () => {
            post({ t: 'result', index: c.index, result: passed() });
            if (--left === 0) later(1, () => post({ t: 'done' }));
          });
        });
    }
    return {
      post: (m) => {
        if ((m as { t?: string }).t === 'stop' && alive) later(1, () => post({ t: 'done' }));
      },
      terminate: () => {
        if (!alive) return;
        alive = false;
        vt.timers.setTimer(0, () => events.exit(1));
      },
    };
  };
  return { start, started };
}

function logger() {
  const lines: string[] = [];
  return { lines, log: new Logger({ write: (r) => lines.push(`${r.level} ${r.msg}`) }, 'info') };
}

function run(
  vt: VirtualTime,
  start: StartSmokeThread,
  opts: { calls: number; workers: number; spacingMs: number; signal?: AbortSignal; limitMs?: number },
) {
  const { log, lines } = logger();
  const calls = Array.from({ length: opts.calls }, (_, i) => ({ index: i, at: i * opts.spacingMs }));
  const p = vt.run(() =>
    runSmokeShares({
      uri: URI,
      workers: opts.workers,
      calls,
      thresholds: THRESHOLDS,
      data: { options: {} as SmokeWorkerData['options'], uri: URI, logLevel: 'info' },
      start,
      timers: vt.timers,
      now: () => vt.clock.now(),
      limitMs: opts.limitMs ?? 60_000,
      signal: opts.signal ?? new AbortController().signal,
      log,
    }),
  );
  return { p, lines };
}

const failedChecks = (r: SmokeResult | undefined) => r?.checks.filter((c) => !c.ok).map((c) => c.message);

describe('smoke --calls over workers that die', () => {
  it('killed mid-run: its calls in flight fail, named; the rest of its share passes on the new thread', async () => {
    const vt = new VirtualTime();
    // Worker 1 (from 0: worker 0) has calls 0, 2, 4, 6 at 0, 200, 400, 600 ms; it dies at 250 ms with 0 and 2 up.
    const f = fakes(vt, (w, g) => (w === 0 && g === 0 ? { kind: 'exit', atMs: 250, code: 1 } : undefined));
    const { p, lines } = run(vt, f.start, { calls: 8, workers: 2, spacingMs: 100 });
    const { results, outcome } = await p;
    expect(outcome).toEqual({ deaths: 1, restarts: 1, abandoned: 0 });
    expect([...results.keys()].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    for (const i of [0, 2]) {
      expect(results.get(i)!.ok).toBe(false);
      expect(failedChecks(results.get(i))).toEqual(['its worker exited (1)']);
    }
    for (const i of [1, 3, 4, 5, 6, 7]) expect(results.get(i)!.ok, `call ${i + 1}`).toBe(true);
    // The restart: 50 ms after the death, with the calls of its share not yet placed.
    expect(f.started).toEqual([
      { worker: 0, generation: 0, calls: [0, 2, 4, 6], at: 0 },
      { worker: 1, generation: 0, calls: [1, 3, 5, 7], at: 0 },
      { worker: 0, generation: 1, calls: [4, 6], at: 300 },
    ]);
    expect(lines.join('\n')).toMatch(/worker 1 died \(its worker exited \(1\)\): 2 call\(s\) in flight failed/);

    const calls = [...results].map(([index, result]) => ({ index, result }));
    const summary = smokeLoadSummary(URI, calls, 2000, { workers: 2, ...outcome });
    expect(summary).toMatchObject({ calls: 8, answered: 6, passed: 6, failed: 2 });
    expect(summary.failures).toEqual([
      { index: 0, checks: ['its worker exited (1)'] },
      { index: 2, checks: ['its worker exited (1)'] },
    ]);
    // Lost, not "never answered": whether they were answered is not known.
    expect(summary.lost).toEqual([{ message: 'its worker exited (1)', count: 2 }]);
    expect(summary.notAnswered).toEqual([]);
    const text = smokeLoadText(summary);
    expect(text).toMatch(/lost {6}2× its worker exited \(1\)/);
    expect(text).toMatch(/FAILED {4}call 1: its worker exited \(1\)/);
    expect(text).toMatch(/FAILED {4}call 3: its worker exited \(1\)/);
    expect(text).toMatch(/workers +2 threads: 1 died, 1 restarted/);
    // Must fail: a worker died with calls in flight, so the run fails.
    expect(smokeLoadExit(summary, 8, false)).toBe(ExitCode.FAILURE);
  });

  it('every call passing is exit 0 (the exit code can tell the two apart)', async () => {
    const vt = new VirtualTime();
    const f = fakes(vt, () => undefined);
    const { results, outcome } = await run(vt, f.start, { calls: 6, workers: 2, spacingMs: 100 }).p;
    expect(outcome).toEqual({ deaths: 0, restarts: 0, abandoned: 0 });
    const summary = smokeLoadSummary(
      URI,
      [...results].map(([index, result]) => ({ index, result })),
      1,
      {
        workers: 2,
        ...outcome,
      },
    );
    expect(smokeLoadText(summary)).toMatch(/workers +2 threads, none died/);
    expect(smokeLoadExit(summary, 6, false)).toBe(ExitCode.OK);
  });

  it('a worker that dies at every start is given up after 3 deaths in a row: the rest of its share fails', async () => {
    const vt = new VirtualTime();
    const f = fakes(vt, (w) => (w === 0 ? { kind: 'exit-at-once', code: 134 } : undefined));
    const { p, lines } = run(vt, f.start, { calls: 6, workers: 2, spacingMs: 100 });
    const { results, outcome } = await p;
    expect(outcome).toEqual({ deaths: 3, restarts: 2, abandoned: 1 });
    // Started three times in all (50 ms, then 100 ms after a death), never again.
    expect(f.started.filter((s) => s.worker === 0).map((s) => [s.generation, s.at])).toEqual([
      [0, 0],
      [1, 50],
      [2, 150],
    ]);
    for (const i of [0, 2, 4])
      expect(failedChecks(results.get(i))).toEqual([
        'its worker exited (134); its worker died 3 times in a row and was not started again',
      ]);
    for (const i of [1, 3, 5]) expect(results.get(i)!.ok).toBe(true);
    // Bounded: over once worker 2's calls are (the last at 500 ms, a second long).
    expect(vt.clock.now()).toBeLessThan(2000);
    expect(lines.join('\n')).toMatch(/worker 1 died \(its worker exited \(134\)\) 3 times in a row: not restarted/);
    const summary = smokeLoadSummary(
      URI,
      [...results].map(([index, result]) => ({ index, result })),
      1,
      {
        workers: 2,
        ...outcome,
      },
    );
    expect(smokeLoadText(summary)).toMatch(/2 threads: 3 died, 2 restarted, 1 given up after deaths in a row/);
    expect(smokeLoadExit(summary, 6, false)).toBe(ExitCode.FAILURE);
  });

  it('deaths in a row count only without a call ended in between: a worker that makes progress goes on', async () => {
    const vt = new VirtualTime();
    // Worker 1's calls 0, 2, 4, 6 at 0, 1.2, 2.4, 3.6 s; each of its threads dies 1.15 s after it starts, after a
    // call of its own ended: four deaths, none in a row, so it is always started again and every call passes.
    const f = fakes(vt, (w) => (w === 0 ? { kind: 'exit-after', afterMs: 1150, code: 1 } : undefined));
    const { results, outcome } = await run(vt, f.start, { calls: 8, workers: 2, spacingMs: 600 }).p;
    expect(outcome).toEqual({ deaths: 3, restarts: 3, abandoned: 0 });
    expect(f.started.filter((s) => s.worker === 0).map((s) => s.calls)).toEqual([[0, 2, 4, 6], [2, 4, 6], [4, 6], [6]]);
    expect([...results.values()].every((r) => r.ok)).toBe(true);
    expect(results.size).toBe(8);
  });

  it('reporting it failed (its phone cannot open) is a death too: restarted, its calls placed', async () => {
    const vt = new VirtualTime();
    const f = fakes(vt, (w, g) =>
      w === 1 && g === 0 ? { kind: 'fatal', message: 'bind EADDRINUSE 127.0.0.1:5060' } : undefined,
    );
    const { results, outcome } = await run(vt, f.start, { calls: 4, workers: 2, spacingMs: 100 }).p;
    expect(outcome).toEqual({ deaths: 1, restarts: 1, abandoned: 0 });
    // It had placed none: all four pass, worker 2's on its second thread.
    expect([...results.values()].every((r) => r.ok)).toBe(true);
    expect(f.started.filter((s) => s.worker === 1).map((s) => s.calls)).toEqual([
      [1, 3],
      [1, 3],
    ]);
  });

  it('a worker that never answers is cut at the run bound: its calls fail with it', async () => {
    const vt = new VirtualTime();
    const f = fakes(vt, (w) => (w === 0 ? { kind: 'silent' } : undefined));
    const { results, outcome } = await run(vt, f.start, { calls: 4, workers: 2, spacingMs: 100, limitMs: 30_000 }).p;
    expect(outcome.deaths).toBe(0);
    expect(vt.clock.now()).toBe(30_000);
    for (const i of [0, 2]) expect(failedChecks(results.get(i))).toEqual(['no result within 30 s']);
    for (const i of [1, 3]) expect(results.get(i)!.ok).toBe(true);
  });

  it('interrupted while a dead worker waits: not restarted, its calls neither failed nor placed', async () => {
    const vt = new VirtualTime();
    const stop = new AbortController();
    const f = fakes(vt, (w) => (w === 0 ? { kind: 'exit', atMs: 150, code: 1 } : undefined));
    vt.timers.setTimer(170, () => stop.abort());
    const { results, outcome } = await run(vt, f.start, {
      calls: 8,
      workers: 2,
      spacingMs: 100,
      signal: stop.signal,
    }).p;
    expect(outcome).toEqual({ deaths: 1, restarts: 0, abandoned: 0 });
    expect(f.started.filter((s) => s.worker === 0)).toHaveLength(1);
    // Calls 0 (up at the death) failed; 4 and 6 never placed; worker 2 stopped after its first two.
    expect(failedChecks(results.get(0))).toEqual(['its worker exited (1)']);
    expect(results.has(4)).toBe(false);
    expect(results.has(6)).toBe(false);
  });

  it('an uncaught error in a worker (or running out of memory) is a death: the reason is the error', async () => {
    const vt = new VirtualTime();
    const f = fakes(vt, (w, g) =>
      w === 1 && g === 0
        ? { kind: 'throw', atMs: 150, message: 'Worker terminated due to reaching memory limit: JS heap out of memory' }
        : undefined,
    );
    const { results, outcome } = await run(vt, f.start, { calls: 6, workers: 2, spacingMs: 100 }).p;
    expect(outcome).toEqual({ deaths: 1, restarts: 1, abandoned: 0 });
    // Worker 2 had call 2 (index 1, at 100 ms) up at 150 ms; its calls 4 and 6 went on the restarted thread.
    expect(failedChecks(results.get(1))).toEqual([
      'its worker failed: Worker terminated due to reaching memory limit: JS heap out of memory',
    ]);
    for (const i of [0, 2, 3, 4, 5]) expect(results.get(i)!.ok).toBe(true);
  });

  it('no workers, no calls: over at once', async () => {
    const vt = new VirtualTime();
    const { results, outcome } = await run(vt, fakes(vt, () => undefined).start, {
      calls: 0,
      workers: 0,
      spacingMs: 100,
    }).p;
    expect(results.size).toBe(0);
    expect(outcome).toEqual({ deaths: 0, restarts: 0, abandoned: 0 });
  });
});
