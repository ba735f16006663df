/**
 * `shtoom call` on a terminal: keys typed during the call go out as DTMF,
 * each with a line saying so, and Ctrl-C (raw mode) hangs up; from a pipe
 * nothing is read.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import type { Call } from '../../src/app/call.js';
import { Phone } from '../../src/app/phone.js';
import { main } from '../../src/cli/main.js';
import type { Input } from '../../src/cli/command.js';

const dir = mkdtempSync(join(tmpdir(), 'shtoom-cli-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BASE = ['--sip-address', '127.0.0.1', '--rtp-address', '127.0.0.1', '--rtp-port-min', '49000'];
const MORE = ['--rtp-port-max', '49999', '--rtp-clock-realtime', '0', '--log-level', 'warn'];

/** A stdin that says it is a terminal (raw mode recorded). */
function terminal(tty: boolean) {
  const s = new PassThrough() as PassThrough & { isTTY?: boolean; setRawMode?: (m: boolean) => void; raw: boolean[] };
  s.raw = [];
  if (tty) {
    s.isTTY = true;
    s.setRawMode = (m: boolean) => void s.raw.push(m);
  }
  return s;
}

async function withCallee(run: (uri: string, calls: Call[], digits: string[]) => Promise<void>) {
  const phone = await Phone.create({ userAgent: { listen: 'udp:127.0.0.1:0' }, media: { address: '127.0.0.1' } });
  const calls: Call[] = [];
  const digits: string[] = [];
  phone.on('incoming', (c) => {
    calls.push(c);
    c.on('dtmf', (d) => digits.push(d.digit));
    void c.answer();
  });
  try {
    await run(`sip:keys@127.0.0.1:${phone.ua.localAddress.port}`, calls, digits);
  } finally {
    await phone.close();
  }
}

describe('shtoom call: keys typed during the call', () => {
  it('on a terminal: each DTMF key is sent with feedback; Ctrl-C hangs up (exit 0)', async () => {
    await withCallee(async (uri, calls, digits) => {
      const stdin = terminal(true);
      let out = '';
      const code = main(['call', uri, ...BASE, ...MORE], {
        stdin: () => stdin as unknown as Input,
        stdout: { write: (s: string) => (out += s) },
        stderr: { write: () => {} },
        env: { PATH: process.env.PATH, HOME: dir },
      });
      for (let i = 0; i < 200 && !out.includes('answered by'); i++) await new Promise((r) => setTimeout(r, 25));
      expect(out).toContain('type 0-9 * # A-D to send them as DTMF');
      stdin.write('5x#');
      for (let i = 0; i < 200 && digits.length < 2; i++) await new Promise((r) => setTimeout(r, 25));
      expect(digits).toEqual(['5', '#']);
      for (let i = 0; i < 200 && !out.includes('DTMF # sent'); i++) await new Promise((r) => setTimeout(r, 25));
      expect(out).toContain('DTMF 5 sent\n');
      expect(out).toContain('DTMF # sent\n');
      stdin.write('\u0003');
      expect(await code).toBe(0);
      expect((await calls[0]!.ended).reason).toBe('remote-hangup');
      expect(stdin.raw).toEqual([true, false]);
    });
  });

  it('from a pipe: nothing is read, nothing is sent', async () => {
    await withCallee(async (uri, calls, digits) => {
      const stdin = terminal(false);
      stdin.write('123');
      const code = await main(['call', uri, '--duration', '1.5', ...BASE, ...MORE], {
        stdin: () => stdin as unknown as Input,
        stdout: { write: () => {} },
        stderr: { write: () => {} },
        env: { PATH: process.env.PATH, HOME: dir },
      });
      expect(code).toBe(0);
      expect(digits).toEqual([]);
      expect(calls).toHaveLength(1);
    });
  });
});
