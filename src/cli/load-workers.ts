/**
 * The load side's worker threads (`smoke --calls N --workers W`, `ivr
 * --workers W`): each worker is given its share of numbered jobs (calls,
 * scenario runs) and says when each starts and ends. A worker that dies —
 * its thread exits, throws, runs out of memory, or reports that it failed —
 * has the jobs it had in flight failed with the reason, and is started again
 * with the jobs of its share not yet started (the same worker number, so a
 * job's worker stays i mod W): after 50 ms, doubling with each death in a
 * row up to 5 s, as `serve --workers` does. Deaths in a row are deaths with
 * no job ended in between; after `maxDeathsInARow` (3) the worker is not
 * started again and the rest of its share is failed with that reason. The
 * other workers never notice.
 *
 * Sans-I/O: the thread start and the timers are injected, so a test can
 * kill a worker in virtual time.
 */
import type { TimerHandle, TimerHost } from '../clock/timers.js';
import type { Logger } from '../log/logger.js';
import { restartDelay } from '../util/restart-delay.js';

/** What a running worker thread is to the supervisor. */
export interface LoadThread {
  post(message: unknown): void;
  terminate(): void;
}

/** Where a thread's events go (the supervisor gives these to `start`). */
export interface LoadThreadEvents {
  message(m: unknown): void;
  error(e: Error): void;
  exit(code: number): void;
}

/** What a worker's message means to the supervisor (its own content is the caller's). */
export type LoadSeen =
  | { readonly kind: 'start'; readonly index: number }
  | { readonly kind: 'end'; readonly index: number }
  | { readonly kind: 'done' }
  | { readonly kind: 'fatal'; readonly message: string }
  | undefined;

export interface LoadWorkersOptions {
  /** Worker k's jobs, by number. */
  readonly shares: readonly (readonly number[])[];
  /**
   * Start worker `worker` (from 0), thread `generation` (0 first, one more at
   * each restart), with `jobs` (its share's jobs not yet started);
   * `sinceStartMs`: how long ago the whole run started.
   */
  readonly start: (
    worker: number,
    generation: number,
    jobs: readonly number[],
    sinceStartMs: number,
    events: LoadThreadEvents,
  ) => LoadThread;
  /** Read a worker's message (the caller keeps its results) and say what it means. */
  readonly read: (worker: number, m: unknown) => LoadSeen;
  /** Job `index` will have no result from a worker: the caller records it failed with `why`. */
  readonly lost: (index: number, why: string) => void;
  readonly timers: TimerHost;
  readonly now: () => number;
  /** The whole run's bound: jobs without a result by then are failed (`no result within N s`); none if absent. */
  readonly limitMs?: number;
  /** Once aborted: `stop` to every worker, no restart, jobs without a result are neither failed nor retried. */
  readonly signal: AbortSignal;
  /** Deaths in a row after which a worker is not started again (default 3). */
  readonly maxDeathsInARow?: number;
  /** What the jobs are, for the log (`call`, `run`). */
  readonly noun?: string;
  readonly log?: Logger;
}

export interface LoadWorkersOutcome {
  /** Worker threads that died (exited, threw, reported a failure) before their share was done. */
  readonly deaths: number;
  /** Threads started again after a death. */
  readonly restarts: number;
  /** Workers given up after `maxDeathsInARow` deaths in a row. */
  readonly abandoned: number;
}

/** Timers that keep the process alive while a worker waits for its restart (no other handle may be left). */
export const heldTimers: TimerHost = {
  setTimer: (ms, fn) => setTimeout(fn, Math.max(0, ms)) as unknown as TimerHandle,
  clearTimer: (h) => clearTimeout(h as unknown as NodeJS.Timeout),
};

type JobState = 'waiting' | 'running' | 'ended';

interface Slot {
  readonly index: number;
  readonly jobs: readonly number[];
  /** Bumped at each start and end of a thread: events of an older one are ignored. */
  generation: number;
  /** Threads started so far (the next one's number). */
  threads: number;
  thread: LoadThread | undefined;
  /** Deaths since a job of this worker last ended. */
  crashes: number;
  timer: TimerHandle | undefined;
  finished: boolean;
}

/**
 * Run the shares over the workers until every job has ended (a result, or
 * failed here), the bound passes, or the signal aborts.
 *
 * @example
 * const out = await runLoadWorkers({ shares: [[0, 2], [1, 3]], start, read, lost, timers, now, limitMs, signal });
 * console.log(out.deaths, out.restarts);
 */
