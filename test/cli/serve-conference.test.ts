/**
 * `shtoom serve conference` in-process on loopback, with callers from the
 * library: two rooms, PIN refused and accepted (from a rooms file), the
 * status file and `--status`, a recording, capacity (503 with
 * Retry-After), usage errors, and SIGTERM; the rooms file's checks.
 */
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Call } from '../../src/app/call.js';
import { Phone } from '../../src/app/phone.js';
import { readWavFile } from '../../src/audio/formats/wav.js';
import { openSource } from '../../src/audio/open.js';
import { parseRooms } from '../../src/cli/conference-rooms.js';
import { main } from '../../src/cli/main.js';
import { UsageError } from '../../src/errors.js';
import { toneSecondsIn } from '../support/tone-presence.js';

const dir = mkdtempSync(join(tmpdir(), 'shtoom-cli-conf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BASE = [
  '--rtp-address',
  '127.0.0.1',
  '--rtp-port-min',
  '46000',
  '--rtp-port-max',
  '47999',
  '--rtp-clock-realtime',
  '0',
  '--log-level',
  'info',
];

function cli(args: string[], signal?: AbortSignal, urgent?: AbortSignal) {
  let stdout = '';
  let stderr = '';
  const done = main([...args, ...BASE], {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: { PATH: process.env.PATH, HOME: dir },
    ...(signal ? { signal } : {}),
    ...(urgent ? { urgent } : {}),
  });
  return { done, stdout: () => stdout, stderr: () => stderr };
}

/** Start the server; resolves once it says where it listens. */
async function serve(args: string[]) {
  const ac = new AbortController();
  const hurry = new AbortController();
  const r = cli(['serve', 'conference', '--listen', 'udp:127.0.0.1:0', '--json', ...args], ac.signal, hurry.signal);
  for (let i = 0; i < 300 && !/"port": \d+/.test(r.stdout()); i++) {
    if ((await Promise.race([r.done, new Promise((x) => setTimeout(() => x('wait'), 50))])) !== 'wait')
      throw new Error(`serve exited: ${r.stderr()}`);
  }
  const info = JSON.parse(r.stdout()) as { listen: { port: number }[]; statusFile: string };
  return {
    port: info.listen[0]!.port,
    statusFile: info.statusFile,
    stop: async () => {
      ac.abort(new Error('SIGTERM'));
      return r.done;
    },
    /** The first signal only: the server starts its graceful stop. */
    signal: () => ac.abort(new Error('SIGTERM')),
    /** The second signal. */
    hurry: () => hurry.abort(new Error('SIGTERM')),
    done: r.done,
    stderr: r.stderr,
  };
}

let caller: Phone;
beforeAll(async () => {
  caller = await Phone.create({
    userAgent: { listen: 'udp:127.0.0.1:0' },
    media: { address: '127.0.0.1', portMin: 48000, portMax: 49999 },
  });
});
afterAll(async () => caller.close());

function capture() {
  const frames: Int16Array[] = [];
  const samples = (fromFrame = 0) => {
    const f = frames.slice(fromFrame);
    const out = new Int16Array(f.length * 160);
    for (const [i, x] of f.entries()) out.set(x, i * 160);
    return out;
  };
  return {
    frames,
    samples,
    sink: { uri: 'capture:', write: (f: Int16Array) => void frames.push(f.slice()), close: async () => {} },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function dial(port: number, room: string, hz: number, keys?: string) {
  const heard = capture();
  const call: Call = caller.call(`sip:${room}@127.0.0.1:${port}`, {
    source: await openSource(`tone:${hz}@-16dBFS`),
    sink: heard.sink,
  });
  await call.answered;
  if (keys) await call.sendDtmf(keys);
  return { call, heard, hz };
}

describe('shtoom serve conference', () => {
  it('rooms by URI user, a PIN room, the status (file and --status), a recording, SIGTERM', async () => {
    const rooms = join(dir, 'rooms.ini');
    writeFileSync(rooms, '; test rooms\n[secure]\npin = 4711\n\n[default]\n');
    const rec = join(dir, 'rec');
    const s = await serve(['--conference-rooms', rooms, '--record-dir', rec]);
    expect(s.statusFile).toBe(join(tmpdir(), `shtoom-conference-${s.port}.json`));
    const a = await dial(s.port, 'team', 1000);
    const b = await dial(s.port, 'team', 1500);
    const wrong = await dial(s.port, 'secure', 2000, '1#2#3#');
    const right = await dial(s.port, 'secure', 2000, '4711#');
    expect((await wrong.call.ended).reason).toBe('remote-hangup');
    await sleep(4000);
    const from = a.heard.frames.length - 100;
    expect(toneSecondsIn(a.heard.samples(from), 1500)).toBeGreaterThan(1.5);
    expect(toneSecondsIn(a.heard.samples(from), 1000)).toBe(0);
    expect(toneSecondsIn(b.heard.samples(from), 1000)).toBeGreaterThan(1.5);
    expect(right.call.state).toBe('answered');
    // The operator's view, from another invocation.
    const st = cli(['serve', 'conference', '--status', '--json', '--listen', `udp:127.0.0.1:${s.port}`]);
    expect(await st.done, st.stderr()).toBe(0);
    const status = JSON.parse(st.stdout());
    expect(status.participants).toBe(3);
    expect(status.rooms.map((r: { name: string }) => r.name).sort()).toEqual(['secure', 'team']);
    const team = status.rooms.find((r: { name: string }) => r.name === 'team');
    expect(team.participants).toHaveLength(2);
    expect(team.talkers).toHaveLength(2);
    expect(team.participants[0]).toMatchObject({ codec: 'G722', lossPercent: 0, muted: false, moderator: false });
    const text = cli(['serve', 'conference', '--status', '--status-file', s.statusFile]);
    expect(await text.done).toBe(0);
    expect(text.stdout()).toMatch(/^team \(recording to .*team-.*\.wav\): 2 participant\(s\); talking: /m);
    expect(s.stderr()).toMatch(/INFO {2}conference: secure: refused .*: wrong PIN 3 times/);
    expect(s.stderr()).toMatch(/INFO {2}conference: team: join .* \(G722\); 2 in the room/);
    expect(await s.stop()).toBe(0);
    expect((await a.call.ended).reason).toBe('remote-hangup');
    expect(s.stderr()).toMatch(/INFO {2}conference: team: leave .* after \d+\.\d s \(G722, \d+ packets in/);
    expect(existsSync(s.statusFile)).toBe(false);
    // The recordings, finished: each room's own voices.
    const files = readdirSync(rec);
    const team1 = readWavFile(join(rec, files.find((f) => f.startsWith('team-'))!)).samples;
    expect(toneSecondsIn(team1, 1000)).toBeGreaterThan(2);
    expect(toneSecondsIn(team1, 1500)).toBeGreaterThan(2);
    expect(toneSecondsIn(team1, 2000)).toBe(0);
    // No server now: --status says so and fails.
    const none = cli(['serve', 'conference', '--status', '--status-file', s.statusFile]);
    expect(await none.done).toBe(1);
    expect(none.stderr()).toMatch(/no conference server's status in .*: is "shtoom serve conference" running/);
  });

  it('beyond --capacity: 503 with Retry-After', async () => {
    const s = await serve(['--capacity', '1', '--retry-after', '17s']);
    const a = await dial(s.port, 'full', 1000);
    const second = caller.call(`sip:full@127.0.0.1:${s.port}`);
    expect(await second.ended).toMatchObject({ reason: 'rejected', status: 503 });
    expect(s.stderr()).toMatch(/at capacity \(1 calls\); 503, Retry-After 17/);
    expect(await s.stop()).toBe(0);
    await a.call.ended;
  });

  it('SIGTERM: BYE to a peer that never answers it, exit 0, totals logged', async () => {
    const s = await serve([]);
    const peer = createSocket('udp4');
    await new Promise<void>((r) => peer.bind(0, '127.0.0.1', r));
    const got: string[] = [];
    peer.on('message', (m) => got.push(m.toString()));
    try {
      const { port } = peer.address();
      const tag = 'silent1';
      const head = (method: string, cseq: number, branch: string, extra = '') =>
        `${method} sip:mute@127.0.0.1:${s.port} SIP/2.0\r\n` +
        `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK${branch}\r\nMax-Forwards: 70\r\n` +
        `From: <sip:peer@127.0.0.1:${port}>;tag=${tag}\r\nTo: <sip:mute@127.0.0.1:${s.port}>${extra}\r\n` +
        `Call-ID: silent-peer-1\r\nCSeq: ${cseq} ${method}\r\nContact: <sip:peer@127.0.0.1:${port}>\r\n`;
      const sdp =
        'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n' +
        `m=audio ${port + 2} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n`;
      const send = (m: string) => peer.send(m, s.port, '127.0.0.1');
      send(`${head('INVITE', 1, 'inv1')}Content-Type: application/sdp\r\nContent-Length: ${sdp.length}\r\n\r\n${sdp}`);
      for (let i = 0; i < 200 && !got.some((m) => m.startsWith('SIP/2.0 200')); i++) await sleep(25);
      const ok = got.find((m) => m.startsWith('SIP/2.0 200'));
      expect(ok).toBeDefined();
      const toTag = /^To:.*(;tag=[^\r\s;]+)/im.exec(ok!)?.[1] ?? '';
      send(`${head('ACK', 1, 'ack1', toTag)}Content-Length: 0\r\n\r\n`);
      s.signal();
      for (let i = 0; i < 200 && !got.some((m) => m.startsWith('BYE ')); i++) await sleep(25);
      expect(got.some((m) => m.startsWith('BYE '))).toBe(true);
      // The peer never answers the BYE: the server does not wait for it (the call is over on our side).
      const code = await Promise.race([s.done, sleep(10_000).then(() => 'stuck')]);
      expect(code).toBe(0);
      expect(s.stderr()).toMatch(/stopping: ending 1 call\(s\) in \d+ room\(s\)/);
      expect(s.stderr()).toMatch(/served 1 call\(s\)/);
    } finally {
      peer.close();
    }
  });

  it('usage errors: one line, exit 2', async () => {
    const bad = join(dir, 'bad.ini');
    writeFileSync(bad, '[r]\npin = 12x4\n');
    const r1 = cli(['serve', 'conference', '--listen', 'udp:127.0.0.1:0', '--conference-rooms', bad]);
    expect(await r1.done).toBe(2);
    expect(r1.stderr()).toMatch(/bad\.ini:2: \[r\] pin: "12x4" is not allowed; allowed: 1 to 16 DTMF keys/);
    const r2 = cli(['serve', 'conference', '--listen', 'udp:127.0.0.1:0', '--conference-music', join(dir, 'none.wav')]);
    expect(await r2.done).toBe(2);
    expect(r2.stderr()).toMatch(/--conference-music .*none\.wav: no such file/);
    const r3 = cli(['serve', 'echo', '--listen', 'udp:127.0.0.1:0', '--status']);
    expect(await r3.done).toBe(2);
    const r4 = cli(['serve', 'conference', '--listen', 'udp:127.0.0.1:0', '--conference-loudest', '0']);
    expect(await r4.done).toBe(2);
  });
});

describe('the rooms file', () => {
  it('reads rooms and [default], with music relative to the file', () => {
    const r = parseRooms(
      '[default]\npin = 1\n[board]\npin = 1234 ; the board\nmoderator-pin = 99*\nmusic = hold.wav\ncolour = red\n',
      '/etc/shtoom/rooms.ini',
    );
    expect(r.defaultRoom).toEqual({ pin: '1' });
    expect(r.rooms.get('board')).toEqual({ pin: '1234', moderatorPin: '99*', music: '/etc/shtoom/hold.wav' });
    expect(r.warnings).toEqual([
      '/etc/shtoom/rooms.ini:7: unknown key "colour" in [board] (ignored); keys: pin, moderator-pin, music',
    ]);
  });

  it('refuses what cannot work, naming the line', () => {
    expect(() => parseRooms('pin = 1\n', 'f.ini')).toThrow(/f\.ini:1: "pin" is outside any \[room\] section/);
    expect(() => parseRooms('[a]\nmoderator-pin = x1\n', 'f.ini')).toThrow(UsageError);
    expect(() => parseRooms('[a]\npin = 1\nmoderator-pin = 1\n', 'f.ini')).toThrow(/the same/);
    expect(() => parseRooms('[]\n', 'f.ini')).toThrow(/needs a name/);
  });
});
