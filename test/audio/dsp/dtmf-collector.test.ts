import { describe, expect, it } from 'vitest';
import { DtmfCollector } from '../../../src/audio/dsp/dtmf-collector.js';
import { VirtualScheduler } from '../../../src/sim/scheduler.js';

function setup() {
  const vs = new VirtualScheduler();
  return { vs, keys: new DtmfCollector(vs) };
}

describe('DtmfCollector', () => {
  it('takes keys pressed before it asked (type-ahead), up to max, at once', () => {
    const { keys } = setup();
    for (const k of '12345') keys.push(k);
    const got: string[] = [];
    keys.collect({ max: 3, firstKeyMs: 1000, interKeyMs: 1000 }, (k) => got.push(k));
    expect(got).toEqual(['123']);
    expect(keys.pending).toBe('45');
  });

  it('stops at the terminator, which it consumes and does not return', () => {
    const { vs, keys } = setup();
    const got: string[] = [];
    keys.collect({ max: 10, terminator: '#', firstKeyMs: 5000, interKeyMs: 5000 }, (k) => got.push(k));
    for (const [i, k] of [...'42#9'].entries()) vs.at(100 * (i + 1), () => keys.push(k));
    vs.runFor(1000);
    expect(got).toEqual(['42']);
    expect(keys.pending).toBe('9');
  });

  it('waits firstKeyMs for the first key, then interKeyMs after each, and gives what it has', () => {
    const { vs, keys } = setup();
    const got: [string, number][] = [];
    keys.collect({ max: 10, firstKeyMs: 3000, interKeyMs: 1000 }, (k) => got.push([k, vs.now()]));
    vs.at(2500, () => keys.push('7'));
    vs.at(3200, () => keys.push('8'));
    vs.runFor(10_000);
    expect(got).toEqual([['78', 4200]]);
    const none: [string, number][] = [];
    const t0 = vs.now();
    keys.collect({ max: 1, firstKeyMs: 3000, interKeyMs: 1000 }, (k) => none.push([k, vs.now() - t0]));
    vs.runFor(10_000);
    expect(none).toEqual([['', 3000]]);
  });

  it('stopped, it calls nothing back and leaves later keys for the next one', () => {
    const { vs, keys } = setup();
    const got: string[] = [];
    const stop = keys.collect({ max: 2, firstKeyMs: 1000, interKeyMs: 1000 }, (k) => got.push(k));
    stop();
    keys.push('5');
    vs.runFor(5000);
    expect(got).toEqual([]);
    expect(vs.pending).toBe(0);
    expect(keys.pending).toBe('5');
  });
});
