/**
 * After a message: `--on-message` runs with the message in its
 * environment; the e-mail (envelope in the text, the WAV attached) goes to
 * the mailbox's address, queued on disk first; a failing mail server is
 * tried again later (virtual time) and a new server resumes the outbox; a
 * message deleted meanwhile is not sent; a command that hangs is killed.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeWav } from '../../src/audio/formats/wav.js';
import { type Mailer, MessageNotifier, type OutgoingMail } from '../../src/apps/voicemail/notify.js';
import type { Mailbox } from '../../src/apps/voicemail/service.js';
import { VoicemailStore } from '../../src/apps/voicemail/store.js';
import { Logger, MemorySink } from '../../src/log/logger.js';
import { VirtualScheduler } from '../../src/sim/scheduler.js';

const root = mkdtempSync(join(tmpdir(), 'shtoom-vm-notify-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

const BOXES = new Map<string, Mailbox>([
  ['100', { number: '100', pin: '1', name: 'Alice', email: 'alice@example.com' }],
  ['200', { number: '200', pin: '2' }],
]);

function message(store: VoicemailStore, mb: string) {
  const rec = store.begin(
    mb,
    { caller: '<sip:bob@x>', called: `sip:${mb}@vm`, codec: 'PCMU' },
    new Date(Date.UTC(2026, 0, 1)),
  );
  const pcm = Int16Array.from({ length: 16000 }, (_, i) => Math.round(6000 * Math.sin((2 * Math.PI * 700 * i) / 8000)));
  writeFileSync(rec.wav, encodeWav(pcm, { sampleRate: 8000, channels: 1, encoding: 'pcm16' }));
  return store.finish(rec, 'hangup')!;
}

/** A mail server that fails `failures` times, then takes everything. */
function flaky(failures: number): Mailer & { sent: OutgoingMail[]; tries: number } {
  const m = {
    sent: [] as OutgoingMail[],
    tries: 0,
    async send(mail: OutgoingMail) {
      m.tries++;
      if (m.tries <= failures) throw new Error('connect ECONNREFUSED 127.0.0.1:2525');
      m.sent.push(mail);
    },
  };
  return m;
}

async function settle(s: VirtualScheduler, ms: number) {
  const end = s.now() + ms;
  for (;;) {
    await new Promise((r) => setImmediate(r));
    const next = s.nextAt();
    if (next === undefined || next > end) break;
    s.runUntil(next);
  }
  s.runUntil(end);
  await new Promise((r) => setImmediate(r));
}

