/** The test-only worker exit (`SHTOOM_TEST_WORKER_EXIT=W:N[:every]`): which thread exits, and when. */
import { describe, expect, it } from 'vitest';
import { testExitAt } from '../../src/cli/worker-test-exit.js';

describe('SHTOOM_TEST_WORKER_EXIT', () => {
  it('unset or malformed: no thread ever exits', () => {
    for (const v of [undefined, '', 'x', '1', '1:', ':2', '1:2:always', '1:0', '-1:2'])
      expect(testExitAt(v, 0, 0), String(v)).toBeUndefined();
  });

  it('W:N: worker W (from 1), its first thread only, at its N-th job', () => {
    expect(testExitAt('1:2', 0, 0)).toBe(2);
    expect(testExitAt('1:2', 1, 0)).toBeUndefined();
    expect(testExitAt('1:2', 0, 1)).toBeUndefined();
    expect(testExitAt('2:1', 1, 0)).toBe(1);
  });

  it('W:N:every: every thread of worker W', () => {
    expect(testExitAt('1:1:every', 0, 0)).toBe(1);
    expect(testExitAt('1:1:every', 0, 5)).toBe(1);
    expect(testExitAt('1:1:every', 1, 5)).toBeUndefined();
  });
});
