/**
 * What `shtoom ivr` and `shtoom ivr merge` print and write once a run is
 * over: the reports asked for (WAV clips, HTML, JSON, JUnit) and the
 * outcome on stdout (TAP's plan end, the failures with what each found,
 * the totals or the load summary).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { RunResult, ScenarioResult, StepResult } from '../../harness/engine/results.js';
import { formatLoadSummary, loadSummary } from '../../harness/load/load-summary.js';
import { writeClips, type ClipFiles } from '../../harness/report/clips.js';
import { htmlReport } from '../../harness/report/html.js';
import { jsonReport } from '../../harness/report/json.js';
import { junitReport } from '../../harness/report/junit.js';
import type { Logger } from '../../log/logger.js';
import type { CommandContext } from '../command.js';

/** Clip names relative to another directory. */
function rebase(files: ClipFiles, rel: string): ClipFiles {
  if (!rel) return files;
  return {
    clips: new Map(
      [...files.clips].map(([i, m]) => [i, new Map([...m].map(([id, f]) => [id, join(rel, f)] as const))] as const),
    ),
    calls: new Map([...files.calls].map(([i, f]) => [i, join(rel, f)] as const)),
  };
}

/** A path relative to the working directory when it lies below it, else absolute. */
function shortPath(p: string): string {
  const rel = relative(process.cwd(), p);
  return rel && !rel.startsWith('..') ? rel : resolve(p);
}

export const runName = (r: ScenarioResult) => `${r.name}${r.iteration > 1 ? ` #${r.iteration}` : ''}`;
export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
export const depth = (s: StepResult) => (s.path.match(/[.]/g) ?? []).length;

/** The first failed step, the innermost one inside repeat and retry. */
function failedStep(steps: readonly StepResult[]): StepResult | undefined {
  for (const s of steps) if (s.status === 'failed') return failedStep(s.children ?? []) ?? s;
  return undefined;
}

/** A failed run in one line: the step and what went wrong (expected and actual follow in the details). */
export function failureLine(r: ScenarioResult): string {
  const s = failedStep(r.steps);
  return s?.message !== undefined ? `step ${s.path} ${s.label}: ${s.message}` : (r.failure ?? 'failed');
}

/** What a failure found, in lines for a terminal: expected, got, transcript, score, tones, digits, the clip's file. */
function failureDetails(
  r: ScenarioResult,
  index: number,
  files: ClipFiles | undefined,
  base: string | undefined,
): string[] {
  const s = failedStep(r.steps);
  const d = s?.details;
  const lines = [`${runName(r)}${r.file ? ` (${r.file})` : ''}`, `  ${failureLine(r)}`];
  if (s?.expected !== undefined) lines.push(`  expected:   ${s.expected}`);
  if (s?.actual !== undefined) lines.push(`  got:        ${s.actual}`);
  if (d?.matchScore !== undefined)
    lines.push(
      `  match:      score ${d.matchScore.toFixed(2)}` +
        (d.coverage !== undefined ? `, coverage ${(d.coverage * 100).toFixed(0)} %` : ''),
    );
  if (d?.tones?.length) lines.push(`  tones:      ${d.tones.join(', ')}`);
  if (d?.digits !== undefined) lines.push(`  digits:     ${d.digits || 'none'}`);
  const clip = d?.clipId !== undefined ? files?.clips.get(index)?.get(d.clipId) : undefined;
  if (clip && base) lines.push(`  clip:       ${shortPath(join(base, clip))}`);
  const call = files?.calls.get(index);
  if (call && base) lines.push(`  whole call: ${shortPath(join(base, call))}`);
  return lines;
}

export interface RunEnd {
  /** A load test (concurrency, repeat or rate): the summary is the load summary. */
  readonly load: boolean;
  /** TAP on stdout. */
  readonly tap: boolean;
  /** What was printed as the run went (`none`: nothing, so no blank line before the outcome). */
  readonly progress: string;
  /** Scenario runs planned (TAP's plan, the interrupted line). */
  readonly total: number;
  readonly interrupted: boolean;
  readonly log: Logger;
  /** Over worker threads: how many, how many died, were started again, were given up (deaths in a row). */
  readonly workers?: { workers: number; deaths: number; restarts: number; abandoned: number };
}

