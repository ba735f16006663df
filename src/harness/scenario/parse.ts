/**
 * Turns a scenario written as plain data (what a YAML file holds, or what
 * the TypeScript builder assembles) into a checked `Scenario`. Every problem
 * is reported as one line naming the file and line when there is one.
 *
 * Step forms: a bare word (`hangup`, `listen`), or a mapping whose first
 * key is the step's verb and whose other keys are its options and the
 * common `timeout` and `label` — or, for most verbs, whose verb holds a
 * mapping of its main value and options. Each verb's keys and its build
 * are one row of `VERB_SPECS`:
 *
 * ```yaml
 * - call: sip:ivr@127.0.0.1:5080
 *   codec: pcmu
 * - expect: answered
 *   timeout: 5s
 * - heard: "for sales press one"
 * ```
 */
import type { CallProgressTone } from '../../audio/dsp/call-progress.js';
import { isDtmfDigit } from '../../audio/dsp/dtmf.js';
import type { CodecId } from '../../codecs/codec.js';
import { CODEC_IDS } from '../../codecs/registry.js';
import { parseDuration } from '../../util/duration.js';
import type { CallAccount, DtmfMode } from '../call-port.js';
import { ScenarioError, ScenarioFileError } from '../errors.js';
import {
  DEFAULT_SCENARIO_TIMEOUT_MS,
  DEFAULT_SETTINGS,
  type Expectation,
  type Scenario,
  type ScenarioSettings,
  type SourceLocation,
  type Step,
  type StepCommon,
} from './types.js';

/** Where plain data came from: the file and a way to find the line of an object (or of one of its keys). */
export interface ParseSource {
  readonly file?: string;
  lineOf?(value: unknown, key?: string): number | undefined;
}

type Raw = Record<string, unknown>;

const COMMON = ['timeout', 'label'];
const PROGRESS_TONES: readonly CallProgressTone[] = ['dial', 'ringback', 'busy', 'reorder'];
const EXPECTATIONS: readonly Expectation[] = [
  'ringing',
  'progress',
  'answered',
  'busy',
  'rejected',
  'hangup',
  'ended',
  'transfer',
];
const SCENARIO_KEYS = ['name', 'scenario', 'description', 'timeout', 'vars', 'prompts', 'settings', 'steps'];

class Parser {
  constructor(private readonly src: ParseSource) {}

  fail(where: unknown, message: string, key?: string): never {
    const line = this.src.lineOf?.(where, key);
    if (this.src.file !== undefined) throw new ScenarioFileError(this.src.file, line, message);
    throw new ScenarioError(message);
  }

  loc(where: unknown): SourceLocation | undefined {
    if (this.src.file === undefined) return undefined;
    return { file: this.src.file, line: this.src.lineOf?.(where) };
  }

  isMap(v: unknown): v is Raw {
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  }

  str(owner: unknown, key: string, v: unknown, what = 'a string'): string {
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    return this.fail(owner, `${key}: expected ${what}, got ${describe(v)}`, key);
  }

  duration(owner: unknown, key: string, v: unknown): number {
    const ms = typeof v === 'number' ? v : typeof v === 'string' ? parseDuration(v.trim(), 'ms') : undefined;
    if (ms === undefined || !Number.isFinite(ms) || ms < 0) {
      return this.fail(
        owner,
        `${key}: expected a duration such as 500ms, 2s or 1m (a bare number is milliseconds), got ${describe(v)}`,
        key,
      );
    }
    return ms;
  }

