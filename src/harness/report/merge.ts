/**
 * Reading `shtoom ivr` JSON reports back, and joining several into one run:
 * what `shtoom ivr merge` does with the reports of a suite split over
 * machines (`--shard I/N`), so the JUnit, HTML and load summary cover the
 * whole suite.
 *
 * A report is read back as the run it describes: scenarios, steps,
 * timelines and media statistics as written; its audio from the WAV files
 * it names (relative to the report), when they are there.
 */
import { UsageError } from '../../errors.js';
import type { AudioClip, RunResult, ScenarioResult } from '../engine/results.js';

/** A file that is not a `shtoom ivr` JSON report. */
export class ReportFileError extends UsageError {
  constructor(file: string, detail: string) {
    super(`${file}: ${detail}`);
  }
}

/** Audio a report names, as 8 kHz PCM; undefined when the file is missing or unreadable. */
export type ReadAudio = (file: string) => Int16Array | undefined;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * The run a JSON report describes. Throws `ReportFileError` (one line:
 * which scenario, which field) for anything else.
 *
 * @example const run = runFromReport(JSON.parse(text), 'a.json', (f) => readAudioFile(join(dir, f)));
 */
export function runFromReport(doc: unknown, file: string, readAudio: ReadAudio): RunResult {
  const bad = (detail: string) => new ReportFileError(file, `not a shtoom ivr JSON report: ${detail}`);
  if (!isObj(doc)) throw bad('not a JSON object');
  if (typeof doc.startedAt !== 'string' || Number.isNaN(Date.parse(doc.startedAt))) throw bad('no startedAt time');
  if (!num(doc.durationMs)) throw bad('no durationMs');
  const list: unknown = doc.scenarios;
  if (!Array.isArray(list)) throw bad('no scenarios list');
  const scenarios = list.map((s: unknown, i: number) => scenarioFrom(s, (d) => bad(`scenario ${i + 1}: ${d}`)));
  const audioOf = (s: ScenarioResult, raw: Obj) => {
    const clips: AudioClip[] = [];
    for (const c of Array.isArray(raw.clips) ? raw.clips : []) {
      if (!isObj(c) || typeof c.file !== 'string' || typeof c.id !== 'string') continue;
      const samples = readAudio(c.file);
      if (samples && num(c.startMs) && num(c.endMs))
        clips.push({ id: c.id, label: String(c.label ?? c.id), startMs: c.startMs, endMs: c.endMs, samples });
    }
    s.clips.push(...clips);
    const a = raw.audio;
    if (isObj(a) && typeof a.file === 'string' && num(a.startMs)) {
      const samples = readAudio(a.file);
      if (samples) s.audio = { startMs: a.startMs, samples };
    }
  };
  for (const [i, s] of scenarios.entries()) audioOf(s, list[i] as Obj);
  return { startedAt: doc.startedAt, durationMs: doc.durationMs, scenarios, summary: summaryOf(scenarios) };
}

function scenarioFrom(raw: unknown, bad: (detail: string) => Error): ScenarioResult {
  if (!isObj(raw)) throw bad('not an object');
  if (typeof raw.name !== 'string') throw bad('no name');
  if (raw.status !== 'passed' && raw.status !== 'failed') throw bad(`status ${JSON.stringify(raw.status)}`);
  if (typeof raw.startedAt !== 'string' || Number.isNaN(Date.parse(raw.startedAt))) throw bad('no startedAt time');
  if (!num(raw.durationMs)) throw bad('no durationMs');
  if (!Array.isArray(raw.steps)) throw bad('no steps list');
  if (!Array.isArray(raw.timeline)) throw bad('no timeline');
  return {
    name: raw.name,
    ...(typeof raw.file === 'string' ? { file: raw.file } : {}),
    iteration: num(raw.iteration) ? raw.iteration : 1,
    status: raw.status,
    startedAt: raw.startedAt,
    durationMs: raw.durationMs,
    ...(typeof raw.failure === 'string' ? { failure: raw.failure } : {}),
    steps: raw.steps as ScenarioResult['steps'],
    timeline: raw.timeline as ScenarioResult['timeline'],
    clips: [],
    ...(isObj(raw.media) ? { media: raw.media as unknown as NonNullable<ScenarioResult['media']> } : {}),
    recordings: Array.isArray(raw.recordings) ? raw.recordings.filter((r) => typeof r === 'string') : [],
  };
}

function summaryOf(scenarios: readonly ScenarioResult[]): RunResult['summary'] {
  const passed = scenarios.filter((s) => s.status === 'passed').length;
  return { total: scenarios.length, passed, failed: scenarios.length - passed };
}

/**
 * One run of several: every scenario once, in the order of the runs given;
 * it starts when the first started and lasts until the last ended.
 */
export function mergeRuns(runs: readonly RunResult[]): RunResult {
  if (runs.length === 0) throw new UsageError('give the JSON reports to merge');
  const start = Math.min(...runs.map((r) => Date.parse(r.startedAt)));
  const end = Math.max(...runs.map((r) => Date.parse(r.startedAt) + r.durationMs));
  const scenarios = runs.flatMap((r) => r.scenarios);
  return {
    startedAt: new Date(start).toISOString(),
    durationMs: end - start,
    scenarios,
    summary: summaryOf(scenarios),
  };
}
