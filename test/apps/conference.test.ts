/**
 * The conference server app in virtual time: callers on simulated phones
 * dial rooms served by doug; who hears whom (tone analysis of what each
 * caller records), the lone participant's prompt and music, PINs (three
 * wrong tries refused), the moderator's lock and mute-all, `*6` and `*#`,
 * spoken names, the log lines, the status and the room's recording.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Call } from '../../src/app/call.js';
import type { Phone } from '../../src/app/phone.js';
import type { AudioSource } from '../../src/audio/device.js';
import { readWavFile } from '../../src/audio/formats/wav.js';
import { ConferenceService, type RoomConfig, roomOf } from '../../src/apps/conference/service.js';
import { PROMPTS, countPrompt } from '../../src/apps/conference/prompts.js';
import { formatStatus } from '../../src/apps/conference/status.js';
import { DougServer } from '../../src/doug/server.js';
import { cached } from '../../src/doug/tts.js';
import { Logger, MemorySink } from '../../src/log/logger.js';
import { toneSecondsIn } from '../support/tone-presence.js';
import { CaptureSink, PhoneWorld, generated } from '../app/support/sim-phones.js';

const SERVER = '10.0.1.100';
const dir = mkdtempSync(join(tmpdir(), 'shtoom-conf-app-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Each prompt a tone of its own, so that what a caller heard says which prompt it was. */
const PROMPT_HZ = new Map<string, number>([
  [PROMPTS.pin, 2000],
  [PROMPTS.wrongPin, 2100],
  [PROMPTS.goodbye, 2200],
  [PROMPTS.locked, 2300],
  [PROMPTS.only, 2400],
  [PROMPTS.muted, 2500],
  [PROMPTS.unmuted, 2600],
  [PROMPTS.lockedNow, 2700],
  [PROMPTS.mutedAll, 2800],
  [PROMPTS.name, 2900],
  [PROMPTS.joined, 3000],
  [countPrompt(2), 3100],
  [countPrompt(3), 3200],
  [PROMPTS.notModerator, 3300],
]);
const tts = cached('tones', async (text) => {
  const hz = PROMPT_HZ.get(text) ?? 3500;
  return Int16Array.from({ length: 4800 }, (_, i) => Math.round(6000 * Math.sin((2 * Math.PI * hz * i) / 8000)));
});
const MUSIC = Int16Array.from({ length: 8000 }, (_, i) => Math.round(5000 * Math.sin((2 * Math.PI * 300 * i) / 8000)));

interface Caller {
  readonly phone: Phone;
  readonly call: Call;
  readonly sink: CaptureSink;
  /** The tone it sends now (0: silence). */
  hz: number;
}

async function setUp(
  seed: number,
  extra: { rooms?: Map<string, RoomConfig>; recordDir?: string; names?: boolean } = {},
) {
  const world = new PhoneWorld(seed);
  world.net.setProfile({ delayMs: 10 });
  const phone = await world.phone(SERVER);
  const logs = new MemorySink();
  const log = new Logger(logs, 'info');
  const service = new ConferenceService({ platform: phone.platform, tts, music: MUSIC, log, ...extra });
  const server = new DougServer({ phone, app: service.app, tts, log, name: 'conference' }).start();
  let n = 0;
  const dial = async (room: string, hz: number, keys?: string): Promise<Caller> => {
    const p = await world.phone(`10.0.1.${++n}`);
    const sink = new CaptureSink();
    const c: { hz: number } = { hz };
    let phase = 0;
    const source: AudioSource = generated(`tone`, (f) => {
      const w = (2 * Math.PI * c.hz) / 8000;
      for (let i = 0; i < f.length; i++, phase += w) f[i] = c.hz ? Math.round(6000 * Math.sin(phase)) : 0;
      phase %= 2 * Math.PI;
    });
    const call = p.call(`sip:${room}@${SERVER}`, { source, sink });
    await world.until(call.answered);
    if (keys) await world.until(call.sendDtmf(keys));
    const caller = {
      phone: p,
      call,
      sink,
      get hz() {
        return c.hz;
      },
      set hz(v: number) {
        c.hz = v;
      },
    };
    return caller;
  };
  const close = async () => {
    await world.until(server.close());
    await world.until(service.close());
    await world.until(phone.close());
  };
  const lines = () => logs.records.map((r) => r.msg);
  return { world, phone, service, dial, close, lines };
}