  number(owner: unknown, key: string, v: unknown, min: number, max: number): number {
    const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isFinite(n) || n < min || n > max) {
      return this.fail(owner, `${key}: expected a number from ${min} to ${max}, got ${describe(v)}`, key);
    }
    return n;
  }

  int(owner: unknown, key: string, v: unknown, min: number, max: number): number {
    const n = this.number(owner, key, v, min, max);
    if (!Number.isInteger(n)) return this.fail(owner, `${key}: expected a whole number, got ${describe(v)}`, key);
    return n;
  }

  only(owner: Raw, allowed: readonly string[], what: string): void {
    for (const k of Object.keys(owner)) {
      if (!allowed.includes(k)) this.fail(owner, `${what}: unknown option "${k}"; allowed: ${allowed.join(', ')}`, k);
    }
  }

  digits(owner: unknown, key: string, v: unknown): string {
    const s = this.str(owner, key, v, 'DTMF digits');
    if (!s.includes('${') && (s.length === 0 || ![...s].every((c) => isDtmfDigit(c.toUpperCase())))) {
      this.fail(owner, `${key}: "${s}" is not a string of DTMF keys (0-9 * # A-D)`, key);
    }
    return s;
  }

  scenario(raw: unknown, inherited?: Partial<Scenario>): Scenario {
    if (!this.isMap(raw))
      return this.fail(raw, `a scenario must be a mapping with name and steps, got ${describe(raw)}`);
    this.only(raw, SCENARIO_KEYS, 'scenario');
    const nameRaw = raw.name ?? raw.scenario;
    if (nameRaw === undefined) this.fail(raw, 'scenario: missing "name"');
    const name = this.str(raw, 'name', nameRaw);
    const vars: Record<string, string> = { ...inherited?.vars };
    if (raw.vars !== undefined) {
      if (!this.isMap(raw.vars))
        this.fail(raw, `vars: expected a mapping of names to values, got ${describe(raw.vars)}`, 'vars');
      for (const [k, v] of Object.entries(raw.vars)) {
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k))
          this.fail(raw.vars, `vars: "${k}" is not a variable name (letters, digits, _)`, k);
        vars[k] = this.str(raw.vars, k, v);
      }
    }
    let prompts: string[] = [];
    if (raw.prompts !== undefined) {
      if (!Array.isArray(raw.prompts)) this.fail(raw, 'prompts: expected a list of phrases', 'prompts');
      prompts = raw.prompts.map((p, i) => this.str(raw.prompts, `prompts[${i}]`, p));
    }
    const settings = this.settings(raw);
    if (!Array.isArray(raw.steps))
      this.fail(
        raw,
        `scenario "${name}": "steps" must be a list of steps`,
        raw.steps === undefined ? undefined : 'steps',
      );
    if (raw.steps.length === 0) this.fail(raw, `scenario "${name}": no steps`, 'steps');
    const steps = raw.steps.map((s, i) => this.step(s, settings, raw.steps, i));
    const description = raw.description === undefined ? undefined : this.str(raw, 'description', raw.description);
    return {
      name,
      ...(description !== undefined ? { description } : {}),
      ...(this.loc(raw) ? { at: this.loc(raw) } : {}),
      timeoutMs: raw.timeout === undefined ? DEFAULT_SCENARIO_TIMEOUT_MS : this.duration(raw, 'timeout', raw.timeout),
      vars,
      prompts,
      settings,
      steps,
    };
  }

  settings(raw: Raw): ScenarioSettings {
    const s = raw.settings;
    if (s === undefined) return DEFAULT_SETTINGS;
    if (!this.isMap(s)) return this.fail(raw, 'settings: expected a mapping', 'settings');
    this.only(s, ['heard_threshold', 'match_threshold', 'decoys', 'listen', 'wait'], 'settings');
    const listen = { ...DEFAULT_SETTINGS.listen };
    if (s.listen !== undefined) {
      if (!this.isMap(s.listen)) this.fail(s, 'settings.listen: expected a mapping', 'listen');
      Object.assign(listen, this.listenOptions(s.listen, listen));
    }
    return {
      heardThreshold:
        s.heard_threshold === undefined
          ? DEFAULT_SETTINGS.heardThreshold
          : this.number(s, 'heard_threshold', s.heard_threshold, 0, 1),
      matchThreshold:
        s.match_threshold === undefined
          ? DEFAULT_SETTINGS.matchThreshold
          : this.number(s, 'match_threshold', s.match_threshold, 0, 1),
      decoys: s.decoys === undefined ? DEFAULT_SETTINGS.decoys : s.decoys === true || s.decoys === 'true',
      listen,
      waitMs: s.wait === undefined ? DEFAULT_SETTINGS.waitMs : this.duration(s, 'wait', s.wait),
    };
  }

  listenOptions(o: Raw, base: ScenarioSettings['listen']): ScenarioSettings['listen'] {
    this.only(o, ['silence', 'max', 'start', 'silence_ms', 'max_ms', 'start_ms', ...COMMON, 'listen'], 'listen');
    const pick = (a: string, b: string, d: number) =>
      o[a] !== undefined ? this.duration(o, a, o[a]) : o[b] !== undefined ? this.duration(o, b, o[b]) : d;
    return {
      silenceMs: pick('silence', 'silence_ms', base.silenceMs),
      maxMs: pick('max', 'max_ms', base.maxMs),
      startMs: pick('start', 'start_ms', base.startMs),
    };
  }

  step(raw: unknown, settings: ScenarioSettings, list?: unknown, index?: number): Step {
    if (typeof raw === 'string') {
      const word = raw.trim();
      if (word === 'hangup' || word === 'listen') {
        const line = this.src.lineOf?.(list, String(index));
        const boxed = { [word]: null };
        const src = this.src;
        return new Parser({ ...src, lineOf: (v, k) => (v === boxed ? line : src.lineOf?.(v, k)) }).step(
          boxed,
          settings,
        );
      }
      return this.fail(
        list,
        `"${raw}" is not a step; a step is a mapping such as "call: URI" or one of: hangup, listen`,
        String(index),
      );
    }
    if (!this.isMap(raw))
      return this.fail(
        list ?? raw,
        `a step must be a mapping such as "call: URI", got ${describe(raw)}`,
        index === undefined ? undefined : String(index),
      );
    const verbs = Object.keys(raw).filter(isVerb);
    if (verbs.length === 0)
      this.fail(
        raw,
        `a step needs one of: ${VERB_NAMES.filter((v) => v !== 'custom').join(', ')} ` +
          `(got ${Object.keys(raw).join(', ') || 'nothing'})`,
      );
    if (verbs.length > 1) this.fail(raw, `one step per list item: found ${verbs.join(' and ')}`, verbs[1]);
    const verb = verbs[0]!;
    const spec: VerbSpec = VERB_SPECS[verb];
    const v = raw[verb];
    // The allowed keys, from the spec once: a verb whose value is a mapping of options carries them (and its
    // main value) there, with nothing but the common keys beside it; otherwise its options stand beside it.
    const nested = spec.mapping === 'options' && this.isMap(v);
    if (nested) {
      this.only(v, spec.main === undefined ? spec.options : [spec.main, ...spec.options], verb);
      this.only(raw, [verb, ...COMMON], verb);
    } else this.only(raw, [verb, ...COMMON, ...spec.options], verb);
    const timeoutMs = raw.timeout === undefined ? undefined : this.duration(raw, 'timeout', raw.timeout);
    const label = raw.label === undefined ? defaultLabel(verb, v) : this.str(raw, 'label', raw.label);
    const common = {
      label,
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      ...(this.loc(raw) ? { at: this.loc(raw) } : {}),
    };
    return spec.build(this, {
      raw,
      verb,
      value: v,
      main: nested && spec.main !== undefined ? v[spec.main] : v,
      options: nested ? v : raw,
      common,
      settings,
    });
  }

  minMs(owner: Raw, o: Raw, fallback: number): number {
    const m = o.min_ms ?? o.min;
    return m === undefined ? fallback : this.duration(owner, 'min_ms', m);
  }

  account(owner: Raw, v: unknown): CallAccount | undefined {
    if (v === undefined) return undefined;
    if (typeof v === 'string') return { aor: v };
    if (!this.isMap(v))
      return this.fail(owner, 'account: expected an AOR or {aor, username, password, proxy, register}', 'account');
    this.only(v, ['aor', 'username', 'password', 'proxy', 'register'], 'account');
    const s = (k: string) => (v[k] === undefined ? {} : { [k]: this.str(v, k, v[k]) });
    return {
      ...s('aor'),
      ...s('username'),
      ...s('password'),
      ...s('proxy'),
      ...(v.register !== undefined ? { register: v.register === true || v.register === 'true' } : {}),
    };
  }
}

