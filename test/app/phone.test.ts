/**
 * Phones in virtual time: how calls fail (each reason and SIP status),
 * admission control, refusing bad offers, codec choice, the echo mode,
 * cancelling, and closing with calls up.
 */
import { describe, expect, it } from 'vitest';
import type { Call } from '../../src/app/call.js';
import type { DtmfReceived } from '../../src/app/call-types.js';
import { CallFailedError } from '../../src/app/errors.js';
import type { UserAgent } from '../../src/sip/api/user-agent.js';
import { SipUsageError, type SipRequestFailedError } from '../../src/sip/errors.js';
import type { SipResponse } from '../../src/sip/message/message.js';
import { CaptureSink, PhoneWorld, sine } from './support/sim-phones.js';

/** An INVITE straight from the user agent; resolves with the final response. */
async function rawInvite(ua: UserAgent, uri: string, body?: string): Promise<SipResponse | undefined> {
  try {
    const d = await ua.invite(uri, body === undefined ? {} : { body, contentType: 'application/sdp' }).answered;
    await d.bye();
    return undefined;
  } catch (e) {
    return (e as SipRequestFailedError).response;
  }
}

function sdpOffer(host: string): string {
  return `v=0\r\no=- 1 1 IN IP4 ${host}\r\ns=-\r\nc=IN IP4 ${host}\r\nt=0 0\r\nm=audio 30000 RTP/AVP 0\r\n`;
}

const A = '10.0.0.1';
const B = '10.0.0.2';

async function world2(seed: number, bOpts: Parameters<PhoneWorld['phone']>[1] = {}) {
  const world = new PhoneWorld(seed);
  world.net.setProfile({ delayMs: 10 });
  const alice = await world.phone(A);
  const bob = await world.phone(B, bOpts);
  const close = () => world.until(Promise.all([alice.close(), bob.close()]));
  return { world, alice, bob, close };
}

describe('how calls fail', () => {
  it.each([
    [486, 'busy'],
    [600, 'busy'],
    [603, 'rejected'],
    [404, 'rejected'],
    [480, 'rejected'],
    [408, 'no-answer'],
  ] as const)('the callee answers %i: the call ends %s with that status', async (status, reason) => {
    const { world, alice, bob, close } = await world2(status);
    bob.on('incoming', (c) => c.reject(status));
    const call = alice.call(`sip:bob@${B}`);
    const err = await world.until(call.answered).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CallFailedError);
    expect(err).toMatchObject({ reason, status });
    expect(await world.until(call.ended)).toMatchObject({ reason, status, answered: false, durationMs: 0 });
    await close();
  });

  it('nobody answers within the answer timeout: CANCEL, no-answer; the callee sees cancelled', async () => {
    const { world, alice, bob, close } = await world2(20);
    let incoming: Call | undefined;
    bob.on('incoming', (c) => {
      incoming = c;
      c.ring();
    });
    const call = alice.call(`sip:bob@${B}`, { answerTimeoutMs: 5000 });
    const end = await world.until(call.ended);
    expect(end).toMatchObject({ reason: 'no-answer', status: 487 });
    expect(world.scheduler.now()).toBeGreaterThanOrEqual(5000);
    expect((await world.until(incoming!.ended)).reason).toBe('cancelled');
    await close();
  });

  it('an address where nobody listens: no answer after Timer B (64*T1)', async () => {
    const world = new PhoneWorld(21);
    const alice = await world.phone(A);
    const call = alice.call('sip:nobody@10.0.0.99');
    const end = await world.until(call.ended);
    expect(end).toMatchObject({ reason: 'no-answer', status: 408 });
    expect(world.scheduler.now()).toBeGreaterThanOrEqual(32_000);
    await world.until(alice.close());
  });

  it('the caller hangs up while it rings: CANCEL (487), both sides end', async () => {
    const { world, alice, bob, close } = await world2(22);
    let incoming: Call | undefined;
    bob.on('incoming', (c) => {
      incoming = c;
      c.ring();
    });
    const call = alice.call(`sip:bob@${B}`);
    await world.run(500);
    expect(call.state).toBe('ringing');
    expect(await world.until(call.hangup())).toMatchObject({ reason: 'hangup', status: 487 });
    expect((await world.until(incoming!.ended)).reason).toBe('cancelled');
    await close();
  });

  it('a malformed URI is a usage error at once', async () => {
    const { alice, close } = await world2(23);
    expect(() => alice.call('sip:')).toThrow(SipUsageError);
    expect(() => alice.call('tel:+15551234')).toThrow(SipUsageError);
    await close();
  });
});

