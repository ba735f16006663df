/**
 * Whole calls between two phones in virtual time, through a simulated
 * network: audio both ways (checked by tone detection), DTMF both ways in
 * every mode, hold, hang-up from either side, RTP timeout.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Call } from '../../src/app/call.js';
import type { CallEnd, DtmfReceived, HoldChange } from '../../src/app/call-types.js';
import { CallEndedError, CallStateError } from '../../src/app/errors.js';
import type { Phone } from '../../src/app/phone.js';
import { CaptureSink, PhoneWorld, finite, sine } from './support/sim-phones.js';

const A = '10.0.0.1';
const B = '10.0.0.2';

let phones: Phone[] = [];
afterEach(async () => {
  phones = [];
});

async function pair(
  world: PhoneWorld,
  a: Parameters<PhoneWorld['phone']>[1] = {},
  b: Parameters<PhoneWorld['phone']>[1] = {},
) {
  const alice = await world.phone(A, a);
  const bob = await world.phone(B, b);
  phones.push(alice, bob);
  return { alice, bob };
}

/** Alice calls Bob; Bob rings then answers with `bobOpts`; both sides' sinks capture. */
async function connect(world: PhoneWorld, alice: Phone, bob: Phone, o: { aFreq?: number; bFreq?: number } = {}) {
  const aSink = new CaptureSink();
  const bSink = new CaptureSink();
  let incoming: Call | undefined;
  bob.on('incoming', (c) => {
    incoming = c;
    c.ring();
    world.scheduler.after(300, () => void c.answer({ source: sine(o.bFreq ?? 1200), sink: bSink }));
  });
  const events: string[] = [];
  const call = alice.call(`sip:bob@${B}`, { source: sine(o.aFreq ?? 700), sink: aSink });
  call.on('trying', () => events.push('trying'));
  call.on('ringing', (s) => events.push(`ringing ${s}`));
  const info = await world.until(call.answered);
  return { call, callee: incoming!, info, aSink, bSink, events };
}