/** Seconds of each tone a caller heard in its last `seconds`. */
function lastHeard(c: Caller, freqs: number[], seconds: number): Record<number, number> {
  const frames = c.sink.frames.slice(-Math.round(seconds * 50));
  const s = new Int16Array(frames.length * 160);
  for (const [i, f] of frames.entries()) s.set(f, i * 160);
  return Object.fromEntries(freqs.map((f) => [f, toneSecondsIn(s, f)]));
}

/** Seconds of a tone in everything a caller heard. */
function everHeard(c: Caller, hz: number): number {
  return toneSecondsIn(c.sink.samples(), hz);
}

describe('roomOf', () => {
  it('is the Request-URI user, decoded; none for a URI without one or with a path in it', () => {
    expect(roomOf('sip:room-42@127.0.0.1:5070')).toBe('room-42');
    expect(roomOf('sip:board%20room@example.com')).toBe('board room');
    expect(roomOf('sip:127.0.0.1')).toBeUndefined();
    expect(roomOf('sip:..%2Fetc@host')).toBeUndefined();
    expect(roomOf('not a uri')).toBeUndefined();
    expect(roomOf(undefined)).toBeUndefined();
  });
});

describe('conference server: rooms', () => {
  it(
    'callers in one room hear each other, never themselves; ' + 'a lone caller hears the prompt, then the music',
    async () => {
      const { world, service, dial, close, lines } = await setUp(1, { recordDir: dir });
      const a = await dial('room-1', 500);
      await world.run(3000);
      // Alone: "you are the only participant", then the music on hold, not its own voice.
      expect(everHeard(a, PROMPT_HZ.get(PROMPTS.only)!)).toBeGreaterThan(0.4);
      expect(lastHeard(a, [300, 500], 1)).toMatchObject({ 300: expect.any(Number), 500: 0 });
      expect(lastHeard(a, [300], 1)[300]).toBeGreaterThan(0.8);
      const b = await dial('room-1', 750);
      await world.run(1500);
      expect(everHeard(b, PROMPT_HZ.get(countPrompt(2))!)).toBeGreaterThan(0.4);
      // The join chime reached a.
      expect(everHeard(a, 900)).toBeGreaterThan(0.05);
      const c = await dial('room-1', 1050);
      const other = await dial('room-2', 1350);
      await world.run(3000);
      const freqs = [300, 500, 750, 1050, 1350];
      for (const x of [a, b, c]) {
        const h = lastHeard(x, freqs, 2);
        for (const f of [500, 750, 1050]) {
          if (f === x.hz) expect(h[f], `${x.hz} hears itself`).toBe(0);
          else expect(h[f], `${x.hz} hears ${f}`).toBeGreaterThan(1.5);
        }
        expect(h[300], 'no music with company').toBe(0);
        expect(h[1350], 'nothing from the other room').toBe(0);
      }
      expect(lastHeard(other, [300, 500, 750, 1050], 1)[300]).toBeGreaterThan(0.8);
      // What the operator sees.
      const st = service.status(['udp 10.0.1.100:5060'], 500);
      expect(st.participants).toBe(4);
      const r1 = st.rooms.find((r) => r.name === 'room-1')!;
      expect(r1.participants.map((p) => p.codec)).toEqual(['PCMU', 'PCMU', 'PCMU']);
      expect(r1.talkers).toHaveLength(3);
      expect(r1.participants.every((p) => p.lossPercent === 0 && p.packetsIn > 100)).toBe(true);
      // Nothing late on a network that is never late: no frame made up.
      expect(r1.participants.map((p) => [p.concealed, p.late])).toEqual([
        [0, 0],
        [0, 0],
        [0, 0],
      ]);
      expect(r1.recording).toMatch(/room-1-.*\.wav$/);
      expect(formatStatus(st, Date.parse(st.updated))).toMatch(
        /room-1 \(recording to .*\): 3 participant\(s\); talking: .*\n +1 {2}.*PCMU {2}0:0\d {2}\d+ packets in, 0\.0 % lost/,
      );
      for (const x of [a, b, c, other]) await world.until(x.call.hangup());
      await world.run(500);
      expect(service.participants).toBe(0);
      const msgs = lines();
      expect(msgs.filter((m) => /^room-1: join .* \(PCMU\); [123] in the room$/.test(m))).toHaveLength(3);
      expect(
        msgs.filter((m) => /^room-1: leave .* after \d+\.\d s \(PCMU, \d+ packets in \(0\.0 % lost\), jitter/.test(m)),
      ).toHaveLength(3);
      expect(msgs).toContainEqual(expect.stringMatching(/^room-1: closed after .* min; recorded in .*room-1-.*\.wav$/));
      await close();
      // The room's recording: everyone who spoke.
      const file = readdirSync(dir).find((f) => f.startsWith('room-1-'))!;
      const rec = readWavFile(join(dir, file)).samples;
      for (const f of [500, 750, 1050]) expect(toneSecondsIn(rec, f), `${f} in the recording`).toBeGreaterThan(2);
      expect(toneSecondsIn(rec, 1350)).toBe(0);
    },
  );

  it('*6 mutes and unmutes oneself; *# says how many are in the room', async () => {
    const { world, dial, close } = await setUp(2);
    const a = await dial('r', 500);
    const b = await dial('r', 750);
    const c = await dial('r', 1050);
    await world.run(2000);
    await world.until(b.call.sendDtmf('*6'));
    await world.run(2500);
    expect(everHeard(b, PROMPT_HZ.get(PROMPTS.muted)!)).toBeGreaterThan(0.4);
    expect(lastHeard(a, [750, 1050], 1.5)).toMatchObject({ 750: 0 });
    expect(lastHeard(c, [750, 500], 1.5)).toMatchObject({ 750: 0 });
    expect(lastHeard(a, [1050], 1.5)[1050]).toBeGreaterThan(1);
    await world.until(b.call.sendDtmf('*6'));
    await world.run(2500);
    expect(everHeard(b, PROMPT_HZ.get(PROMPTS.unmuted)!)).toBeGreaterThan(0.4);
    expect(lastHeard(a, [750], 1.5)[750]).toBeGreaterThan(1);
    const before = everHeard(a, PROMPT_HZ.get(countPrompt(3))!);
    await world.until(a.call.sendDtmf('*#'));
    await world.run(1500);
    expect(everHeard(a, PROMPT_HZ.get(countPrompt(3))!) - before).toBeGreaterThan(0.4);
    // Only the one who asked heard it.
    expect(everHeard(c, PROMPT_HZ.get(countPrompt(3))!)).toBeLessThan(0.7);
    await close();
  });
});

describe('conference server: PINs and the moderator', () => {
  const rooms = new Map<string, RoomConfig>([['secure', { pin: '1234', moderatorPin: '9999' }]]);

  it('three wrong PINs: refused and hung up, the room never opens', async () => {
    const { world, service, dial, close, lines } = await setUp(3, { rooms });
    const x = await dial('secure', 500, '1111#2222#3333#');
    const end = await world.until(x.call.ended);
    expect(end.reason).toBe('remote-hangup');
    expect(everHeard(x, PROMPT_HZ.get(PROMPTS.wrongPin)!)).toBeGreaterThan(1.2);
    expect(everHeard(x, PROMPT_HZ.get(PROMPTS.goodbye)!)).toBeGreaterThan(0.4);
    expect(lines()).toContainEqual(expect.stringMatching(/^secure: refused .*: wrong PIN 3 times$/));
    expect(service.conferences.has('secure')).toBe(false);
    // An unlisted room needs no PIN.
    const y = await dial('open-room', 750);
    await world.run(1500);
    expect(service.conferences.get('open-room')?.size).toBe(1);
    expect(y.call.state).toBe('answered');
    await close();
  });

  it('the right PIN lets in; the moderator locks the room (*1) and mutes the others (*2)', async () => {
    const { world, service, dial, close, lines } = await setUp(4, { rooms });
    const m = await dial('secure', 500, '9999#');
    const p = await dial('secure', 750, '1234#');
    await world.run(2500);
    expect(service.conferences.get('secure')?.size).toBe(2);
    expect(lastHeard(m, [750], 1)[750]).toBeGreaterThan(0.8);
    // A participant may not lock.
    await world.until(p.call.sendDtmf('*1'));
    await world.run(1500);
    expect(everHeard(p, PROMPT_HZ.get(PROMPTS.notModerator)!)).toBeGreaterThan(0.4);
    await world.until(m.call.sendDtmf('*1'));
    await world.run(1500);
    expect(everHeard(m, PROMPT_HZ.get(PROMPTS.lockedNow)!)).toBeGreaterThan(0.4);
    const q = await dial('secure', 1050, '1234#');
    expect((await world.until(q.call.ended)).reason).toBe('remote-hangup');
    expect(everHeard(q, PROMPT_HZ.get(PROMPTS.locked)!)).toBeGreaterThan(0.4);
    expect(service.status().rooms[0]).toMatchObject({ name: 'secure', locked: true });
    await world.until(m.call.sendDtmf('*2'));
    await world.run(2000);
    expect(lastHeard(m, [750], 1)[750]).toBe(0);
    expect(service.status().rooms[0]!.participants.map((x) => [x.moderator, x.muted])).toEqual([
      [true, false],
      [false, true],
    ]);
    // The muted participant may speak again by itself.
    await world.until(p.call.sendDtmf('*6'));
    await world.run(2000);
    expect(lastHeard(m, [750], 1)[750]).toBeGreaterThan(0.8);
    expect(lines()).toContainEqual('secure: locked by ' + service.status().rooms[0]!.participants[0]!.from);
    await close();
  });
});

describe('conference server: spoken names', () => {
  it('asks for the name after a tone and plays it to the room as the caller joins', async () => {
    const { world, service, dial, close } = await setUp(5, { names: true });
    const a = await dial('named', 500);
    await world.run(5000);
    expect(service.conferences.get('named')?.size).toBe(1);
    const b = await dial('named', 1900); // says "1900 Hz" as its name...
    service.conferences.get('named')!.on('join', () => {
      b.hz = 750; // ...and speaks at 750 Hz once in the room
    });
    // The prompt, the tone, 3 s of name (b never stops), the join, then 3.6 s of announcement.
    await world.run(9000);
    expect(everHeard(b, PROMPT_HZ.get(PROMPTS.name)!)).toBeGreaterThan(0.4);
    // a heard b's name (its 1900 Hz, which b no longer sent once in) and "has joined".
    expect(everHeard(a, 1900)).toBeGreaterThan(0.5);
    expect(everHeard(a, PROMPT_HZ.get(PROMPTS.joined)!)).toBeGreaterThan(0.4);
    expect(lastHeard(a, [750, 1900], 1)).toMatchObject({ 1900: 0 });
    expect(lastHeard(a, [750], 1)[750]).toBeGreaterThan(0.8);
    await close();
  });
});

describe('formatStatus', () => {
  it('shows the frames a participant’s jitter buffer made up, and says nothing of them when there are none', () => {
    const p = { id: 1, codec: 'PCMU', moderator: false, muted: false, talking: false, seconds: 5 };
    const text = formatStatus(
      {
        updated: new Date(0).toISOString(),
        pid: 1,
        listen: ['udp 127.0.0.1:5060'],
        capacity: 10,
        participants: 2,
        rooms: [
          {
            name: 'r',
            locked: false,
            since: new Date(0).toISOString(),
            talkers: [],
            participants: [
              { ...p, from: 'late', packetsIn: 250, lossPercent: 0, jitterMs: 9, concealed: 12, late: 11 },
              { ...p, from: 'fine', packetsIn: 250, lossPercent: 0, jitterMs: 1, concealed: 0, late: 0 },
            ],
          },
        ],
      },
      0,
    );
    expect(text).toMatch(/late {2}PCMU .* jitter 9\.0 ms, 12 frame\(s\) concealed \(11 late\)$/m);
    expect(text).toMatch(/fine {2}PCMU .* jitter 1\.0 ms$/m);
  });
});
