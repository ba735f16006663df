/**
 * Effective options: every option's value after applying the sources in
 * order of precedence, defaults < ini < environment < argv, each value
 * remembering where it came from (`shtoom config show` prints that).
 */
import { envOf, flagOf } from './define.js';
import { OptionValueError } from './errors.js';
import type { IniValue } from './ini-file.js';
import { allowedOf, parseValue } from './values.js';
import type { OptionSpec, OptionValue, Schema, ValueOfSpec, ValueSource } from './types.js';

export interface ResolveInput {
  /** Values read from the ini file, by option id. */
  readonly ini?: { readonly file: string; readonly values: ReadonlyMap<string, IniValue> } | undefined;
  /** The process environment (or a test's). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Raw values given on the command line, by option id (booleans already as booleans). */
  readonly argv?: ReadonlyMap<string, string | boolean> | undefined;
}

export interface Entry {
  readonly spec: OptionSpec;
  readonly value: OptionValue | undefined;
  readonly source: ValueSource;
}

type IdOf<S extends Schema> = S[number]['id'];
type SpecOf<S extends Schema, Id> = Extract<S[number], { readonly id: Id }>;

/** The resolved value of every option in a schema. */
export class EffectiveOptions<S extends Schema = Schema> {
  private readonly entriesById = new Map<string, Entry>();

  constructor(
    readonly schema: S,
    entries: Iterable<Entry>,
  ) {
    for (const e of entries) this.entriesById.set(e.spec.id, e);
  }

  /** The effective value of an option, typed by its schema entry. */
  get<Id extends IdOf<S>>(id: Id): ValueOfSpec<SpecOf<S, Id>> {
    return this.entry(id).value as ValueOfSpec<SpecOf<S, Id>>;
  }

  /** Where the effective value came from. */
  sourceOf(id: IdOf<S>): ValueSource {
    return this.entry(id).source;
  }

  entry(id: string): Entry {
    const e = this.entriesById.get(id);
    if (!e) throw new Error(`no option "${id}" in the schema`);
    return e;
  }

  entries(): Entry[] {
    return [...this.entriesById.values()];
  }

  /** A copy with some values replaced (for programs and tests that set options in code). */
  with(values: Partial<Record<IdOf<S>, OptionValue>>): EffectiveOptions<S> {
    const next = this.entries().map((e) =>
      e.spec.id in values
        ? {
            ...e,
            value: (values as Record<string, OptionValue>)[e.spec.id],
            source: { kind: 'argv', flag: 'api' } as const,
          }
        : e,
    );
    return new EffectiveOptions(this.schema, next);
  }
}

/** Apply defaults < ini < env < argv. A bad env or argv value throws `OptionValueError`. */
export function resolveOptions<S extends Schema>(schema: S, input: ResolveInput = {}): EffectiveOptions<S> {
  const entries: Entry[] = [];
  for (const spec of schema) {
    let value: OptionValue | undefined = spec.default;
    let source: ValueSource = { kind: 'default' };
    const fromIni = input.ini?.values.get(spec.id);
    if (fromIni) {
      value = fromIni.value;
      source = { kind: 'ini', file: input.ini!.file, line: fromIni.line };
    }
    const envName = envOf(spec);
    const envRaw = envName ? input.env?.[envName] : undefined;
    if (envName && envRaw !== undefined && envRaw !== '') {
      value = parseOrThrow(spec, envRaw, { kind: 'env', name: envName }, `environment ${envName}`);
      source = { kind: 'env', name: envName };
    }
    const argRaw = input.argv?.get(spec.id);
    if (argRaw !== undefined) {
      const flag = `--${flagOf(spec) ?? spec.id}`;
      value = typeof argRaw === 'boolean' ? argRaw : parseOrThrow(spec, argRaw, { kind: 'argv', flag }, flag);
      source = { kind: 'argv', flag };
    }
    entries.push({ spec, value, source });
  }
  return new EffectiveOptions(schema, entries);
}

function parseOrThrow(spec: OptionSpec, raw: string, source: ValueSource, where: string): OptionValue {
  const parsed = parseValue(spec, raw);
  if (parsed.ok) return parsed.value;
  throw new OptionValueError(spec.id, source, raw, parsed.problem, allowedOf(spec), where);
}

/** How `config show` names a source. */
export function describeSource(source: ValueSource): string {
  switch (source.kind) {
    case 'default':
      return 'default';
    case 'ini':
      return `${source.file}:${source.line}`;
    case 'env':
      return `env ${source.name}`;
    case 'argv':
      return `argv ${source.flag}`;
  }
}
