/**
 * What a stream (TCP) peer can make the core hold, in virtual time: a
 * message trickled a byte a second is cut off at the message deadline
 * whatever the bytes; only whole messages and RFC 5626 pings count as
 * traffic for the idle deadline, whatever else trickles in; a header section over the size limit is
 * answered 513 before the close; pings read together are answered in one
 * write; a closing connection is not read any more.
 */
import { describe, expect, it } from 'vitest';
import type { Source, Transmit } from '../../../src/sip/transport/types.js';
import { parseMessage } from '../../../src/sip/message/parse.js';
import { Probe, rawRequest } from '../support/probe.js';

const SOURCE: Source = {
  transport: 'tcp',
  remote: { address: '192.0.2.1', port: 40000 },
  local: { address: '192.0.2.2', port: 5060 },
  connectionId: 'tcp#1',
};

function stream(limits: { idleMs?: number; messageMs?: number } = {}) {
  const p = new Probe({ local: { tcp: { address: '192.0.2.2', port: 5060 } }, stream: limits });
  p.core.handleConnectionOpened(SOURCE, p.now);
  const feed = (bytes: string | Uint8Array): Transmit[] => {
    p.core.handleStream(typeof bytes === 'string' ? Buffer.from(bytes) : bytes, SOURCE, p.now);
    const before = p.transmits.length;
    p.drain();
    return p.transmits.slice(before);
  };
  const advance = (ms: number): Transmit[] => {
    const before = p.transmits.length;
    p.advance(ms);
    return p.transmits.slice(before);
  };
  const closes = (ts: Transmit[]) => ts.filter((t) => t.close && t.destination.connectionId === 'tcp#1').length;
  const statuses = (ts: Transmit[]) =>
    ts.flatMap((t) => {
      const m = t.bytes.length > 0 ? parseMessage(t.bytes, { datagram: true }).message : undefined;
      return m?.type === 'response' ? [m.status] : [];
    });
  return { p, feed, advance, closes, statuses };
}

const OPTIONS = rawRequest('OPTIONS', { uri: 'sip:bob@192.0.2.2;transport=tcp' })
  .replace(/\r?\n/g, '\r\n')
  .replace('SIP/2.0/UDP', 'SIP/2.0/TCP');

describe('stream connection deadlines', () => {
  it('a message trickled a byte a second is closed at the 30 s message deadline', () => {
    const { feed, advance, closes } = stream();
    const bytes = Buffer.from(OPTIONS);
    let closedAt: number | undefined;
    for (let i = 0; i < 120 && closedAt === undefined; i++) {
      if (closes(feed(bytes.subarray(i, i + 1))) > 0) closedAt = i;
      else if (closes(advance(1000)) > 0) closedAt = i + 1;
    }
    expect(closedAt).toBeDefined();
    expect(closedAt!).toBeLessThanOrEqual(30);
    expect(closedAt!).toBeGreaterThanOrEqual(29);
  });

  it('whole messages one after another are not cut off, however long the connection lives', () => {
    const { feed, advance, closes, statuses } = stream();
    for (let i = 0; i < 20; i++) {
      const t = feed(OPTIONS.replace(/Call-ID: \S+/, `Call-ID: keep-${i}`));
      expect(statuses(t)).toEqual([200]);
      expect(closes(t) + closes(advance(25_000))).toBe(0);
    }
  });

  it('idle: only whole messages and keep-alives count as traffic, not the bytes of a message', () => {
    const { feed, advance, closes } = stream({ idleMs: 60_000, messageMs: 0 });
    // Pings every 50 s keep the connection (RFC 5626 3.5.1), even one split across two segments.
    for (let i = 0; i < 5; i++) {
      expect(closes(advance(50_000))).toBe(0);
      const t = i === 2 ? [...feed('\r\n'), ...feed('\r\n')] : feed('\r\n\r\n');
      expect(t.map((x) => Buffer.from(x.bytes).toString())).toEqual(['\r\n']);
    }
    // Pongs answering our pings (the keep-alive of a registration) keep it too.
    for (let i = 0; i < 5; i++) {
      expect(closes(advance(50_000))).toBe(0);
      expect(closes(feed('\r\n'))).toBe(0);
    }
    // A message trickled a byte every 5 s (with no message deadline at all) is no traffic: idle ends it.
    let closedAfter = 0;
    for (let i = 0; i < 30 && closedAfter === 0; i++) {
      if (closes(feed(OPTIONS.slice(i, i + 1))) + closes(advance(5000)) > 0) closedAfter = (i + 1) * 5000;
    }
    expect(closedAfter).toBe(60_000);
  });

  it('what a closing connection sends is not read', () => {
    const { feed, advance, closes, statuses } = stream({ messageMs: 5000 });
    feed('OPTIONS sip:bob@192.0.2.2 SIP/2.0\r\n');
    expect(closes(advance(5000))).toBe(1);
    // The edge has not reported the close yet: a whole request now gets no answer.
    expect(statuses(feed(OPTIONS))).toEqual([]);
  });

  it('the message deadline starts again with each message', () => {
    const { feed, advance, closes, statuses } = stream({ messageMs: 10_000 });
    const half = OPTIONS.length >> 1;
    for (let i = 0; i < 5; i++) {
      const id = OPTIONS.replace(/Call-ID: \S+/, `Call-ID: again-${i}`);
      expect(closes(feed(id.slice(0, half)))).toBe(0);
      expect(closes(advance(9000))).toBe(0);
      expect(statuses(feed(id.slice(half)))).toEqual([200]);
    }
  });

  it('pings read together are answered in one write', () => {
    const { feed } = stream();
    const t = feed('\r\n\r\n'.repeat(16_384));
    expect(t).toHaveLength(1);
    expect(t[0]!.bytes.length).toBe(2 * 16_384);
  });

  it('a header section over the size limit gets 513 before the close (RFC 3261 21.5.14)', () => {
    const { feed, statuses, closes } = stream();
    const head = OPTIONS.slice(0, OPTIONS.indexOf('Content-Length'));
    let t: Transmit[] = feed(head);
    for (let i = 0; i < 80 && closes(t) === 0; i++) t = feed(`X-Filler-${i}: ${'x'.repeat(1000)}\r\n`);
    expect(statuses(t)).toEqual([513]);
    expect(closes(t)).toBe(1);
    const answer = parseMessage(t[0]!.bytes, { datagram: true }).message!;
    expect(answer.header('warning')).toMatch(/header section longer than 65535 bytes/);
  });

  it('the deadlines end with the connection: no timer is left', () => {
    const { p, feed } = stream();
    feed(OPTIONS.slice(0, 10));
    expect(p.core.pendingTimers).toBe(2);
    p.core.handleConnectionClosed('tcp#1');
    p.advance(0);
    expect(p.core.pendingTimers).toBe(0);
    expect(p.core.streamConnections).toBe(0);
  });
});
