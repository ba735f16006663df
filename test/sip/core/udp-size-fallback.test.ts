/**
 * RFC 3261 18.1.1: a request too large for UDP goes over TCP; when the peer
 * does not listen on TCP (the connection is refused), it goes over UDP after
 * all — once — instead of failing the call (a UDP-only server takes a large
 * INVITE, fragmented).
 */
import { describe, expect, it } from 'vitest';
import type { CoreEvent } from '../../../src/sip/core/events.js';
import { parseSipUri } from '../../../src/sip/message/uri.js';
import { Probe } from '../support/probe.js';

const local = { udp: { address: '192.0.2.2', port: 5060 }, tcp: { address: '192.0.2.2', port: 5060 } };
const BIG = `v=0\r\n${'a=x-padding:0123456789012345678901234567890123456789\r\n'.repeat(40)}`;
const refused = Object.assign(new Error('connect ECONNREFUSED 192.0.2.1:5060'), { code: 'ECONNREFUSED' });

function sentOver(p: Probe): string[] {
  return p.transmits.filter((t) => t.bytes.length > 0).map((t) => `${t.destination.transport}`);
}

function of<T extends CoreEvent['type']>(p: Probe, type: T): Extract<CoreEvent, { type: T }>[] {
  return p.events.filter((e): e is Extract<CoreEvent, { type: T }> => e.type === type);
}

describe('a request too large for UDP', () => {
  it('an INVITE goes over TCP; refused there, it goes over UDP with a UDP Via, and is not failed', () => {
    const p = new Probe({ local });
    p.core.invite(parseSipUri('sip:bob@192.0.2.1'), { body: Buffer.from(BIG), contentType: 'application/sdp' }, p.now);
    p.drain();
    expect(sentOver(p)).toEqual(['tcp']);
    const tcpRef = p.transmits.at(-1)!.ref!;
    p.core.handleTransportError(tcpRef, refused, p.now);
    p.drain();
    expect(sentOver(p)).toEqual(['tcp', 'udp']);
    expect(Buffer.from(p.transmits.at(-1)!.bytes).toString()).toMatch(/^Via: SIP\/2\.0\/UDP /m);
    expect(of(p, 'invite-failed')).toEqual([]);
    // Refused over UDP too (ICMP port unreachable): now it fails, with no third try.
    p.core.handleTransportError(p.transmits.at(-1)!.ref!, refused, p.now);
    p.drain();
    expect(sentOver(p)).toEqual(['tcp', 'udp']);
    expect(of(p, 'invite-failed').map((e) => e.outcome.kind)).toEqual(['transport-error']);
  });

  it('a MESSAGE the same way; a small request never leaves UDP', () => {
    const p = new Probe({ local });
    p.core.request(
      'MESSAGE',
      parseSipUri('sip:bob@192.0.2.1'),
      { body: Buffer.from(BIG), contentType: 'text/plain' },
      p.now,
    );
    p.drain();
    expect(sentOver(p)).toEqual(['tcp']);
    p.core.handleTransportError(p.transmits.at(-1)!.ref!, refused, p.now);
    p.drain();
    expect(sentOver(p)).toEqual(['tcp', 'udp']);
    const small = new Probe({ local });
    small.core.request(
      'MESSAGE',
      parseSipUri('sip:bob@192.0.2.1'),
      { body: Buffer.from('hi'), contentType: 'text/plain' },
      0,
    );
    small.drain();
    expect(sentOver(small)).toEqual(['udp']);
  });
});
