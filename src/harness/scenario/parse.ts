/**
 * Turns a scenario written as plain data (what a YAML file holds, or what
 * the TypeScript builder assembles) into a checked `Scenario`. Every problem
 * is reported as one line naming the file and line when there is one.
 *
 * Step forms: a bare word (`hangup`, `listen`), or a mapping whose first
 * key is the step's verb and whose other keys are its options and the
 * common `timeout` and `label`:
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
} from './types.js';

/** Where plain data came from: the file and a way to find the line of an object (or of one of its keys). */
export interface ParseSource {
  readonly file?: string;
  lineOf?(value: unknown, key?: string): number | undefined;
}

type Raw = Record<string, unknown>;

const VERBS = [
  'call',
  'expect',
  'listen',
  'heard',
  'matches',
  'tone',
  'dtmf',
  'silence',
  'duration',
  'press',
  'send_dtmf',
  'say',
  'play',
  'wait',
  'record',
  'hangup',
  'set',
  'repeat',
  'retry',
  'custom',
] as const;
const COMMON = ['timeout', 'label'];
const PROGRESS_TONES: readonly CallProgressTone[] = ['dial', 'ringback', 'busy', 'reorder'];
const EXPECTATIONS: readonly Expectation[] = ['ringing', 'progress', 'answered', 'busy', 'rejected', 'hangup', 'ended'];
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
    const verbs = Object.keys(raw).filter((k) => (VERBS as readonly string[]).includes(k));
    if (verbs.length === 0)
      this.fail(
        raw,
        `a step needs one of: ${VERBS.filter((v) => v !== 'custom').join(', ')} (got ${Object.keys(raw).join(', ') || 'nothing'})`,
      );
    if (verbs.length > 1) this.fail(raw, `one step per list item: found ${verbs.join(' and ')}`, verbs[1]);
    const verb = verbs[0]!;
    const v = raw[verb];
    const timeoutMs = raw.timeout === undefined ? undefined : this.duration(raw, 'timeout', raw.timeout);
    const label = raw.label === undefined ? defaultLabel(verb, v) : this.str(raw, 'label', raw.label);
    const common = {
      label,
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      ...(this.loc(raw) ? { at: this.loc(raw) } : {}),
    };
    const opts = (allowed: string[]) => this.only(raw, [verb, ...COMMON, ...allowed], verb);
    // A verb whose value is a mapping carries its options there instead.
    const inner: Raw = this.isMap(v) ? v : {};
    const opt = (k: string): unknown => (this.isMap(v) ? v[k] : raw[k]);
    const innerOnly = (allowed: string[]) => this.only(inner, allowed, verb);

    switch (verb) {
      case 'call': {
        if (this.isMap(v)) innerOnly(['uri', 'codec', 'transport', 'account', 'headers']);
        else opts(['codec', 'transport', 'account', 'headers']);
        const uri = this.str(raw, 'call', this.isMap(v) ? v.uri : v, 'a SIP URI');
        if (!uri.includes('${') && !/^sips?:/i.test(uri))
          this.fail(raw, `call: "${uri}" is not a SIP URI (sip:user@host)`, 'call');
        const codecRaw = opt('codec');
        let codecs: CodecId[] | undefined;
        if (codecRaw !== undefined) {
          const list = Array.isArray(codecRaw) ? codecRaw : this.str(raw, 'codec', codecRaw).split(',');
          codecs = list.map((c) => {
            const id = this.str(raw, 'codec', c).trim().toLowerCase();
            if (!(CODEC_IDS as readonly string[]).includes(id))
              this.fail(raw, `codec: unknown codec "${id}"; known: ${CODEC_IDS.join(', ')}`, 'codec');
            return id as CodecId;
          });
        }
        const transport = opt('transport');
        if (transport !== undefined && transport !== 'udp' && transport !== 'tcp')
          this.fail(raw, `transport: expected udp or tcp, got ${describe(transport)}`, 'transport');
        const account = this.account(raw, opt('account'));
        const headersRaw = opt('headers');
        let headers: Record<string, string> | undefined;
        if (headersRaw !== undefined) {
          if (!this.isMap(headersRaw))
            this.fail(raw, 'headers: expected a mapping of header names to values', 'headers');
          headers = Object.fromEntries(Object.entries(headersRaw).map(([k, hv]) => [k, this.str(headersRaw, k, hv)]));
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
      }
      case 'expect': {
        opts(['status']);
        const text = this.str(raw, 'expect', v, `one of ${EXPECTATIONS.join(', ')}`).trim();
        const m = /^(\w+)(?:\s+(\d{3}))?$/.exec(text);
        const what = m?.[1] as Expectation | undefined;
        if (!m || !what || !EXPECTATIONS.includes(what))
          this.fail(
            raw,
            `expect: "${text}" is not one of ${EXPECTATIONS.join(', ')} (rejected may carry a status: "rejected 403")`,
            'expect',
          );
        const statusRaw = m[2] ?? raw.status;
        const status = statusRaw === undefined ? undefined : this.int(raw, 'status', statusRaw, 300, 699);
        if (status !== undefined && what !== 'rejected' && what !== 'busy')
          this.fail(raw, `expect: a status only goes with rejected or busy`, 'expect');
        return { kind: 'expect', ...common, what, ...(status !== undefined ? { status } : {}) };
      }
      case 'listen': {
        if (this.isMap(v)) return { kind: 'listen', ...common, ...this.listenOptions(v, settings.listen) };
        opts(['silence', 'max', 'start', 'silence_ms', 'max_ms', 'start_ms']);
        if (v !== null && v !== undefined)
          this.fail(raw, 'listen: expected nothing or a mapping {silence, max, start}', 'listen');
        return { kind: 'listen', ...common, ...this.listenOptions(raw, settings.listen) };
      }
      case 'heard': {
        if (this.isMap(v)) innerOnly(['text', 'threshold', 'competitors']);
        else opts(['threshold', 'competitors']);
        const text = this.str(raw, 'heard', this.isMap(v) ? v.text : v, 'the phrase expected');
        if (!/[A-Za-z0-9]/.test(text)) this.fail(raw, 'heard: the expected phrase has no words', 'heard');
        const th = opt('threshold');
        const comp = opt('competitors');
        if (comp !== undefined && !Array.isArray(comp))
          this.fail(raw, 'competitors: expected a list of phrases', 'competitors');
        return {
          kind: 'heard',
          ...common,
          text,
          ...(th !== undefined ? { threshold: this.number(raw, 'threshold', th, 0, 1) } : {}),
          ...(comp ? { competitors: (comp as unknown[]).map((c, i) => this.str(comp, `competitors[${i}]`, c)) } : {}),
        };
      }
      case 'matches': {
        if (this.isMap(v)) innerOnly(['file', 'threshold']);
        else opts(['threshold']);
        const file = this.str(raw, 'matches', this.isMap(v) ? v.file : v, 'a WAV file');
        const th = opt('threshold');
        return {
          kind: 'matches',
          ...common,
          file,
          ...(th !== undefined ? { threshold: this.number(raw, 'threshold', th, 0, 1) } : {}),
        };
      }
      case 'tone': {
        if (typeof v === 'string') {
          opts(['min_ms', 'min']);
          if (!PROGRESS_TONES.includes(v as CallProgressTone))
            this.fail(
              raw,
              `tone: "${v}" is not a call-progress tone (${PROGRESS_TONES.join(', ')}); for a plain tone write {freq: 440, min_ms: 500}`,
              'tone',
            );
          return { kind: 'tone', ...common, progress: v as CallProgressTone, minMs: this.minMs(raw, raw, 0) };
        }
        if (!this.isMap(v)) return this.fail(raw, 'tone: expected a call-progress tone name or {freq, min_ms}', 'tone');
        innerOnly(['freq', 'min_ms', 'min']);
        opts([]);
        const f = v.freq;
        const list = Array.isArray(f) ? f : typeof f === 'string' ? f.split('+') : [f];
        const freqs = list.map((x) => this.number(v, 'freq', x, 50, 3950));
        return { kind: 'tone', ...common, freqs, minMs: this.minMs(v, v, 100) };
      }
      case 'dtmf': {
        if (this.isMap(v)) innerOnly(['digits', 'method']);
        else opts(['method']);
        const digits = this.digits(raw, 'dtmf', this.isMap(v) ? v.digits : v);
        const method = opt('method');
        if (method !== undefined && !['rfc4733', 'info', 'inband'].includes(method as string))
          this.fail(raw, `method: expected rfc4733, info or inband, got ${describe(method)}`, 'method');
        return {
          kind: 'dtmf',
          ...common,
          digits,
          ...(method ? { method: method as 'rfc4733' | 'info' | 'inband' } : {}),
        };
      }
      case 'silence': {
        if (this.isMap(v)) innerOnly(['min_ms', 'min']);
        else opts(['min_ms', 'min']);
        const minMs = this.isMap(v)
          ? this.minMs(v, v, NaN)
          : v !== null && v !== undefined
            ? this.duration(raw, 'silence', v)
            : this.minMs(raw, raw, NaN);
        if (Number.isNaN(minMs)) this.fail(raw, 'silence: give its length, e.g. silence: {min_ms: 2000}', 'silence');
        return { kind: 'silence', ...common, minMs };
      }
      case 'duration': {
        if (!this.isMap(v)) return this.fail(raw, 'duration: expected {min_ms, max_ms}', 'duration');
        innerOnly(['min_ms', 'max_ms', 'min', 'max']);
        opts([]);
        const minRaw = v.min_ms ?? v.min;
        const maxRaw = v.max_ms ?? v.max;
        if (minRaw === undefined && maxRaw === undefined)
          this.fail(raw, 'duration: give min_ms, max_ms or both', 'duration');
        const minMs = minRaw === undefined ? undefined : this.duration(v, 'min_ms', minRaw);
        const maxMs = maxRaw === undefined ? undefined : this.duration(v, 'max_ms', maxRaw);
        if (minMs !== undefined && maxMs !== undefined && minMs > maxMs)
          this.fail(raw, `duration: min_ms ${minMs} is above max_ms ${maxMs}`, 'duration');
        return {
          kind: 'duration',
          ...common,
          ...(minMs !== undefined ? { minMs } : {}),
          ...(maxMs !== undefined ? { maxMs } : {}),
        };
      }
      case 'press':
      case 'send_dtmf': {
        if (this.isMap(v)) innerOnly(['digits', 'mode', 'duration_ms', 'gap_ms', 'duration', 'gap']);
        else opts(['mode', 'duration_ms', 'gap_ms', 'duration', 'gap']);
        const digits = this.digits(raw, verb, this.isMap(v) ? v.digits : v);
        const mode = opt('mode') ?? 'rfc4733';
        if (!['rfc4733', 'info', 'inband'].includes(mode as string))
          this.fail(raw, `mode: expected rfc4733, info or inband, got ${describe(mode)}`, 'mode');
        const d = opt('duration_ms') ?? opt('duration');
        const g = opt('gap_ms') ?? opt('gap');
        const durationMs = d === undefined ? 100 : this.duration(raw, 'duration_ms', d);
        const gapMs = g === undefined ? 100 : this.duration(raw, 'gap_ms', g);
        if (durationMs < 40 || durationMs > 5000)
          this.fail(raw, `duration_ms: ${durationMs} is outside 40..5000 ms`, 'duration_ms');
        if (gapMs < 40 || gapMs > 10_000) this.fail(raw, `gap_ms: ${gapMs} is outside 40..10000 ms`, 'gap_ms');
        return { kind: 'send_dtmf', ...common, digits, mode: mode as DtmfMode, durationMs, gapMs };
      }
      case 'say': {
        if (this.isMap(v)) innerOnly(['text', 'engine', 'voice', 'wpm']);
        else opts(['engine', 'voice', 'wpm']);
        const text = this.str(raw, 'say', this.isMap(v) ? v.text : v, 'the text to speak');
        const engine = opt('engine');
        if (engine !== undefined && engine !== 'flite' && engine !== 'espeak-ng')
          this.fail(raw, `engine: expected flite or espeak-ng, got ${describe(engine)}`, 'engine');
        const voice = opt('voice');
        const wpm = opt('wpm');
        return {
          kind: 'say',
          ...common,
          text,
          ...(engine ? { engine: engine as 'flite' | 'espeak-ng' } : {}),
          ...(voice !== undefined ? { voice: this.str(raw, 'voice', voice) } : {}),
          ...(wpm !== undefined ? { wordsPerMinute: this.number(raw, 'wpm', wpm, 60, 400) } : {}),
        };
      }
      case 'play':
      case 'record': {
        if (this.isMap(v)) innerOnly(['file']);
        else opts([]);
        const file = this.str(raw, verb, this.isMap(v) ? v.file : v, 'a file name');
        return { kind: verb as 'play' | 'record', ...common, file };
      }
      case 'wait': {
        opts([]);
        return { kind: 'wait', ...common, ms: this.duration(raw, 'wait', v) };
      }
      case 'hangup': {
        opts([]);
        if (v !== null && v !== undefined && v !== true) this.fail(raw, 'hangup takes no value', 'hangup');
        return { kind: 'hangup', ...common };
      }
      case 'set': {
        opts([]);
        if (!this.isMap(v)) return this.fail(raw, 'set: expected a mapping of variable names to values', 'set');
        const vars: Record<string, string> = {};
        for (const [k, x] of Object.entries(v)) {
          if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) this.fail(v, `set: "${k}" is not a variable name`, k);
          vars[k] = this.str(v, k, x);
        }
        return { kind: 'set', ...common, vars };
      }
      case 'repeat':
      case 'retry': {
        const body = this.isMap(v) ? v : raw;
        if (this.isMap(v)) innerOnly(['times', 'steps', 'var', 'delay', 'delay_ms']);
        else opts(['steps', 'var', 'delay', 'delay_ms']);
        const timesRaw = this.isMap(v) ? v.times : v;
        const times = this.int(raw, verb, timesRaw, 1, 100_000);
        const stepsRaw = body.steps;
        if (!Array.isArray(stepsRaw) || stepsRaw.length === 0)
          this.fail(raw, `${verb}: needs "steps", a non-empty list`, 'steps');
        const steps = stepsRaw.map((s, i) => this.step(s, settings, stepsRaw, i));
        if (verb === 'repeat') {
          const name = body.var === undefined ? 'round' : this.str(body, 'var', body.var);
          return { kind: 'repeat', ...common, times, var: name, steps };
        }
        const delay = body.delay_ms ?? body.delay;
        return {
          kind: 'retry',
          ...common,
          times,
          delayMs: delay === undefined ? 0 : this.duration(body, 'delay_ms', delay),
          steps,
        };
      }
      case 'custom': {
        if (typeof v !== 'function')
          return this.fail(raw, 'custom: expected a function (TypeScript scenarios only)', 'custom');
        opts([]);
        return { kind: 'custom', ...common, run: v as never };
      }
    }
    return this.fail(raw, `unknown step ${verb}`);
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