/** What a verb's build gets: the step as written, its main value, and where its options are. */
interface StepInput {
  readonly raw: Raw;
  readonly verb: string;
  /** The verb's value as written. */
  readonly value: unknown;
  /** Its main value: the `uri`, `text`, `digits`… of a mapping of options, else the value itself. */
  readonly main: unknown;
  /** Where its options are: the verb's mapping of options, else the step beside the verb. */
  readonly options: Raw;
  readonly common: StepCommon;
  readonly settings: ScenarioSettings;
}

/**
 * One verb: the keys it takes (written once), and how its step is built.
 * `mapping: 'options'`: a mapping value carries the main value under
 * `main` and the options (`call: {uri: …, codec: pcmu}`), as an alternative
 * to writing the options beside the verb (`call: URI` / `codec: pcmu`).
 * `mapping: 'value'`: a mapping value is the verb's own data, or refused by
 * its build (`set: {pin: 1234}`).
 */
interface VerbSpec {
  readonly mapping: 'options' | 'value';
  readonly main?: string;
  readonly options: readonly string[];
  readonly build: (p: Parser, s: StepInput) => Step;
}

const LISTEN_KEYS = ['silence', 'max', 'start', 'silence_ms', 'max_ms', 'start_ms'];
const PRESS_KEYS = ['mode', 'duration_ms', 'gap_ms', 'duration', 'gap'];

