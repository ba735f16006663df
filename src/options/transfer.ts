/**
 * Effective options as plain data, for a worker thread: the values and
 * where each came from, without the schema's functions (which do not
 * cross a thread). The worker joins them to its own copy of the schema, so
 * a command's workers read exactly the options its main thread resolved.
 */
import { EffectiveOptions } from './resolve.js';
import type { OptionValue, Schema, ValueSource } from './types.js';

export interface OptionsWire {
  readonly entries: readonly {
    readonly id: string;
    readonly value: OptionValue | undefined;
    readonly source: ValueSource;
  }[];
}

export function optionsToWire(o: EffectiveOptions): OptionsWire {
  return { entries: o.entries().map((e) => ({ id: e.spec.id, value: e.value, source: e.source })) };
}

/** The options again, on `schema` (the same build's): an id the schema lacks throws. */
export function optionsFromWire<S extends Schema>(schema: S, wire: OptionsWire): EffectiveOptions<S> {
  const specs = new Map(schema.map((s) => [s.id, s]));
  return new EffectiveOptions(
    schema,
    wire.entries.map((e) => {
      const spec = specs.get(e.id);
      if (!spec) throw new Error(`option "${e.id}" is not in this build's schema`);
      return { spec, value: e.value, source: e.source };
    }),
  );
}
