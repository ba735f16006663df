/** Setting one option in an ini file, keeping the rest of it (the phone's preferences screen saves this way). */
import { describe, expect, it } from 'vitest';
import { readIni, setIniValue, writeIni } from '../../src/options/ini-file.js';
import { schema } from '../../src/options/schema/index.js';
import type { OptionSpec } from '../../src/options/types.js';

const spec = (id: string): OptionSpec => schema.find((s) => s.id === id)!;
const read = (text: string) => new Map([...readIni(text, 'x.ini', schema).values].map(([k, v]) => [k, v.value]));

describe('setIniValue', () => {
  it('replaces the live line of the key, keeping comments, order and other keys', () => {
    const text = '; mine\n[sip]\n; the port\nport = 5060\ntransport = udp\n\n[rtp]\nport-min = 20000\n';
    const out = setIniValue(text, spec('sip.port'), 5070);
    expect(out).toBe('; mine\n[sip]\n; the port\nport = 5070\ntransport = udp\n\n[rtp]\nport-min = 20000\n');
    expect(read(out).get('sip.port')).toBe(5070);
  });

  it('uncomments the commented default that config save wrote, and reads back the same', () => {
    const text = writeIni(schema, (s) => s.default);
    expect(text).toMatch(/^;port = 5060$/m);
    const out = setIniValue(text, spec('sip.port'), 5099);
    expect(out.split('\n').length).toBe(text.split('\n').length);
    expect(out).toMatch(/^port = 5099$/m);
    expect(read(out).get('sip.port')).toBe(5099);
  });

  it('adds the key to its section, or the section at the end; an empty file gets both', () => {
    expect(setIniValue('[sip]\ntransport = tcp\n\n[rtp]\n', spec('sip.port'), 5070)).toBe(
      '[sip]\ntransport = tcp\nport = 5070\n\n[rtp]\n',
    );
    expect(setIniValue('[rtp]\nport-min = 20000\n', spec('phone.input'), 'tone:440')).toBe(
      '[rtp]\nport-min = 20000\n\n[phone]\ninput = tone:440\n',
    );
    expect(setIniValue('', spec('phone.auto-accept-transfer'), true)).toBe('[phone]\nauto-accept-transfer = true\n');
    expect(setIniValue('[phone]\n', spec('phone.input'), 'x.wav')).toBe('[phone]\ninput = x.wav\n');
  });

  it('quotes what needs quoting so the file reads back the exact value', () => {
    const out = setIniValue('', spec('phone.hold-music'), 'music ; with = signs.wav');
    expect(read(out).get('phone.hold-music')).toBe('music ; with = signs.wav');
  });
});
