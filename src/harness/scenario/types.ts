/**
 * The scenario model: what a YAML file and the TypeScript builder both turn
 * into, and what the engine runs. Strings may hold `${name}` variables,
 * filled in when the step runs.
 */
import type { CallProgressTone } from '../../audio/dsp/call-progress.js';
import type { CodecId } from '../../codecs/codec.js';
import type { TtsEngine } from '../../tts/speak.js';
import type { CallAccount, DtmfMode } from '../call-port.js';

/** Where a step or scenario was written (for error messages). */
export interface SourceLocation {
  readonly file?: string;
  readonly line?: number | undefined;
}

export interface StepCommon {
  /** A label for reports (default: the step as written). */
  readonly label: string;
  /** This step's own timeout, ms. */
  readonly timeoutMs?: number;
  readonly at?: SourceLocation | undefined;
}

/** What `expect` waits for. */
export type Expectation = 'ringing' | 'progress' | 'answered' | 'busy' | 'rejected' | 'hangup' | 'ended' | 'transfer';

export interface CallStep extends StepCommon {
  readonly kind: 'call';
  readonly uri: string;
  readonly codecs?: readonly CodecId[];
  readonly transport?: 'udp' | 'tcp';
  readonly account?: CallAccount;
  readonly headers?: Readonly<Record<string, string>>;
}
export interface ExpectStep extends StepCommon {
  readonly kind: 'expect';
  readonly what: Expectation;
  /** For `rejected`: the exact SIP status wanted. */
  readonly status?: number;
}
export interface ListenStep extends StepCommon {
  readonly kind: 'listen';
  /** Silence after speech that ends the prompt, ms. */
  readonly silenceMs: number;
  /** The longest the prompt may run, ms. */
  readonly maxMs: number;
  /** How long to wait for speech to start at all, ms. */
  readonly startMs: number;
}
export interface HeardStep extends StepCommon {
  readonly kind: 'heard';
  readonly text: string;
  readonly threshold?: number;
  /** Extra competing phrases for this assertion. */
  readonly competitors?: readonly string[];
}
export interface MatchesStep extends StepCommon {
  readonly kind: 'matches';
  readonly file: string;
  readonly threshold?: number;
}
export interface ToneStep extends StepCommon {
  readonly kind: 'tone';
  /** Frequencies sounding together (a plain tone), or… */
  readonly freqs?: readonly number[];
  /** …a call-progress tone by name. */
  readonly progress?: CallProgressTone;
  readonly minMs: number;
}
export interface DtmfStep extends StepCommon {
  readonly kind: 'dtmf';
  readonly digits: string;
  /** Only digits that came this way count (default: any). */
  readonly method?: 'rfc4733' | 'info' | 'inband';
}
export interface SilenceStep extends StepCommon {
  readonly kind: 'silence';
  readonly minMs: number;
}
export interface DurationStep extends StepCommon {
  readonly kind: 'duration';
  readonly minMs?: number;
  readonly maxMs?: number;
}
export interface SendDtmfStep extends StepCommon {
  readonly kind: 'send_dtmf';
  readonly digits: string;
  readonly mode: DtmfMode;
  readonly durationMs: number;
  readonly gapMs: number;
}
export interface SayStep extends StepCommon {
  readonly kind: 'say';
  readonly text: string;
  readonly engine?: TtsEngine;
  readonly voice?: string;
  readonly wordsPerMinute?: number;
}
export interface PlayStep extends StepCommon {
  readonly kind: 'play';
  readonly file: string;
}
export interface WaitStep extends StepCommon {
  readonly kind: 'wait';
  readonly ms: number;
}
export interface RecordStep extends StepCommon {
  readonly kind: 'record';
  readonly file: string;
}
export interface HangupStep extends StepCommon {
  readonly kind: 'hangup';
}
export interface SetStep extends StepCommon {
  readonly kind: 'set';
  readonly vars: Readonly<Record<string, string>>;
}
export interface RepeatStep extends StepCommon {
  readonly kind: 'repeat';
  readonly times: number;
  /** Variable holding the round, 1-based (default `round`). */
  readonly var: string;
  readonly steps: readonly Step[];
}
export interface RetryStep extends StepCommon {
  readonly kind: 'retry';
  /** Attempts in all (at least 1). */
  readonly times: number;
  readonly delayMs: number;
  readonly steps: readonly Step[];
}
/** A step written in TypeScript: any async check against the call's state. */
export interface CustomStep extends StepCommon {
  readonly kind: 'custom';
  readonly run: (ctx: import('../engine/context.js').StepApi) => Promise<void>;
}

export type Step =
  | CallStep
  | ExpectStep
  | ListenStep
  | HeardStep
  | MatchesStep
  | ToneStep
  | DtmfStep
  | SilenceStep
  | DurationStep
  | SendDtmfStep
  | SayStep
  | PlayStep
  | WaitStep
  | RecordStep
  | HangupStep
  | SetStep
  | RepeatStep
  | RetryStep
  | CustomStep;

export type StepKind = Step['kind'];

/** Settings for the scenario's assertions. */
export interface ScenarioSettings {
  /** Word similarity a `heard` needs (default 0.8). */
  readonly heardThreshold: number;
  /** Score a `matches` needs (default 0.85). */
  readonly matchThreshold: number;
  /**
   * Add near-miss variants of the expected phrase (one digit, star or pound
   * changed) as competitors (default false: they catch a changed digit, but
   * cost some correct accepts; see docs/ivr.md).
   */
  readonly decoys: boolean;
  /** `listen` defaults. */
  readonly listen: { readonly silenceMs: number; readonly maxMs: number; readonly startMs: number };
  /** How long `expect`, `tone` and `dtmf` wait by default, ms. */
  readonly waitMs: number;
}

export interface Scenario {
  readonly name: string;
  readonly description?: string;
  readonly at?: SourceLocation | undefined;
  /** The whole scenario's timeout, ms. */
  readonly timeoutMs: number;
  readonly vars: Readonly<Record<string, string>>;
  /** The IVR's prompts known in advance: competitors for every `heard`. */
  readonly prompts: readonly string[];
  readonly settings: ScenarioSettings;
  readonly steps: readonly Step[];
}

export const DEFAULT_SETTINGS: ScenarioSettings = {
  heardThreshold: 0.8,
  matchThreshold: 0.85,
  decoys: false,
  listen: { silenceMs: 700, maxMs: 30_000, startMs: 10_000 },
  waitMs: 10_000,
};

export const DEFAULT_SCENARIO_TIMEOUT_MS = 300_000;
