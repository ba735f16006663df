/**
 * `shtoom serve voicemail` as a process (the built CLI, prompts spoken by
 * flite), with real callers on loopback:
 * - `shtoom call --play tone:F` leaves a message: the stored WAV holds F
 *   for the message's length, and its json says who, what and why;
 * - the server killed with SIGKILL mid-message leaves a WAV sox reads,
 *   missing at most the last second, and a restarted server lists it;
 * - the owner's menu, driven by a caller that listens: it hears the
 *   message's tone, deletes it (the files go) and a message-summary
 *   subscriber sees `Messages-Waiting: yes`, then `no`;
 * - e-mail to Debian's aiosmtpd, after a failure and a restart, the WAV
 *   attached byte for byte; `--on-message`;
 * - behind Kamailio: a call forwarded with `Diversion` reaches the mailbox,
 *   baresip's mwi module, registered through the proxy, sees yes, then no.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Call } from '../../src/app/call.js';
import { Phone } from '../../src/app/phone.js';
import { openSource } from '../../src/audio/open.js';
import { parseSummary } from '../../src/apps/voicemail/message-summary.js';
import type { MessageMeta } from '../../src/apps/voicemail/store.js';
import { toneSecondsIn } from '../support/tone-presence.js';
import { Baresip } from './support/call-baresip.js';
import { terminate } from './support/call-process.js';
import {
  freeSipPort,
  freeUdpPort,
  isListening,
  requireBinary,
  startPeer,
  startShtoom,
  stopAllPeers,
  waitFor,
} from './support/peers.js';
import { startVoicemailKamailio } from './support/voicemail-kamailio.js';
import { wavToneSeconds } from './support/wav-tone.js';

const COMMON = ['--sip-address', '127.0.0.1', '--rtp-address', '127.0.0.1', '--rtp-clock-realtime', '0'];

let dir: string;
beforeAll(() => {
  requireBinary('sox');
  requireBinary('flite');
  requireBinary('aiosmtpd');
  requireBinary('kamailio');
  requireBinary('baresip');
  dir = mkdtempSync(join(tmpdir(), 'shtoom-vm-'));
  writeFileSync(
    join(dir, 'mailboxes.ini'),
    '[100]\npin = 1234\nname = Alice\nemail = alice@example.com\nuser = alice\n[200]\npin = 2222\n',
  );
});
afterEach(async () => stopAllPeers());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function serve(spool: string, port?: number, extra: string[] = []) {
  const p = port ?? (await freeSipPort());
  const peer = startShtoom(
    [
      'serve',
      'voicemail',
      '--listen',
      `udp:127.0.0.1:${p}`,
      '--mailboxes',
      join(dir, 'mailboxes.ini'),
      '--voicemail-dir',
      spool,
      '--log-level',
      'info',
      ...extra,
      ...COMMON,
    ],
    { timeoutSec: 150 },
  );
  await waitFor(() => isListening(p, 'udp'), 'shtoom serve voicemail', 20_000);
  return { port: p, peer };
}

const msgFile = (spool: string, mb: string, i: number, ext: string) =>
  join(spool, mb, 'INBOX', `msg${String(i).padStart(4, '0')}.${ext}`);

describe('shtoom serve voicemail', () => {
  it('shtoom call --play tone:F leaves a message: the ' +
    'WAV holds F for its length; the json says who and why', async () => {
    const spool = join(dir, 'spool-1');
    const vm = await serve(spool);
    // * skips the greeting; the caller hangs up 9 s after the answer.
    const caller = startShtoom(
      [
        'call',
        `sip:100@127.0.0.1:${vm.port}`,
        '--play',
        'tone:700@-16dBFS',
        '--dtmf',
        '*',
        '--duration',
        '9s',
        '--aor',
        'sip:bob@127.0.0.1',
        ...COMMON,
      ],
      { timeoutSec: 40 },
    );
    expect(await caller.exited, caller.stderr()).toBe(0);
    await waitFor(() => existsSync(msgFile(spool, '100', 0, 'json')), 'the message filed', 10_000);
    const meta = JSON.parse(readFileSync(msgFile(spool, '100', 0, 'json'), 'utf8')) as MessageMeta;
    expect(meta).toMatchObject({ mailbox: '100', codec: 'G722', ended: 'hangup' });
    expect(meta.called).toBe(`sip:100@127.0.0.1:${vm.port}`);
    expect(meta.caller).toContain('sip:bob@127.0.0.1');
    // 9 s less the skipped greeting's start, the beep and the set-up.
    expect(meta.duration).toBeGreaterThan(6.5);
    expect(meta.duration).toBeLessThan(9);
    const soxi = spawnSync('soxi', ['-D', msgFile(spool, '100', 0, 'wav')], { encoding: 'utf8' });
    expect(soxi.status, soxi.stderr).toBe(0);
    expect(Number(soxi.stdout.trim())).toBeCloseTo(meta.duration, 0);
    const tone = wavToneSeconds(msgFile(spool, '100', 0, 'wav'), 700);
    expect(tone).toBeGreaterThan(meta.duration - 0.6);
    // Not the beep, not the greeting: only the caller.
    expect(wavToneSeconds(msgFile(spool, '100', 0, 'wav'), 1000)).toBe(0);
    expect(vm.peer.stderr()).toMatch(/voicemail: 100: message 0 from .*bob.* ended by hangup/);
    // A message to nobody: no files.
    const nobody = startShtoom(
      ['call', `sip:999@127.0.0.1:${vm.port}`, '--play', 'tone:700', '--duration', '20s', ...COMMON],
      { timeoutSec: 40 },
    );
    expect(await nobody.exited).toBe(0);
    expect(nobody.stdout() + nobody.stderr()).toMatch(/remote|hung up|BYE/i);
    expect(existsSync(join(spool, '999'))).toBe(false);
    terminate(vm.peer);
    expect(await vm.peer.exited, vm.peer.stderr()).toBe(0);
  }, 90_000);

  it('kill -9 mid-message: the WAV misses at most the last second, and a restarted server lists it', async () => {
    const spool = join(dir, 'spool-2');
    const vm = await serve(spool);
    const caller = startShtoom(
      ['call', `sip:200@127.0.0.1:${vm.port}`, '--play', 'tone:900@-16dBFS', '--dtmf', '*', ...COMMON],
      { timeoutSec: 60 },
    );
    await waitFor(() => /recording a message/.test(vm.peer.stderr()), 'the recording', 20_000);
    const startedAt = Date.now();
    await sleep(5000);
    const heldMs = Date.now() - startedAt;
    terminate(vm.peer, 'SIGKILL');
    await vm.peer.exited;
    const tmp = join(spool, '200', 'tmp');
    const wav = readdirSync(tmp).find((f) => f.endsWith('.wav'))!;
    expect(wav).toBeDefined();
    // The header as the killed server left it: sox reads it, at most a second (and the set-up) short.
    const soxi = spawnSync('soxi', ['-D', join(tmp, wav)], { encoding: 'utf8' });
    expect(soxi.status, soxi.stderr).toBe(0);
    const seconds = Number(soxi.stdout.trim());
    expect(seconds).toBeGreaterThan(heldMs / 1000 - 1.3);
    expect(seconds).toBeLessThanOrEqual(heldMs / 1000 + 0.3);
    await caller.stop();
    const again = await serve(spool, vm.port);
    await waitFor(() => /filed message 0/.test(again.peer.stderr()), 'the recovery', 10_000);
    const meta = JSON.parse(readFileSync(msgFile(spool, '200', 0, 'json'), 'utf8')) as MessageMeta;
    expect(meta).toMatchObject({ mailbox: '200', ended: 'interrupted', codec: 'G722' });
    // The header now covers every whole sample the file holds.
    expect(meta.duration).toBeGreaterThanOrEqual(Math.floor(seconds * 10) / 10);
    expect(meta.duration).toBeGreaterThan(heldMs / 1000 - 1.3);
    expect(wavToneSeconds(msgFile(spool, '200', 0, 'wav'), 900)).toBeGreaterThan(meta.duration - 0.8);
    expect(readdirSync(tmp)).toEqual([]);
    terminate(again.peer);
    expect(await again.peer.exited, again.peer.stderr()).toBe(0);
  }, 90_000);

  it("the owner's menu: hears the message's tone, deletes " +
    'it; a message-summary subscriber sees yes, then no', async () => {
    const spool = join(dir, 'spool-3');
    const vm = await serve(spool);
    const phone = await Phone.create({
      userAgent: { listen: 'udp:127.0.0.1:0' },
      media: { address: '127.0.0.1', portMin: 42000, portMax: 43999 },
    });
    try {
      const sub = phone.ua.subscribe(`sip:100@127.0.0.1:${vm.port}`, {
        event: 'message-summary',
        accept: ['application/simple-message-summary'],
        expires: 300,
      });
      const bodies: string[] = [];
      sub.on('notify', (n) => bodies.push(n.text));
      await sub.accepted;
      await waitFor(() => bodies.length > 0, 'the first NOTIFY', 5000);
      expect(parseSummary(bodies[0]!)).toMatchObject({ waiting: false, voice: { new: 0, old: 0 } });
      const caller = startShtoom(
        [
          'call',
          `sip:100@127.0.0.1:${vm.port}`,
          '--play',
          'tone:1300@-16dBFS',
          '--dtmf',
          '*',
          '--duration',
          '6s',
          ...COMMON,
        ],
        { timeoutSec: 40 },
      );
      expect(await caller.exited).toBe(0);
      await waitFor(() => bodies.some((b) => parseSummary(b).waiting), 'Messages-Waiting: yes', 10_000);
      expect(parseSummary(bodies.at(-1)!)).toMatchObject({ waiting: true, voice: { new: 1, old: 0 } });

      const frames: Int16Array[] = [];
      const heard = (from: number) => {
        const f = frames.slice(from);
        const x = new Int16Array(f.length * 160);
        for (const [i, s] of f.entries()) x.set(s, i * 160);
        return x;
      };
      const call: Call = phone.call(`sip:voicemail@127.0.0.1:${vm.port}`, {
        source: await openSource('silence'),
        sink: { uri: 'capture:', write: (f: Int16Array) => void frames.push(f.slice()), close: async () => {} },
      });
      await call.answered;
      await sleep(1000);
      await call.sendDtmf('100#1234#');
      // The counts, the envelope, then the message: the caller's tone.
      await waitFor(() => toneSecondsIn(heard(0), 1300) > 2.5, "the message's tone", 30_000);
      await call.sendDtmf('3');
      await waitFor(() => !existsSync(msgFile(spool, '100', 0, 'wav')), 'the delete', 15_000);
      expect(readdirSync(join(spool, '100', 'INBOX'))).toEqual([]);
      await waitFor(() => !parseSummary(bodies.at(-1)!).waiting, 'Messages-Waiting: no', 10_000);
      expect(parseSummary(bodies.at(-1)!)).toMatchObject({ waiting: false, voice: { new: 0, old: 0 } });
      expect(vm.peer.stderr()).toMatch(/100: owner logged in/);
      expect(vm.peer.stderr()).toMatch(/100: the owner deleted a message/);
      await call.hangup();
      await sub.unsubscribe();
    } finally {
      await phone.close();
    }
    terminate(vm.peer);
    expect(await vm.peer.exited, vm.peer.stderr()).toBe(0);
  }, 120_000);

  it('serve voicemail --auth: shtoom call authenticated as the ' +
    "mailbox's user reaches its menu without mailbox and PIN; a user owning none is not logged in", async () => {
    const spool = join(dir, 'spool-auth');
    const users = join(dir, 'users.ini');
    writeFileSync(users, 'realm = vm\n[alice]\npassword = alice-secret\n[eve]\npassword = eve-secret\n');
    const vm = await serve(spool, undefined, ['--auth', users]);
    const owner = (user: string, password: string) =>
      startShtoom(
        [
          'call',
          `sip:voicemail@127.0.0.1:${vm.port}`,
          '--aor',
          `sip:${user}@127.0.0.1`,
          '--password',
          password,
          '--duration',
          '3s',
          ...COMMON,
        ],
        { timeoutSec: 30 },
      );
    const alice = owner('alice', 'alice-secret');
    expect(await alice.exited, alice.stderr()).toBe(0);
    expect(vm.peer.stderr()).toMatch(/100: owner logged in from .*, authenticated as alice/);
    const eve = owner('eve', 'eve-secret');
    expect(await eve.exited, eve.stderr()).toBe(0);
    expect(vm.peer.stderr()).not.toMatch(/authenticated as eve/);
    // The control: a wrong password does not get in at all.
    const mallory = owner('alice', 'wrong');
    expect(await mallory.exited).not.toBe(0);
    expect(vm.peer.stderr().match(/owner logged in/g)).toHaveLength(1);
    terminate(vm.peer);
    expect(await vm.peer.exited, vm.peer.stderr()).toBe(0);
  }, 90_000);

  it('e-mail: a mail server that is down is logged, the e-mail ' +
    'kept; a restarted server sends it, the WAV attached byte for byte', async () => {
    const spool = join(dir, 'spool-4');
    const smtpPort = await freeSipPort();
    const env = join(dir, 'on-message.txt');
    const opts = [
      '--voicemail-smtp',
      `127.0.0.1:${smtpPort}`,
      '--voicemail-mail-from',
      'vm@test.example',
      '--on-message',
      `echo "$VOICEMAIL_MAILBOX $VOICEMAIL_INDEX $VOICEMAIL_WAV" >> '${env}'`,
    ];
    const vm = await serve(spool, undefined, opts);
    const caller = startShtoom(
      [
        'call',
        `sip:100@127.0.0.1:${vm.port}`,
        '--play',
        'tone:1100@-16dBFS',
        '--dtmf',
        '*',
        '--duration',
        '5s',
        ...COMMON,
      ],
      { timeoutSec: 40 },
    );
    expect(await caller.exited).toBe(0);
    await waitFor(
      () => /e-mail of message 0 to alice@example.com failed \(try 1\)/.test(vm.peer.stderr()),
      'the failure',
      15_000,
    );
    expect(readdirSync(join(spool, '.outbox'))).toHaveLength(1);
    await waitFor(() => existsSync(env), 'the --on-message command', 10_000);
    expect(readFileSync(env, 'utf8').trim()).toBe(`100 0 ${msgFile(spool, '100', 0, 'wav')}`);
    terminate(vm.peer);
    expect(await vm.peer.exited, vm.peer.stderr()).toBe(0);
    const maildir = join(dir, 'maildir');
    const smtp = startPeer(
      'aiosmtpd',
      ['-n', '-l', `127.0.0.1:${smtpPort}`, '-c', 'aiosmtpd.handlers.Mailbox', maildir],
      {
        timeoutSec: 60,
      },
    );
    await waitFor(() => isListening(smtpPort, 'tcp'), 'aiosmtpd', 15_000);
    const again = await serve(spool, vm.port, opts);
    await waitFor(() => /message 0 e-mailed to alice@example.com/.test(again.peer.stderr()), 'the e-mail', 20_000);
    expect(again.peer.stderr()).toMatch(/1 e-mail\(s\) left to send by a server that stopped/);
    expect(readdirSync(join(spool, '.outbox'))).toEqual([]);
    const files = readdirSync(join(maildir, 'new'));
    expect(files).toHaveLength(1);
    const mail = readFileSync(join(maildir, 'new', files[0]!), 'utf8');
    expect(mail).toMatch(/^Subject: New voice message from .* \(\d+ s\)$/m);
    expect(mail).toMatch(/^To: alice@example.com$/m);
    expect(mail).toMatch(/^From: vm@test.example$/m);
    // The attachment: the part named msg0000.wav, base64.
    const boundary = /boundary="([^"]+)"/.exec(mail)![1]!;
    const part = mail.split(`--${boundary}`).find((p) => /filename=.?msg0000\.wav/.test(p))!;
    expect(part).toMatch(/Content-Type: audio\/wav/i);
    const body = part.slice(part.search(/\r?\n\r?\n/)).replace(/\s+/g, '');
    const attached = Buffer.from(body, 'base64');
    expect(attached.equals(readFileSync(msgFile(spool, '100', 0, 'wav')))).toBe(true);
    terminate(again.peer);
    expect(await again.peer.exited, again.peer.stderr()).toBe(0);
    await smtp.stop();
  }, 120_000);

  it('behind Kamailio: a call forwarded with Diversion reaches ' +
    "the mailbox; baresip's mwi module, registered through it, sees yes, then no", async () => {
    const spool = join(dir, 'spool-5');
    const vm = await serve(spool);
    const kam = await startVoicemailKamailio(vm.port);
    const phone = await Phone.create({
      userAgent: { listen: 'udp:127.0.0.1:0' },
      media: { address: '127.0.0.1', portMin: 47200, portMax: 47299 },
    });
    // baresip 1.0.0's mwi module re-subscribes in an endless loop when its start-up timer (1 ms after the
    // module loads) finds a subscription already made: a registration answered before the main loop's first
    // timer pass (docs/voicemail.md). So baresip starts without an account, answers a command (its main loop
    // and that timer have run), and only then gets mailbox 100's account, which registers and subscribes.
    const baresip = await Baresip.start({
      dir: join(dir, 'baresip'),
      toneHz: 500,
      codec: 'PCMU',
      rtpBase: await freeUdpPort(true),
      apps: ['mwi.so'],
    });
    try {
      await baresip.command('reginfo');
      await baresip.command('uanew', `<sip:100@127.0.0.1:${kam.port};transport=udp>;regint=300;mwi=yes`);
      const notified = () => baresip.events.filter((e) => e.type === 'MWI_NOTIFY').map((e) => e.param ?? '');
      await waitFor(() => notified().length > 0, "baresip's first message-summary NOTIFY", 15_000);
      expect(parseSummary(notified()[0]!)).toMatchObject({ waiting: false, account: `sip:100@127.0.0.1:${kam.port}` });
      // Bob calls alice's number at the PBX: forwarded to the voicemail with Diversion: <sip:100@…>.
      const caller = startShtoom(
        [
          'call',
          `sip:100@127.0.0.1:${kam.port}`,
          '--play',
          'tone:1700@-16dBFS',
          '--dtmf',
          '*',
          '--duration',
          '6s',
          ...COMMON,
        ],
        { timeoutSec: 40 },
      );
      expect(await caller.exited, `${caller.stderr()}\n${kam.peer.stderr().slice(-2000)}`).toBe(0);
      await waitFor(() => existsSync(msgFile(spool, '100', 0, 'json')), 'the message', 10_000);
      const meta = JSON.parse(readFileSync(msgFile(spool, '100', 0, 'json'), 'utf8')) as MessageMeta;
      expect(meta).toMatchObject({ mailbox: '100', called: '100', ended: 'hangup' });
      expect(wavToneSeconds(msgFile(spool, '100', 0, 'wav'), 1700)).toBeGreaterThan(meta.duration - 0.6);
      await waitFor(() => parseSummary(notified().at(-1)!).waiting, 'Messages-Waiting: yes at baresip', 10_000);
      expect(parseSummary(notified().at(-1)!)).toMatchObject({ voice: { new: 1, old: 0 } });
      // The owner deletes it from the menu: the light goes off.
      const frames: Int16Array[] = [];
      const call = phone.call(`sip:voicemail@127.0.0.1:${vm.port}`, {
        source: await openSource('silence'),
        sink: { uri: 'capture:', write: (f: Int16Array) => void frames.push(f.slice()), close: async () => {} },
      });
      await call.answered;
      await sleep(1000);
      await call.sendDtmf('100#1234#');
      await waitFor(
        () => {
          const x = new Int16Array(frames.length * 160);
          for (const [i, f] of frames.entries()) x.set(f, i * 160);
          return toneSecondsIn(x, 1700) > 2.5;
        },
        "the message's tone",
        30_000,
      );
      await call.sendDtmf('3');
      await waitFor(() => !parseSummary(notified().at(-1)!).waiting, 'Messages-Waiting: no at baresip', 15_000);
      expect(readdirSync(join(spool, '100', 'INBOX'))).toEqual([]);
      await call.hangup();
      // One subscription the whole time: no storm of SUBSCRIBEs.
      expect(vm.peer.stderr().match(/100: message-summary subscription from/g)).toHaveLength(1);
    } finally {
      await baresip.stop();
      await phone.close();
      await kam.stop();
    }
    terminate(vm.peer);
    expect(await vm.peer.exited, vm.peer.stderr()).toBe(0);
  }, 120_000);
});
