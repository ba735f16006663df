/**
 * TCP connection limits: the source a connection counts against, the
 * limiter, and the TCP transport on loopback refusing what is over a limit
 * with one log line that names TCP and the option.
 */
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Logger, type LogRecord } from '../../src/log/logger.js';
import { SipTcpTransport } from '../../src/net/sip-tcp.js';
import type { SipTransportHandlers } from '../../src/net/sip-transport.js';
import { ConnectionLimiter, sourceKey } from '../../src/net/tcp-limits.js';

describe('sourceKey', () => {
  it('IPv4 addresses count alone; IPv4-mapped IPv6 as IPv4; IPv6 by /64', () => {
    expect(sourceKey('192.0.2.7')).toBe('192.0.2.7');
    expect(sourceKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(sourceKey('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(sourceKey('2001:db8:1:2::99')).toBe('2001:db8:1:2::/64');
    expect(sourceKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(sourceKey('::1')).toBe('0:0:0:0::/64');
    expect(sourceKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(sourceKey('2001:db8:1:2::192.0.2.1')).toBe('2001:db8:1:2::/64');
  });
});

describe('ConnectionLimiter', () => {
  it('refuses past the per-source and the total limit, and counts releases', () => {
    const l = new ConnectionLimiter({ maxConnections: 5, maxPerSource: 2 });
    expect(l.admit('192.0.2.1')).toBe('ok');
    expect(l.admit('::ffff:192.0.2.1')).toBe('ok');
    expect(l.admit('192.0.2.1')).toBe('source');
    expect(l.admit('2001:db8::1')).toBe('ok');
    expect(l.admit('2001:db8::2')).toBe('ok');
    expect(l.admit('2001:db8::3')).toBe('source');
    l.opening();
    expect(l.open).toBe(5);
    expect(l.admit('192.0.2.9')).toBe('total');
    l.release('192.0.2.1');
    expect(l.from('192.0.2.1')).toBe(1);
    expect(l.admit('192.0.2.1')).toBe('ok');
    l.release();
    expect(l.admit('192.0.2.9')).toBe('ok');
    expect(l.open).toBe(5);
  });
});

const open: (Socket | SipTcpTransport)[] = [];
afterEach(async () => {
  for (const x of open.splice(0)) {
    if (x instanceof SipTcpTransport) await x.close();
    else x.destroy();
  }
});

/** Client ports whose connection the server adopted, and who waits to hear of one. */
const adoptedPorts = new Set<number>();
const adopted = new Map<number, () => void>();

const handlers: SipTransportHandlers = {
  message() {},
  stream() {},
  opened: (source) => {
    adoptedPorts.add(source.remote.port);
    adopted.get(source.remote.port)?.();
  },
  closed() {},
  failed() {},
};

/** Connect: true once the server adopted the connection, false when it closed it instead. */
function dial(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    open.push(s);
    s.on('error', () => resolve(false));
    s.on('close', () => resolve(false));
    s.on('connect', () => {
      if (adoptedPorts.has(s.localPort!)) resolve(true);
      else adopted.set(s.localPort!, () => resolve(true));
    });
  });
}

describe('SipTcpTransport limits on loopback', () => {
  it('refuses connections over the per-source limit, with one log line naming TCP and the option', async () => {
    const logs: LogRecord[] = [];
    const t = await SipTcpTransport.bind({ transport: 'tcp', address: '127.0.0.1', port: 0 }, handlers, {
      maxConnectionsPerSource: 3,
      log: new Logger({ write: (r) => logs.push(r) }, 'debug'),
    });
    open.push(t);
    const kept: boolean[] = [];
    for (let i = 0; i < 6; i++) kept.push(await dial(t.local.port));
    expect(kept).toEqual([true, true, true, false, false, false]);
    expect(t.connectionCount).toBe(3);
    const lines = logs.filter((r) => r.level === 'warn').map((r) => r.msg);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^TCP connection limit reached: refused a connection from 127\.0\.0\.1: 3 TCP connections/,
    );
    expect(lines[0]).toMatch(/--sip-tcp-max-connections-per-source/);
    expect(lines[0]).not.toMatch(/RTP|port range/);
  });

  it('refuses connections over the total limit, which stays under half the open-files limit', async () => {
    const logs: LogRecord[] = [];
    const t = await SipTcpTransport.bind({ transport: 'tcp', address: '127.0.0.1', port: 0 }, handlers, {
      maxConnections: 100,
      openFilesLimit: 4,
      log: new Logger({ write: (r) => logs.push(r) }, 'debug'),
    });
    open.push(t);
    const kept: boolean[] = [];
    for (let i = 0; i < 3; i++) kept.push(await dial(t.local.port));
    expect(kept).toEqual([true, true, false]);
    expect(logs.map((r) => r.msg).join('\n')).toMatch(/at most 2 connections \(half the open-files limit of 4\)/);
    expect(logs.find((r) => r.level === 'warn')?.msg).toMatch(
      /2 TCP connections are open \(--sip-tcp-max-connections\)/,
    );
  });
});
