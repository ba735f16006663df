/**
 * Starting one of the CLI's worker threads (`serve --workers`, `smoke
 * --calls`, `ivr --workers`): the module next to the command, built (`.js`)
 * or, from the sources, through tsx, whose loader the worker registers
 * itself before it imports the module.
 */
import { Worker } from 'node:worker_threads';

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
