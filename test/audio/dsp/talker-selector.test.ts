/** The talkers' hysteresis in powers (the room's tests hear it in audio). */
import { describe, expect, it } from 'vitest';
import { TalkerSelector } from '../../../src/audio/dsp/talker-selector.js';
import { DspMisuseError } from '../../../src/audio/errors.js';

/** The mean square of a sine at `dbfs`. */
const power = (dbfs: number) => (32768 * 32768 * 10 ** (dbfs / 10)) / 2;

function talkers(s: TalkerSelector): number[] {
  return Array.from(s.talkers.subarray(0, s.count)).sort((a, b) => a - b);
}

describe('TalkerSelector', () => {
  it('fills free places with the loudest speakers, leaves the silent out, names a stand-in', () => {
    const s = new TalkerSelector({ talkers: 2 });
    for (let i = 0; i < 4; i++) s.add();
    s.update([power(-20), power(-60), power(-25), power(-30)], [1, 1, 1, 1]);
    expect(talkers(s)).toEqual([0, 2]);
    expect(s.standIn).toBe(3);
    expect(s.active(1)).toBe(false);
    expect(s.levelDbfs(0)).toBeCloseTo(-20, 6);
  });

  it('a muted talker leaves at once and the next speaker takes its place', () => {
    const s = new TalkerSelector({ talkers: 1 });
    s.add();
    s.add();
    const p = [power(-20), power(-30)];
    s.update(p, [1, 1]);
    expect(talkers(s)).toEqual([0]);
    s.update(p, [0, 1]);
    expect(talkers(s)).toEqual([1]);
    expect(s.standIn).toBe(-1);
  });

  it('removing a slot shifts the later ones down, talkers and stand-in included', () => {
    const s = new TalkerSelector({ talkers: 2 });
    for (let i = 0; i < 20; i++) s.add(); // past the first growth
    const p = new Array(20).fill(0);
    p[5] = power(-20);
    p[12] = power(-22);
    p[17] = power(-24);
    s.update(p, new Array(20).fill(1));
    expect(talkers(s)).toEqual([5, 12]);
    expect(s.standIn).toBe(17);
    s.remove(3);
    expect(talkers(s)).toEqual([4, 11]);
    expect(s.standIn).toBe(16);
    s.remove(4);
    expect(talkers(s)).toEqual([10]);
    expect(s.size).toBe(18);
    expect(() => s.remove(18)).toThrow(DspMisuseError);
    expect(() => new TalkerSelector({ talkers: 0 })).toThrow(DspMisuseError);
  });
});
