/**
 * Parsing, checking and formatting of option values, by type.
 *
 * Every source (argv, environment, ini) hands over a string; this file is the
 * only place that turns it into a typed value, so every source accepts and
 * rejects exactly the same things and names what is allowed in the same words.
 */
import { parseDuration } from '../util/duration.js';
import type { Address, OptionSpec, OptionValue } from './types.js';

export { parseDuration };

export type Parsed = { ok: true; value: OptionValue } | { ok: false; problem: string };

const TRUE = new Set(['true', 'yes', 'on', '1']);
const FALSE = new Set(['false', 'no', 'off', '0']);

/** What the option accepts, in words, for error messages and help. */
export function allowedOf(spec: OptionSpec): string {
  switch (spec.type) {
    case 'string':
      return 'text';
    case 'int':
      return `an integer${rangeText(spec.min, spec.max)}`;
    case 'bool':
      return 'true or false (yes/no, on/off, 1/0)';
    case 'enum':
      return `one of ${spec.choices.join(', ')}`;
    case 'duration':
      return (
        `a duration such as 500ms, 20s, 2m (a bare number is in ` +
        `${spec.unit === 's' ? 'seconds' : 'milliseconds'})${rangeText(spec.min, spec.max, 'ms')}`
      );
    case 'address':
      return spec.portOptional === false ? 'HOST:PORT (IPv6 as [::1]:PORT)' : 'HOST or HOST:PORT (IPv6 as [::1]:PORT)';
    case 'list':
      return spec.choices ? `a comma-separated list of ${spec.choices.join(', ')}` : 'a comma-separated list';
  }
}

function rangeText(min: number | undefined, max: number | undefined, unit = ''): string {
  if (min !== undefined && max !== undefined) return ` from ${min}${unit} to ${max}${unit}`;
  if (min !== undefined) return ` of at least ${min}${unit}`;
  if (max !== undefined) return ` of at most ${max}${unit}`;
  return '';
}

/** Parse one raw string for a spec. Never throws. */
export function parseValue(spec: OptionSpec, raw: string): Parsed {
  const text = raw.trim();
  const parsed = parseByType(spec, text);
  if (!parsed.ok) return parsed;
  if (spec.validate) {
    // The schema's own check speaks in terms of the typed value.
    const problem = (spec.validate as (v: OptionValue) => string | undefined)(parsed.value);
    if (problem !== undefined) return { ok: false, problem };
  }
  return parsed;
}

function parseByType(spec: OptionSpec, text: string): Parsed {
  switch (spec.type) {
    case 'string':
      return { ok: true, value: text };
    case 'int': {
      if (!/^[+-]?\d+$/.test(text)) return { ok: false, problem: 'is not an integer' };
      const n = Number(text);
      if (!Number.isSafeInteger(n)) return { ok: false, problem: 'is too large' };
      return inRange(n, spec.min, spec.max);
    }
    case 'bool': {
      const t = text.toLowerCase();
      if (TRUE.has(t)) return { ok: true, value: true };
      if (FALSE.has(t)) return { ok: true, value: false };
      return { ok: false, problem: 'is not a boolean' };
    }
    case 'enum':
      return spec.choices.includes(text) ? { ok: true, value: text } : { ok: false, problem: 'is not a known choice' };
    case 'duration': {
      const ms = parseDuration(text, spec.unit);
      if (ms === undefined) return { ok: false, problem: 'is not a duration' };
      return inRange(ms, spec.min, spec.max);
    }
    case 'address': {
      const a = parseAddress(text);
      if (!a) return { ok: false, problem: 'is not an address' };
      if (a.port === undefined && spec.portOptional === false) return { ok: false, problem: 'has no port' };
      return { ok: true, value: a };
    }
    case 'list': {
      const items = text === '' ? [] : text.split(',').map((s) => s.trim());
      if (items.some((i) => i === '')) return { ok: false, problem: 'has an empty item' };
      if (spec.choices) {
        const bad = items.find((i) => !spec.choices!.includes(i));
        if (bad !== undefined) return { ok: false, problem: `has an unknown item "${bad}"` };
      }
      return { ok: true, value: items };
    }
  }
}

function inRange(n: number, min?: number, max?: number): Parsed {
  if (min !== undefined && n < min) return { ok: false, problem: 'is too small' };
  if (max !== undefined && n > max) return { ok: false, problem: 'is too large' };
  return { ok: true, value: n };
}

/** `host`, `host:port`, `[v6]`, `[v6]:port`, or a bare IPv6 address. */
export function parseAddress(text: string): Address | undefined {
  let host: string;
  let portText: string | undefined;
  const v6 = /^\[([0-9A-Fa-f:.]+)\](?::(\d+))?$/.exec(text);
  if (v6) {
    host = v6[1]!;
    portText = v6[2];
  } else if ((text.match(/:/g) ?? []).length > 1) {
    host = text; // a bare IPv6 literal, no port
  } else {
    const colon = text.indexOf(':');
    host = colon < 0 ? text : text.slice(0, colon);
    portText = colon < 0 ? undefined : text.slice(colon + 1);
    if (portText !== undefined && !/^\d+$/.test(portText)) return undefined;
  }
  if (!isHost(host)) return undefined;
  if (portText === undefined) return { host };
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) return undefined;
  return { host, port };
}

function isHost(host: string): boolean {
  if (host.includes(':')) return /^[0-9A-Fa-f:.]+$/.test(host) && host.split('::').length <= 2;
  return /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(host);
}

/** Format a value the way the ini file and `config show` write it; `parseValue` reads it back. */
export function formatValue(spec: OptionSpec, value: OptionValue | undefined): string {
  if (value === undefined) return '';
  switch (spec.type) {
    case 'duration':
      return formatDuration(value as number);
    case 'address': {
      const a = value as Address;
      const host = a.host.includes(':') ? `[${a.host}]` : a.host;
      return a.port === undefined ? host : `${host}:${a.port}`;
    }
    case 'list':
      return (value as readonly string[]).join(',');
    default:
      return String(value);
  }
}

export function formatDuration(ms: number): string {
  if (ms !== 0 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms !== 0 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** Structural equality of two values of one option. */
export function sameValue(a: OptionValue | undefined, b: OptionValue | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => x === b[i]);
  if (typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const x = a as Address;
    const y = b as Address;
    return x.host === y.host && x.port === y.port;
  }
  return false;
}
