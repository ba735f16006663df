/**
 * Calls mixed in a `Conference`, in virtual time over a lossy, jittery
 * simulated network: every participant's audio goes through its own
 * jitter buffer and PLC to the room's one tick; who hears whom (by tone
 * detection in what each caller records), mute, a codec mix (PCMU, PCMA,
 * GSM), leaving while the call goes on, a local member, and the call's
 * end taking it out of the room.
 */
import { describe, expect, it } from 'vitest';
import type { Call } from '../../src/app/call.js';
import { Conference, type ConferenceMember } from '../../src/app/conference.js';
import type { Phone } from '../../src/app/phone.js';
import type { CodecId } from '../../src/codecs/codec.js';
import { toneSecondsIn } from '../support/tone-presence.js';
import { CaptureSink, PhoneWorld, sine } from './support/sim-phones.js';

const SERVER = '10.0.0.100';

interface Caller {
  readonly phone: Phone;
  readonly call: Call;
  readonly sink: CaptureSink;
  readonly hz: number;
}

async function setUp(
  seed: number,
  tones: { hz: number; codec?: CodecId }[],
  loss = 0,
  serverCodecs?: readonly CodecId[],
) {
  const world = new PhoneWorld(seed);
  world.net.setProfile({ delayMs: 15, jitterMs: loss ? 20 : 0, loss });
  const server = await world.phone(SERVER, serverCodecs ? { codecs: serverCodecs } : {});
  const conf = new Conference({ platform: server.platform, name: 'room-1' });
  const members: ConferenceMember[] = [];
  server.on('incoming', (c) => {
    void c.answer().then(() => members.push(conf.join(c)));
  });
  const callers: Caller[] = [];
  for (const [i, t] of tones.entries()) {
    const phone = await world.phone(`10.0.0.${i + 1}`, t.codec ? { codecs: [t.codec] } : {});
    const sink = new CaptureSink();
    const call = phone.call(`sip:room-1@${SERVER}`, { source: sine(t.hz, 6000), sink });
    await world.until(call.answered);
    callers.push({ phone, call, sink, hz: t.hz });
  }
  await world.run(200);
  const close = async () => {
    conf.close();
    await world.until(Promise.all([server.close(), ...callers.map((c) => c.phone.close())]));
  };
  return { world, server, conf, members, callers, close };
}

/** Seconds of each tone in what a caller heard from frame `from` on. */
function heard(c: Caller | CaptureSink, freqs: number[], from = 0): Record<number, number> {
  const s = new CaptureSink();
  for (const f of ('sink' in c ? c.sink : c).frames.slice(from)) s.write(f);
  return Object.fromEntries(freqs.map((f) => [f, toneSecondsIn(s.samples(), f)]));
}

