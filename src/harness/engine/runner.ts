/**
 * The scenario engine: runs one scenario's steps in order against a call
 * port, on the engine's clock, and returns its result. The first failing
 * step ends the scenario (the steps after it are reported as skipped) and
 * the call is hung up; nothing a step does can crash the run — an
 * unexpected error becomes a failed step with its message.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { encodeWav } from '../../audio/formats/wav-format.js';
import { realClock } from '../../clock/clock.js';
import { realTimers } from '../../clock/timers.js';
import { ScenarioTimeout, StepFailure } from '../errors.js';
import type { HeardStep, Scenario, Step } from '../scenario/types.js';
import { AbortScope } from './abort-scope.js';
import { interpolate } from './interpolate.js';
import type { EngineEnv, RunState, StepApi } from './context.js';
import type { ScenarioResult, StepResult } from './results.js';
import {
  prepareRecogniser,
  runDtmf,
  runDuration,
  runHeard,
  runListen,
  runMatches,
  runSilence,
  runTone,
} from './steps-assert.js';
import { runCall, runExpect, runHangup, runPlay, runRecord, runSay, runSendDtmf, runWait } from './steps-call.js';
import { sleep, waitFor } from './waiter.js';

/** Every `heard` step in a list of steps, nested ones included. */
function heardSteps(steps: readonly Step[]): HeardStep[] {
  return steps.flatMap((s) =>
    s.kind === 'heard' ? [s] : s.kind === 'repeat' || s.kind === 'retry' ? heardSteps(s.steps) : [],
  );
}

/** The result of a run that starts now: passed so far, nothing in it yet. */
export function startedResult(name: string, file: string | undefined, iteration: number): ScenarioResult {
  return {
    name,
    ...(file ? { file } : {}),
    iteration,
    status: 'passed',
    startedAt: new Date().toISOString(),
    durationMs: 0,
    steps: [],
    timeline: [],
    clips: [],
    recordings: [],
  };
}

/**
 * Run one scenario.
 *
 * @example
 * const vt = new VirtualTime();
 * const port = new IvrSimulator({ clock: vt.clock, timers: vt.timers, hold: vt.hold, script: demoIvr() });
 * const result = await vt.run(() => runScenario(scenario, { port, clock: vt.clock, timers: vt.timers, hold: vt.hold
 * }));
 * console.log(result.status, result.failure);
 */
export async function runScenario(scenario: Scenario, env: EngineEnv): Promise<ScenarioResult> {
  const clock = env.clock ?? realClock;
  const timers = env.timers ?? realTimers;
  const startedAt = clock.now();
  const result = startedResult(scenario.name, scenario.at?.file, env.iteration ?? 1);
  const scenarioAbort = new AbortScope();
  const st: RunState = {
    scenario,
    env,
    clock,
    timers,
    hold: env.hold ?? (<T>(p: Promise<T>) => p),
    abort: scenarioAbort,
    startedAt,
    result,
    vars: { ...scenario.vars, ...env.vars },
    leg: undefined,
    monitor: undefined,
    prompt: undefined,
    windowStart: 0,
    heardUpTo: 0,
    recordings: [],
    allPhrases: heardSteps(scenario.steps).map((s) => s.text),
    clipCount: 0,
    later: new Map(),
    now: () => clock.now() - startedAt,
    timeline: (e) => result.timeline.push(e),
  };
  // Real timers are unref'ed; keep the process alive while a scenario runs.
  const keepAlive = timers === realTimers ? setInterval(() => undefined, 60_000) : undefined;
  const deadline = timers.setTimer(scenario.timeoutMs, () =>
    scenarioAbort.fire(new ScenarioTimeout(`the scenario timed out after ${scenario.timeoutMs} ms`)),
  );
  try {
    await scenarioAbort.race(prepareRecogniser(st, heardSteps(scenario.steps))).catch(() => undefined);
    await runSteps(st, scenario.steps, '', result.steps, scenarioAbort);
  } finally {
    timers.clearTimer(deadline);
    await finish(st);
    // Reports completed after their steps passed (free transcripts).
    await st.hold(reported.get(result) ?? Promise.resolve());
    if (keepAlive) clearInterval(keepAlive);
    scenarioAbort.dispose();
  }
  result.durationMs = st.now();
  return result;
}

