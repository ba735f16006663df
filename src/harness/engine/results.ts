/**
 * What a scenario run produces: one result per step (nested for repeat and
 * retry), a timeline of the call, the audio heard (the whole call and one
 * clip per prompt) and the call's media statistics. Reports (TAP, JUnit,
 * JSON, HTML) are drawn from these objects alone.
 *
 * Times are milliseconds from the scenario's start on the engine's clock
 * (virtual or real).
 */
import type { MediaStats } from '../call-port.js';
import type { StepKind } from '../scenario/types.js';

export type StepStatus = 'passed' | 'failed' | 'skipped';

/** What an assertion found, for the report. */
export interface StepDetails {
  /**
   * heard: what was recognised freely (knowing neither the expected text nor
   * the listed prompts), its word similarity to the expected phrase, and the
   * threshold.
   */
  transcript?: string;
  similarity?: number;
  /** heard with listed prompts: the phrase the recogniser chose among them ('' for none). */
  chosen?: string;
  threshold?: number;
  acousticScore?: number;
  recogniser?: string;
  recognitionMs?: number;
  /** heard: how many phrases the recogniser chose among (1 when it verified the expected text alone). */
  phrases?: number;
  /**
   * heard without listed prompts: the utterance verification — the
   * log-likelihood ratio per frame of the expected words against a phone
   * loop, over the clip and over its worst stretch (with its words), and
   * the share of the clip the alignment reached.
   */
  verification?: { score: number; worstWindow: number; worstWords: string; coverage: number };
  /** matches: the score, the alignment offset and the coverage. */
  matchScore?: number;
  offsetMs?: number;
  coverage?: number;
  /** tone: the tones found in the window (`440Hz 0.5-2.1s`, `busy at 1.2s`). */
  tones?: string[];
  /** dtmf: digits received in the window, with how they came. */
  digits?: string;
  digitMethods?: string[];
  /** listen, duration: the prompt's speech length. */
  speechMs?: number;
  /** The clip this step looked at. */
  clipId?: string;
}

export interface StepResult {
  /** Position: `3`, or `5.2` inside a repeat/retry, `5[2].1` for round 2 of step 5. */
  readonly path: string;
  readonly kind: StepKind;
  readonly label: string;
  status: StepStatus;
  startMs: number;
  endMs: number;
  /** On failure: what was expected and what was found. */
  expected?: string;
  actual?: string;
  message?: string;
  details?: StepDetails;
  children?: StepResult[];
}

export type TimelineKind =
  | 'dial'
  | 'progress'
  | 'answered'
  | 'failed'
  | 'ended'
  | 'prompt'
  | 'dtmf-sent'
  | 'dtmf-received'
  | 'say'
  | 'play'
  | 'silence'
  | 'tone'
  | 'wait'
  | 'hangup';

export interface TimelineEntry {
  readonly kind: TimelineKind;
  readonly label: string;
  readonly startMs: number;
  /** For spans (prompts, playback, silences). */
  readonly endMs?: number;
}

/** A piece of received audio kept for the report (a prompt, a failing assertion's window). */
export interface AudioClip {
  readonly id: string;
  readonly label: string;
  readonly startMs: number;
  readonly endMs: number;
  /** 8 kHz mono PCM. */
  readonly samples: Int16Array;
}

export interface ScenarioResult {
  readonly name: string;
  readonly file?: string;
  /** Run number in load mode (1-based). */
  readonly iteration: number;
  status: 'passed' | 'failed';
  /** Wall-clock start, ISO 8601. */
  readonly startedAt: string;
  durationMs: number;
  /** The first failure, in one line: `step 4 heard "…": expected …, heard …`. */
  failure?: string;
  readonly steps: StepResult[];
  readonly timeline: TimelineEntry[];
  readonly clips: AudioClip[];
  /** Everything received, from the first audio frame, and where that frame lies on the scenario's time line. */
  audio?: { readonly startMs: number; readonly samples: Int16Array };
  media?: MediaStats;
  /** Files written by `record` steps. */
  readonly recordings: string[];
}

export interface RunSummary {
  readonly total: number;
  readonly passed: number;
  readonly failed: number;
}

export interface RunResult {
  readonly startedAt: string;
  durationMs: number;
  readonly scenarios: ScenarioResult[];
  summary: RunSummary;
}
