/** A cancellation scope: the scenario's timeout, and a step's own timeout inside it. */
import type { Abort } from './waiter.js';

export class AbortScope implements Abort {
  reason: Error | undefined;
  private readonly listeners = new Set<(e: Error) => void>();
  private readonly detach: (() => void) | undefined;

  constructor(parent?: Abort) {
    if (parent?.reason) this.reason = parent.reason;
    this.detach = parent?.onAbort((e) => this.fire(e));
  }

  fire(e: Error): void {
    if (this.reason) return;
    this.reason = e;
    for (const l of [...this.listeners]) l(e);
  }

  onAbort(fn: (e: Error) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Stop following the parent. */
  dispose(): void {
    this.detach?.();
    this.listeners.clear();
  }

  /** `p`, or the abort reason if that comes first. */
  race<T>(p: Promise<T>): Promise<T> {
    if (this.reason) return Promise.reject(this.reason);
    return new Promise<T>((resolve, reject) => {
      const off = this.onAbort(reject);
      p.then(
        (v) => {
          off();
          resolve(v);
        },
        (e: unknown) => {
          off();
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  }
}
