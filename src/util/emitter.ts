/** A small typed wrapper over Node's EventEmitter for the public SIP objects. */
import { EventEmitter } from 'node:events';

export class TypedEmitter<E extends Record<string, unknown[]>> {
  /** Created on the first listener: most handles (a call nobody listens to) never need one. */
  #ee: EventEmitter | undefined;

  #emitter(): EventEmitter {
    if (!this.#ee) {
      this.#ee = new EventEmitter();
      this.#ee.setMaxListeners(0);
    }
    return this.#ee;
  }

  on<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): this {
    this.#emitter().on(event, listener as (...a: unknown[]) => void);
    return this;
  }

  once<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): this {
    this.#emitter().once(event, listener as (...a: unknown[]) => void);
    return this;
  }

  off<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): this {
    this.#ee?.off(event, listener as (...a: unknown[]) => void);
    return this;
  }

  listenerCount<K extends keyof E & string>(event: K): number {
    return this.#ee?.listenerCount(event) ?? 0;
  }

  /** @internal */
  protected emit<K extends keyof E & string>(event: K, ...args: E[K]): boolean {
    // Without listeners only 'error' does something (EventEmitter throws it).
    if (!this.#ee && event !== 'error') return false;
    return this.#emitter().emit(event, ...args);
  }

  /** @internal drop every listener (the object is finished). */
  protected removeAll(): void {
    this.#ee?.removeAllListeners();
  }
}

/** A promise whose rejection is not "unhandled" when nobody awaits it. */
export function quietPromise<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {});
  return { promise, resolve, reject };
}

/**
 * A `quietPromise` made only when someone asks for it: the outcome of an
 * object that usually ends with nobody awaiting it (a dialog on a busy
 * server) costs a field instead of a promise and two closures. The first
 * `resolve` or `reject` wins, as with a promise.
 *
 * @example
 * const ended = new LazyOutcome<string>();
 * ended.resolve('bye');
 * await ended.promise; // 'bye'
 */
export class LazyOutcome<T> {
  #settled: { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown } | undefined;
  #made: ReturnType<typeof quietPromise<T>> | undefined;

  get promise(): Promise<T> {
    if (!this.#made) {
      const made = quietPromise<T>();
      const s = this.#settled;
      if (s?.ok === true) made.resolve(s.value);
      else if (s?.ok === false) made.reject(s.error);
      this.#made = made;
    }
    return this.#made.promise;
  }

  resolve(value: T): void {
    if (this.#settled) return;
    this.#settled = { ok: true, value };
    this.#made?.resolve(value);
  }

  reject(error: unknown): void {
    if (this.#settled) return;
    this.#settled = { ok: false, error };
    this.#made?.reject(error);
  }
}
