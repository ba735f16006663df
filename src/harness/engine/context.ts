/**
 * The engine's environment (what a run needs from outside) and the state of
 * one running scenario, which step implementations share.
 */
import type { Clock } from '../../clock/clock.js';
import type { TimerHost } from '../../clock/timers.js';
import type { Recogniser } from '../../asr/recogniser.js';
import type { SpeakOptions } from '../../tts/speak.js';
import type { CallLeg, CallPort } from '../call-port.js';
import type { Scenario } from '../scenario/types.js';
import type { CallMonitor } from './call-monitor.js';
import type { AudioClip, ScenarioResult, StepResult, TimelineEntry } from './results.js';
import type { Abort } from './waiter.js';

/** What the engine needs from outside. */
export interface EngineEnv {
  /** Places the calls (the calls layer, or the IVR simulator). */
  readonly port: CallPort;
  /** The engine's clock and timers (default: real ones). */
  readonly clock?: Clock;
  readonly timers?: TimerHost;
  /** Wraps work outside the engine's time (recognition, TTS); `VirtualTime.hold` under virtual time. */
  readonly hold?: <T>(p: Promise<T>) => Promise<T>;
  /** The recogniser for `heard` (default: pocketsphinx, made on first use). */
  readonly recogniser?: Recogniser;
  /** Text to 8 kHz speech for `say` (default: `speak`, flite). */
  readonly tts?: (text: string, options: SpeakOptions) => Promise<Int16Array>;
  /**
   * Directory that relative input files (`play`, `matches`) are found in (default: the scenario file's, else the
   * working directory).
   */
  readonly baseDir?: string;
  /** Directory that relative `record` files are written to (default: the working directory). */
  readonly outputDir?: string;
  /** Called as each step finishes (progress printing). */
  readonly onStep?: (scenario: ScenarioResult, step: StepResult) => void;
  /** Keep the received audio and clips in the result (default true). */
  readonly keepAudio?: boolean;
  /** Variables that override the scenario's own. */
  readonly vars?: Readonly<Record<string, string>>;
  /** Run number, for load mode (default 1). */
  readonly iteration?: number;
}

/** The far end's prompt as `listen` found it. */
export interface Prompt {
  readonly clip: AudioClip;
  /** Sample positions in the received audio. */
  readonly start: number;
  readonly end: number;
  readonly speechMs: number;
  /** Cut short by `max`. */
  readonly cut: boolean;
}

/** The state of one running scenario. */
export interface RunState {
  readonly scenario: Scenario;
  readonly env: EngineEnv;
  readonly clock: Clock;
  readonly timers: TimerHost;
  readonly hold: <T>(p: Promise<T>) => Promise<T>;
  readonly abort: Abort;
  readonly startedAt: number;
  readonly result: ScenarioResult;
  vars: Record<string, string>;
  leg: CallLeg | undefined;
  monitor: CallMonitor | undefined;
  /** The last prompt `listen` found. */
  prompt: Prompt | undefined;
  /** Where the current assertion window starts (sample position): the last listen or action. */
  windowStart: number;
  /** Where the next `listen` looks for speech from (the end of the last prompt). */
  heardUpTo: number;
  /** Where `record` steps started, and their files. */
  readonly recordings: { file: string; from: number }[];
  /** Every `heard` phrase of the scenario, as written (competitors for each other). */
  readonly allPhrases: readonly string[];
  clipCount: number;
  /**
   * Work that completes a step's report after the step has ended (the free
   * transcript of a `heard`), resolving with what writes it into the step's
   * result (applied once the runner has recorded the step): the scenario
   * goes on at once, the step's progress line and the scenario's result
   * wait for it.
   */
  readonly later: Map<StepResult, Promise<() => void>>;
  now(): number;
  timeline(entry: TimelineEntry): void;
}

/** What a TypeScript `custom` step can use. */
export interface StepApi {
  readonly vars: Record<string, string>;
  readonly leg: CallLeg | undefined;
  readonly monitor: CallMonitor | undefined;
  readonly prompt: Prompt | undefined;
  /** Milliseconds since the scenario started. */
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Fail the step with what was expected and what was found. */
  fail(message: string, expected?: string, actual?: string): never;
}