describe('redirects (3xx)', () => {
  it('follows a 302 to its Contact: the call is answered there', async () => {
    const { world, alice, bob, close } = await world2(34);
    const C = '10.0.0.3';
    const carol = await world.phone(C);
    bob.on('incoming', (c) =>
      c.reject(302, 'Moved Temporarily', [['Contact', `<sip:carol@${C}>;q=0.5, <sip:nobody@${C}>;q=0.1`]]),
    );
    carol.on('incoming', (c) => void c.answer({ source: sine(700) }));
    const call = alice.call(`sip:bob@${B}`);
    const redirects: unknown[] = [];
    call.on('redirected', (r) => redirects.push(r));
    expect((await world.until(call.answered)).codec).toBe('PCMU');
    expect(redirects).toEqual([{ status: 302, target: `sip:carol@${C}` }]);
    expect(carol.calls).toHaveLength(1);
    await world.until(call.hangup());
    await world.until(carol.close());
    await close();
  });

  it('a redirect loop ends with the 3xx as the answer', async () => {
    const { world, alice, bob, close } = await world2(35);
    bob.on('incoming', (c) => c.reject(302, 'Moved Temporarily', [['Contact', `<sip:bob@${B}>`]]));
    const call = alice.call(`sip:bob@${B}`);
    expect(await world.until(call.ended)).toMatchObject({ reason: 'rejected', status: 302 });
    await close();
  });
});

describe('what a phone refuses before the application sees it', () => {
  it('beyond capacity: 503 with Retry-After, the calls in progress unharmed', async () => {
    const { world, alice, bob, close } = await world2(30, { capacity: 2, retryAfterSec: 7 });
    bob.on('incoming', (c) => void c.answer({ source: sine(500) }));
    const calls = [alice.call(`sip:bob@${B}`), alice.call(`sip:bob@${B}`)];
    await world.until(Promise.all(calls.map((c) => c.answered)));
    const over: string[] = [];
    bob.on('overload', (r) => over.push(r.callId));
    const third = alice.call(`sip:bob@${B}`);
    const err = (await world.until(third.answered).catch((e: unknown) => e)) as CallFailedError;
    expect(err).toMatchObject({ reason: 'rejected', status: 503 });
    expect(over).toHaveLength(1);
    expect(bob.overloaded).toBe(1);
    // The Retry-After the UAC saw:
    const res = await world.until(rawInvite(alice.ua, `sip:bob@${B}`, sdpOffer(A)));
    expect(res?.status).toBe(503);
    expect(res?.header('Retry-After')).toBe('7');
    await world.run(1000);
    for (const c of calls) expect(c.state).toBe('answered');
    await world.until(Promise.all(calls.map((c) => c.hangup())));
    await world.run(100); // the BYEs reach Bob
    expect(bob.calls).toHaveLength(0);
    // Capacity is free again.
    const fourth = alice.call(`sip:bob@${B}`);
    expect((await world.until(fourth.answered)).codec).toBe('PCMU');
    await world.until(fourth.hangup());
    await close();
  });

  it('a bad SDP offer gets 400 with a Warning naming the line; no common codec 488', async () => {
    const { world, alice, bob, close } = await world2(31, { codecs: ['pcmu'] });
    let seen = 0;
    bob.on('incoming', () => seen++);
    const bad = await world.until(rawInvite(alice.ua, `sip:bob@${B}`, 'v=0\r\nbogus\r\n'));
    expect(bad?.status).toBe(400);
    expect(bad?.header('Warning')).toMatch(/line 2/);
    const gsmOnly = alice.call(`sip:bob@${B}`, { codecs: ['gsm'] });
    const err = await world.until(gsmOnly.answered).catch((e: unknown) => e);
    expect(err).toMatchObject({ reason: 'rejected', status: 488 });
    expect(seen).toBe(0);
    await close();
  });

  it(
    'an INVITE without an offer gets our offer in the 200 OK; an ACK without the answer ends the call with ' + 'BYE',
    async () => {
      const { world, alice, bob, close } = await world2(33, { codecs: ['pcmu'] });
      const ended: Promise<unknown>[] = [];
      bob.on('incoming', (c) => {
        ended.push(c.ended);
        void c.answer({ source: sine(500) });
      });
      const out = alice.ua.invite(`sip:bob@${B}`, {});
      const dialog = await world.until(out.answered);
      // RFC 3261 13.2.1: the offer comes in the 2xx, the answer must come in the ACK (our stack's ACK has none).
      expect(new TextDecoder().decode(out.response!.body)).toMatch(/^m=audio \d+ RTP\/AVP 0 101\r$/m);
      expect(await world.until(dialog.terminated)).toBe('remote-bye');
      expect(ended).toHaveLength(1);
      expect(await world.until(ended[0]!)).toMatchObject({
        reason: 'failed',
        status: 488,
        message: expect.stringMatching(/no SDP answer/),
      });
      await close();
    },
  );

  it('without an incoming listener a call gets 480', async () => {
    const { world, alice, close } = await world2(32);
    const call = alice.call(`sip:bob@${B}`);
    expect(await world.until(call.ended)).toMatchObject({ reason: 'rejected', status: 480 });
    await close();
  });
});

