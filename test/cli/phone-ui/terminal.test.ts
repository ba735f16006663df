/**
 * The terminal edge with fake streams: keys decoded, only changed rows
 * drawn, the terminal given back on every way out.
 */
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { Key } from '../../../src/cli/phone-ui/keys.js';
import { keyOf, Terminal } from '../../../src/cli/phone-ui/terminal.js';

class FakeOut extends EventEmitter {
  readonly isTTY = true;
  columns = 20;
  rows = 3;
  text = '';
  write(s: string) {
    this.text += s;
    return true;
  }
}

function fakeIn() {
  const s = new PassThrough() as PassThrough & { isTTY: boolean; raw: boolean[]; setRawMode(m: boolean): void };
  s.isTTY = true;
  s.raw = [];
  s.setRawMode = (m: boolean) => void s.raw.push(m);
  return s;
}

const ENTER_ALT = '\u001b[?1049h';
const EXIT_ALT = '\u001b[?1049l';
const opened: Terminal[] = [];
afterEach(() => {
  for (const t of opened.splice(0)) t.close();
});

function open() {
  const input = fakeIn();
  const out = new FakeOut();
  const keys: Key[] = [];
  let resized = 0;
  const t = new Terminal(
    input,
    out,
    (k) => keys.push(k),
    () => resized++,
  );
  opened.push(t);
  return { input, out, keys, t, resized: () => resized };
}

describe('the terminal', () => {
  it('decodes keys: characters, arrows, Return, Escape, Ctrl-C', async () => {
    const { input, keys } = open();
    input.write('a5\u001b[A\r\u0003');
    await new Promise((r) => setImmediate(r));
    expect(keys).toEqual([
      { ch: 'a', name: 'a' },
      { ch: '5', name: '5' },
      { name: 'up' },
      { name: 'return' },
      { name: 'c', ctrl: true },
    ]);
    expect(keyOf('\u007f', { name: 'backspace' })).toEqual({ name: 'backspace' });
  });

  it('enters the alternate screen in raw mode, draws only the rows that changed, leaves it all on close', () => {
    const { input, out, t } = open();
    expect(input.raw).toEqual([true]);
    expect(out.text).toContain(ENTER_ALT);
    out.text = '';
    t.draw({ lines: ['aaaa', 'bbbb', 'cccc'], inverse: [0] });
    expect(out.text).toContain('\u001b[7maaaa\u001b[27m');
    expect(out.text).toContain('bbbb');
    out.text = '';
    t.draw({ lines: ['aaaa', 'bxbb', 'cccc'], inverse: [0] });
    expect(out.text).toContain('bxbb');
    expect(out.text).not.toContain('aaaa');
    expect(out.text).not.toContain('cccc');
    t.close();
    expect(input.raw).toEqual([true, false]);
    expect(out.text).toContain(EXIT_ALT);
    out.text = '';
    t.draw({ lines: ['z'], inverse: [] });
    t.close();
    expect(out.text).toBe('');
  });

  it('a resize draws everything again; a process exit (a crash) gives the terminal back', () => {
    const { out, t, input, resized } = open();
    t.draw({ lines: ['aaaa', 'bbbb', 'cccc'], inverse: [] });
    out.emit('resize');
    expect(resized()).toBe(1);
    out.text = '';
    t.draw({ lines: ['aaaa', 'bbbb', 'cccc'], inverse: [] });
    expect(out.text).toContain('aaaa');
    out.text = '';
    // What process.on('exit') runs when the process ends without close().
    process.emit('exit', 1);
    expect(out.text).toContain(EXIT_ALT);
    expect(input.raw.at(-1)).toBe(false);
  });
});
