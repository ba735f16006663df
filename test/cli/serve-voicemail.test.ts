/**
 * `shtoom serve voicemail` in-process on loopback: a caller from the
 * library leaves a message (filed under the dialled mailbox), a message a
 * killed server left in tmp/ is filed at start-up, SIGTERM exits 0; usage
 * errors are one line and exit 2.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Phone } from '../../src/app/phone.js';
import { encodeWav } from '../../src/audio/formats/wav.js';
import { openSource } from '../../src/audio/open.js';
import { main } from '../../src/cli/main.js';

const dir = mkdtempSync(join(tmpdir(), 'shtoom-cli-vm-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BASE = ['--rtp-address', '127.0.0.1', '--rtp-port-min', '44000', '--rtp-port-max', '45999'];

function cli(args: string[], signal?: AbortSignal) {
  let stdout = '';
  let stderr = '';
  const done = main([...args, ...BASE, '--rtp-clock-realtime', '0', '--log-level', 'info'], {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: { PATH: process.env.PATH, HOME: dir },
    ...(signal ? { signal } : {}),
  });
  return { done, stdout: () => stdout, stderr: () => stderr };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('shtoom serve voicemail', () => {
  it('takes a message for the dialled mailbox; files what a killed server left; SIGTERM exits 0', async () => {
    const mailboxes = join(dir, 'mb.ini');
    writeFileSync(mailboxes, '[100]\npin = 1234\n[200]\npin = 2\n');
    const spool = join(dir, 'spool');
    // What a killed server left: a recording and its json still saying "recording".
    mkdirSync(join(spool, '200', 'tmp'), { recursive: true });
    const tone = Int16Array.from({ length: 24000 }, (_, i) =>
      Math.round(6000 * Math.sin((2 * Math.PI * 500 * i) / 8000)),
    );
    writeFileSync(
      join(spool, '200', 'tmp', '1-2-3.wav'),
      encodeWav(tone, { sampleRate: 8000, channels: 1, encoding: 'pcm16' }),
    );
    const meta = {
      id: '1-2-3',
      mailbox: '200',
      caller: '<sip:x@y>',
      called: 'sip:200@vm',
      time: '2026-01-01T00:00:00.000Z',
    };
    writeFileSync(
      join(spool, '200', 'tmp', '1-2-3.json'),
      JSON.stringify({ ...meta, duration: 0, codec: 'GSM', ended: 'recording' }),
    );
    const ac = new AbortController();
    const r = cli(
      [
        'serve',
        'voicemail',
        '--listen',
        'udp:127.0.0.1:0',
        '--json',
        '--mailboxes',
        mailboxes,
        '--voicemail-dir',
        spool,
      ],
      ac.signal,
    );
    for (let i = 0; i < 300 && !/"port": \d+/.test(r.stdout()); i++) {
      if ((await Promise.race([r.done, sleep(50).then(() => 'wait')])) !== 'wait') throw new Error(r.stderr());
    }
    const info = JSON.parse(r.stdout()) as { listen: { port: number }[]; mailboxes: string[] };
    expect(info.mailboxes).toEqual(['100', '200']);
    expect(r.stderr()).toMatch(/200: filed message 0 \(3 s\), left by a server that stopped/);
    const recovered = JSON.parse(readFileSync(join(spool, '200', 'INBOX', 'msg0000.json'), 'utf8'));
    expect(recovered).toMatchObject({ ...meta, duration: 3, codec: 'GSM', ended: 'interrupted' });
    const phone = await Phone.create({
      userAgent: { listen: 'udp:127.0.0.1:0' },
      media: { address: '127.0.0.1', portMin: 46000, portMax: 46999 },
    });
    try {
      const call = phone.call(`sip:100@127.0.0.1:${info.listen[0]!.port}`, {
        source: await openSource('tone:800@-16dBFS'),
      });
      await call.answered;
      await sleep(500);
      await call.sendDtmf('*');
      await sleep(3500);
      await call.hangup();
      for (let i = 0; i < 100 && !existsSync(join(spool, '100', 'INBOX', 'msg0000.json')); i++) await sleep(50);
      const m = JSON.parse(readFileSync(join(spool, '100', 'INBOX', 'msg0000.json'), 'utf8'));
      expect(m).toMatchObject({ mailbox: '100', ended: 'hangup', codec: 'G722' });
      expect(m.duration).toBeGreaterThan(2);
    } finally {
      await phone.close();
    }
    ac.abort(new Error('SIGTERM'));
    expect(await r.done).toBe(0);
  }, 30_000);

  it('usage errors: one line, exit 2', async () => {
    const mb = join(dir, 'ok.ini');
    writeFileSync(mb, '[100]\npin = 1\n');
    const r1 = cli(['serve', 'voicemail', '--listen', 'udp:127.0.0.1:0', '--voicemail-dir', join(dir, 'x')]);
    expect(await r1.done).toBe(2);
    expect(r1.stderr()).toMatch(/voicemail needs --mailboxes FILE/);
    const r2 = cli(['serve', 'voicemail', '--listen', 'udp:127.0.0.1:0', '--mailboxes', mb]);
    expect(await r2.done).toBe(2);
    expect(r2.stderr()).toMatch(/voicemail needs --voicemail-dir DIR/);
    const bad = join(dir, 'bad.ini');
    writeFileSync(bad, '[100]\npin = 12x4\n');
    const r3 = cli(['serve', 'voicemail', '--mailboxes', bad, '--voicemail-dir', join(dir, 'x')]);
    expect(await r3.done).toBe(2);
    expect(r3.stderr()).toMatch(/bad\.ini:2: \[100\] pin: "12x4" is not allowed/);
    const r4 = cli(['serve', 'voicemail', '--mailboxes', join(dir, 'none.ini'), '--voicemail-dir', join(dir, 'x')]);
    expect(await r4.done).toBe(2);
    expect(r4.stderr()).toMatch(/--mailboxes .*none\.ini: cannot read it: ENOENT/);
    const r5 = cli([
      'serve',
      'voicemail',
      '--mailboxes',
      mb,
      '--voicemail-dir',
      join(dir, 'x'),
      '--voicemail-smtp',
      'a:b:c',
    ]);
    expect(await r5.done).toBe(2);
    expect(r5.stderr()).toMatch(/--voicemail-smtp a:b:c: not HOST\[:PORT\]/);
    const r6 = cli([
      'serve',
      'voicemail',
      '--mailboxes',
      mb,
      '--voicemail-dir',
      join(dir, 'x'),
      '--voicemail-silence',
      '0',
    ]);
    expect(await r6.done).toBe(2);
    for (const r of [r1, r2, r3, r4, r5, r6]) expect(r.stderr().trim().split('\n')).toHaveLength(1);
  });
});