describe('codecs, echo, shutdown', () => {
  it('negotiates in the answerer’s order: GSM when the callee prefers it, and carries audio', async () => {
    const { world, alice, bob, close } = await world2(40, { codecs: ['gsm', 'pcmu'] });
    const sink = new CaptureSink();
    bob.on('incoming', (c) => void c.answer({ source: sine(800) }));
    const call = alice.call(`sip:bob@${B}`, { sink });
    expect((await world.until(call.answered)).codec).toBe('GSM');
    await world.run(2000);
    await world.until(call.hangup());
    expect(sink.toneSeconds(800)).toBeGreaterThan(1.6);
    await close();
  });

  it('an echo call returns our audio and our RFC 4733 digits, re-originated, with no added delay', async () => {
    const { world, alice, bob, close } = await world2(41);
    let echoCall: Call | undefined;
    const atEcho: DtmfReceived[] = [];
    bob.on('incoming', (c) => {
      echoCall = c;
      c.on('dtmf', (d) => atEcho.push(d));
      void c.answer({ echo: true });
    });
    const sink = new CaptureSink();
    const call = alice.call(`sip:echo@${B}`, { source: sine(1000), sink });
    await world.until(call.answered);
    const back: DtmfReceived[] = [];
    call.on('dtmf', (d) => back.push(d));
    await world.run(1000);
    await world.until(call.sendDtmf('42'));
    await world.run(2000);
    const s = call.stats()!;
    await world.until(call.hangup());
    expect(sink.toneSeconds(1000)).toBeGreaterThan(2.4);
    expect(back.map((d) => `${d.how}:${d.digit}:${d.durationMs}`)).toEqual(['rfc4733:4:100', 'rfc4733:2:100']);
    expect(atEcho.map((d) => d.digit)).toEqual(['4', '2']);
    // Our own SSRC does not come back: the echo sends as itself.
    expect(s.rtp.remoteSsrc).not.toBe(s.rtp.ssrc);
    expect(s.received.lost).toBe(0);
    // 10 ms each way: what we hear is 20 ms behind what we send, plus the playout delay.
    expect(s.rttMs).toBeGreaterThan(19);
    expect(s.rttMs).toBeLessThan(22);
    expect(echoCall!.stats()!.received.packets).toBeGreaterThan(140);
    await close();
  });

  it('an echo call whose caller falls silent ends with rtp-timeout, and BYE', async () => {
    const { world, alice, bob, close } = await world2(43, { media: { rtp: { rtpTimeoutMs: 3000 } } });
    let echoCall: Call | undefined;
    bob.on('incoming', (c) => {
      echoCall = c;
      void c.answer({ echo: true });
    });
    const call = alice.call(`sip:echo@${B}`, { source: sine(1000) });
    await world.until(call.answered);
    await world.run(1000);
    expect(echoCall!.stats()!.received.packets).toBeGreaterThan(40);
    world.net.setProfile({ loss: 1 }, A, B);
    const end = await world.until(echoCall!.ended);
    expect(end.reason).toBe('rtp-timeout');
    expect(end.durationMs).toBeGreaterThan(3500);
    expect(end.durationMs).toBeLessThan(4500);
    world.net.setProfile({ delayMs: 10 });
    expect((await world.until(call.ended)).reason).toBe('remote-hangup');
    await close();
  });

  it('closing a phone hangs up its calls (BYE) and refuses new ones', async () => {
    const { world, alice, bob, close } = await world2(42);
    bob.on('incoming', (c) => void c.answer());
    const call = alice.call(`sip:bob@${B}`);
    await world.until(call.answered);
    const ended = call.ended;
    await world.until(bob.close());
    expect((await world.until(ended)).reason).toBe('remote-hangup');
    const next = alice.call(`sip:bob@${B}`);
    expect((await world.until(next.ended)).reason).not.toBe('hangup');
    await close();
  });
});
