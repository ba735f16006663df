/**
 * Requests to a UDP port where nothing listens fail at once: after a short
 * wait without an answer, one empty datagram from a connected socket draws
 * the ICMP port unreachable that the SIP socket never hears. Virtual time
 * and a fake probe for the rules; real loopback sockets for the kernel's
 * part (ECONNREFUSED) and for a whole request through a user agent.
 */
import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { PortProbes, PortUnreachableError, openUdpProbe, type OpenProbe } from '../../src/net/udp-port-probe.js';
import { UserAgent } from '../../src/sip/api/user-agent.js';
import { SipRequestFailedError } from '../../src/sip/errors.js';
import type { Transmit } from '../../src/sip/transport/types.js';
import { VirtualScheduler } from '../../src/sim/scheduler.js';

function request(ref: number, port = 5999): Transmit {
  return { destination: { transport: 'udp', host: '127.0.0.1', port }, bytes: new Uint8Array([1]), ref };
}

/** A probe that records what was opened; `refuse(i)` plays the ICMP error for the i-th. */
function fakeProbes() {
  const opened: { address: string; port: number; refused: () => void; closed: boolean }[] = [];
  const open: OpenProbe = (address, port, refused) => {
    const p = { address, port, refused, closed: false };
    opened.push(p);
    return { close: () => (p.closed = true) };
  };
  return { opened, open };
}

describe('PortProbes', () => {
  it('probes once after the delay, and fails every request waiting there with one clear error', () => {
    const s = new VirtualScheduler();
    const { opened, open } = fakeProbes();
    const failed: [number | undefined, Error][] = [];
    const p = new PortProbes({ clock: s.clock, timers: s, open }, (t, e) => failed.push([t.ref, e]));
    p.sent(request(1), '127.0.0.1');
    p.sent(request(1), '127.0.0.1'); // a retransmission
    p.sent(request(2), '127.0.0.1');
    s.runUntil(199);
    expect(opened).toHaveLength(0);
    s.runUntil(200);
    expect(opened.map((o) => `${o.address} ${o.port}`)).toEqual(['127.0.0.1 5999']);
    opened[0]!.refused();
    expect(failed.map(([r]) => r)).toEqual([1, 2]);
    expect(failed[0]![1]).toBeInstanceOf(PortUnreachableError);
    expect(failed[0]![1].message).toBe('nothing listens on udp:127.0.0.1:5999 (ICMP port unreachable)');
    expect(opened[0]!.closed).toBe(true);
  });

  it('leaves alone a destination that answered, and one probed lately without an ICMP error', () => {
    const s = new VirtualScheduler();
    const { opened, open } = fakeProbes();
    const failed: Transmit[] = [];
    const p = new PortProbes({ clock: s.clock, timers: s, open }, (t) => failed.push(t));
    p.sent(request(1), '127.0.0.1');
    p.heard('127.0.0.1', 5999);
    s.runUntil(10_000);
    p.sent(request(2), '127.0.0.1');
    s.runUntil(20_000);
    expect(opened).toHaveLength(0);
    // Another port: probed, no ICMP error within the listening time: not probed again for a while.
    p.sent(request(3, 6000), '127.0.0.1');
    s.runUntil(25_000);
    expect(opened).toHaveLength(1);
    expect(opened[0]!.closed).toBe(true);
    p.sent(request(4, 6000), '127.0.0.1');
    s.runUntil(40_000);
    expect(opened).toHaveLength(1);
    expect(failed).toEqual([]);
  });

  it('ignores what is not a request (no reference, or a keep-alive) and stops on close', () => {
    const s = new VirtualScheduler();
    const { opened, open } = fakeProbes();
    const p = new PortProbes({ clock: s.clock, timers: s, open }, () => {});
    p.sent({ destination: { transport: 'udp', host: 'x', port: 1 }, bytes: new Uint8Array([1]) }, '127.0.0.1');
    p.sent({ ...request(1), bytes: new Uint8Array(0) }, '127.0.0.1');
    p.sent(request(2), '127.0.0.1');
    p.close();
    s.runUntil(10_000);
    expect(opened).toHaveLength(0);
  });
});

describe('on real loopback sockets', () => {
  const open: { close(): unknown }[] = [];
  afterEach(async () => {
    for (const x of open.splice(0)) await x.close();
  });

  it('the kernel tells a connected socket that nothing listens (ECONNREFUSED)', async () => {
    for (const host of ['127.0.0.1', '::1']) {
      const port = await deadPort(host);
      const refused = await new Promise<boolean>((resolve) => {
        const p = openUdpProbe(host, port, () => resolve(true));
        setTimeout(() => {
          p?.close();
          resolve(false);
        }, 3000).unref();
      });
      expect(refused, host).toBe(true);
    }
  });

  it('an OPTIONS to a dead port fails as a transport error saying nothing listens there, not a timeout', async () => {
    const ua = await UserAgent.create({ listen: '127.0.0.1:0' });
    open.push(ua);
    const port = await deadPort('127.0.0.1');
    const err = await ua.request('OPTIONS', `sip:127.0.0.1:${port}`).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SipRequestFailedError);
    expect((err as SipRequestFailedError).kind).toBe('transport');
    expect((err as Error).message).toBe(
      `OPTIONS sip:127.0.0.1:${port}: nothing listens on udp:127.0.0.1:${port} (ICMP port unreachable)`,
    );
  });

  it('a peer that listens but never answers still times out (its port is not refused)', async () => {
    const ua = await UserAgent.create({ listen: '127.0.0.1:0' });
    open.push(ua);
    const silent = createSocket('udp4');
    await new Promise<void>((r) => silent.bind(0, '127.0.0.1', () => r()));
    let got = 0;
    silent.on('message', () => got++);
    open.push({ close: () => new Promise<void>((r) => silent.close(() => r())) });
    const err = await ua
      .request('OPTIONS', `sip:127.0.0.1:${silent.address().port}`, { timeout: 1500 })
      .catch((e) => e);
    expect((err as SipRequestFailedError).kind).toBe('timeout');
    // The request, its retransmissions and the one empty probe arrived.
    expect(got).toBeGreaterThanOrEqual(2);
  });
});

/** A port with nothing on it: bound, then closed. */
function deadPort(host: string): Promise<number> {
  return new Promise((resolve) => {
    const s = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    s.bind(0, host, () => {
      const port = s.address().port;
      s.close(() => resolve(port));
    });
  });
}