describe('a call between two phones (virtual time)', () => {
  it('rings, answers, carries audio both ways, and the caller hangs up', async () => {
    const world = new PhoneWorld(1);
    world.net.setProfile({ delayMs: 15 });
    const { alice, bob } = await pair(world);
    const { call, callee, info, aSink, bSink, events } = await connect(world, alice, bob);
    expect(events).toContain('ringing 180');
    expect(info.codec).toBe('PCMU');
    expect(info.telephoneEvent).toBe(true);
    expect(info.peer).toBe(`${B}:20000`);
    expect(callee.state).toBe('ringing'); // the ACK is still on its way
    await world.run(100);
    expect(callee.state).toBe('answered');
    await world.run(3000);
    const stats: number[] = [];
    call.on('stats', (s) => stats.push(s.received.packets));
    await world.run(2000);
    expect(stats.length).toBeGreaterThanOrEqual(2);
    const calleeEnd = callee.ended;
    const end = await world.until(call.hangup());
    expect(end).toMatchObject({ reason: 'hangup', answered: true });
    expect((await world.until(calleeEnd)).reason).toBe('remote-hangup');
    // Each side heard the other's tone for most of the 5 s, and never its own.
    expect(aSink.toneSeconds(1200)).toBeGreaterThan(4.5);
    expect(bSink.toneSeconds(700)).toBeGreaterThan(4.5);
    expect(aSink.toneSeconds(700)).toBe(0);
    expect(aSink.closed && bSink.closed).toBe(true);
    const s = call.stats()!;
    expect(s.received.lost).toBe(0);
    expect(s.sent.packets).toBeGreaterThan(240);
    expect(s.rttMs).toBeGreaterThan(25);
    expect(s.rttMs).toBeLessThan(40);
    expect(alice.calls).toHaveLength(0);
    expect(bob.calls).toHaveLength(0);
    await world.until(Promise.all([alice.close(), bob.close()]));
  });

  it('keeps the audio through 3 % loss and 40 ms of jitter, and counts the loss', async () => {
    const world = new PhoneWorld(7);
    world.net.setProfile({ delayMs: 20, jitterMs: 40, loss: 0.03 });
    const { alice, bob } = await pair(world);
    const { call, aSink, bSink } = await connect(world, alice, bob, { aFreq: 600, bFreq: 1500 });
    await world.run(10_000);
    const s = call.stats()!;
    await world.until(call.hangup());
    expect(s.received.lossPercent).toBeGreaterThan(1.5);
    expect(s.received.lossPercent).toBeLessThan(5);
    expect(s.remote?.lossPercent).toBeGreaterThan(1);
    expect(aSink.toneSeconds(1500)).toBeGreaterThan(8);
    expect(bSink.toneSeconds(600)).toBeGreaterThan(8);
    await world.until(Promise.all([alice.close(), bob.close()]));
  });

  it('the callee hangs up: the caller sees remote-hangup', async () => {
    const world = new PhoneWorld(2);
    const { alice, bob } = await pair(world);
    const { call, callee } = await connect(world, alice, bob);
    await world.run(1000);
    expect((await world.until(callee.hangup())).reason).toBe('hangup');
    const end = await world.until(call.ended);
    expect(end.reason).toBe('remote-hangup');
    expect(end.durationMs).toBeGreaterThan(900);
    await world.until(Promise.all([alice.close(), bob.close()]));
  });

  it('DTMF both ways: RFC 4733, SIP INFO and in-band tones, each digit checked', async () => {
    const world = new PhoneWorld(3);
    const { alice, bob } = await pair(world, {}, { inbandDtmf: 'on' });
    const { call, callee } = await connect(world, alice, bob);
    const atBob: DtmfReceived[] = [];
    const atAlice: DtmfReceived[] = [];
    callee.on('dtmf', (d) => atBob.push(d));
    call.on('dtmf', (d) => atAlice.push(d));
    await world.run(500);
    await world.until(call.sendDtmf('159#', 'rfc4733'));
    await world.until(callee.sendDtmf('*0', 'info'));
    await world.until(call.sendDtmf('73', 'inband'));
    await world.run(500);
    expect(
      atBob
        .filter((d) => d.how === 'rfc4733')
        .map((d) => d.digit)
        .join(''),
    ).toBe('159#');
    expect(
      atBob
        .filter((d) => d.how === 'inband')
        .map((d) => d.digit)
        .join(''),
    ).toBe('73');
    expect(atAlice.map((d) => `${d.how}:${d.digit}`)).toEqual(['info:*', 'info:0']);
    for (const d of atBob.filter((x) => x.how === 'rfc4733')) expect(d.durationMs).toBe(100);
    await world.until(call.hangup());
    await world.until(Promise.all([alice.close(), bob.close()]));
  });

  it('hold and resume by re-INVITE: the held side stops sending, both are told', async () => {
    const world = new PhoneWorld(4);
    const { alice, bob } = await pair(world);
    const { call, callee, aSink } = await connect(world, alice, bob);
    const atBob: HoldChange[] = [];
    const atAlice: HoldChange[] = [];
    callee.on('hold', (h) => atBob.push(h));
    call.on('hold', (h) => atAlice.push(h));
    await world.run(1000);
    await world.until(call.hold());
    expect(atAlice).toEqual([{ held: true, by: 'local', direction: 'sendonly' }]);
    await world.run(100);
    expect(atBob).toEqual([{ held: true, by: 'remote', direction: 'recvonly' }]);
    const sentByBob = callee.stats()!.sent.packets;
    const sentByAlice = call.stats()!.sent.packets;
    const heardBefore = aSink.toneSeconds(1200);
    await world.run(2000);
    expect(callee.stats()!.sent.packets).toBe(sentByBob);
    expect(call.stats()!.sent.packets).toBeGreaterThan(sentByAlice + 90);
    expect(aSink.toneSeconds(1200)).toBeCloseTo(heardBefore, 0);
    await world.until(call.resume());
    await world.run(2000);
    expect(atBob.at(-1)).toEqual({ held: false, by: 'remote', direction: 'sendrecv' });
    expect(callee.stats()!.sent.packets).toBeGreaterThan(sentByBob + 90);
    await world.until(call.hangup());
    await world.until(Promise.all([alice.close(), bob.close()]));
  });

  it('the peer holds with c=0.0.0.0 (RFC 3264 8.4 legacy): we stop sending to it', async () => {
    const world = new PhoneWorld(5);
    const { alice, bob } = await pair(world);
    const { call, callee } = await connect(world, alice, bob);
    const atBob: HoldChange[] = [];
    callee.on('hold', (h) => atBob.push(h));
    await world.run(500);
    // Alice's dialog sends a hand-made legacy hold offer.
    const sdp =
      `v=0\r\no=x 1 2 IN IP4 ${A}\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\nm=audio 20000 RTP/AVP 0 ` +
      `101\r\na=rtpmap:101 telephone-event/8000\r\na=rtcp-mux\r\n`;
    const res = await world.until(call.dialog!.reinvite(sdp));
    expect(res.status).toBe(200);
    // c=0.0.0.0 says "do not send to me"; the peer may still send: we only receive.
    expect(atBob).toEqual([{ held: true, by: 'remote', direction: 'recvonly' }]);
    const sent = callee.stats()!.sent.packets;
    await world.run(1000);
    expect(callee.stats()!.sent.packets).toBe(sent);
    await world.until(call.hangup());
    await world.until(Promise.all([alice.close(), bob.close()]));
  });

  it('ends a call whose media stopped with rtp-timeout, and BYE', async () => {
    const world = new PhoneWorld(6);
    const { alice, bob } = await pair(world, { media: { rtp: { rtpTimeoutMs: 3000 } } });
    const { call, callee } = await connect(world, alice, bob);
    await world.run(1000);
    world.net.setProfile({ loss: 1 }, B, A);
    const end = await world.until(call.ended);
    expect(end.reason).toBe('rtp-timeout');
    expect(end.durationMs).toBeGreaterThan(3500);
    expect(end.durationMs).toBeLessThan(4500);
    expect((await world.until(callee.ended)).reason).toBe('remote-hangup');
    world.net.setProfile({});
    await world.until(Promise.all([alice.close(), bob.close()]));
  });

  it('plays a finite source to its end, then sends silence; play() rejects once the call ended', async () => {
    const world = new PhoneWorld(8);
    const { alice, bob } = await pair(world);
    const { call, callee, bSink } = await connect(world, alice, bob);
    await world.until(call.play(finite(900, 50)));
    await world.run(500);
    expect(bSink.toneSeconds(900)).toBeGreaterThan(0.8);
    expect(bSink.toneSeconds(900)).toBeLessThan(1.2);
    const playing = callee.play(sine(400));
    await world.run(200);
    void call.hangup();
    await expect(world.until(playing)).rejects.toBeInstanceOf(CallEndedError);
    await expect(callee.sendDtmf('1')).rejects.toBeInstanceOf(CallEndedError);
    await world.until(Promise.all([alice.close(), bob.close()]));
  });

  it('refuses API misuse with CallStateError', async () => {
    const world = new PhoneWorld(9);
    const { alice, bob } = await pair(world);
    let incoming: Call | undefined;
    bob.on('incoming', (c) => (incoming = c));
    const call = alice.call(`sip:bob@${B}`);
    await world.run(100);
    await expect(call.sendDtmf('1')).rejects.toBeInstanceOf(CallStateError);
    expect(() => call.ring()).toThrow(CallStateError);
    await expect(call.answer()).rejects.toBeInstanceOf(CallStateError);
    void incoming!.answer();
    await world.until(call.answered);
    await expect(call.sendDtmf('1x')).rejects.toBeInstanceOf(CallStateError);
    expect(() => incoming!.reject()).toThrow(CallStateError);
    const ends: CallEnd[] = [];
    alice.on('ended', (_c, e) => ends.push(e));
    await world.until(call.hangup());
    expect(ends).toHaveLength(1);
    await world.until(Promise.all([alice.close(), bob.close()]));
  });
});
