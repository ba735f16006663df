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
import { tooMadeUp } from './holes.js';
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
  /**
   * Probe again (once, a fresh call replaying the same keys) when a prompt
   * that is no known one was recorded too made up by the receiver to judge
   * (default true). The extra call counts toward `maxCalls`.
   */
  readonly reprobe?: boolean;
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
  /** Of the calls, probes made again: a recording too made up by the receiver to judge (counted in `callsUsed`). */
  readonly reprobes: number;
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

  /**
   * The prompts an observation holds, as prompt ids; or, when a prompt that
   * is no known one is too made up by the receiver to judge and `again`
   * gives a fresh call for it, that call (nothing new is recorded from it).
   */
  const identifyAll = async (
    obs: Observation,
    again: (() => PlannedProbe | undefined) | undefined,
    judgedAsRecorded: number[],
  ): Promise<string[] | { again: PlannedProbe; share: number }> => {
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
      // Too made up to judge (over a fifth of its speech): hear it again on a fresh call before a
      // new prompt (and perhaps a spurious menu) is made of it.
      const share = tooMadeUp(p.samples, p.holes);
      if (share !== undefined) {
        const q = again?.();
        if (q) return { again: q, share };
        judgedAsRecorded.push(share);
      }
      for (const info of await library.identify(p.samples, p.speechMs, transcribe, p.holes)) out.push(info.id);
    }
    return out;
  };

  /** `reprobeOf`: the probe this one makes again (its recording was too made up to judge). */
  const runProbe = async (p: PlannedProbe, reprobeOf?: PlannedProbe): Promise<void> => {
    let got: Observation | ProbeFailure | undefined;
    let madeUp = '';
    const judgedAsRecorded: number[] = [];
    const result = await runScenario(
      probeScenario(p, o, (r) => (got = r)),
      probeEnv,
    );
    const what = p.action ? `${p.node} ${[...p.path, p.action].map(actionLabel).join(' ')}` : 'entry';
    const again = reprobeOf ? ` (again for probe ${reprobeOf.id})` : '';
    let report: ProbeReport;
    if (!got) report = { failed: result.failure ?? 'the probe call failed' };
    else if ('failed' in got) report = got;
    else {
      const obs = got;
      madeUp = madeUpText(obs);
      // One identification at a time: prompts heard by two probes at once become one prompt.
      // Matching is work outside the calls' time: under virtual time the clock stands still meanwhile.
      // A probe is made again once at most: the second recording is judged as it is.
      const mayAgain = o.reprobe !== false && !reprobeOf ? () => planner.again(p) : undefined;
      const ids = identifying.then(() => hold(identifyAll(obs, mayAgain, judgedAsRecorded)));
      identifying = ids;
      const r = await ids;
      if (!Array.isArray(r)) {
        o.onProbe?.(
          `probe ${p.id} (${what}): a prompt too made up to judge (${pct(r.share)} of its speech concealed, ` +
            `inserted or skipped by the receiver)${madeUp}: probing again as probe ${r.again.id}`,
        );
        return runProbe(r.again, p);
      }
      report = {
        prompts: r,
        end: obs.end,
        ...(obs.transferTo !== undefined ? { transferTo: obs.transferTo } : {}),
      };
    }
    planner.report(p, report);
    const judged = judgedAsRecorded.length
      ? ` (judged as recorded: ${judgedAsRecorded.map(pct).join(', ')} of a prompt's speech made up` +
        `${reprobeOf ? ', the second time' : o.reprobe === false ? '' : ', no call left to probe again'})`
      : '';
    o.onProbe?.(
      'failed' in report
        ? `probe ${p.id} (${what})${again}: failed: ${report.failed}`
        : `probe ${p.id} (${what})${again}: ${report.end}` +
            (report.prompts.length ? ` after ${report.prompts.join(' ')}` : '') +
            madeUp +
            judged,
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
    reprobes: planner.reprobes,
    unexplored: planner.unexplored,
    pending: planner.pending,
    durationMs: clock.now() - started,
  };
}

const pct = (share: number) => `${Math.round(share * 100)} %`;

/** What the receiver made up in the prompts heard (concealed or inserted), for the probe's line; '' when nothing. */
function madeUpText(obs: Observation): string {
  let holes = 0;
  let samples = 0;
  for (const p of obs.prompts)
    for (const h of p.holes) {
      holes++;
      samples += h.end - h.start;
    }
  return holes ? ` (${holes} hole(s), ${Math.round(samples / 8)} ms the receiver concealed, inserted or skipped)` : '';
}