/** Returns false once a step failed. */
async function runSteps(
  st: RunState,
  steps: readonly Step[],
  prefix: string,
  into: StepResult[],
  scope: AbortScope,
): Promise<boolean> {
  let ok = true;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    const path = `${prefix}${i + 1}`;
    if (!ok || st.result.status === 'failed') {
      into.push({ path, kind: step.kind, label: step.label, status: 'skipped', startMs: st.now(), endMs: st.now() });
      continue;
    }
    const res = await runOne(st, step, path, scope);
    into.push(res);
    if (res.status === 'failed') ok = false;
  }
  return ok;
}

async function runOne(st: RunState, step: Step, path: string, parent: AbortScope): Promise<StepResult> {
  const res: StepResult = {
    path,
    kind: step.kind,
    label: step.label,
    status: 'passed',
    startMs: st.now(),
    endMs: st.now(),
  };
  const scope = new AbortScope(parent);
  // expect, tone and dtmf wait for their timeout themselves and report what they saw.
  const timeout = step.kind === 'expect' || step.kind === 'tone' || step.kind === 'dtmf' ? undefined : step.timeoutMs;
  const h =
    timeout === undefined
      ? undefined
      : st.timers.setTimer(timeout, () =>
          scope.fire(new StepFailure(`step timed out after ${timeout} ms`, res.expected ?? step.label, 'timeout')),
        );
  const local: RunState = Object.assign(Object.create(Object.getPrototypeOf(st) as object) as RunState, st, {
    abort: scope,
  });
  try {
    await scope.race(dispatch(local, step, res, scope));
    // Sub-runs may have changed the shared state.
    syncBack(st, local);
  } catch (e) {
    syncBack(st, local);
    res.status = 'failed';
    if (e instanceof StepFailure) {
      res.message = e.message;
      if (e.expected !== undefined) res.expected ??= e.expected;
      if (e.actual !== undefined) res.actual = e.actual;
    } else if (e instanceof ScenarioTimeout) {
      res.message = e.message;
    } else {
      const err = e instanceof Error ? e : new Error(String(e));
      res.message = `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}`;
    }
    if (step.kind === 'play' || step.kind === 'say') st.leg?.stopPlayback();
    if (st.result.status !== 'failed' && step.kind !== 'repeat' && step.kind !== 'retry') {
      st.result.failure = failureOf(path, step, res);
    }
    st.result.status = 'failed';
  } finally {
    if (h !== undefined) st.timers.clearTimer(h);
    scope.dispose();
  }
  res.endMs = st.now();
  if (st.result.status === 'failed' && !st.result.failure)
    st.result.failure = `step ${path} ${step.label}: ${res.message}`;
  // Progress in step order; a step whose report is completed later holds
  // back the lines after it, not the scenario. Its completion completes the
  // scenario's failure too when this step made it.
  const completes = st.later.get(res);
  const failure = st.result.failure;
  const mine = res.status === 'failed' && failure === failureOf(path, step, res);
  const ready = completes?.then((write) => {
    write();
    if (mine && st.result.failure === failure) st.result.failure = failureOf(path, step, res);
  });
  const report = () => st.env.onStep?.(st.result, res);
  const chain = reported.get(st.result);
  if (!ready && !chain) report();
  else reported.set(st.result, (chain ?? Promise.resolve()).then(() => ready).then(report));
  return res;
}

function failureOf(path: string, step: Step, res: StepResult): string {
  const found = res.expected !== undefined ? ` (expected ${res.expected}, got ${res.actual ?? 'nothing'})` : '';
  return `step ${path} ${step.label}: ${res.message}${found}`;
}

/** Per scenario: the progress lines still waiting for a step's report to be completed. */
const reported = new WeakMap<ScenarioResult, Promise<void>>();

function syncBack(st: RunState, local: RunState): void {
  st.leg = local.leg;
  st.monitor = local.monitor;
  st.prompt = local.prompt;
  st.windowStart = local.windowStart;
  st.heardUpTo = local.heardUpTo;
  st.vars = local.vars;
  st.clipCount = local.clipCount;
}

