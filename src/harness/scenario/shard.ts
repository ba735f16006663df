/**
 * `shtoom ivr --shard I/N`: the I-th of N slices of a suite, so a CI
 * system's matrix of machines runs one large suite between them (and
 * `shtoom ivr merge` joins their JSON reports into one).
 *
 * The assignment is stable: every machine given the same scenarios picks
 * the same slices, whatever order the files were named in — the scenarios
 * are sorted by name and file name (not the path, which differs between
 * checkouts), then dealt round-robin, so the slices differ in size by one
 * at most. Each scenario is in exactly one slice.
 */
import { basename } from 'node:path';
import { UsageError } from '../../errors.js';
import type { Scenario } from './types.js';

export interface Shard {
  /** 1-based. */
  readonly index: number;
  readonly count: number;
}

/**
 * @example parseShard('2/3') // { index: 2, count: 3 }
 */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d{1,6})\s*\/\s*(\d{1,6})\s*$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count) {
    throw new UsageError(`--shard ${JSON.stringify(text)}: give I/N with 1 <= I <= N, e.g. 2/3`);
  }
  return { index, count };
}

const sortKey = (s: Scenario) => `${s.name}\u0000${s.at?.file !== undefined ? basename(s.at.file) : ''}`;

/** The scenarios of slice `shard`, in the order they were given. */
export function shardOf(scenarios: readonly Scenario[], shard: Shard): Scenario[] {
  const order = scenarios
    .map((s, i) => ({ key: sortKey(s), i }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.i - b.i));
  const mine = new Set<number>();
  order.forEach((o, rank) => {
    if (rank % shard.count === shard.index - 1) mine.add(o.i);
  });
  return scenarios.filter((_, i) => mine.has(i));
}
