/**
 * Scenarios in TypeScript: the same steps as the YAML format, as methods.
 * The builder assembles exactly the data a YAML file holds and `build()`
 * checks it with the same parser, so both run on one engine with one set of
 * rules. Option names are the YAML ones (`timeout`, `threshold`, `mode`…);
 * durations are milliseconds or strings like `'2s'`.
 *
 * @example
 * const s = scenario('sales', { vars: { ivr: 'sip:ivr@127.0.0.1:5080' } })
 *   .call('${ivr}', { codec: 'pcmu' })
 *   .expect('answered', { timeout: '10s' })
 *   .listen().heard('Welcome to the shtoom demo line.')
 *   .listen().press('1')
 *   .hangup()
 *   .build();
 */
import type { CallProgressTone } from '../../audio/dsp/call-progress.js';
import type { StepApi } from '../engine/context.js';
import { parseScenario } from './parse.js';
import type { Expectation, Scenario } from './types.js';

type Duration = number | string;
type Opts = Record<string, unknown>;

export interface ScenarioOptions {
  readonly timeout?: Duration;
  readonly description?: string;
  readonly vars?: Record<string, string>;
  readonly prompts?: readonly string[];
  readonly settings?: {
    readonly heard_threshold?: number;
    readonly match_threshold?: number;
    readonly decoys?: boolean;
    readonly listen?: { readonly silence?: Duration; readonly max?: Duration; readonly start?: Duration };
    readonly wait?: Duration;
  };
}

export interface StepOptions {
  readonly timeout?: Duration;
  readonly label?: string;
}

export class ScenarioBuilder {
  private readonly steps: unknown[] = [];

  constructor(
    private readonly name?: string,
    private readonly options: ScenarioOptions = {},
  ) {}

  private add(step: Opts): this {
    this.steps.push(step);
    return this;
  }

  /** Place the call: `codec`, `transport`, `account`, `headers` as in YAML. */
  call(
    uri: string,
    options: StepOptions & {
      codec?: string | readonly string[];
      transport?: 'udp' | 'tcp';
      account?: Opts | string;
      headers?: Record<string, string>;
    } = {},
  ): this {
    return this.add({ call: uri, ...options });
  }

  /** Wait for ringing, answered, busy, rejected (optionally with a status), hangup or ended. */
  expect(what: Expectation | `rejected ${number}` | `busy ${number}`, options: StepOptions = {}): this {
    return this.add({ expect: what, ...options });
  }

  /** Wait for the next prompt: speech, then `silence` of silence (or `max`). */
  listen(options: StepOptions & { silence?: Duration; max?: Duration; start?: Duration } = {}): this {
    // Nested, as `listen: {silence: 700ms}` in YAML: `silence` beside `listen` would be a second step.
    const { timeout, label, ...own } = options;
    return this.add({
      listen: Object.keys(own).length > 0 ? own : null,
      ...(timeout !== undefined ? { timeout } : {}),
      ...(label !== undefined ? { label } : {}),
    });
  }

  /** The last prompt said `text` (word similarity ≥ `threshold`). */
  heard(text: string, options: StepOptions & { threshold?: number; competitors?: readonly string[] } = {}): this {
    return this.add({ heard: text, ...options });
  }

  /** The last prompt matches a reference recording. */
  matches(file: string, options: StepOptions & { threshold?: number } = {}): this {
    return this.add({ matches: file, ...options });
  }

  /** A call-progress tone, or a tone of given frequencies for at least `min_ms`. */
  tone(
    tone: CallProgressTone | { freq: number | readonly number[]; min_ms?: Duration },
    options: StepOptions = {},
  ): this {
    return this.add({ tone, ...options });
  }

  /** Digits received since the last prompt or action. */
  dtmf(digits: string, options: StepOptions & { method?: 'rfc4733' | 'info' | 'inband' } = {}): this {
    return this.add({ dtmf: digits, ...options });
  }

  /** The line stays silent for `minMs`. */
  silence(minMs: Duration, options: StepOptions = {}): this {
    return this.add({ silence: { min_ms: minMs }, ...options });
  }

  /** The last prompt's speech lasted within the range. */
  duration(range: { min_ms?: Duration; max_ms?: Duration }, options: StepOptions = {}): this {
    return this.add({ duration: range, ...options });
  }

  /** Send digits (RFC 4733 by default). */
  press(
    digits: string,
    options: StepOptions & { mode?: 'rfc4733' | 'info' | 'inband'; duration_ms?: Duration; gap_ms?: Duration } = {},
  ): this {
    return this.add({ press: digits, ...options });
  }

  sendDtmf(
    digits: string,
    options: StepOptions & { mode?: 'rfc4733' | 'info' | 'inband'; duration_ms?: Duration; gap_ms?: Duration } = {},
  ): this {
    return this.add({ send_dtmf: digits, ...options });
  }

  /** Speak into the call with a TTS engine. */
  say(
    text: string,
    options: StepOptions & { engine?: 'flite' | 'espeak-ng'; voice?: string; wpm?: number } = {},
  ): this {
    return this.add({ say: text, ...options });
  }

  play(file: string, options: StepOptions = {}): this {
    return this.add({ play: file, ...options });
  }

  wait(ms: Duration, options: StepOptions = {}): this {
    return this.add({ wait: ms, ...options });
  }

  /** Record what is received from now to the end of the call. */
  record(file: string, options: StepOptions = {}): this {
    return this.add({ record: file, ...options });
  }

  hangup(options: StepOptions = {}): this {
    return this.add({ hangup: null, ...options });
  }

  set(vars: Record<string, string>): this {
    return this.add({ set: vars });
  }

  /** Run the steps `times` times; `${round}` (or `var`) holds the round. */
  repeat(
    times: number,
    body: (b: ScenarioBuilder) => ScenarioBuilder,
    options: StepOptions & { var?: string } = {},
  ): this {
    return this.add({ repeat: times, steps: body(new ScenarioBuilder()).steps, ...options });
  }

  /** Run the steps until they pass, at most `times` attempts. */
  retry(
    times: number,
    body: (b: ScenarioBuilder) => ScenarioBuilder,
    options: StepOptions & { delay?: Duration } = {},
  ): this {
    return this.add({ retry: times, steps: body(new ScenarioBuilder()).steps, ...options });
  }

  /** A step of your own: any check against the call, failing with `api.fail(...)`. */
  step(label: string, run: (api: StepApi) => Promise<void>, options: Omit<StepOptions, 'label'> = {}): this {
    return this.add({ custom: run, label, ...options });
  }

  /** Check and build the scenario (a `ScenarioError` names the problem). */
  build(): Scenario {
    return parseScenario({ name: this.name, ...this.options, steps: this.steps });
  }
}

/** Start a TypeScript scenario. */
export function scenario(name: string, options: ScenarioOptions = {}): ScenarioBuilder {
  return new ScenarioBuilder(name, options);
}
