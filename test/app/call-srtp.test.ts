/**
 * Whole SRTP calls between two phones in virtual time (the simulated
 * network, UDP signalling): the options reach the negotiation, the keys
 * reach the media, audio flows both ways authenticated; mandatory SRTP
 * against a peer without it is 488; keys are not sent over UDP unless
 * allowed.
 */
import { describe, expect, it } from 'vitest';
import type { Call } from '../../src/app/call.js';
import type { SrtpSettings } from '../../src/app/negotiation.js';
import { describeEnd } from '../../src/doug/server.js';
import { CaptureSink, PhoneWorld, sine } from './support/sim-phones.js';

const A = '10.0.0.1';
const B = '10.0.0.2';

const srtp = (mode: SrtpSettings['mode'], allowInsecureKeys = true, suites?: SrtpSettings['suites']) => ({
  mode,
  allowInsecureKeys,
  suites: suites ?? (['AEAD_AES_256_GCM', 'AES_CM_128_HMAC_SHA1_32'] as const),
});

async function call(world: PhoneWorld, a: SrtpSettings | undefined, b: SrtpSettings | undefined) {
  const alice = await world.phone(A, a ? { media: { srtp: a } } : {});
  const bob = await world.phone(B, b ? { media: { srtp: b } } : {});
  const aSink = new CaptureSink();
  const bSink = new CaptureSink();
  let callee: Call | undefined;
  bob.on('incoming', (c) => {
    callee = c;
    void c.answer({ source: sine(1200), sink: bSink });
  });
  const c = alice.call(`sip:bob@${B}`, { source: sine(700), sink: aSink });
  return { c, aSink, bSink, callee: () => callee };
}

describe('SRTP calls (virtual time)', () => {
  it('both mandatory: the first suite of the offer, audio both ways, every packet authenticated', async () => {
    const world = new PhoneWorld(3);
    const { c, aSink, bSink, callee } = await call(world, srtp('mandatory'), srtp('optional'));
    await world.until(c.answered);
    await world.run(3000);
    const s = c.stats()!.srtp!;
    const t = callee()!.stats()!.srtp!;
    expect(s.suite).toBe('AEAD_AES_256_GCM');
    expect(t.suite).toBe('AEAD_AES_256_GCM');
    expect(s.authFailed + t.authFailed).toBe(0);
    expect(s.received.rtp.ok).toBeGreaterThan(120);
    expect(t.received.rtp.ok).toBeGreaterThan(120);
    await world.until(c.hangup());
    // serve's one line per call names the suite.
    expect(describeEnd(callee()!, await world.until(callee()!.ended))).toMatch(/, SRTP AEAD_AES_256_GCM; ended/);
    expect(aSink.toneSeconds(1200)).toBeGreaterThan(2.5);
    expect(bSink.toneSeconds(700)).toBeGreaterThan(2.5);
  });

  it('optional on both sides but no suite in common: plain RTP, no srtp in the statistics', async () => {
    const world = new PhoneWorld(4);
    const { c, aSink } = await call(
      world,
      srtp('optional', true, ['AES_CM_128_HMAC_SHA1_80']),
      srtp('optional', true, ['AEAD_AES_128_GCM']),
    );
    await world.until(c.answered);
    await world.run(2000);
    expect(c.stats()!.srtp).toBeUndefined();
    await world.until(c.hangup());
    expect(aSink.toneSeconds(1200)).toBeGreaterThan(1.5);
  });

  it('a mandatory callee refuses a caller without SRTP with 488', async () => {
    const world = new PhoneWorld(5);
    const { c } = await call(world, undefined, srtp('mandatory'));
    const end = await world.until(c.ended);
    expect(end).toMatchObject({ reason: 'rejected', status: 488, answered: false });
  });

  it('a mandatory caller whose peer answers without SRTP fails the call, saying why', async () => {
    const world = new PhoneWorld(6);
    // Bob does not do SRTP at all: RTP/SAVP is refused, so Alice's call fails with 488 too.
    const { c } = await call(world, srtp('mandatory'), undefined);
    const end = await world.until(c.ended);
    expect(end.answered).toBe(false);
    expect(end.status).toBe(488);
  });

  it('mandatory SRTP without --srtp-allow-insecure-keys over UDP: no INVITE, a clear reason', async () => {
    const world = new PhoneWorld(7);
    const { c, callee } = await call(world, srtp('mandatory', false), srtp('optional'));
    const end = await world.until(c.ended);
    expect(end.reason).toBe('failed');
    expect(end.message).toMatch(/SRTP is mandatory but its keys would go over udp signalling/);
    await world.run(1000);
    expect(callee()).toBeUndefined();
  });
});
