/**
 * A call that starts with a key press: the first packets of the peer's SSRC
 * are an audio packet and then RFC 4733 events (or the other way round).
 * Probation holds the first one; when the second validates the source, each
 * held packet must be delivered as what its payload type says — not as the
 * kind of the packet that completed the probation (an audio payload read as
 * an event is a bogus digit "?").
 */
import { describe, expect, it } from 'vitest';
import { serializeRtp } from '../../src/rtp/rtp-packet.js';
import { RtpSession } from '../../src/rtp/rtp-session.js';
import type { RtpSessionEvent } from '../../src/rtp/rtp-session-types.js';
import { serializeTelephoneEvent } from '../../src/rtp/telephone-event.js';

const PEER = { address: '10.0.0.2', port: 5000 };

function session(): RtpSession {
  return new RtpSession({
    remoteRtp: PEER,
    payloadType: 0,
    clockRate: 8000,
    telephoneEventPayloadType: 101,
    rtcpIntervalMs: 0,
    random: () => 0.5,
  });
}

const audio = (seq: number, ts: number) =>
  serializeRtp({
    marker: seq === 1,
    payloadType: 0,
    sequenceNumber: seq,
    timestamp: ts,
    ssrc: 7,
    csrcs: [],
    payload: new Uint8Array(160).fill(0xff),
    padding: 0,
  });
const event = (seq: number, ts: number, end: boolean, duration: number) =>
  serializeRtp({
    marker: duration === 160,
    payloadType: 101,
    sequenceNumber: seq,
    timestamp: ts,
    ssrc: 7,
    csrcs: [],
    payload: serializeTelephoneEvent({ event: 5, end, volume: 10, duration }),
    padding: 0,
  });

function feed(s: RtpSession, packets: Uint8Array[]): RtpSessionEvent[] {
  const out: RtpSessionEvent[] = [];
  packets.forEach((p, i) => {
    s.handleDatagram(p, PEER, 20 * (i + 1), 'rtp');
    for (let e = s.pollEvent(); e; e = s.pollEvent()) out.push(e);
  });
  return out;
}

describe('probation with audio and RFC 4733 on one SSRC', () => {
  it('an audio packet held, then an event completes the probation: one digit 5, the audio in the jitter buffer', () => {
    const s = session();
    const events = feed(s, [
      audio(1, 0),
      event(2, 160, false, 160),
      event(3, 160, false, 320),
      event(4, 160, true, 800),
      event(5, 160, true, 800),
      audio(6, 960),
    ]);
    const digits = events
      .filter((e) => e.type === 'dtmf')
      .map((e) => (e as Extract<RtpSessionEvent, { type: 'dtmf' }>).event.digit);
    expect(digits).toEqual(['5']);
    expect(events.find((e) => e.type === 'source')).toMatchObject({ ssrc: 7, kind: 'audio' });
    // Both audio packets reached the jitter buffer (the held one too).
    expect(s.stats().received?.packets).toBe(6);
    const jb = s.jitterBuffer!;
    let played = 0;
    for (let t = 0; t < 2000; t += 20) if (jb.pull(t).kind === 'audio') played++;
    expect(played).toBe(2);
  });

  it('an event held, then audio completes the probation: the digit still comes, once', () => {
    const s = session();
    const events = feed(s, [event(1, 0, false, 160), audio(2, 160), event(3, 0, true, 800), audio(4, 320)]);
    const digits = events
      .filter((e) => e.type === 'dtmf')
      .map((e) => (e as Extract<RtpSessionEvent, { type: 'dtmf' }>).event.digit);
    expect(digits).toEqual(['5']);
    expect(events.find((e) => e.type === 'source')).toMatchObject({ kind: 'audio' });
  });
});