function pressStep(p: Parser, { raw, verb, main, options: o, common }: StepInput): Step {
  const digits = p.digits(raw, verb, main);
  const mode = o.mode ?? 'rfc4733';
  if (!['rfc4733', 'info', 'inband'].includes(mode as string))
    p.fail(raw, `mode: expected rfc4733, info or inband, got ${describe(mode)}`, 'mode');
  const d = o.duration_ms ?? o.duration;
  const g = o.gap_ms ?? o.gap;
  const durationMs = d === undefined ? 100 : p.duration(raw, 'duration_ms', d);
  const gapMs = g === undefined ? 100 : p.duration(raw, 'gap_ms', g);
  if (durationMs < 40 || durationMs > 5000)
    p.fail(raw, `duration_ms: ${durationMs} is outside 40..5000 ms`, 'duration_ms');
  if (gapMs < 40 || gapMs > 10_000) p.fail(raw, `gap_ms: ${gapMs} is outside 40..10000 ms`, 'gap_ms');
  return { kind: 'send_dtmf', ...common, digits, mode: mode as DtmfMode, durationMs, gapMs };
}

function loopStep(p: Parser, { raw, verb, main, options: body, common, settings }: StepInput): Step {
  const times = p.int(raw, verb, main, 1, 100_000);
  const stepsRaw = body.steps;
  if (!Array.isArray(stepsRaw) || stepsRaw.length === 0)
    p.fail(raw, `${verb}: needs "steps", a non-empty list`, 'steps');
  const steps = stepsRaw.map((x, i) => p.step(x, settings, stepsRaw, i));
  if (verb === 'repeat') {
    const name = body.var === undefined ? 'round' : p.str(body, 'var', body.var);
    return { kind: 'repeat', ...common, times, var: name, steps };
  }
  const delay = body.delay_ms ?? body.delay;
  return {
    kind: 'retry',
    ...common,
    times,
    delayMs: delay === undefined ? 0 : p.duration(body, 'delay_ms', delay),
    steps,
  };
}

