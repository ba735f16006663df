/**
 * `shtoom serve conference|voicemail --workers 2` (docs/workers.md), the
 * built CLI with `shtoom call`s as the peers:
 * - conference: two rooms of two callers, each caller with a tone of its
 *   own; room B has a PIN (rooms file) and every room is recorded. The
 *   rooms run on different workers (`--status` shows each room's worker and
 *   participants); each caller hears its room-mate's tone, never its own
 *   and never the other room's (frequency analysis of what each recorded);
 *   each room's recording holds its two tones only.
 * - voicemail: two callers leave messages for one mailbox at once (one on
 *   each worker): two messages, numbered 0 and 1, each with its caller's
 *   tone; `--on-message` ran for both and a message-summary subscriber
 *   heard of both (on the main thread); the owner,
 *   logged in through a worker, hears message 0 played back.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Phone } from '../../src/app/phone.js';
import { parseSummary } from '../../src/apps/voicemail/message-summary.js';
import { readWavFile } from '../../src/audio/formats/wav.js';
import { toMono8k } from '../../src/audio/to-mono-8k.js';
import { toneSecondsIn } from '../support/tone-presence.js';
import {
  freeSipPort,
  isListening,
  requireBinary,
  runShtoom,
  startShtoom,
  stopAllPeers,
  waitFor,
  type Peer,
} from './support/peers.js';
import { wavPresence, wavToneSeconds } from './support/wav-tone.js';

const COMMON = ['--sip-address', '127.0.0.1', '--rtp-address', '127.0.0.1', '--rtp-clock-realtime', '0'];

let dir: string;
beforeAll(() => {
  requireBinary('flite');
  dir = mkdtempSync(join(tmpdir(), 'shtoom-workers-rooms-'));
});
afterEach(async () => stopAllPeers());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function wav8k(file: string): Int16Array {
  const w = readWavFile(file);
  return toMono8k(w.samples, w.format.channels, w.format.sampleRate);
}

async function serve(args: string[]): Promise<{ port: number; peer: Peer }> {
  const port = await freeSipPort();
  const peer = startShtoom(
    ['serve', ...args, '--listen', `udp:127.0.0.1:${port}`, '--workers', '2', '--log-level', 'info', ...COMMON],
    { timeoutSec: 120 },
  );
  await waitFor(
    () => /serving /.test(peer.stdout()) || peer.child.exitCode !== null,
    `shtoom serve ${args[0]}`,
    30_000,
  );
  if (peer.child.exitCode !== null) throw new Error(`serve exited: ${peer.stderr()}`);
  expect(isListening(port, 'udp')).toBe(true);
  return { port, peer };
}

describe('shtoom serve conference|voicemail --workers 2', () => {
  it('two rooms on two workers: each caller hears its room-mate only; PIN, status and recordings work', async () => {
    const rooms = join(dir, 'rooms.ini');
    writeFileSync(rooms, '[roomB]\npin = 2468\n');
    const rec = join(dir, 'rec');
    const statusFile = join(dir, 'conference.json');
    const server = await serve([
      'conference',
      '--conference-rooms',
      rooms,
      '--record-dir',
      rec,
      '--status-file',
      statusFile,
    ]);
    const err = () => server.peer.stderr();
    const call = (room: string, hz: number, seconds: number, pin?: string) =>
      startShtoom(
        [
          'call',
          `sip:${room}@127.0.0.1:${server.port}`,
          '--play',
          `tone:${hz}@-16dBFS`,
          '--record',
          join(dir, `${room}-${hz}.wav`),
          '--duration',
          String(seconds),
          ...(pin ? ['--dtmf', `${pin}#`, '--dtmf-delay', '1s'] : []),
          ...COMMON,
        ],
        { timeoutSec: 60 },
      );
    // One at a time until each room is open: the second room goes to the worker without calls.
    const a1 = call('roomA', 700, 22);
    await waitFor(() => /roomA: join .*; 1 in the room/.test(err()), 'roomA opened', 20_000);
    const b1 = call('roomB', 1000, 22, '2468');
    await waitFor(() => /roomB: join .*; 1 in the room/.test(err()), 'roomB opened (PIN)', 20_000);
    const a2 = call('roomA', 1300, 12);
    const b2 = call('roomB', 1700, 12, '2468');
    await waitFor(() => /roomA: join .*; 2 in the room/.test(err()), 'roomA: two', 20_000);
    await waitFor(() => /roomB: join .*; 2 in the room/.test(err()), 'roomB: two', 20_000);
    type Status = {
      participants: number;
      rooms: { name: string; worker: number; participants: unknown[] }[];
      workers: { index: number; calls: number }[];
    };
    let status: Status | undefined;
    await waitFor(
      async () => {
        const st = await runShtoom(['serve', 'conference', '--status', '--status-file', statusFile, '--json']);
        status = st.code === 0 ? (JSON.parse(st.stdout) as Status) : undefined;
        return status?.participants === 4;
      },
      '--status: four participants',
      15_000,
    );
    const [ra, rb] = [status!.rooms.find((r) => r.name === 'roomA')!, status!.rooms.find((r) => r.name === 'roomB')!];
    expect(ra.participants).toHaveLength(2);
    expect(rb.participants).toHaveLength(2);
    expect(ra.worker).not.toBe(rb.worker);
    expect(status!.workers.map((w) => w.calls)).toEqual([2, 2]);
    const text = await runShtoom(['serve', 'conference', '--status', '--status-file', statusFile]);
    expect(text.stdout).toMatch(/roomA \(.*worker \d\): \d participant/);
    for (const c of [a1, b1, a2, b2]) expect(await c.exited, c.stderr()).toBe(0);
    const heard = (room: string, hz: number) => wav8k(join(dir, `${room}-${hz}.wav`)).subarray(3 * 8000);
    for (const [room, me, mate, others] of [
      ['roomA', 700, 1300, [1000, 1700]],
      ['roomA', 1300, 700, [1000, 1700]],
      ['roomB', 1000, 1700, [700, 1300]],
      ['roomB', 1700, 1000, [700, 1300]],
    ] as const) {
      const x = heard(room, me);
      expect(toneSecondsIn(x, mate), `${me} hears its room-mate ${mate}`).toBeGreaterThan(3);
      expect(toneSecondsIn(x, me), `${me} hears itself`).toBeLessThan(0.3);
      for (const o of others) expect(toneSecondsIn(x, o), `${me} hears ${o} of the other room`).toBeLessThan(0.3);
    }
    await waitFor(() => /roomA: closed/.test(err()) && /roomB: closed/.test(err()), 'both rooms closed', 10_000);
    const files = readdirSync(rec);
    for (const [room, tones, others] of [
      ['roomA', [700, 1300], [1000, 1700]],
      ['roomB', [1000, 1700], [700, 1300]],
    ] as const) {
      const f = files.find((x) => x.startsWith(`${room}-`));
      expect(f, `${room} recorded`).toBeDefined();
      for (const hz of tones) expect(wavPresence(join(rec, f!), hz), `${room} holds ${hz}`).toBeGreaterThan(3);
      for (const hz of others) expect(wavPresence(join(rec, f!), hz), `${room} holds ${hz}`).toBeLessThan(0.3);
    }
  }, 90_000);

  it('voicemail: two messages for one mailbox at once are 0 and 1; --on-message ran; the owner hears one', async () => {
    writeFileSync(join(dir, 'mailboxes.ini'), '[100]\npin = 1234\n');
    const spool = join(dir, 'spool');
    const onMessage = join(dir, 'on-message.txt');
    const vm = await serve([
      'voicemail',
      '--mailboxes',
      join(dir, 'mailboxes.ini'),
      '--voicemail-dir',
      spool,
      '--on-message',
      `echo "$VOICEMAIL_INDEX $VOICEMAIL_ID" >> ${onMessage}`,
    ]);
    const leave = (hz: number) =>
      startShtoom(
        [
          'call',
          `sip:100@127.0.0.1:${vm.port}`,
          '--play',
          `tone:${hz}@-16dBFS`,
          '--dtmf',
          '*',
          '--duration',
          '5s',
          ...COMMON,
        ],
        { timeoutSec: 40 },
      );
    // A message-summary subscriber (on the main thread, which hears of the workers' messages).
    const watcher = await Phone.create({ userAgent: { listen: 'udp:127.0.0.1:0' } });
    const bodies: string[] = [];
    const sub = watcher.ua.subscribe(`sip:100@127.0.0.1:${vm.port}`, {
      event: 'message-summary',
      accept: ['application/simple-message-summary'],
      expires: 300,
    });
    sub.on('notify', (n) => bodies.push(n.text));
    await sub.accepted;
    await waitFor(() => bodies.length > 0, 'the first NOTIFY', 5000);
    expect(parseSummary(bodies[0]!)).toMatchObject({ waiting: false, voice: { new: 0, old: 0 } });
    const callers = [leave(600), leave(900)];
    await waitFor(() => (vm.peer.stderr().match(/recording a message/g) ?? []).length === 2, 'both recording', 20_000);
    const st = await runShtoom(['serve', 'voicemail', '--status', '--listen', `udp:127.0.0.1:${vm.port}`, '--json']);
    expect(JSON.parse(st.stdout).workers.map((w: { calls: number }) => w.calls)).toEqual([1, 1]);
    for (const c of callers) expect(await c.exited, c.stderr()).toBe(0);
    const inbox = join(spool, '100', 'INBOX');
    await waitFor(() => existsSync(join(inbox, 'msg0001.json')), 'two messages filed', 10_000);
    expect(readdirSync(inbox).sort()).toEqual(['msg0000.json', 'msg0000.wav', 'msg0001.json', 'msg0001.wav']);
    await waitFor(() => parseSummary(bodies.at(-1)!).voice?.new === 2, 'NOTIFY: two new messages', 10_000);
    expect(parseSummary(bodies.at(-1)!)).toMatchObject({ waiting: true, voice: { new: 2, old: 0 } });
    await sub.unsubscribe().catch(() => undefined);
    await watcher.close();
    const tones = [0, 1].map((i) => {
      const wav = join(inbox, `msg000${i}.wav`);
      return [600, 900].find((hz) => wavToneSeconds(wav, hz) > 2.5);
    });
    expect([...tones].sort()).toEqual([600, 900]);
    await waitFor(
      () => existsSync(onMessage) && readFileSync(onMessage, 'utf8').split('\n').length > 2,
      '--on-message',
    );
    expect(
      readFileSync(onMessage, 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split(' ')[0])
        .sort(),
    ).toEqual(['0', '1']);
    // The owner: mailbox and PIN, then message 0 plays (its caller's tone).
    const heard = join(dir, 'owner.wav');
    const owner = startShtoom(
      [
        'call',
        `sip:voicemail@127.0.0.1:${vm.port}`,
        '--play',
        'silence',
        '--record',
        heard,
        '--dtmf',
        '100#1234#',
        '--dtmf-delay',
        '1s',
        '--duration',
        '19s',
        ...COMMON,
      ],
      { timeoutSec: 60 },
    );
    expect(await owner.exited, owner.stderr()).toBe(0);
    expect(vm.peer.stderr()).toMatch(/100: owner logged in/);
    expect(toneSecondsIn(wav8k(heard), tones[0]!), "the owner hears message 0's tone").toBeGreaterThan(2);
  }, 90_000);
});
