/**
 * The benchmarks' load generator spread over worker threads
 * (`node:worker_threads`): K generator threads (`gen-worker.ts`), each
 * with its own `UserAgent` on its own port, its own `LoadGenerator` and
 * media clock. Call i goes to thread i mod K; the window's figures of every
 * thread come back to this one (`GenFigures`: each call's packets sent and
 * echoed or the conference's counts, every round trip, every tick's
 * lateness) and are joined here.
 *
 * How many threads: `genWorkers()` — SHTOOM_BENCH_GEN_WORKERS, or by
 * default half the cores and at least two. What limits a generator thread
 * is its send lateness (the criterion is p99 under 2 ms), not the CPU of
 * the machine: measured on 2 cores against `serve echo`, one thread missed
 * it at 600 calls (70 % of a core busy, lateness p99 3.5 ms) where two
 * held 600 (0.85 ms) for about 8 % more CPU per call (0.131 against
 * 0.122 % of a core). Beyond two, half the cores: the server under test
 * keeps the other half.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { FromGen, GenFigures, GenSpec, ToGen } from './gen-messages.js';

/** Generator threads: SHTOOM_BENCH_GEN_WORKERS, else half the cores and at least two. */
export function genWorkers(): number {
  const env = process.env.SHTOOM_BENCH_GEN_WORKERS;
  if (env !== undefined && env !== '') {
    const n = Number(env);
    if (!Number.isInteger(n) || n < 1 || n > 64)
      throw new Error(`SHTOOM_BENCH_GEN_WORKERS must be a whole number from 1 to 64, got ${JSON.stringify(env)}`);
    return n;
  }
  return Math.max(2, Math.floor(availableParallelism() / 2));
}

/** The longest a request may take: placing calls (SIP, 25 at a time per thread) or anything else. */
const CONNECT_TIMEOUT_MS = 180_000;
const REQUEST_TIMEOUT_MS = 30_000;

/** A request without its number (each message of `ToGen`, `seq` left out). */
type GenRequest = ToGen extends infer M ? (M extends ToGen ? Omit<M, 'seq'> : never) : never;

type Pending = { resolve: (f: GenFigures | undefined) => void; reject: (e: Error) => void; timer: NodeJS.Timeout };

class GenThread {
  private seq = 0;
  private readonly pending = new Map<number, Pending>();
  readonly ready: Promise<void>;
  private dead: Error | undefined;

  constructor(readonly worker: Worker) {
    let ready!: () => void;
    let failed!: (e: Error) => void;
    this.ready = new Promise<void>((res, rej) => {
      ready = res;
      failed = rej;
    });
    worker.on('message', (m: FromGen) => {
      if (m.t === 'ready') return ready();
      const p = this.pending.get(m.seq);
      if (!p) return;
      this.pending.delete(m.seq);
      clearTimeout(p.timer);
      if (m.t === 'done') p.resolve(m.figures);
      else p.reject(new Error(`generator thread ${worker.threadId}: ${m.message}`));
    });
    const die = (e: Error) => {
      this.dead ??= e;
      failed(e);
      for (const p of this.pending.values()) {
        clearTimeout(p.timer);
        p.reject(e);
      }
      this.pending.clear();
    };
    worker.on('error', (e) => die(e));
    worker.on('exit', (code) => die(new Error(`generator thread ${worker.threadId} exited (${code})`)));
  }

  request(m: GenRequest, timeoutMs = REQUEST_TIMEOUT_MS): Promise<GenFigures | undefined> {
    if (this.dead) return Promise.reject(this.dead);
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(seq);
        reject(new Error(`generator thread ${this.worker.threadId}: no answer to ${m.t} in ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(seq, { resolve, reject, timer });
      this.worker.postMessage({ ...m, seq } as ToGen);
    });
  }
}

/** A generator thread, from the sources (through tsx, as the benchmarks run) or built. */
function startThread(spec: GenSpec): Worker {
  const url = new URL('./gen-worker.ts', import.meta.url);
  // From the sources the thread registers tsx's loader itself first (as `serve --workers` does).
  return new Worker(
    `import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(url.href)}); })`,
    { eval: true, workerData: spec },
  );
}

/**
 * @example
 * const pool = await GeneratorPool.start(2, { behaviour: 'echo' });
 * await pool.connect(800, () => 'sip:echo@127.0.0.1:5070');
 * await pool.open(); await sleep(10_000); const figures = await pool.close();
 * await pool.end(); await pool.stop();
 */
export class GeneratorPool {
  private constructor(private readonly threads: readonly GenThread[]) {}

  static async start(k: number, spec: GenSpec): Promise<GeneratorPool> {
    const threads = Array.from({ length: k }, () => new GenThread(startThread(spec)));
    const pool = new GeneratorPool(threads);
    try {
      await Promise.all(threads.map((t) => t.ready));
    } catch (e) {
      await pool.stop();
      throw e;
    }
    return pool;
  }

  get size(): number {
    return this.threads.length;
  }

  private async all(t: 'open' | 'end'): Promise<void> {
    await Promise.all(this.threads.map((g) => g.request({ t })));
  }

  /** Place calls 0..n-1 (SIP calls to `target(i)`, or streams straight to `port(i)`) and start their media. */
  async connect(n: number, to: { target: (i: number) => string } | { port: (i: number) => number }): Promise<void> {
    const k = this.threads.length;
    await Promise.all(
      this.threads.map((g, w) => {
        const calls = [];
        for (let i = w; i < n; i += k)
          calls.push('target' in to ? { index: i, target: to.target(i) } : { index: i, port: to.port(i) });
        return calls.length ? g.request({ t: 'connect', calls }, CONNECT_TIMEOUT_MS) : undefined;
      }),
    );
  }

  /** Open the measured window on every thread. */
  open(): Promise<void> {
    return this.all('open');
  }

  /** Close the window; every thread's figures. */
  async close(): Promise<GenFigures[]> {
    const figures = await Promise.all(this.threads.map((g) => g.request({ t: 'close' })));
    return figures.map((f) => {
      if (!f) throw new Error('a generator thread closed its window without figures');
      return f;
    });
  }

  /** Hang every call up. */
  end(): Promise<void> {
    return this.all('end');
  }

  /** Close every thread's user agent and clock and end the threads. */
  async stop(): Promise<void> {
    await Promise.all(
      this.threads.map(async (g) => {
        await g.request({ t: 'exit' }).catch(() => undefined);
        await g.worker.terminate();
      }),
    );
  }
}

/** Every call's figures of every thread, by call index. */
export function joinCalls(figures: readonly GenFigures[]): GenFigures['calls'][number][] {
  return figures.flatMap((f) => f.calls).sort((a, b) => a.index - b.index);
}

/** One array of a figure every thread measured (round trips, lateness, spacing). */
export function joinSeries(figures: readonly GenFigures[], key: 'rtts' | 'lateness' | 'spacing'): number[] {
  const out: number[] = [];
  for (const f of figures) for (const v of f[key]) out.push(v);
  return out;
}
