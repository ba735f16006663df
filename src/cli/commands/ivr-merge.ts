/**
 * `shtoom ivr merge REPORT.json…`: one report from the JSON reports of
 * runs of one suite on several machines (`shtoom ivr --shard I/N
 * --json-file …` on each): the same reports as a run writes (`--junit`,
 * `--html`, `--json-file`, `--json`, `--tap`), the failures with what each
 * found, and the totals — or the load summary when the runs were load
 * tests. Exit 0 when every scenario passed, 1 when one failed, 2 for a
 * file that is not such a report.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { readAudioFile } from '../../harness/audio-file.js';
import { tapPoint } from '../../harness/report/tap.js';
import { mergeRuns, ReportFileError, runFromReport } from '../../harness/report/merge.js';
import type { CommandContext } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { finishRun } from './ivr-report.js';

export async function runMerge(ctx: CommandContext, files: readonly string[]): Promise<number> {
  const log = ctx.log.child('ivr');
  if (files.length === 0) throw new ReportFileError('ivr merge', 'give the JSON reports to merge');
  let load = false;
  let missing = 0;
  const runs = files.map((file) => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ReportFileError(file, (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(err));
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (err) {
      throw new ReportFileError(file, `not JSON: ${(err as Error).message}`);
    }
    load ||= typeof doc === 'object' && doc !== null && 'load' in doc;
    // Audio is named relative to its report; a report moved without its clips still merges, without them.
    return runFromReport(doc, file, (name) => {
      try {
        return readAudioFile(isAbsolute(name) ? name : join(dirname(file), name));
      } catch {
        missing++;
        return undefined;
      }
    });
  });
  if (missing > 0) log.warn(`${missing} audio file(s) named in the reports are missing: merged without them`);
  const result = mergeRuns(runs);
  const tap = ctx.options.get('ivr.tap');
  if (tap) {
    ctx.out.raw(`TAP version 13\n1..${result.summary.total}\n`);
    for (const [i, r] of result.scenarios.entries()) ctx.out.raw(`${tapPoint(r, i + 1)}\n`);
  }
  const total = result.summary.total;
  finishRun(ctx, result, { load, tap, progress: 'none', total, interrupted: false, log });
  return result.summary.failed > 0 ? ExitCode.FAILURE : ExitCode.OK;
}
