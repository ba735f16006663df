/**
 * The UI runner with fake terminal streams and a fake core (only what the
 * UI uses: events, `calls()`, the command methods): keys become core
 * commands, core events reach the screen, the bell rings for a call, and
 * preferences are written to the ini file keeping its other lines and its
 * mode (a file holding a password stays private).
 */
import { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PhoneCallInfo } from '../../../src/app/phone-core/events.js';
import type { PhoneCore } from '../../../src/app/phone-core/phone-core.js';
import { PhoneUi } from '../../../src/cli/phone-ui/phone-ui.js';
import { preferenceRows } from '../../../src/cli/phone-ui/preferences.js';
import { resolveOptions } from '../../../src/options/resolve.js';
import { schema } from '../../../src/options/schema/index.js';

class FakeOut extends EventEmitter {
  readonly isTTY = true;
  columns = 80;
  rows = 24;
  text = '';
  write(s: string) {
    this.text += s;
    return true;
  }
}

class FakeCore extends EventEmitter {
  done: string[] = [];
  list: PhoneCallInfo[] = [];
  calls() {
    return this.list;
  }
  answer(call?: number) {
    this.done.push(`answer ${call}`);
  }
  dtmf(call: number, keys: string) {
    this.done.push(`dtmf ${call} ${keys}`);
  }
  hangup(call?: number) {
    this.done.push(`hangup ${call}`);
    throw new Error('no such call');
  }
}

let dir: string;
let ui: PhoneUi | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'shtoom-phone-ui-'));
});
afterEach(() => {
  ui?.close();
  ui = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const tick = () => new Promise((r) => setImmediate(r));

function start(configFile: string) {
  const input = new PassThrough() as PassThrough & { isTTY: boolean; setRawMode(m: boolean): void };
  input.isTTY = true;
  input.setRawMode = () => {};
  const out = new FakeOut();
  const core = new FakeCore();
  ui = new PhoneUi({
    core: core as unknown as PhoneCore,
    stdin: input,
    stdout: out,
    options: resolveOptions(schema),
    configFile,
    registering: false,
  });
  const type = async (text: string) => {
    input.write(text);
    await tick();
    await tick();
  };
  return { input, out, core, type, ui };
}

const DOWN = '\u001b[B';

describe('the phone UI runner', () => {
  it('keys become core commands; events reach the screen; the bell rings for an incoming call', async () => {
    const { out, core, type, ui } = start(join(dir, 'none.ini'));
    const ringing: PhoneCallInfo = {
      call: 1,
      direction: 'incoming',
      peer: '<sip:a@b>',
      state: 'incoming',
      heldBy: [],
      muted: false,
      current: false,
      conference: false,
      durationMs: 0,
    };
    out.text = '';
    core.emit('update', ringing);
    ui.event({ event: 'incoming', call: 1, from: '<sip:a@b>', to: '<sip:c@d>' });
    await tick();
    expect(out.text).toContain('\u0007');
    expect(out.text).toContain('call 1: incoming from <sip:a@b> (a answer / r reject)');
    await type('a');
    expect(core.done).toEqual(['answer 1']);
    core.emit('update', { ...ringing, state: 'answered', current: true, codec: 'PCMU' });
    await type('7');
    expect(core.done).toEqual(['answer 1', 'dtmf 1 7']);
    // A command the core refuses is said, not thrown.
    await type('h');
    expect(out.text).toContain('error: no such call');
  });

  it('saves a preference into the ini file, keeping its lines and its private mode', async () => {
    const file = join(dir, 'shtoom.ini');
    writeFileSync(file, '; mine\n[account]\npassword = secret\n', { mode: 0o600 });
    const { out, type } = start(file);
    const at = preferenceRows(resolveOptions(schema)).findIndex((r) => r.spec.id === 'sip.port');
    await type('p');
    await type(DOWN.repeat(at));
    await type('\r\u0015abc\r');
    expect(out.text).toContain('sip.port: "abc" is not an integer; allowed: an integer from 0 to 65535');
    expect(readFileSync(file, 'utf8')).toBe('; mine\n[account]\npassword = secret\n');
    await type('\u00155070\r');
    expect(out.text).toContain(`saved sip.port = 5070 to ${file.slice(0, 40)}`);
    expect(readFileSync(file, 'utf8')).toBe('; mine\n[account]\npassword = secret\n\n[sip]\nport = 5070\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('a file that cannot be written is said on the screen, nothing else changes', async () => {
    const file = join(dir, 'a-directory.ini');
    const { out, type } = start(file);
    mkdirSync(file);
    await type('p\r\u0015warn\r');
    expect(out.text).toMatch(/not saved: .*a-directory\.ini: is a directory/);
  });
});
