import { describe, expect, it } from 'vitest';
import { optionsFromWire, optionsToWire, resolveOptions, schema } from '../../src/options/index.js';

describe('options across a thread', () => {
  it('a structured clone of the wire gives the same values and sources on the schema', () => {
    const o = resolveOptions(schema, {
      env: { SHTOOM_SMOKE_MAX_LOSS: '0.5' },
      argv: new Map<string, string | boolean>([
        ['smoke.calls', '40'],
        ['call.codec', 'pcmu'],
      ]),
    });
    const back = optionsFromWire(schema, structuredClone(optionsToWire(o)));
    expect(back.get('smoke.calls')).toBe(40);
    expect(back.get('call.codec')).toEqual(['pcmu']);
    expect(back.get('smoke.max-loss')).toBe('0.5');
    expect(back.sourceOf('smoke.max-loss')).toEqual({ kind: 'env', name: 'SHTOOM_SMOKE_MAX_LOSS' });
    expect(back.sourceOf('sip.port')).toEqual({ kind: 'default' });
    expect(back.entries()).toHaveLength(o.entries().length);
  });

  it('an option this build does not know is refused', () => {
    expect(() =>
      optionsFromWire(schema, { entries: [{ id: 'no.such', value: 1, source: { kind: 'default' } }] }),
    ).toThrow(/no\.such/);
  });
});
