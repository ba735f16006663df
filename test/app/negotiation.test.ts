/**
 * One call's offer/answer state (`Negotiation`), with both ends in memory:
 * offers and answers each way, early media that the 2xx repeats or
 * replaces, a delayed offer, re-offers for hold, a re-INVITE that would
 * change the codec, and the `o=` line from injected randomness.
 */
import { describe, expect, it } from 'vitest';
import { Negotiation } from '../../src/app/negotiation.js';
import { PCMA, PCMU } from '../../src/codecs/g711.js';
import { GSM } from '../../src/codecs/gsm.js';
import type { RtpChannel } from '../../src/rtp/rtp-channel.js';
import { parseSdp } from '../../src/sdp/parse.js';
import { serializeSdp } from '../../src/sdp/serialize.js';

function channel(address: string, port: number): RtpChannel {
  return {
    address,
    port,
    rtcpPort: port + 1,
    mapped: undefined,
    send: () => {},
    onDatagram: undefined,
    onError: undefined,
    close: async () => {},
  };
}

const bytes = (sdp: ReturnType<Negotiation['offer']>) => Buffer.from(serializeSdp(sdp));

function pair(random?: () => number) {
  const a = new Negotiation({
    channel: channel('192.0.2.1', 20000),
    address: () => '192.0.2.1',
    rtcpMux: true,
    ...(random ? { random } : {}),
  });
  const b = new Negotiation({ channel: channel('192.0.2.2', 30000), address: () => '192.0.2.2', rtcpMux: true });
  return { a, b };
}

describe('Negotiation', () => {
  it('offer, answer, and the o= line from the injected randomness (its version counts up)', () => {
    const { a, b } = pair(() => 0.25);
    const offer = a.offer([PCMU, GSM]);
    expect(offer.origin).toMatchObject({ username: 'shtoom', sessionId: '250000000', sessionVersion: '250000000' });
    const { answer, media } = b.answerOffer(parseSdp(serializeSdp(offer)), [GSM, PCMU]);
    expect(media.send.name).toBe('GSM');
    const agreed = a.takeAnswer(bytes(answer));
    expect(agreed.send.name).toBe('GSM');
    expect(agreed.remoteRtp).toEqual({ address: '192.0.2.2', port: 30000 });
    expect(a.reoffer('sendonly').origin).toMatchObject({ sessionId: '250000000', sessionVersion: '250000001' });
  });

  it('early media: a 2xx that repeats the answer (or has none) goes on; another answer restarts', () => {
    const { a, b } = pair();
    const offer = parseSdp(serializeSdp(a.offer([PCMU])));
    const early = b.answerOffer(offer, [PCMU]).answer;
    expect(a.takeEarlyAnswer(bytes(early))?.send.name).toBe('PCMU');
    expect(a.takeEarlyAnswer(bytes(early))).toBeUndefined(); // only the first is used
    expect(a.takeFinalAnswer(new Uint8Array(0)).restart).toBe(false);

    const { a: a2, b: b2 } = pair();
    const offer2 = parseSdp(serializeSdp(a2.offer([PCMU, PCMA])));
    a2.takeEarlyAnswer(bytes(b2.answerOffer(offer2, [PCMU]).answer));
    const other = new Negotiation({ channel: channel('192.0.2.3', 40000), address: () => '192.0.2.3', rtcpMux: true });
    const final = a2.takeFinalAnswer(bytes(other.answerOffer(offer2, [PCMA]).answer));
    expect(final).toMatchObject({ restart: true, media: { send: { name: 'PCMA' }, remoteRtp: { port: 40000 } } });
  });

  it('a delayed offer: our offer in the 2xx, the answer in the ACK; an ACK without one is refused', () => {
    const { a, b } = pair();
    const offer = b.offer([PCMU]);
    expect(() => b.takeAnswer(new Uint8Array(0))).toThrow(/no SDP answer/);
    const { answer } = a.answerOffer(parseSdp(serializeSdp(offer)), [PCMU]);
    expect(b.takeAnswer(bytes(answer)).send.name).toBe('PCMU');
  });

  it('hold both ways: our re-offer and its answer; the peer’s re-INVITE, which may not change the codec', () => {
    const { a, b } = pair();
    a.takeAnswer(bytes(b.answerOffer(parseSdp(serializeSdp(a.offer([PCMU, PCMA]))), [PCMU]).answer));
    // We hold the peer: a=sendonly; its answer says recvonly.
    const hold = a.reoffer('sendonly');
    const r = b.answerReoffer(parseSdp(serializeSdp(hold)));
    if ('status' in r) throw new Error(`refused: ${r.status}`);
    expect(b.remoteHoldChanged()).toBe(true);
    expect(b.remoteHeld).toBe(true);
    expect(a.takeReanswer(bytes(r.answer), 'sendonly').direction).toBe('sendonly');
    expect(a.localDirection).toBe('sendonly');
    // The peer offers another codec in a re-INVITE: 488.
    const switching = new Negotiation({
      channel: channel('192.0.2.2', 30000),
      address: () => '192.0.2.2',
      rtcpMux: true,
    });
    const pcma = parseSdp(serializeSdp(switching.offer([PCMA])));
    expect(a.answerReoffer(pcma)).toEqual({ status: 488, reason: expect.stringMatching(/codec|Not Acceptable/) });
  });
});
