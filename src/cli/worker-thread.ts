/**
 * Starting one of the CLI's worker threads (`serve --workers`, `smoke
 * --calls`, `ivr --workers`): the module next to the command, built (`.js`)
 * or, from the sources, through tsx, whose loader the worker registers
 * itself before it imports the module.
 */
import { Worker } from 'node:worker_threads';
import type { LoadThread, LoadThreadEvents } from './load-workers.js';

/**
 * A worker running module `name` (no extension) of the directory of
 * `nextTo` (the caller's `import.meta.url`), with `workerData`.
 *
 * @example
 * const w = startWorkerModule('smoke-worker', import.meta.url, data);
 */
export function startWorkerModule(name: string, nextTo: string, workerData: unknown): Worker {
  const ext = nextTo.endsWith('.ts') ? '.ts' : '.js';
  const url = new URL(`./${name}${ext}`, nextTo);
  return ext === '.ts'
    ? new Worker(`import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(url.href)}); })`, {
        eval: true,
        workerData,
      })
    : new Worker(url, { workerData });
}

/**
 * Real threads of module `name` for the load workers (`load-workers.ts`:
 * `smoke --calls`, `ivr --workers`); `close` terminates every one started.
 *
 * @example
 * const threads = moduleThreads<SmokeWorkerData>('smoke-worker', import.meta.url);
 * await runLoadWorkers({ start: threads.start, ... }).finally(() => threads.close());
 */
export function moduleThreads<D>(
  name: string,
  nextTo: string,
): { start: (data: D, events: LoadThreadEvents) => LoadThread; close(): Promise<void> } {
  const all: Worker[] = [];
  return {
    start: (data, events) => {
      const w = startWorkerModule(name, nextTo, data);
      all.push(w);
      w.on('message', (m) => events.message(m));
      w.on('error', (e) => events.error(e));
      w.on('exit', (code) => events.exit(code));
      return { post: (m) => w.postMessage(m), terminate: () => void w.terminate() };
    },
    close: async () => {
      await Promise.all(all.map((w) => w.terminate()));
    },
  };
}
