/**
 * `shtoom ivr FILE.yaml…|DIR`: run IVR test scenarios against real targets
 * — each step printed as it passes or fails, with its timing — and write
 * the reports asked for (TAP on stdout, JUnit XML, JSON, HTML, WAV clips).
 * With `--concurrency`, `--repeat` or `--rate` the run becomes a load test
 * and ends with its summary (pass/fail counts, step latency percentiles,
 * media statistics of all calls); `--workers W` spreads its runs over W
 * worker threads (`ivr-workers.ts`), the results merged as one thread
 * reports them.
 *
 * Exit codes: 0 when every scenario run passed, 1 when one failed, 2 for a
 * bad scenario file or option, 130 when interrupted (Ctrl-C, SIGTERM: no
 * scenario starts any more, the calls in progress are hung up, the reports
 * hold what ran).
 */
import { availableParallelism } from 'node:os';
import { UsageError } from '../../errors.js';
import { optionsToWire } from '../../options/index.js';
import type { RunResult, ScenarioResult, StepResult } from '../../harness/engine/results.js';
import { runSuite } from '../../harness/load/run-suite.js';
import { stepLine } from '../../harness/report/step-text.js';
import { tapPoint } from '../../harness/report/tap.js';
import { parseShard, shardOf } from '../../harness/scenario/shard.js';
import { loadScenarios } from '../../harness/scenario/yaml.js';
import type { CommandContext, CommandSpec } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { runCrawl } from './ivr-crawl.js';
import { runMerge } from './ivr-merge.js';
import { depth, failureLine, finishRun, runName, seconds, type RunEnd } from './ivr-report.js';
import { ivrPort } from './ivr-port.js';
import { runOnWorkers, type IvrJob } from './ivr-workers.js';

/** Options only `ivr crawl` uses. */
const CRAWL_ONLY = [
  'ivr.keys',
  'ivr.depth',
  'ivr.max-calls',
  'ivr.max-time',
  'ivr.input',
  'ivr.out',
  'ivr.compare',
  'ivr.resume',
  'ivr.prompt-gap',
  'ivr.settle',
  'ivr.no-key',
  'ivr.response',
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

/**
 * A run's exit code: 130 when interrupted; 1 when a run failed (a run its
 * dead worker had in flight is a failed run) or nothing ran, except in a
 * shard: more shards than scenarios leaves some empty, and a CI matrix must
 * not fail for it; else 0.
 */
export function runExitCode(summary: RunResult['summary'], interrupted: boolean, sharded: boolean): number {
  if (interrupted) return ExitCode.INTERRUPTED;
  return summary.failed > 0 || (summary.total === 0 && !sharded) ? ExitCode.FAILURE : ExitCode.OK;
}

async function run(ctx: CommandContext): Promise<number> {
  const o = ctx.options;
  const paths = ctx.args;
  if (paths[0] === 'merge') return runMerge(ctx, paths.slice(1));
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
  const all = loadScenarios(paths);
  const shardText = o.get('ivr.shard');
  const shard = shardText !== undefined ? parseShard(shardText) : undefined;
  const scenarios = shard ? shardOf(all, shard) : all;
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
  if (shard && !tap && !json)
    ctx.out.line(`shard ${shard.index}/${shard.count}: ${scenarios.length} of the ${all.length} scenarios`);
  const log = ctx.log.child('ivr');

  const askedWorkers = o.get('ivr.workers');
  // More workers than runs at once (or than runs) would sit idle.
  const workers = Math.max(1, Math.min(askedWorkers === 0 ? availableParallelism() : askedWorkers, concurrency, total));
  if (workers > 1 && o.sourceOf('sip.port').kind !== 'default')
    throw new UsageError(`--sip-port: the ${workers} workers each bind a SIP port of their own; leave it out`);
  if (workers > 1 && !tap && !json) ctx.out.line(`${total} scenario runs over ${workers} worker threads`);
  // Built here in any case: a bad SIP setting is a usage error (exit 2) before any worker starts.
  const port = await ivrPort(ctx);

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
  let threads: RunEnd['workers'];
  if (workers > 1) {
    await port.close();
    ctx.signal.removeEventListener('abort', onAbort);
    const stopOnAbort = () => {
      log.info('interrupted: no further scenario starts; hanging up the calls in progress');
      stop.abort();
    };
    ctx.signal.addEventListener('abort', stopOnAbort, { once: true });
    try {
      const jobs: IvrJob[] = [];
      for (let r = 1; r <= repeat; r++)
        for (const sc of scenarios)
          jobs.push({ name: sc.name, ...(sc.at?.file ? { file: sc.at.file } : {}), iteration: r });
      const run = await runOnWorkers({
        workers,
        jobs,
        concurrency,
        data: {
          options: optionsToWire(o),
          paths: [...paths],
          ...(shardText !== undefined ? { shard: shardText } : {}),
          vars: varsFrom(o.get('ivr.var')),
          repeat,
          ...(rateText !== undefined ? { ratePerSecond: Number(rateText) } : {}),
          keep,
          logLevel: ctx.log.level,
        },
        log,
        onStep,
        onScenario: (r, stand) => {
          if (stand) shown.delete(stand);
          onScenario(r);
        },
        signal: stop.signal,
      });
      result = run.result;
      threads = { workers, ...run.outcome };
    } finally {
      ctx.signal.removeEventListener('abort', stopOnAbort);
    }
  } else
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

  const interrupted = ctx.signal.aborted;
  finishRun(ctx, result, { load, tap, progress, total, interrupted, log, ...(threads ? { workers: threads } : {}) });
  return runExitCode(result.summary, interrupted, shard !== undefined);
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
      description:
        'scenario files (.yaml) and directories of them; or crawl URI: map an IVR and write its scenarios; ' +
        'or merge REPORT.json…: join shard reports',
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
    'shtoom ivr examples/ --concurrency 200 --repeat 20 --workers 2   # the load over two threads',
    'shtoom ivr tests/ --tap | tap-junit',
    'shtoom ivr tests/ --shard 2/3 --json-file shard-2.json   # machine 2 of 3 in a CI matrix',
    'shtoom ivr merge shard-*.json --junit ivr.xml --html report/',
    'shtoom ivr crawl sip:ivr@127.0.0.1:5080 --keys 0123*9 --input 1234# --concurrency 4 --out crawl/',
    'shtoom ivr crawl/scenarios   # the scenarios the crawl wrote; crawl/index.html is the map drawn',
    'shtoom ivr crawl sip:ivr@127.0.0.1:5080 --keys 0123*9 --input 1234# --resume crawl/   # go on after --max-calls',
    'shtoom ivr crawl sip:ivr@127.0.0.1:5080 --keys 0123*9 --input 1234# --compare crawl/ --junit changes.xml',
  ],
};
