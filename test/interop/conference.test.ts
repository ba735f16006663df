/**
 * `shtoom serve conference` (the built CLI, its own process) with real
 * peers on loopback:
 * - two baresips (one GSM, one PCMU) and a `shtoom call` (PCMU) in one
 *   room, each sending a tone of its own: each records the other two tones
 *   and not its own (frequency analysis of baresip's sndfile dumps and of
 *   shtoom's recording); then the `shtoom call` mutes itself with `*6`
 *   (RFC 4733) and the baresips stop hearing its tone while they still hear
 *   each other;
 * - a PIN-protected room (from a rooms file) refuses a `shtoom call` that
 *   enters three wrong PINs, and takes one with the right PIN;
 * - 50 participants from the project's own load generator in five rooms of
 *   ten: nothing lost either way (the server's status, our sequence
 *   numbers), 50 packets a second to each, and the probe hears its room's
 *   three talkers.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConferenceLoad, type ConfState, ROOM, TALKERS } from '../../bench/lib/conference-load.js';
import { connectAll, LoadGenerator } from '../../bench/lib/load-generator.js';
import { readWavFile } from '../../src/audio/formats/wav.js';
import { toMono8k } from '../../src/audio/to-mono-8k.js';
import { UserAgent } from '../../src/sip/api/user-agent.js';
import { toneLastHeardAt, toneSecondsIn } from '../support/tone-presence.js';
import { Baresip } from './support/call-baresip.js';
import {
  freeSipPort,
  freeUdpPort,
  isListening,
  requireBinary,
  startShtoom,
  stopAllPeers,
  waitFor,
  type Peer,
} from './support/peers.js';

const COMMON = ['--sip-address', '127.0.0.1', '--rtp-address', '127.0.0.1', '--rtp-clock-realtime', '0'];

let dir: string;
beforeAll(() => {
  requireBinary('baresip');
  requireBinary('flite');
  dir = mkdtempSync(join(tmpdir(), 'shtoom-conference-'));
});
const baresips: Baresip[] = [];
afterEach(async () => {
  await Promise.all(baresips.splice(0).map((b) => b.stop()));
  await stopAllPeers();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function serveConference(extra: string[] = []): Promise<{ port: number; peer: Peer; statusFile: string }> {
  const port = await freeSipPort();
  const statusFile = join(dir, `status-${port}.json`);
  const peer = startShtoom(
    ['serve', 'conference', '--listen', `udp:127.0.0.1:${port}`, '--status-file', statusFile, ...COMMON, ...extra],
    { timeoutSec: 170 },
  );
  await waitFor(() => isListening(port, 'udp') || peer.child.exitCode !== null, 'shtoom serve conference');
  if (peer.child.exitCode !== null) throw new Error(`serve conference exited: ${peer.stderr()}`);
  return { port, peer, statusFile };
}

/** A WAV file as 8 kHz mono samples. */
function wav8k(file: string): Int16Array {
  const w = readWavFile(file);
  return toMono8k(w.samples, w.format.channels, w.format.sampleRate);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('shtoom serve conference with real peers', () => {
  it('two baresips (GSM, PCMU) and shtoom call: each hears the other two tones, never its own; *6 mutes', async () => {
    const server = await serveConference();
    const room = `sip:room1@127.0.0.1:${server.port}`;
    for (const [i, o] of [
      { toneHz: 1000, codec: 'GSM' },
      { toneHz: 1500, codec: 'PCMU' },
    ].entries()) {
      const b = await Baresip.start({ dir: join(dir, `b${i}`), ...o, rtpBase: await freeUdpPort(true) });
      baresips.push(b);
      await b.command('dial', room);
      await b.waitEvent('CALL_ESTABLISHED');
    }
    const [gsm, pcmu] = baresips as [Baresip, Baresip];
    await waitFor(() => /room1: join .*; 2 in the room/.test(server.peer.stderr()), 'both baresips in the room');
    const rec = join(dir, 'shtoom.wav');
    const call = startShtoom(
      [
        'call',
        room,
        '--codec',
        'pcmu',
        '--play',
        'tone:2000',
        '--record',
        rec,
        '--dtmf',
        '*6',
        '--dtmf-delay',
        '9s',
        '--duration',
        '22',
        '--json',
        ...COMMON,
      ],
      { timeoutSec: 60 },
    );
    // Muted by its own *6: from then on the room must not carry its tone.
    await waitFor(() => /room1: .* muted itself/.test(server.peer.stderr()), 'the *6 of shtoom call', 40_000);
    await sleep(4000);
    await Promise.all(baresips.map((b) => b.command('hangup')));
    await Promise.all(baresips.map((b) => b.waitEvent('CALL_CLOSED')));
    expect(await call.exited, call.stderr()).toBe(0);
    const j = JSON.parse(call.stdout());
    expect(j).toMatchObject({ ok: true, codec: 'PCMU', dtmf: { sent: '*6' } });
    expect(server.peer.stderr()).toMatch(/room1: join .* \(GSM\); 1 in the room/);
    expect(server.peer.stderr()).toMatch(/room1: join .* \(PCMU\); 3 in the room/);
    // shtoom heard both baresips, never itself (after the first prompt).
    const mine = wav8k(rec).subarray(4 * 8000);
    expect(toneSecondsIn(mine, 1000), 'shtoom hears the GSM baresip').toBeGreaterThan(4);
    expect(toneSecondsIn(mine, 1500), 'shtoom hears the PCMU baresip').toBeGreaterThan(4);
    expect(toneSecondsIn(mine, 2000), 'shtoom hears itself').toBeLessThan(0.3);
    // Each baresip heard the other and shtoom, never itself; shtoom's tone stopped with its *6.
    const heard = baresips.map((b) => {
      expect(b.received()).toHaveLength(1);
      return wav8k(b.received()[0]!);
    });
    const [byGsm, byPcmu] = heard as [Int16Array, Int16Array];
    expect(toneSecondsIn(byGsm, 1500), 'GSM baresip hears the PCMU one').toBeGreaterThan(6);
    expect(toneSecondsIn(byGsm, 2000), 'GSM baresip hears shtoom').toBeGreaterThan(4);
    expect(toneSecondsIn(byGsm, 1000), 'GSM baresip hears itself').toBeLessThan(0.3);
    expect(toneSecondsIn(byPcmu, 1000), 'PCMU baresip hears the GSM one').toBeGreaterThan(6);
    expect(toneSecondsIn(byPcmu, 2000), 'PCMU baresip hears shtoom').toBeGreaterThan(4);
    expect(toneSecondsIn(byPcmu, 1500), 'PCMU baresip hears itself').toBeLessThan(0.3);
    for (const [name, x, other] of [
      ['GSM', byGsm, 1500],
      ['PCMU', byPcmu, 1000],
    ] as const) {
      const end = x.length / 8000;
      // The last 3 s (shtoom muted by then): the other baresip still, shtoom no more.
      expect(toneLastHeardAt(x, 2000), `${name} baresip still hears shtoom after its *6`).toBeLessThan(end - 3);
      expect(toneSecondsIn(x.subarray(x.length - 3 * 8000), other), `${name} baresip, last 3 s`).toBeGreaterThan(2);
    }
    expect(gsm.events.some((e) => e.type === 'CALL_CLOSED')).toBe(true);
    expect(pcmu.events.some((e) => e.type === 'CALL_CLOSED')).toBe(true);
  });

  it('a PIN-protected room refuses three wrong PINs and takes the right one', async () => {
    const rooms = join(dir, 'rooms.ini');
    writeFileSync(rooms, '[secure]\npin = 2468\n');
    const server = await serveConference(['--conference-rooms', rooms]);
    const target = `sip:secure@127.0.0.1:${server.port}`;
    const wrong = startShtoom(
      ['call', target, '--dtmf', '1111#2222#3333#', '--dtmf-delay', '1s', '--duration', '60', '--json', ...COMMON],
      { timeoutSec: 90 },
    );
    expect(await wrong.exited, wrong.stderr()).toBe(0);
    expect(JSON.parse(wrong.stdout())).toMatchObject({ end: { reason: 'remote-hangup' } });
    expect(server.peer.stderr()).toMatch(/secure: refused .*: wrong PIN 3 times/);
    expect(server.peer.stderr()).not.toMatch(/secure: join/);
    const right = startShtoom(
      ['call', target, '--dtmf', '2468#', '--dtmf-delay', '1s', '--duration', '8', '--json', ...COMMON],
      { timeoutSec: 60 },
    );
    await waitFor(() => /secure: join .*; 1 in the room/.test(server.peer.stderr()), 'the right PIN', 30_000);
    expect(await right.exited, right.stderr()).toBe(0);
    expect(JSON.parse(right.stdout())).toMatchObject({ end: { reason: 'hangup' } });
  });

  it('50 participants from the load generator: nothing lost either way, every tick out, the mix right', async () => {
    const server = await serveConference(['--log-level', 'warn']);
    const ua = await UserAgent.create({ listen: 'udp:127.0.0.1:0', aor: 'sip:load@127.0.0.1' });
    const load = new ConferenceLoad();
    const gen = new LoadGenerator(ua, load);
    try {
      const calls = await connectAll(50, (i) =>
        gen.place(i, `sip:load-${Math.floor(i / ROOM)}@127.0.0.1:${server.port}`),
      );
      for (const c of calls) gen.start(c);
      await sleep(5000); // the join prompts are over
      load.reset(calls);
      load.measuring = true;
      const t0 = performance.now();
      await sleep(6000);
      load.measuring = false;
      const seconds = (performance.now() - t0) / 1000;
      await sleep(1500); // a status written after the window
      const status = JSON.parse(readFileSync(server.statusFile, 'utf8')) as {
        rooms: { name: string; participants: { packetsIn: number; lossPercent: number }[] }[];
      };
      await gen.end(calls);
      expect(status.rooms.map((r) => r.name).sort()).toEqual(['load-0', 'load-1', 'load-2', 'load-3', 'load-4']);
      const all = status.rooms.flatMap((r) => r.participants);
      expect(all).toHaveLength(50);
      expect(
        all.filter((p) => p.lossPercent > 0),
        'participants the server lost packets of',
      ).toEqual([]);
      expect(Math.min(...all.map((p) => p.packetsIn))).toBeGreaterThan(500);
      const states = calls.map((c) => c.state as unknown as ConfState);
      expect(
        states.reduce((n, s) => n + s.gaps, 0),
        'packets of the server we never got',
      ).toBe(0);
      const expected = Math.floor(seconds * 50);
      expect(Math.min(...states.map((s) => s.received)), 'packets a participant got').toBeGreaterThanOrEqual(
        expected - 3,
      );
      expect(load.probeHeard()).toEqual(TALKERS);
    } finally {
      gen.close();
      await ua.close();
    }
  });
});