/** The worker threads in one line: `2 worker threads: 1 died, 1 restarted`. */
export function workersLine(w: NonNullable<RunEnd['workers']>): string {
  const died = w.deaths ? `: ${w.deaths} died, ${w.restarts} restarted` : ', none died';
  const gaveUp = w.abandoned ? `, ${w.abandoned} given up after deaths in a row` : '';
  return `${w.workers} worker threads${died}${gaveUp}`;
}

/** Write the reports the options ask for, then print the outcome. */
export function finishRun(ctx: CommandContext, result: RunResult, end: RunEnd): void {
  const o = ctx.options;
  const { load, tap, progress, total, interrupted, log, workers } = end;
  const json = ctx.out.json;
  let files: ClipFiles | undefined;
  let filesBase: string | undefined;
  const clipsDir = o.get('ivr.clips');
  if (clipsDir !== undefined) {
    filesBase = resolve(clipsDir);
    files = writeClips(result, filesBase, '');
  }
  const htmlDir = o.get('ivr.html');
  if (htmlDir !== undefined) {
    mkdirSync(htmlDir, { recursive: true });
    const f = writeClips(result, htmlDir);
    writeFileSync(join(htmlDir, 'index.html'), htmlReport(result, f));
    if (!files) {
      files = f;
      filesBase = resolve(htmlDir);
    }
    log.info(`HTML report: ${join(htmlDir, 'index.html')}`);
  }
  const jsonFile = o.get('ivr.json-file');
  const report = (f: ClipFiles | undefined) => ({
    ...(jsonReport(result, f) as object),
    ...(load ? { load: loadSummary(result) } : {}),
    ...(workers ? { workers } : {}),
  });
  if (jsonFile !== undefined) {
    mkdirSync(dirname(resolve(jsonFile)), { recursive: true });
    if (!files) {
      filesBase = dirname(resolve(jsonFile));
      files = writeClips(result, filesBase);
    }
    // Clip names in the report are relative to the report file.
    writeFileSync(
      jsonFile,
      JSON.stringify(report(rebase(files, relative(dirname(resolve(jsonFile)), filesBase!))), null, 2) + '\n',
    );
    log.info(`JSON report: ${jsonFile}`);
  }
  const junitFile = o.get('ivr.junit');
  if (junitFile !== undefined) {
    mkdirSync(dirname(resolve(junitFile)), { recursive: true });
    writeFileSync(junitFile, junitReport(result));
    log.info(`JUnit report: ${junitFile}`);
  }

  const { passed, failed } = result.summary;
  if (tap) {
    // TAP 13: an aborted run says so, or consumers count the missing points as failures without a reason.
    if (interrupted)
      ctx.out.raw(`Bail out! interrupted: ${total - result.summary.total} of ${total} scenario runs not run\n`);
    ctx.out.raw(`# ${passed} passed, ${failed} failed\n`);
    if (workers) ctx.out.raw(`# ${workersLine(workers)}\n`);
  } else if (json) {
    ctx.out.data(report(files && filesBase ? rebase(files, relative(process.cwd(), filesBase)) : undefined), () => '');
  } else {
    const failures = result.scenarios.map((r, i) => [r, i] as const).filter(([r]) => r.status === 'failed');
    const gap = () => progress !== 'none' && ctx.out.line('');
    if (failures.length) {
      gap();
      ctx.out.line(ctx.out.chalk.red(`${failures.length} failed:`));
      for (const [r, i] of failures.slice(0, 20)) ctx.out.line(failureDetails(r, i, files, filesBase).join('\n'));
      if (failures.length > 20) ctx.out.line(`… and ${failures.length - 20} more`);
    }
    gap();
    if (load) ctx.out.line(formatLoadSummary(loadSummary(result)));
    else {
      const line = `${passed} passed, ${failed} failed (${seconds(result.durationMs)})`;
      ctx.out.line(failed ? ctx.out.chalk.red(line) : ctx.out.chalk.green(line));
    }
    if (workers) ctx.out.line(workersLine(workers));
    if (interrupted) ctx.out.line(`interrupted: ${total - result.summary.total} of ${total} scenario runs not run`);
  }
}
