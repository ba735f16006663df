/**
 * `shtoom ivr FILE.yaml…|DIR`: run IVR test scenarios against real targets
 * — each step printed as it passes or fails, with its timing — and write
 * the reports asked for (TAP on stdout, JUnit XML, JSON, HTML, WAV clips).
 * With `--concurrency`, `--repeat` or `--rate` the run becomes a load test
 * and ends with its summary (pass/fail counts, step latency percentiles,
 * media statistics of all calls).
 *
 * Exit codes: 0 when every scenario run passed, 1 when one failed, 2 for a
 * bad scenario file or option, 130 when interrupted (Ctrl-C, SIGTERM: no
 * scenario starts any more, the calls in progress are hung up, the reports
 * hold what ran).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import type { RunResult, ScenarioResult, StepResult } from '../../harness/engine/results.js';
import { formatLoadSummary, loadSummary } from '../../harness/load/load-summary.js';
import { runSuite } from '../../harness/load/run-suite.js';
import { PhonePort } from '../../harness/phone/phone-port.js';
import { writeClips, type ClipFiles } from '../../harness/report/clips.js';
import { htmlReport } from '../../harness/report/html.js';
import { jsonReport } from '../../harness/report/json.js';
import { junitReport } from '../../harness/report/junit.js';
import { stepLine } from '../../harness/report/step-text.js';
import { tapPoint } from '../../harness/report/tap.js';
import { loadScenarios } from '../../harness/scenario/yaml.js';
import { SipUsageError } from '../../sip/errors.js';
import type { CommandContext, CommandSpec } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { ephemeralSipPort, phoneOptionsFrom } from './call-common.js';
import { runCrawl } from './ivr-crawl.js';

/** Options only `ivr crawl` uses. */
const CRAWL_ONLY = [
  'ivr.keys',
  'ivr.depth',
  'ivr.max-calls',
  'ivr.max-time',
  'ivr.input',
  'ivr.out',
  'call.codec',
  'call.dtmf-mode',
] as const;

/** Runs kept with their audio when `--keep-audio auto`. */
const KEEP_ALL_UP_TO = 20;

