/**
 * Runs a crawl: probe calls through the engine on any `CallPort` (real SIP
 * calls, or the simulator in virtual time), up to `concurrency` at once,
 * until the planner has nothing left to try, the call budget is spent or the
 * wall-clock limit passes. Each recorded prompt is identified by the
 * `PromptLibrary` (one at a time, so two probes that hear a new prompt
 * together make one prompt of it) before the planner hears of it; a new
 * prompt's transcription runs beside the calls that follow.
 */
import type { EngineEnv } from '../engine/context.js';
import { runScenario } from '../engine/runner.js';
import { realClock } from '../../clock/clock.js';
import { CrawlPlanner, type CrawlLimits, type PlannedProbe, type PlannerState, type ProbeReport } from './planner.js';
import { probeScenario, type ProbeCallOptions } from './probe.js';
import { PromptLibrary, type PromptLibraryOptions } from './prompt-library.js';
import {
  actionLabel,
  type CrawlEdge,
  type CrawlEntry,
  type CrawlNode,
  type Observation,
  type PromptInfo,
  type ProbeFailure,
} from './types.js';

export interface CrawlOptions extends ProbeCallOptions {
  readonly limits: CrawlLimits;
  /** Probe calls at once (default 1). */
  readonly concurrency?: number;
  /** Stop planning new probes after this long, ms (default 30 min). */
  readonly wallMs?: number;
  /** A new prompt's transcript (default: none). */
  readonly transcribe?: (samples: Int16Array) => Promise<string>;
  readonly matching?: PromptLibraryOptions;
  /** Called after each probe with a line describing it. */
  readonly onProbe?: (line: string) => void;
  readonly signal?: AbortSignal;
  /** Go on with an earlier crawl that stopped: its graph, pending probes and prompts. */
  readonly resume?: PlannerState & { readonly prompts: readonly PromptInfo[] };
}

/** The map a crawl made. */
export interface CrawlMap {
  readonly uri: string;
  readonly entry: CrawlEntry | undefined;
  readonly nodes: readonly CrawlNode[];
  readonly edges: readonly CrawlEdge[];
  readonly prompts: readonly PromptInfo[];
  readonly callsUsed: number;
  /** Probes planned and never made (call budget, wall time, interruption). */
  readonly unexplored: number;
  /** Those probes: where, and what to try (what `--resume` goes on with). */
  readonly pending: PlannerState['pending'];
  readonly durationMs: number;
}

export async function crawl(o: CrawlOptions, env: EngineEnv): Promise<CrawlMap> {
  const clock = env.clock ?? realClock;
  const hold = env.hold ?? (<T>(p: Promise<T>) => p);
  const concurrency = Math.max(1, o.concurrency ?? 1);
  // Enough calls at once for a menu's every key and its "no key": try them together.
  const planner = new CrawlPlanner({ eager: concurrency > o.limits.keys.length, ...o.limits }, o.resume);
  const library = new PromptLibrary(o.matching);
  for (const p of o.resume?.prompts ?? []) library.seed(p);
  const transcribe = (s: Int16Array) => (o.transcribe ? hold(o.transcribe(s)) : Promise.resolve(''));
  const started = clock.now();
  const wallMs = o.wallMs ?? 30 * 60_000;
  let identifying: Promise<unknown> = Promise.resolve();
  // Probes keep no audio in their results and print no steps: the crawl reports what they found.
  const { onStep: _quiet, ...rest } = env;
  const probeEnv: EngineEnv = { ...rest, keepAudio: false };

  const runProbe = async (p: PlannedProbe): Promise<void> => {
    let got: Observation | ProbeFailure | undefined;
    let madeUp = '';
    const result = await runScenario(
      probeScenario(p, o, (r) => (got = r)),
      probeEnv,
    );
    let report: ProbeReport;
    if (!got) report = { failed: result.failure ?? 'the probe call failed' };
    else if ('failed' in got) report = got;
    else {
      const obs = got;
      madeUp = madeUpText(obs);
      // One identification at a time: prompts heard by two probes at once become one prompt.
      // Matching is work outside the calls' time: under virtual time the clock stands still meanwhile.
      const ids = (identifying = identifying.then(() =>
        hold(
          (async () => {
            const out: string[] = [];
            const ps = obs.prompts;
            for (let i = 0; i < ps.length; i++) {
              const alone = await library.known(ps[i]!.samples, ps[i]!.speechMs, ps[i]!.holes);
              if (alone) {
                out.push(alone.id);
                continue;
              }
              // A known prompt that a stall of the stream cut in two (a gap over --prompt-gap inside it)
              // is known whole across the two.
              const joined = ps[i + 1]?.withPrevious;
              const whole = joined && (await library.known(joined.samples, joined.speechMs, joined.holes));
              if (whole) {
                out.push(whole.id);
                i++;
                continue;
              }
              const p = ps[i]!;
              for (const info of await library.identify(p.samples, p.speechMs, transcribe, p.holes)) out.push(info.id);
            }
            return out;
          })(),
        ),
      ));
      report = {
        prompts: (await ids) as string[],
        end: obs.end,
        ...(obs.transferTo !== undefined ? { transferTo: obs.transferTo } : {}),
      };
    }
    planner.report(p, report);
    const what = p.action ? `${p.node} ${[...p.path, p.action].map(actionLabel).join(' ')}` : 'entry';
    o.onProbe?.(
      'failed' in report
        ? `probe ${p.id} (${what}): failed: ${report.failed}`
        : `probe ${p.id} (${what}): ${report.end}${report.prompts.length ? ` after ${report.prompts.join(' ')}` : ''}` +
            madeUp,
    );
  };

  const running = new Set<Promise<void>>();
  for (;;) {
    if (o.signal?.aborted || clock.now() - started >= wallMs) planner.stop();
    while (running.size < concurrency) {
      const p = planner.next();
      if (!p) break;
      const t: Promise<void> = runProbe(p).finally(() => running.delete(t));
      running.add(t);
    }
    if (running.size === 0) break;
    await Promise.race(running);
  }
  // New prompts are transcribed beside the calls: the map waits for the last of them.
  await library.transcribed();
  return {
    uri: o.uri,
    entry: planner.entry,
    nodes: [...planner.nodes.values()],
    edges: planner.edges,
    prompts: library.prompts,
    callsUsed: planner.callsUsed,
    unexplored: planner.unexplored,
    pending: planner.pending,
    durationMs: clock.now() - started,
  };
}

/** What the receiver made up in the prompts heard (concealed or inserted), for the probe's line; '' when nothing. */
function madeUpText(obs: Observation): string {
  let holes = 0;
  let samples = 0;
  for (const p of obs.prompts)
    for (const h of p.holes) {
      holes++;
      samples += h.end - h.start;
    }
  return holes ? ` (${holes} hole(s), ${Math.round(samples / 8)} ms the receiver concealed or inserted)` : '';
}
