import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { opt } from '../../src/options/define.js';
import { allowedOf, formatValue, parseAddress, parseDuration, parseValue } from '../../src/options/values.js';
import type { OptionSpec } from '../../src/options/types.js';

const ok = (spec: OptionSpec, raw: string) => {
  const r = parseValue(spec, raw);
  if (!r.ok) throw new Error(`expected ${raw} to parse: ${r.problem}`);
  return r.value;
};
const bad = (spec: OptionSpec, raw: string) => {
  const r = parseValue(spec, raw);
  if (r.ok) throw new Error(`expected ${raw} to be rejected, got ${JSON.stringify(r.value)}`);
  return r.problem;
};

describe('option value types', () => {
  const int = opt.int('t.int', { help: 'h', min: 1, max: 65535 });
  it('int: accepts integers in range, rejects the rest with the reason', () => {
    expect(ok(int, '5060')).toBe(5060);
    expect(ok(int, ' 42 ')).toBe(42);
    expect(bad(int, 'abc')).toBe('is not an integer');
    expect(bad(int, '1.5')).toBe('is not an integer');
    expect(bad(int, '0')).toBe('is too small');
    expect(bad(int, '70000')).toBe('is too large');
    expect(bad(int, '99999999999999999999')).toBe('is too large');
    expect(allowedOf(int)).toBe('an integer from 1 to 65535');
  });

  const bool = opt.bool('t.bool', { help: 'h' });
  it('bool: true/false, yes/no, on/off, 1/0 in any case', () => {
    for (const t of ['true', 'YES', 'on', '1']) expect(ok(bool, t)).toBe(true);
    for (const f of ['false', 'No', 'OFF', '0']) expect(ok(bool, f)).toBe(false);
    expect(bad(bool, 'maybe')).toBe('is not a boolean');
  });

  const en = opt.enum('t.enum', { help: 'h', choices: ['udp', 'tcp'] });
  it('enum: only the choices', () => {
    expect(ok(en, 'tcp')).toBe('tcp');
    expect(bad(en, 'sctp')).toBe('is not a known choice');
    expect(allowedOf(en)).toBe('one of udp, tcp');
  });

  const dur = opt.duration('t.dur', { help: 'h', unit: 's', max: 3_600_000 });
  it('duration: units and bare numbers in the spec unit, value in ms', () => {
    expect(ok(dur, '30')).toBe(30_000);
    expect(ok(dur, '250ms')).toBe(250);
    expect(ok(dur, '1.5s')).toBe(1500);
    expect(ok(dur, '2m')).toBe(120_000);
    expect(ok(dur, '1h')).toBe(3_600_000);
    expect(bad(dur, '2h')).toBe('is too large');
    expect(bad(dur, 'soon')).toBe('is not a duration');
    expect(bad(dur, '-1s')).toBe('is not a duration');
    expect(parseDuration('20', 'ms')).toBe(20);
  });

  const addr = opt.address('t.addr', { help: 'h' });
  const addrPort = opt.address('t.addrp', { help: 'h', portOptional: false });
  it('address: host, host:port, IPv6 in brackets', () => {
    expect(ok(addr, '127.0.0.1:5060')).toEqual({ host: '127.0.0.1', port: 5060 });
    expect(ok(addr, 'example.com')).toEqual({ host: 'example.com' });
    expect(ok(addr, '[::1]:5070')).toEqual({ host: '::1', port: 5070 });
    expect(ok(addr, '[2001:db8::1]')).toEqual({ host: '2001:db8::1' });
    expect(ok(addr, '::1')).toEqual({ host: '::1' });
    expect(bad(addr, 'host:port')).toBe('is not an address');
    expect(bad(addr, 'host:70000')).toBe('is not an address');
    expect(bad(addr, 'bad host')).toBe('is not an address');
    expect(bad(addrPort, 'example.com')).toBe('has no port');
    expect(parseAddress('[::1')).toBeUndefined();
  });

  const list = opt.list('t.list', { help: 'h', choices: ['pcmu', 'pcma', 'gsm'] });
  it('list: comma-separated, items checked against the choices', () => {
    expect(ok(list, 'pcmu, gsm')).toEqual(['pcmu', 'gsm']);
    expect(ok(list, '')).toEqual([]);
    expect(bad(list, 'pcmu,opus')).toBe('has an unknown item "opus"');
    expect(bad(list, 'pcmu,,gsm')).toBe('has an empty item');
  });

  const str = opt.string('t.str', {
    help: 'h',
    validate: (v) => (v.startsWith('sip:') ? undefined : 'must be a sip: URI'),
  });
  it('string: validate() adds the schema entry’s own rule', () => {
    expect(ok(str, 'sip:bob@host')).toBe('sip:bob@host');
    expect(bad(str, 'bob@host')).toBe('must be a sip: URI');
  });

  it('every type: format → parse gives the same value back (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 65535 }), (n) => ok(int, formatValue(int, n)) === n));
    fc.assert(fc.property(fc.integer({ min: 0, max: 3_600_000 }), (ms) => ok(dur, formatValue(dur, ms)) === ms));
    fc.assert(
      fc.property(
        fc.oneof(fc.ipV4(), fc.ipV6()),
        fc.option(fc.integer({ min: 0, max: 65535 }), { nil: undefined }),
        (host, port) => {
          const a = port === undefined ? { host } : { host, port };
          expect(ok(addr, formatValue(addr, a))).toEqual(a);
        },
      ),
    );
    fc.assert(
      fc.property(fc.subarray(['pcmu', 'pcma', 'gsm']), (items) => {
        expect(ok(list, formatValue(list, items))).toEqual(items);
      }),
    );
  });

  it('never throws on arbitrary input (property)', () => {
    const specs: OptionSpec[] = [int, bool, en, dur, addr, list, str];
    fc.assert(fc.property(fc.string(), (raw) => specs.every((s) => typeof parseValue(s, raw).ok === 'boolean')));
  });
});
