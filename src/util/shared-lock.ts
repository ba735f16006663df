/**
 * A lock the threads of one process share (a `SharedArrayBuffer` handed to
 * each worker): the voicemail spool's changes (`VoicemailStore`) run under
 * it, so two media workers recording for one mailbox never take the same
 * message number. The word holds the holder's id (0: free); a waiter
 * sleeps in `Atomics.wait` and gives up after `waitMs` (an error: nothing
 * is changed). The owner of the workers frees a lock a dead worker held
 * (`releaseIfHeldBy`). Re-entrant within one holder (a change that lists
 * the folder it changes).
 */

/** Runs a short synchronous change with the lock held. */
export interface SyncLock {
  run<T>(f: () => T): T;
}

/** No other thread shares the data: the change just runs. */
export const noLock: SyncLock = { run: (f) => f() };

export class LockBusyError extends Error {
  constructor(
    readonly holder: number,
    waitMs: number,
  ) {
    super(`a shared lock is held by ${holder} for more than ${waitMs} ms`);
  }
}

export class SharedLock implements SyncLock {
  private readonly cell: Int32Array;
  private depth = 0;

  /**
   * @param buffer at least 4 bytes shared by every party (`SharedLock.buffer()`)
   * @param id this party's id, not 0, distinct among the parties (a thread id + 1)
   * @param waitMs the longest wait for the lock
   */
  constructor(
    buffer: SharedArrayBuffer,
    private readonly id: number,
    private readonly waitMs = 2000,
  ) {
    if (!Number.isInteger(id) || id <= 0) throw new RangeError(`lock id ${id}: a positive integer`);
    this.cell = new Int32Array(buffer, 0, 1);
  }

  static buffer(): SharedArrayBuffer {
    return new SharedArrayBuffer(4);
  }

  /** Who holds it now (0: no one). */
  get holder(): number {
    return Atomics.load(this.cell, 0);
  }

  run<T>(f: () => T): T {
    if (this.depth > 0) return this.inside(f);
    this.acquire();
    try {
      return this.inside(f);
    } finally {
      Atomics.store(this.cell, 0, 0);
      Atomics.notify(this.cell, 0, 1);
    }
  }

  private inside<T>(f: () => T): T {
    this.depth++;
    try {
      return f();
    } finally {
      this.depth--;
    }
  }

  private acquire(): void {
    const until = Date.now() + this.waitMs;
    for (;;) {
      const was = Atomics.compareExchange(this.cell, 0, 0, this.id);
      if (was === 0) return;
      const left = until - Date.now();
      if (left <= 0) throw new LockBusyError(was, this.waitMs);
      Atomics.wait(this.cell, 0, was, Math.min(left, 50));
    }
  }

  /** Free the lock if `id` holds it (that party died holding it); whether it did. */
  releaseIfHeldBy(id: number): boolean {
    const freed = Atomics.compareExchange(this.cell, 0, id, 0) === id;
    if (freed) Atomics.notify(this.cell, 0, 1);
    return freed;
  }
}