function varsFrom(list: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list ?? []) {
    const eq = item.indexOf('=');
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

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

const runName = (r: ScenarioResult) => `${r.name}${r.iteration > 1 ? ` #${r.iteration}` : ''}`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const depth = (s: StepResult) => (s.path.match(/[.]/g) ?? []).length;

/** The first failed step, the innermost one inside repeat and retry. */
function failedStep(steps: readonly StepResult[]): StepResult | undefined {
  for (const s of steps) if (s.status === 'failed') return failedStep(s.children ?? []) ?? s;
  return undefined;
}

/** A failed run in one line: the step and what went wrong (expected and actual follow in the details). */
function failureLine(r: ScenarioResult): string {
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

async function run(ctx: CommandContext): Promise<number> {
  const o = ctx.options;
  const paths = ctx.args;
  if (paths[0] === 'crawl') return runCrawl(ctx, paths.slice(1));
  if (paths.length === 0) throw new UsageError('give scenario files (.yaml) or directories');
  // The crawl's own options mean nothing to a scenario run: say so rather than ignore them.
  for (const id of CRAWL_ONLY) {
    const src = o.sourceOf(id);
    if (src.kind === 'argv')
      throw new UsageError(`${src.flag} is an option of ivr crawl (shtoom ivr crawl URI ${src.flag} …)`);
  }
  if (o.get('ivr.tap') && ctx.out.json)
    throw new UsageError(
      '--tap and --json both print the report on stdout: choose one (--json-file FILE writes JSON to a file)',
    );
  // A bad file is a usage error (exit 2) before any call is placed.
  const scenarios = loadScenarios(paths);
  const concurrency = o.get('ivr.concurrency');
  const repeat = o.get('ivr.repeat');
  const rateText = o.get('ivr.rate');
  const total = scenarios.length * repeat;
  const keep =
    o.get('ivr.keep-audio') === 'auto' ? (total <= KEEP_ALL_UP_TO ? 'all' : 'failed') : o.get('ivr.keep-audio');
  const tap = o.get('ivr.tap');
  const json = ctx.out.json;
  const load = concurrency > 1 || repeat > 1 || rateText !== undefined;
  const progress = o.get('ivr.progress') === 'auto' ? (load ? 'scenarios' : 'steps') : o.get('ivr.progress');
  const log = ctx.log.child('ivr');

  let port: PhonePort;
  try {
    port = await PhonePort.create({
      ...phoneOptionsFrom(o, ctx.log, { ephemeralPort: ephemeralSipPort('ivr') }),
      inbandDtmf: 'off',
    });
  } catch (e) {
    if (e instanceof SipUsageError) throw new UsageError(e.message);
    throw e;
  }

  // Progress: human lines, or TAP comments and points; nothing on stdout with --json.
  const say = (line: string) => {
    if (tap) ctx.out.raw(`# ${line}\n`);
    else ctx.out.line(line);
  };
  const shown = new Set<ScenarioResult>();
  const label = (r: ScenarioResult) => (concurrency > 1 ? `[${runName(r)}] ` : '');
  let point = 0;
  if (tap) ctx.out.raw(`TAP version 13\n1..${total}\n`);
  const onStep = (r: ScenarioResult, s: StepResult) => {
    if (json || progress !== 'steps') return;
    if (!shown.has(r)) {
      shown.add(r);
      say(`${runName(r)}${r.file ? `  (${r.file})` : ''}`);
    }
    say(`${label(r)}  ${'  '.repeat(depth(s))}${stepLine(s)}`);
  };
  const onScenario = (r: ScenarioResult) => {
    shown.delete(r);
    // Steps after a failure never ran: list them where they would have been.
    if (!json && progress === 'steps')
      for (const s of r.steps) if (s.status === 'skipped') say(`${label(r)}  ${stepLine(s)}`);
    if (r.status === 'passed' && keep === 'failed') {
      delete r.audio;
      r.clips.length = 0;
    }
    if (tap) ctx.out.raw(`${tapPoint(r, ++point)}\n`);
    if (json || progress === 'none') return;
    say(
      r.status === 'passed'
        ? `PASS ${runName(r)} (${seconds(r.durationMs)})`
        : `FAIL ${runName(r)} (${seconds(r.durationMs)}): ${failureLine(r)}`,
    );
  };

  const stop = new AbortController();
  const onAbort = () => {
    log.info('interrupted: no further scenario starts; hanging up the calls in progress');
    stop.abort();
    void port.close().catch(() => undefined);
  };
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  let result: RunResult;
  try {
    result = await runSuite(
      scenarios,
      { ...port.env(), onStep, vars: varsFrom(o.get('ivr.var')) },
      {
        concurrency,
        repeat,
        ...(rateText !== undefined ? { ratePerSecond: Number(rateText) } : {}),
        onScenario,
        signal: stop.signal,
      },
    );
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    await port.close();
  }

  // Reports.
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
  const interrupted = ctx.signal.aborted;
  if (tap) {
    // TAP 13: an aborted run says so, or consumers count the missing points as failures without a reason.
    if (interrupted)
      ctx.out.raw(`Bail out! interrupted: ${total - result.summary.total} of ${total} scenario runs not run\n`);
    ctx.out.raw(`# ${passed} passed, ${failed} failed\n`);
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
    if (interrupted) ctx.out.line(`interrupted: ${total - result.summary.total} of ${total} scenario runs not run`);
  }
  if (interrupted) return ExitCode.INTERRUPTED;
  return failed > 0 || result.summary.total === 0 ? ExitCode.FAILURE : ExitCode.OK;
}

export const ivrCommand: CommandSpec = {
  name: 'ivr',
  globals: [
    'account.aor',
    'account.user',
    'account.password',
    'sip.outbound-proxy',
    'sip.address',
    'sip.port',
    'rtp.address',
  ],
  description:
    'run IVR test scenarios (YAML) against real targets: steps as they pass or fail, TAP/JUnit/JSON/HTML reports, ' +
    'load mode',
  args: [
    {
      name: 'scenarios',
      description: 'scenario files (.yaml) and directories of them; or crawl URI: map an IVR and write its scenarios',
      required: true,
      variadic: true,
    },
  ],
  run,
  examples: [
    'shtoom serve ivr-demo --listen 127.0.0.1:5080 &   # the demo IVR the examples call',
    'shtoom ivr examples/',
    'shtoom ivr examples/demo-sales.yaml --junit ivr.xml --html report/',
    'shtoom ivr examples/demo-sales.yaml --var ivr=sip:ivr@pbx.example.com --aor sip:test@example.com --password ' +
      'secret',
    'shtoom ivr examples/demo-sales.yaml --concurrency 10 --repeat 5 --rate 2 --json',
    'shtoom ivr tests/ --tap | tap-junit',
    'shtoom ivr crawl sip:ivr@127.0.0.1:5080 --keys 0123*9 --input 1234# --concurrency 4 --out crawl/',
    'shtoom ivr crawl/scenarios   # the scenarios the crawl wrote',
  ],
};
