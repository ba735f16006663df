/**
 * `--shard I/N`: every scenario in exactly one slice, the same slices
 * whatever order the files were given in, sizes differing by one at most;
 * a bad I/N refused.
 */
import { describe, expect, it } from 'vitest';
import { parseShard, shardOf } from '../../../src/harness/scenario/shard.js';
import type { Scenario } from '../../../src/harness/scenario/types.js';

const scenario = (name: string, file: string) =>
  ({ name, at: { file: `/some/checkout/${file}` }, steps: [] }) as unknown as Scenario;
const suite = Array.from({ length: 11 }, (_, i) => scenario(`menu ${i % 4}`, `s${i}.yaml`));

describe('shardOf', () => {
  it('deals every scenario into exactly one of N slices, sizes within one', () => {
    for (const n of [1, 2, 3, 5, 11, 20]) {
      const slices = Array.from({ length: n }, (_, i) => shardOf(suite, { index: i + 1, count: n }));
      const all = slices.flat();
      expect(all).toHaveLength(suite.length);
      expect(new Set(all).size).toBe(suite.length);
      const sizes = slices.map((s) => s.length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
  });

  it('gives the same slice whatever the order and the checkout path', () => {
    const elsewhere = suite.map((s) => ({ ...s, at: { file: s.at!.file!.replace('/some/checkout', '/ci/w') } }));
    const reversed = [...elsewhere].reverse();
    for (let i = 1; i <= 3; i++) {
      const here = shardOf(suite, { index: i, count: 3 }).map((s) => s.at!.file!.split('/').pop());
      const there = shardOf(reversed, { index: i, count: 3 }).map((s) => s.at!.file!.split('/').pop());
      expect([...there].sort()).toEqual([...here].sort());
    }
  });

  it('keeps the given order inside a slice', () => {
    const mine = shardOf(suite, { index: 1, count: 2 });
    expect(mine.map((s) => suite.indexOf(s))).toEqual([...mine.map((s) => suite.indexOf(s))].sort((a, b) => a - b));
  });
});

describe('parseShard', () => {
  it('reads I/N and refuses what is not 1 <= I <= N', () => {
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    expect(parseShard(' 1 / 1 ')).toEqual({ index: 1, count: 1 });
    for (const bad of ['0/3', '4/3', '1/0', '2', 'a/b', '1/2/3', '-1/2']) expect(() => parseShard(bad)).toThrow(/I\/N/);
  });
});