export function runLoadWorkers(o: LoadWorkersOptions): Promise<LoadWorkersOutcome> {
  const maxInARow = o.maxDeathsInARow ?? 3;
  const noun = o.noun ?? 'job';
  const state = new Map<number, JobState>();
  for (const share of o.shares) for (const i of share) state.set(i, 'waiting');
  const t0 = o.now();
  const slots: Slot[] = o.shares.map((jobs, index) => ({
    index,
    jobs,
    generation: -1,
    threads: 0,
    thread: undefined,
    crashes: 0,
    timer: undefined,
    finished: false,
  }));
  let deaths = 0;
  let restarts = 0;
  let abandoned = 0;
  let over = false;
  let resolveAll!: (out: LoadWorkersOutcome) => void;
  const all = new Promise<LoadWorkersOutcome>((r) => (resolveAll = r));

  const lose = (i: number, why: string) => {
    if (state.get(i) === 'ended') return;
    state.set(i, 'ended');
    o.lost(i, why);
  };
  const finishSlot = (s: Slot) => {
    if (s.finished) return;
    s.finished = true;
    s.generation++;
    if (s.timer !== undefined) o.timers.clearTimer(s.timer);
    s.timer = undefined;
    if (slots.every((x) => x.finished)) end();
  };
  const end = () => {
    if (over) return;
    over = true;
    if (deadline !== undefined) o.timers.clearTimer(deadline);
    o.signal.removeEventListener('abort', onAbort);
    resolveAll({ deaths, restarts, abandoned });
  };
  const stopThread = (s: Slot) => {
    const t = s.thread;
    s.thread = undefined;
    try {
      t?.terminate();
    } catch {
      // Already gone.
    }
  };

  const died = (s: Slot, generation: number, why: string) => {
    if (s.generation !== generation || s.finished) return;
    s.generation++;
    stopThread(s);
    deaths++;
    if (o.signal.aborted) return finishSlot(s);
    const inFlight = s.jobs.filter((i) => state.get(i) === 'running');
    for (const i of inFlight) lose(i, why);
    s.crashes++;
    const left = s.jobs.filter((i) => state.get(i) === 'waiting');
    if (left.length === 0) {
      o.log?.warn(`worker ${s.index + 1} died (${why}): ${inFlight.length} ${noun}(s) in flight failed; none left`);
      return finishSlot(s);
    }
    if (s.crashes >= maxInARow) {
      abandoned++;
      const reason = `${why}; its worker died ${s.crashes} times in a row and was not started again`;
      o.log?.error(
        `worker ${s.index + 1} died (${why}) ${s.crashes} times in a row: not restarted; ` +
          `its ${left.length} ${noun}(s) not yet started fail`,
      );
      for (const i of left) lose(i, reason);
      return finishSlot(s);
    }
    const wait = restartDelay(s.crashes);
    o.log?.warn(
      `worker ${s.index + 1} died (${why}): ${inFlight.length} ${noun}(s) in flight failed; ` +
        `restarting it in ${wait} ms for its ${left.length} ${noun}(s) not yet started`,
    );
    s.timer = o.timers.setTimer(wait, () => {
      s.timer = undefined;
      if (s.finished || over) return;
      restarts++;
      spawn(s);
    });
  };

  const spawn = (s: Slot) => {
    const jobs = s.jobs.filter((i) => state.get(i) === 'waiting');
    if (jobs.length === 0) return finishSlot(s);
    const generation = ++s.generation;
    const live = () => s.generation === generation && !s.finished;
    const events: LoadThreadEvents = {
      message: (m) => {
        if (!live()) return;
        const seen = o.read(s.index, m);
        if (!seen) return;
        if (seen.kind === 'start') {
          if (state.get(seen.index) === 'waiting') state.set(seen.index, 'running');
        } else if (seen.kind === 'end') {
          state.set(seen.index, 'ended');
          s.crashes = 0;
        } else if (seen.kind === 'fatal') died(s, generation, `its worker failed: ${seen.message}`);
        else {
          // Done: a job it never finished (none, unless it was stopped) has no result.
          if (!o.signal.aborted)
            for (const i of s.jobs)
              if (state.get(i) !== 'ended') lose(i, 'its worker finished without a result for it');
          finishSlot(s);
        }
      },
      error: (e) => {
        if (live()) died(s, generation, `its worker failed: ${e.message}`);
      },
      exit: (code) => {
        if (live()) died(s, generation, `its worker exited (${code})`);
      },
    };
    try {
      s.thread = o.start(s.index, s.threads++, jobs, o.now() - t0, events);
    } catch (e) {
      died(s, generation, `its worker could not start: ${(e as Error).message}`);
    }
  };

  const onAbort = () => {
    for (const s of slots) {
      if (s.finished) continue;
      if (s.thread) s.thread.post({ t: 'stop' });
      else finishSlot(s);
    }
  };
  const limitMs = o.limitMs;
  const deadline =
    limitMs === undefined
      ? undefined
      : o.timers.setTimer(limitMs, () => {
          const why = `no result within ${Math.round(limitMs / 1000)} s`;
          for (const s of slots) {
            if (s.finished) continue;
            stopThread(s);
            if (!o.signal.aborted) for (const i of s.jobs) lose(i, why);
            finishSlot(s);
          }
        });
  o.signal.addEventListener('abort', onAbort, { once: true });
  for (const s of slots) spawn(s);
  if (slots.length === 0) end();
  if (o.signal.aborted) onAbort();
  return all.finally(() => {
    for (const s of slots) stopThread(s);
  });
}
