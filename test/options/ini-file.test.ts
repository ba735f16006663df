import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readIni, writeIni } from '../../src/options/ini-file.js';
import { OptionValueError } from '../../src/options/errors.js';
import { resolveOptions } from '../../src/options/resolve.js';
import { schema } from '../../src/options/schema/index.js';
import { sameValue } from '../../src/options/values.js';

describe('ini file', () => {
  it('reads sections and keys into typed values with their line numbers', () => {
    const text = [
      '; comment',
      '[sip]',
      'port = 5070',
      'transport=tcp',
      '',
      '# another comment',
      '[log]',
      'level = debug',
    ].join('\n');
    const r = readIni(text, 'a.ini', schema);
    expect(r.warnings).toEqual([]);
    expect(r.values.get('sip.port')).toEqual({ value: 5070, line: 3 });
    expect(r.values.get('sip.transport')).toEqual({ value: 'tcp', line: 4 });
    expect(r.values.get('log.level')).toEqual({ value: 'debug', line: 8 });
  });

  it('warns about unknown keys and sections with the line number, and suggests a near key', () => {
    const r = readIni('[sip]\nprot = 5070\n[nosuch]\nx = 1\nstray line\n', 'a.ini', schema);
    expect(r.values.size).toBe(0);
    expect(r.warnings).toEqual([
      'a.ini:2: unknown option "prot" in [sip] (ignored); did you mean "port"?',
      'a.ini:3: unknown section [nosuch] (its keys are ignored)',
      'a.ini:5: not a "key = value" line (ignored)',
    ]);
  });

  it('a bad value names the file, the line, the option and what is allowed', () => {
    let err: unknown;
    try {
      readIni('[sip]\n\nport = abc\n', '/etc/x.ini', schema);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OptionValueError);
    expect((err as Error).message).toBe(
      '/etc/x.ini:3: [sip] port: "abc" is not an integer; allowed: an integer from 0 to 65535',
    );
    expect((err as OptionValueError).source).toEqual({ kind: 'ini', file: '/etc/x.ini', line: 3 });
  });

  it('unquotes and unescapes values like the ini package', () => {
    const r = readIni('[account]\npassword = "se;cret"\nuser = a\\;b ; trailing comment\n', 'a.ini', schema);
    expect(r.values.get('account.password')?.value).toBe('se;cret');
    expect(r.values.get('account.user')?.value).toBe('a;b');
  });

  it('writes help comments, comments out defaults, and keeps secrets out unless asked', () => {
    const opts = resolveOptions(schema, {
      argv: new Map<string, string | boolean>([
        ['sip.port', '5070'],
        ['account.password', 'hunter2'],
      ]),
    });
    const text = writeIni(schema, (s) => opts.entry(s.id).value);
    expect(text).toContain('[sip]\n; local IP address');
    expect(text).toContain('\nport = 5070\n');
    expect(text).toContain('\n;transport = udp\n');
    expect(text).not.toContain('hunter2');
    expect(writeIni(schema, (s) => opts.entry(s.id).value, { includeSecrets: true })).toContain(
      '\npassword = hunter2\n',
    );
  });

  it('load → save → load gives the same effective options (property)', () => {
    const portArb = fc.integer({ min: 0, max: 65535 });
    fc.assert(
      fc.property(
        portArb,
        fc.constantFrom('udp', 'tcp'),
        fc.constantFrom('error', 'warn', 'info', 'debug', 'trace'),
        fc.option(
          fc.string({ minLength: 1 }).filter((s) => s.trim() === s && !/[\r\n]/.test(s)),
          { nil: undefined },
        ),
        (port, transport, level, user) => {
          const argv = new Map<string, string | boolean>([
            ['sip.port', String(port)],
            ['sip.transport', transport],
            ['log.level', level],
          ]);
          if (user !== undefined) argv.set('account.user', user);
          const first = resolveOptions(schema, { argv });
          const text = writeIni(schema, (s) => first.entry(s.id).value, { includeSecrets: true });
          const read = readIni(text, 'rt.ini', schema);
          expect(read.warnings).toEqual([]);
          const second = resolveOptions(schema, { ini: { file: 'rt.ini', values: read.values } });
          for (const e of first.entries()) {
            if (e.spec.ini === false) continue;
            expect(sameValue(second.entry(e.spec.id).value, e.value), e.spec.id).toBe(true);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('never throws anything but OptionValueError on arbitrary text (property)', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        try {
          readIni(text, 'f.ini', schema);
        } catch (e) {
          expect(e).toBeInstanceOf(OptionValueError);
        }
      }),
    );
  });
});