/** Every verb a scenario step may start with, in the order the help lists them. */
const VERB_SPECS = {
  call: {
    mapping: 'options',
    main: 'uri',
    options: ['codec', 'transport', 'account', 'headers'],
    build: (p: Parser, { raw, main, options: o, common }: StepInput) => {
      const uri = p.str(raw, 'call', main, 'a SIP URI');
      if (!uri.includes('${') && !/^sips?:/i.test(uri))
        p.fail(raw, `call: "${uri}" is not a SIP URI (sip:user@host)`, 'call');
      let codecs: CodecId[] | undefined;
      if (o.codec !== undefined) {
        const list = Array.isArray(o.codec) ? o.codec : p.str(raw, 'codec', o.codec).split(',');
        codecs = list.map((c) => {
          const id = p.str(raw, 'codec', c).trim().toLowerCase();
          if (!(CODEC_IDS as readonly string[]).includes(id))
            p.fail(raw, `codec: unknown codec "${id}"; known: ${CODEC_IDS.join(', ')}`, 'codec');
          return id as CodecId;
        });
      }
      const transport = o.transport;
      if (transport !== undefined && transport !== 'udp' && transport !== 'tcp')
        p.fail(raw, `transport: expected udp or tcp, got ${describe(transport)}`, 'transport');
      const account = p.account(raw, o.account);
      const headersRaw = o.headers;
      let headers: Record<string, string> | undefined;
      if (headersRaw !== undefined) {
        if (!p.isMap(headersRaw)) p.fail(raw, 'headers: expected a mapping of header names to values', 'headers');
        headers = Object.fromEntries(Object.entries(headersRaw).map(([k, hv]) => [k, p.str(headersRaw, k, hv)]));
      }
      return {
        kind: 'call',
        ...common,
        uri,
        ...(codecs ? { codecs } : {}),
        ...(transport ? { transport: transport as 'udp' | 'tcp' } : {}),
        ...(account ? { account } : {}),
        ...(headers ? { headers } : {}),
      };
    },
  },
  expect: {
    mapping: 'value',
    options: ['status'],
    build: (p: Parser, { raw, value, common }: StepInput) => {
      const text = p.str(raw, 'expect', value, `one of ${EXPECTATIONS.join(', ')}`).trim();
      const m = /^(\w+)(?:\s+(\d{3}))?$/.exec(text);
      const what = m?.[1] as Expectation | undefined;
      if (!m || !what || !EXPECTATIONS.includes(what))
        p.fail(
          raw,
          `expect: "${text}" is not one of ${EXPECTATIONS.join(', ')} (rejected may carry a status: "rejected 403")`,
          'expect',
        );
      const statusRaw = m[2] ?? raw.status;
      const status = statusRaw === undefined ? undefined : p.int(raw, 'status', statusRaw, 300, 699);
      if (status !== undefined && what !== 'rejected' && what !== 'busy')
        p.fail(raw, `expect: a status only goes with rejected or busy`, 'expect');
      return { kind: 'expect', ...common, what, ...(status !== undefined ? { status } : {}) };
    },
  },
  listen: {
    mapping: 'options',
    options: LISTEN_KEYS,
    build: (p: Parser, { raw, value, options, common, settings }: StepInput) => {
      if (!p.isMap(value) && value !== null && value !== undefined)
        p.fail(raw, 'listen: expected nothing or a mapping {silence, max, start}', 'listen');
      return { kind: 'listen', ...common, ...p.listenOptions(options, settings.listen) };
    },
  },
  heard: {
    mapping: 'options',
    main: 'text',
    options: ['threshold', 'competitors'],
    build: (p: Parser, { raw, main, options: o, common }: StepInput) => {
      const text = p.str(raw, 'heard', main, 'the phrase expected');
      if (!/[A-Za-z0-9]/.test(text)) p.fail(raw, 'heard: the expected phrase has no words', 'heard');
      const comp = o.competitors;
      if (comp !== undefined && !Array.isArray(comp))
        p.fail(raw, 'competitors: expected a list of phrases', 'competitors');
      return {
        kind: 'heard',
        ...common,
        text,
        ...(o.threshold !== undefined ? { threshold: p.number(raw, 'threshold', o.threshold, 0, 1) } : {}),
        ...(comp ? { competitors: comp.map((c: unknown, i: number) => p.str(comp, `competitors[${i}]`, c)) } : {}),
      };
    },
  },
  matches: {
    mapping: 'options',
    main: 'file',
    options: ['threshold'],
    build: (p: Parser, { raw, main, options: o, common }: StepInput) => ({
      kind: 'matches',
      ...common,
      file: p.str(raw, 'matches', main, 'a WAV file'),
      ...(o.threshold !== undefined ? { threshold: p.number(raw, 'threshold', o.threshold, 0, 1) } : {}),
    }),
  },
  tone: {
    mapping: 'options',
    main: 'freq',
    options: ['min_ms', 'min'],
    build: (p: Parser, { raw, value, main, options: o, common }: StepInput) => {
      if (typeof value === 'string') {
        if (!PROGRESS_TONES.includes(value as CallProgressTone))
          p.fail(
            raw,
            `tone: "${value}" is not a call-progress tone (${PROGRESS_TONES.join(', ')}); ` +
              'for a plain tone write {freq: 440, min_ms: 500}',
            'tone',
          );
        return { kind: 'tone', ...common, progress: value as CallProgressTone, minMs: p.minMs(raw, o, 0) };
      }
      if (!p.isMap(value)) return p.fail(raw, 'tone: expected a call-progress tone name or {freq, min_ms}', 'tone');
      const list = Array.isArray(main) ? main : typeof main === 'string' ? main.split('+') : [main];
      const freqs = list.map((x) => p.number(value, 'freq', x, 50, 3950));
      return { kind: 'tone', ...common, freqs, minMs: p.minMs(value, o, 100) };
    },
  },
  dtmf: {
    mapping: 'options',
    main: 'digits',
    options: ['method'],
    build: (p: Parser, { raw, main, options: o, common }: StepInput) => {
      const digits = p.digits(raw, 'dtmf', main);
      const method = o.method;
      if (method !== undefined && !['rfc4733', 'info', 'inband'].includes(method as string))
        p.fail(raw, `method: expected rfc4733, info or inband, got ${describe(method)}`, 'method');
      return {
        kind: 'dtmf',
        ...common,
        digits,
        ...(method ? { method: method as 'rfc4733' | 'info' | 'inband' } : {}),
      };
    },
  },
  silence: {
    mapping: 'options',
    options: ['min_ms', 'min'],
    build: (p: Parser, { raw, value, options: o, common }: StepInput) => {
      const minMs =
        p.isMap(value) || value === null || value === undefined
          ? p.minMs(o, o, NaN)
          : p.duration(raw, 'silence', value);
      if (Number.isNaN(minMs)) p.fail(raw, 'silence: give its length, e.g. silence: {min_ms: 2000}', 'silence');
      return { kind: 'silence', ...common, minMs };
    },
  },
  duration: {
    mapping: 'options',
    options: ['min_ms', 'max_ms', 'min', 'max'],
    build: (p: Parser, { raw, value: v, common }: StepInput) => {
      if (!p.isMap(v)) return p.fail(raw, 'duration: expected {min_ms, max_ms}', 'duration');
      const minRaw = v.min_ms ?? v.min;
      const maxRaw = v.max_ms ?? v.max;
      if (minRaw === undefined && maxRaw === undefined)
        p.fail(raw, 'duration: give min_ms, max_ms or both', 'duration');
      const minMs = minRaw === undefined ? undefined : p.duration(v, 'min_ms', minRaw);
      const maxMs = maxRaw === undefined ? undefined : p.duration(v, 'max_ms', maxRaw);
      if (minMs !== undefined && maxMs !== undefined && minMs > maxMs)
        p.fail(raw, `duration: min_ms ${minMs} is above max_ms ${maxMs}`, 'duration');
      return {
        kind: 'duration',
        ...common,
        ...(minMs !== undefined ? { minMs } : {}),
        ...(maxMs !== undefined ? { maxMs } : {}),
      };
    },
  },
  press: { mapping: 'options', main: 'digits', options: PRESS_KEYS, build: pressStep },
  send_dtmf: { mapping: 'options', main: 'digits', options: PRESS_KEYS, build: pressStep },
  say: {
    mapping: 'options',
    main: 'text',
    options: ['engine', 'voice', 'wpm'],
    build: (p: Parser, { raw, main, options: o, common }: StepInput) => {
      const text = p.str(raw, 'say', main, 'the text to speak');
      const engine = o.engine;
      if (engine !== undefined && engine !== 'flite' && engine !== 'espeak-ng')
        p.fail(raw, `engine: expected flite or espeak-ng, got ${describe(engine)}`, 'engine');
      return {
        kind: 'say',
        ...common,
        text,
        ...(engine ? { engine: engine as 'flite' | 'espeak-ng' } : {}),
        ...(o.voice !== undefined ? { voice: p.str(raw, 'voice', o.voice) } : {}),
        ...(o.wpm !== undefined ? { wordsPerMinute: p.number(raw, 'wpm', o.wpm, 60, 400) } : {}),
      };
    },
  },
  play: {
    mapping: 'options',
    main: 'file',
    options: [],
    build: (p: Parser, { raw, main, common }: StepInput) => ({
      kind: 'play',
      ...common,
      file: p.str(raw, 'play', main, 'a file name'),
    }),
  },
  wait: {
    mapping: 'value',
    options: [],
    build: (p: Parser, { raw, value, common }: StepInput) => ({
      kind: 'wait',
      ...common,
      ms: p.duration(raw, 'wait', value),
    }),
  },
  record: {
    mapping: 'options',
    main: 'file',
    options: [],
    build: (p: Parser, { raw, main, common }: StepInput) => ({
      kind: 'record',
      ...common,
      file: p.str(raw, 'record', main, 'a file name'),
    }),
  },
  hangup: {
    mapping: 'value',
    options: [],
    build: (p: Parser, { raw, value, common }: StepInput) => {
      if (value !== null && value !== undefined && value !== true) p.fail(raw, 'hangup takes no value', 'hangup');
      return { kind: 'hangup', ...common };
    },
  },
  set: {
    mapping: 'value',
    options: [],
    build: (p: Parser, { raw, value: v, common }: StepInput) => {
      if (!p.isMap(v)) return p.fail(raw, 'set: expected a mapping of variable names to values', 'set');
      const vars: Record<string, string> = {};
      for (const [k, x] of Object.entries(v)) {
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) p.fail(v, `set: "${k}" is not a variable name`, k);
        vars[k] = p.str(v, k, x);
      }
      return { kind: 'set', ...common, vars };
    },
  },
  repeat: { mapping: 'options', main: 'times', options: ['steps', 'var', 'delay', 'delay_ms'], build: loopStep },
  retry: { mapping: 'options', main: 'times', options: ['steps', 'var', 'delay', 'delay_ms'], build: loopStep },
  custom: {
    mapping: 'value',
    options: [],
    build: (p: Parser, { raw, value, common }: StepInput) => {
      if (typeof value !== 'function')
        return p.fail(raw, 'custom: expected a function (TypeScript scenarios only)', 'custom');
      return { kind: 'custom', ...common, run: value as never };
    },
  },
} satisfies Record<string, VerbSpec>;

