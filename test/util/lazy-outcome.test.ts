import { describe, expect, it } from 'vitest';
import { LazyOutcome } from '../../src/util/emitter.js';

describe('LazyOutcome', () => {
  it('gives the value to a promise asked for before or after it settled', async () => {
    const before = new LazyOutcome<string>();
    const early = before.promise;
    before.resolve('bye');
    await expect(early).resolves.toBe('bye');
    const after = new LazyOutcome<string>();
    after.resolve('timeout');
    await expect(after.promise).resolves.toBe('timeout');
  });

  it('keeps the first outcome, as a promise does', async () => {
    const o = new LazyOutcome<number>();
    o.reject(new Error('rejected with 486'));
    o.resolve(1);
    await expect(o.promise).rejects.toThrow('486');
    const p = new LazyOutcome<number>();
    const asked = p.promise;
    p.resolve(2);
    p.reject(new Error('late'));
    await expect(asked).resolves.toBe(2);
  });

  it('a rejection nobody awaits is not an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown): void => void unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      const asked = new LazyOutcome<void>();
      void asked.promise;
      asked.reject(new Error('nobody listens'));
      new LazyOutcome<void>().reject(new Error('never asked'));
      await new Promise((r) => setTimeout(r, 10));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
