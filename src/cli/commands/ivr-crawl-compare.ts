/**
 * `shtoom ivr crawl URI --compare DIR`: the earlier map read before any
 * call (a bad DIR is exit 2), then the new crawl compared with it: a line
 * per change on stdout, JUnit with `--junit FILE`, exit 1 on any change.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { compareMaps, viewOfCrawl, type MapView } from '../../harness/crawl/compare.js';
import { compareJunit, compareText } from '../../harness/crawl/compare-report.js';
import type { CrawlMap } from '../../harness/crawl/crawler.js';
import { readMap } from '../../harness/crawl/tree-file.js';
import type { CommandContext } from '../command.js';
import { ExitCode } from '../exit-codes.js';

export interface Comparison {
  readonly dir: string;
  readonly before: MapView;
}

/** The map to compare with, when `--compare` is given. */
export function loadComparison(ctx: CommandContext): Comparison | undefined {
  const dir = ctx.options.get('ivr.compare');
  if (dir === undefined) return undefined;
  return { dir: resolve(dir), before: readMap(resolve(dir)) };
}

/** Report the changes from `c` to `map`; the exit code (1 on any change). */
export function reportComparison(ctx: CommandContext, c: Comparison, map: CrawlMap, startedAt: string): number {
  const changes = compareMaps(c.before, viewOfCrawl(map));
  for (const line of compareText(changes, `${c.dir}/tree.json`)) ctx.out.line(line);
  const junit = ctx.options.get('ivr.junit');
  if (junit !== undefined) {
    mkdirSync(dirname(resolve(junit)), { recursive: true });
    writeFileSync(junit, compareJunit(c.before, changes, { against: c.dir, durationMs: map.durationMs, startedAt }));
  }
  return changes.length ? ExitCode.FAILURE : ExitCode.OK;
}