async function dispatch(st: RunState, step: Step, res: StepResult, scope: AbortScope): Promise<void> {
  const wait = step.timeoutMs ?? st.scenario.settings.waitMs;
  switch (step.kind) {
    case 'call':
      return runCall(st, step, res);
    case 'expect':
      return runExpect(st, step, wait, res);
    case 'listen':
      await runListen(st, step, res);
      return;
    case 'heard':
      return runHeard(st, step, res);
    case 'matches':
      return runMatches(st, step, res);
    case 'tone':
      return runTone(st, step, wait, res);
    case 'dtmf':
      return runDtmf(st, step, wait, res);
    case 'silence':
      return runSilence(st, step, res);
    case 'duration':
      return runDuration(st, step, res);
    case 'send_dtmf':
      return runSendDtmf(st, step);
    case 'say':
      return runSay(st, step);
    case 'play':
      return runPlay(st, step);
    case 'wait':
      return runWait(st, step.ms);
    case 'record':
      return runRecord(st, step);
    case 'hangup':
      return runHangup(st);
    case 'set':
      for (const [k, v] of Object.entries(step.vars)) st.vars[k] = interpolate(v, st.vars);
      return;
    case 'repeat': {
      res.children = [];
      for (let r = 1; r <= step.times; r++) {
        st.vars = { ...st.vars, [step.var]: String(r) };
        const ok = await runSteps(st, step.steps, `${res.path}[${r}].`, res.children, scope);
        if (!ok)
          throw new StepFailure(`round ${r} of ${step.times} failed`, `${step.times} rounds`, `failed in round ${r}`);
      }
      return;
    }
    case 'retry': {
      res.children = [];
      for (let a = 1; a <= step.times; a++) {
        const before = { status: st.result.status, failure: st.result.failure };
        const ok = await runSteps(st, step.steps, `${res.path}#${a}.`, res.children, scope);
        if (ok) {
          res.actual = a === 1 ? 'passed at once' : `passed on attempt ${a}`;
          return;
        }
        if (a === step.times)
          throw new StepFailure(`all ${step.times} attempts failed`, 'one passing attempt', `${step.times} failures`);
        // Forget this attempt's failure and try again.
        st.result.status = before.status;
        if (before.failure === undefined) delete st.result.failure;
        else st.result.failure = before.failure;
        if (step.delayMs > 0) await sleep(st.timers, scope, step.delayMs);
      }
      return;
    }
    case 'custom': {
      const api: StepApi = {
        vars: st.vars,
        leg: st.leg,
        monitor: st.monitor,
        prompt: st.prompt,
        now: () => st.now(),
        sleep: (ms) => sleep(st.timers, scope, ms),
        fail: (message, expected, actual) => {
          throw new StepFailure(message, expected, actual);
        },
      };
      await step.run(api);
      return;
    }
  }
}

/** Hang up what is still up, close the detectors, write recordings, fill in the result. */
async function finish(st: RunState): Promise<void> {
  const { leg, monitor, result } = st;
  if (leg && monitor && !monitor.ended) {
    st.timeline({ kind: 'hangup', label: 'hang up (end of scenario)', startMs: st.now() });
    const done = new AbortScope();
    try {
      await done.race(
        Promise.race([
          leg.hangup(),
          waitFor(
            st.timers,
            undefined,
            done,
            5000,
            () => undefined,
            () => ({ done: undefined }),
          ),
        ]),
      );
    } catch {
      // The call could not be ended cleanly; the report still stands.
    }
  }
  if (monitor) {
    monitor.finish();
    if (st.env.keepAudio !== false && monitor.audioStartMs !== undefined)
      result.audio = { startMs: monitor.audioStartMs, samples: monitor.all() };
    for (const r of st.recordings) {
      try {
        mkdirSync(dirname(r.file), { recursive: true });
        writeFileSync(
          r.file,
          encodeWav(monitor.slice(r.from, monitor.samples), { sampleRate: 8000, channels: 1, encoding: 'pcm16' }),
        );
        result.recordings.push(r.file);
      } catch (e) {
        result.status = 'failed';
        result.failure ??= `record ${r.file}: ${(e as Error).message}`;
      }
    }
  }
  if (leg) result.media = leg.stats();
}
