import { describe, expect, it } from 'vitest';
import { OptionValueError } from '../../src/options/errors.js';
import { readIni } from '../../src/options/ini-file.js';
import { resolveOptions } from '../../src/options/resolve.js';
import { schema } from '../../src/options/schema/index.js';

const ini = (text: string) => ({ file: 'f.ini', values: readIni(text, 'f.ini', schema).values });

describe('precedence: defaults < ini < env < argv', () => {
  it('uses the default when nothing else is given', () => {
    const o = resolveOptions(schema);
    expect(o.get('sip.port')).toBe(5060);
    expect(o.sourceOf('sip.port')).toEqual({ kind: 'default' });
    expect(o.get('account.user')).toBeUndefined();
    // The TCP message deadline the interop test shortens: a trickled message is cut after 30 s by default.
    expect(o.get('sip.tcp-message-timeout')).toBe(30_000);
  });

  it('ini beats the default', () => {
    const o = resolveOptions(schema, { ini: ini('[sip]\nport = 5070\n') });
    expect(o.get('sip.port')).toBe(5070);
    expect(o.sourceOf('sip.port')).toEqual({ kind: 'ini', file: 'f.ini', line: 2 });
  });

  it('env beats ini', () => {
    const o = resolveOptions(schema, { ini: ini('[sip]\nport = 5070\n'), env: { SHTOOM_SIP_PORT: '5080' } });
    expect(o.get('sip.port')).toBe(5080);
    expect(o.sourceOf('sip.port')).toEqual({ kind: 'env', name: 'SHTOOM_SIP_PORT' });
  });

  it('argv beats env', () => {
    const o = resolveOptions(schema, {
      ini: ini('[sip]\nport = 5070\n'),
      env: { SHTOOM_SIP_PORT: '5080' },
      argv: new Map([['sip.port', '5090']]),
    });
    expect(o.get('sip.port')).toBe(5090);
    expect(o.sourceOf('sip.port')).toEqual({ kind: 'argv', flag: '--sip-port' });
  });

  it('an empty environment variable counts as unset', () => {
    expect(resolveOptions(schema, { env: { SHTOOM_SIP_PORT: '' } }).get('sip.port')).toBe(5060);
  });

  it('argv booleans (--json / --no-json) beat env', () => {
    const o = resolveOptions(schema, { env: { SHTOOM_JSON: 'yes' }, argv: new Map([['output.json', false]]) });
    expect(o.get('output.json')).toBe(false);
    expect(resolveOptions(schema, { env: { SHTOOM_JSON: 'yes' } }).get('output.json')).toBe(true);
  });

  it('a bad env value names the variable; a bad argv value names the flag', () => {
    expect(() => resolveOptions(schema, { env: { SHTOOM_LOG_LEVEL: 'loud' } })).toThrow(OptionValueError);
    try {
      resolveOptions(schema, { env: { SHTOOM_LOG_LEVEL: 'loud' } });
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).toBe(
        'environment SHTOOM_LOG_LEVEL: "loud" is not a known choice; allowed: one of error, warn, info, debug, trace',
      );
    }
    try {
      resolveOptions(schema, { argv: new Map([['sip.port', 'abc']]) });
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).toBe('--sip-port: "abc" is not an integer; allowed: an integer from 0 to 65535');
    }
  });

  it('with() replaces values for library users', () => {
    const o = resolveOptions(schema).with({ 'sip.port': 0 });
    expect(o.get('sip.port')).toBe(0);
    expect(o.get('sip.transport')).toBe('udp');
  });
});