type Verb = keyof typeof VERB_SPECS;
const VERB_NAMES: readonly string[] = Object.keys(VERB_SPECS);

function isVerb(k: string): k is Verb {
  return Object.hasOwn(VERB_SPECS, k);
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'function') return 'a function';
  return JSON.stringify(v);
}

function defaultLabel(verb: string, v: unknown): string {
  if (v === null || v === undefined) return verb;
  if (typeof v === 'string' || typeof v === 'number')
    return `${verb} ${typeof v === 'string' && /\s/.test(v) ? JSON.stringify(v) : v}`;
  if (typeof v === 'function') return verb;
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
    const o = v as Raw;
    const main = o.text ?? o.digits ?? o.file ?? o.uri ?? o.times;
    // Only scalars go into a label: a mapping or list (even one without a
    // prototype, which cannot be turned into a string) is left out.
    const scalar = (x: unknown): x is string | number | boolean =>
      typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean';
    const rest = Object.entries(o)
      .filter(([k, x]) => x !== main && k !== 'steps' && scalar(x))
      .map(([k, x]) => `${k}=${String(x)}`);
    const head = !scalar(main)
      ? verb
      : `${verb} ${typeof main === 'string' && /\s/.test(main) ? JSON.stringify(main) : String(main)}`;
    return rest.length ? `${head} (${rest.join(', ')})` : head;
  }
  return verb;
}

/**
 * Check plain scenario data and build a `Scenario`.
 *
 * @example
 * const s = parseScenario({ name: 'menu', steps: [{ call: 'sip:ivr@127.0.0.1' }, { expect: 'answered' }, 'hangup'] });
 */
export function parseScenario(raw: unknown, source: ParseSource = {}): Scenario {
  return new Parser(source).scenario(raw);
}
