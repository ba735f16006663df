/**
 * A peer whose Contact cannot be routed (a URI of another scheme, as the
 * PROTOS c07-sip cases send) decides whether we can send it anything, never
 * whether our code throws: the BYE after a 2xx that was never ACKed ends the
 * dialog here, the 2xx we cannot ACK fails the INVITE, and a request in
 * such a dialog fails as a transport error would.
 */
import { describe, expect, it } from 'vitest';
import type { CoreEvent } from '../../../src/sip/core/events.js';
import type { ServerInvite } from '../../../src/sip/core/server-invite.js';
import { parseMessage } from '../../../src/sip/message/parse.js';
import type { SipRequest } from '../../../src/sip/message/message.js';
import { parseSipUri } from '../../../src/sip/message/uri.js';
import { Probe, rawRequest } from '../support/probe.js';

const HOSTILE = 'Contact: <aaaaaaaa:bbbbbbbb>';

function of<T extends CoreEvent['type']>(p: Probe, type: T): Extract<CoreEvent, { type: T }>[] {
  return p.events.filter((e): e is Extract<CoreEvent, { type: T }> => e.type === type);
}

function sentRequests(p: Probe): SipRequest[] {
  return p.transmits.flatMap((t) => {
    const m = t.bytes.length > 0 ? parseMessage(t.bytes, { datagram: true }).message : undefined;
    return m?.type === 'request' ? [m] : [];
  });
}

describe('a peer whose Contact cannot be routed', () => {
  it('our 2xx is never ACKed: after 64*T1 the dialog ends here, without a BYE and without an exception', () => {
    const p = new Probe();
    p.send(rawRequest('INVITE', { callId: 'hostile-1' }).replace('Contact: <sip:alice@192.0.2.1>', HOSTILE));
    const si: ServerInvite = of(p, 'invite')[0]!.invite;
    si.accept(p.now, { body: Buffer.from('v=0\r\n'), contentType: 'application/sdp' });
    p.drain();
    expect(() => p.advance(40_000)).not.toThrow();
    expect(of(p, 'invite-unacked')).toHaveLength(1);
    expect(of(p, 'dialog-terminated').map((e) => e.reason)).toEqual(['ack-timeout']);
    expect(sentRequests(p).map((r) => r.method)).toEqual([]);
    expect(p.core.dialogs.size).toBe(0);
    expect(p.core.pendingTimers).toBe(0);
  });

  it('a request in its dialog fails at once as a transport error; BYE still ends the dialog', () => {
    const p = new Probe();
    p.send(rawRequest('INVITE', { callId: 'hostile-2' }).replace('Contact: <sip:alice@192.0.2.1>', HOSTILE));
    const si = of(p, 'invite')[0]!.invite;
    const d = si.accept(p.now, { body: Buffer.from('v=0\r\n'), contentType: 'application/sdp' });
    p.send(
      rawRequest('ACK', { callId: 'hostile-2', toTag: si.toTag }).replace('Contact: <sip:alice@192.0.2.1>', HOSTILE),
    );
    expect(of(p, 'dialog-acked')).toHaveLength(1);
    const outcomes: string[] = [];
    d.request('INFO', {}, p.now, (o) => outcomes.push(o.kind === 'transport-error' ? o.error.message : o.kind));
    expect(outcomes).toEqual([expect.stringMatching(/^the peer cannot be reached \(its Contact or Record-Route\)/)]);
    expect(() => p.core.reinvite(d, {}, p.now)).not.toThrow();
    p.drain();
    expect(of(p, 'invite-failed').map((e) => e.outcome.kind)).toEqual(['transport-error']);
    d.bye(p.now);
    p.drain();
    expect(d.state).toBe('terminated');
    expect(sentRequests(p)).toEqual([]);
  });

  it('a 2xx we cannot ACK fails our INVITE as a transport error', () => {
    const p = new Probe();
    const ci = p.core.invite(parseSipUri('sip:bob@192.0.2.1'), {}, p.now);
    p.drain();
    const inv = ci.request;
    const ok = [
      'SIP/2.0 200 OK',
      `Via: ${inv.headerValues('via')[0]}`,
      `From: ${inv.header('from')}`,
      `To: ${inv.header('to')};tag=b1`,
      `Call-ID: ${inv.callId}`,
      `CSeq: ${inv.cseq.seq} INVITE`,
      HOSTILE,
      'Content-Length: 0',
      '',
      '',
    ].join('\n');
    expect(() => p.send(ok)).not.toThrow();
    expect(of(p, 'invite-failed').map((e) => e.outcome.kind)).toEqual(['transport-error']);
    expect(of(p, 'invite-answered')).toEqual([]);
    expect(sentRequests(p).map((r) => r.method)).toEqual(['INVITE']);
    expect(p.core.dialogs.size).toBe(0);
  });
});