describe('MessageNotifier: e-mail', () => {
  it(
    'sends the envelope and the WAV byte for byte; ' + 'a failing server is tried again, the outbox kept meanwhile',
    async () => {
      const store = new VoicemailStore(join(root, `n${++n}`));
      const sched = new VirtualScheduler();
      const mailer = flaky(2);
      const logs = new MemorySink();
      const notifier = new MessageNotifier({
        store,
        mailboxes: BOXES,
        mailer,
        from: 'vm@example.com',
        timers: sched,
        log: new Logger(logs, 'info'),
      });
      const msg = message(store, '100');
      notifier.filed(msg);
      message(store, '200'); // no address: nothing sent, nothing queued
      await settle(sched, 0);
      expect(mailer.tries).toBe(1);
      expect(readdirSync(join(store.dir, '.outbox'))).toEqual([`${msg.meta.id}.json`]);
      await settle(sched, 29_000);
      expect(mailer.tries).toBe(1);
      await settle(sched, 1000);
      expect(mailer.tries).toBe(2);
      await settle(sched, 60_000);
      expect(mailer.tries).toBe(3);
      expect(mailer.sent).toHaveLength(1);
      const mail = mailer.sent[0]!;
      expect(mail).toMatchObject({ from: 'vm@example.com', to: 'alice@example.com' });
      expect(mail.subject).toBe('New voice message from <sip:bob@x> (2 s)');
      expect(mail.text).toContain('From:     <sip:bob@x>');
      expect(mail.text).toContain('Received: 2026-01-01T00:00:00.000Z');
      expect(mail.attachment.filename).toBe('msg0000.wav');
      expect(Buffer.from(mail.attachment.content).equals(readFileSync(msg.wav))).toBe(true);
      expect(readdirSync(join(store.dir, '.outbox'))).toEqual([]);
      const lines = logs.records.map((r) => r.msg);
      expect(lines).toContain(
        '100: e-mail of message 0 to alice@example.com failed (try ' +
          '1): connect ECONNREFUSED 127.0.0.1:2525; trying again in 30 s',
      );
      expect(lines).toContain('100: message 0 e-mailed to alice@example.com');
      await notifier.close();
    },
  );

  it('a new server resumes the outbox; a message deleted meanwhile is not sent', async () => {
    const store = new VoicemailStore(join(root, `n${++n}`));
    const sched = new VirtualScheduler();
    const down = flaky(1000);
    const first = new MessageNotifier({ store, mailboxes: BOXES, mailer: down, timers: sched });
    const a = message(store, '100');
    const b = message(store, '100');
    first.filed(a);
    first.filed(b);
    await settle(sched, 0);
    await first.close();
    expect(readdirSync(join(store.dir, '.outbox')).sort()).toEqual([`${a.meta.id}.json`, `${b.meta.id}.json`].sort());
    store.delete(store.find('100', a.meta.id)!);
    const up = flaky(0);
    const second = new MessageNotifier({ store, mailboxes: BOXES, mailer: up, timers: sched });
    expect(second.resume()).toBe(2);
    await settle(sched, 0);
    expect(up.sent.map((m) => m.attachment.filename)).toEqual(['msg0000.wav']);
    expect(Buffer.from(up.sent[0]!.attachment.content).equals(readFileSync(store.find('100', b.meta.id)!.wav))).toBe(
      true,
    );
    expect(readdirSync(join(store.dir, '.outbox'))).toEqual([]);
    await second.close();
  });
});

describe('MessageNotifier: --on-message', () => {
  it('runs the command with the message in its environment; a failing one is logged', async () => {
    const store = new VoicemailStore(join(root, `n${++n}`));
    const out = join(root, `env-${n}.txt`);
    const logs = new MemorySink();
    const notifier = new MessageNotifier({
      store,
      mailboxes: BOXES,
      command: `env | grep ^VOICEMAIL_ | sort > '${out}'; echo "no such thing" >&2; exit 3`,
      timers: new VirtualScheduler(),
      log: new Logger(logs, 'info'),
    });
    const msg = message(store, '100');
    notifier.filed(msg);
    await notifier.close(60_000);
    const env = Object.fromEntries(
      readFileSync(out, 'utf8')
        .trim()
        .split('\n')
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    expect(env).toMatchObject({
      VOICEMAIL_MAILBOX: '100',
      VOICEMAIL_WAV: msg.wav,
      VOICEMAIL_JSON: msg.json,
      VOICEMAIL_INDEX: '0',
      VOICEMAIL_CALLER: '<sip:bob@x>',
      VOICEMAIL_DURATION: '2',
      VOICEMAIL_ENDED: 'hangup',
      VOICEMAIL_EMAIL: 'alice@example.com',
      VOICEMAIL_NAME: 'Alice',
    });
    expect(existsSync(env.VOICEMAIL_WAV!)).toBe(true);
    expect(logs.records.map((r) => r.msg)).toContain('100: --on-message for message 0 ended with 3: no such thing');
  });

  it('a command still running after its time is killed (logged), and the server goes on', async () => {
    const store = new VoicemailStore(join(root, `n${++n}`));
    const sched = new VirtualScheduler();
    const logs = new MemorySink();
    const notifier = new MessageNotifier({
      store,
      mailboxes: BOXES,
      command: 'exec sleep 30',
      commandTimeoutMs: 1000,
      timers: sched,
      log: new Logger(logs, 'info'),
    });
    notifier.filed(message(store, '100'));
    await new Promise((r) => setTimeout(r, 200));
    const t0 = Date.now();
    await settle(sched, 1000);
    await notifier.close(60_000);
    expect(Date.now() - t0).toBeLessThan(10_000);
    const lines = logs.records.map((r) => r.msg);
    expect(lines).toContain('100: --on-message still running after 1 s: killed');
    expect(lines).toContain('100: --on-message for message 0 ended with SIGKILL');
  });
});