describe('Conference: calls in one room', () => {
  it('three callers under 3 % loss and 20 ms jitter: each hears the other two, never itself', async () => {
    const freqs = [500, 900, 1300];
    const { world, callers, conf, close } = await setUp(
      1,
      freqs.map((hz) => ({ hz })),
      0.03,
    );
    await world.run(4000);
    expect(conf.size).toBe(3);
    for (const c of callers) {
      const h = heard(c, freqs);
      for (const f of freqs) {
        if (f === c.hz) expect(h[f], `caller ${c.hz} hears itself`).toBe(0);
        else expect(h[f], `caller ${c.hz} hears ${f}`).toBeGreaterThan(3);
      }
    }
    // One tick for the room: the calls do not tick on their own.
    expect(conf.members.every((m) => m.call?.media?.isBorrowed)).toBe(true);
    await close();
  });

  it('PCMU, PCMA and GSM callers in one room hear one another', async () => {
    const tones = [
      { hz: 500, codec: 'pcmu' as const },
      { hz: 900, codec: 'pcma' as const },
      { hz: 1300, codec: 'gsm' as const },
      { hz: 1700, codec: 'gsm' as const },
    ];
    const { world, callers, conf, close } = await setUp(2, tones);
    expect(callers.map((c) => c.call.codec)).toEqual(['PCMU', 'PCMA', 'GSM', 'GSM']);
    await world.run(3000);
    for (const c of callers) {
      const h = heard(c, [500, 900, 1300, 1700]);
      for (const t of tones) {
        if (t.hz === c.hz) expect(h[t.hz]).toBe(0);
        else expect(h[t.hz], `${c.call.codec} caller ${c.hz} hears ${t.hz}`).toBeGreaterThan(2);
      }
    }
    expect(conf.room.stats.ticks).toBeGreaterThan(150);
    await close();
  });

  it('G.722, Opus and PCMU callers in one room hear one another (wideband legs resampled once each way)', async () => {
    const tones = [
      { hz: 500, codec: 'g722' as const },
      { hz: 900, codec: 'opus' as const },
      { hz: 1300, codec: 'pcmu' as const },
    ];
    const { world, callers, conf, close } = await setUp(4, tones, 0, ['g722', 'opus', 'pcmu']);
    expect(callers.map((c) => c.call.codec)).toEqual(['G722', 'opus', 'PCMU']);
    await world.run(3000);
    for (const c of callers) {
      const h = heard(c, [500, 900, 1300]);
      for (const t of tones) {
        if (t.hz === c.hz) expect(h[t.hz]).toBe(0);
        else expect(h[t.hz], `${c.call.codec} caller ${c.hz} hears ${t.hz}`).toBeGreaterThan(2);
      }
    }
    expect(conf.room.stats.ticks).toBeGreaterThan(150);
    await close();
  });

  it('a muted member is heard by no one; unmuted, heard again; the talkers say who is heard', async () => {
    const freqs = [500, 900, 1300];
    const { world, callers, members, conf, close } = await setUp(
      3,
      freqs.map((hz) => ({ hz })),
    );
    await world.run(1000);
    expect(conf.talkers.length).toBe(3);
    const m900 = members.find((m) => m.call?.remote.includes('10-0-0-2'))!;
    m900.muted = true;
    const from = callers[0]!.sink.frames.length;
    await world.run(3000);
    expect(conf.talkers.map((m) => m.name)).not.toContain(m900.name);
    expect(heard(callers[0]!, freqs, from + 25)[900]).toBe(0);
    expect(heard(callers[2]!, freqs, from + 25)[900]).toBe(0);
    expect(heard(callers[0]!, freqs, from + 25)[1300]).toBeGreaterThan(2);
    m900.muted = false;
    const again = callers[0]!.sink.frames.length;
    await world.run(2000);
    expect(heard(callers[0]!, freqs, again + 25)[900]).toBeGreaterThan(1);
    await close();
  });

  it(
    'a caller that hangs up leaves the room; ' + 'one that leaves the room keeps its call, ticking on its own',
    async () => {
      const freqs = [500, 900, 1300];
      const { world, callers, members, conf, close } = await setUp(
        4,
        freqs.map((hz) => ({ hz })),
      );
      const left: string[] = [];
      conf.on('leave', (m, why) => left.push(`${m.name.includes('10-0-0-1') ? 'a' : 'b'}:${why}`));
      await world.until(callers[0]!.call.hangup());
      await world.run(200);
      expect(conf.size).toBe(2);
      expect(left).toEqual(['a:call-ended']);
      const b = members.find((m) => m.call?.remote.includes('10-0-0-2'))!;
      b.leave();
      expect(await b.left).toBe('left');
      expect(b.call?.media?.isBorrowed).toBe(false);
      // Out of the room, b's call goes on: it still sends (silence) and receives on its own tick.
      const sent = b.call!.stats()!.sent.packets;
      await world.run(1000);
      expect(b.call!.stats()!.sent.packets - sent).toBeGreaterThan(45);
      expect(b.call!.state).toBe('answered');
      // c, alone now, hears nobody.
      const from = callers[2]!.sink.frames.length;
      await world.run(1000);
      expect(heard(callers[2]!, freqs, from + 10)).toEqual({ 500: 0, 900: 0, 1300: 0 });
      await close();
    },
  );

  it('a local member (the phone itself: microphone and speaker) talks with the callers', async () => {
    const freqs = [500, 900, 1700];
    const { world, callers, conf, close } = await setUp(
      5,
      freqs.slice(0, 2).map((hz) => ({ hz })),
    );
    const speaker = new CaptureSink();
    const me = conf.add({ source: sine(1700, 6000), sink: speaker, name: 'me' });
    await world.run(3000);
    expect(heard(callers[0]!, freqs)[1700]).toBeGreaterThan(2);
    expect(heard(speaker, freqs)).toMatchObject({ 1700: 0 });
    expect(heard(speaker, freqs)[500]).toBeGreaterThan(2);
    expect(heard(speaker, freqs)[900]).toBeGreaterThan(2);
    me.leave();
    expect(conf.size).toBe(2);
    await close();
  });

  it('joining needs an answered call that is not in a conference already', async () => {
    const { world, callers, members, conf, close } = await setUp(6, [{ hz: 500 }]);
    const other = new Conference({ platform: world.platform() });
    expect(() => other.join(members[0]!.call!)).toThrow(/already driven/);
    const pending = callers[0]!.phone.call(`sip:nobody@10.0.0.99`);
    expect(() => conf.join(pending)).toThrow(/calling cannot join/);
    await world.until(pending.hangup());
    await close();
  });
});
