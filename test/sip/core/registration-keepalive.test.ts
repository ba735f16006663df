/**
 * Keep-alives on the flow to the registrar (RFC 5626 3.5.1 double CRLF),
 * in virtual time: every interval while registered, to the outbound proxy
 * when there is one, never after unregistering; and STUN datagrams on the
 * SIP socket are dropped without a word.
 */
import { describe, expect, it } from 'vitest';
import { Logger, MemorySink } from '../../../src/log/logger.js';
import { buildResponse } from '../../../src/sip/message/build.js';
import { parseMessage } from '../../../src/sip/message/parse.js';
import { serializeMessage } from '../../../src/sip/message/serialize.js';
import { parseSipUri } from '../../../src/sip/message/uri.js';
import type { SipRequest } from '../../../src/sip/message/message.js';
import { SipCore } from '../../../src/sip/core/sip-core.js';
import { Sim } from '../support/sim-core.js';

const isKeepAlive = (b: Uint8Array) => b.length > 0 && b.every((x) => x === 13 || x === 10);

/** A registrar (or proxy in front of it) that grants every REGISTER and notes every datagram with its time. */
function server(sim: Sim, address: string, port: number) {
  const keepAlives: number[] = [];
  const registers: number[] = [];
  const sock = sim.net.bind(address, port, (data, from) => {
    const now = sim.scheduler.now();
    if (isKeepAlive(data)) {
      expect(Buffer.from(data).toString()).toBe('\r\n\r\n');
      keepAlives.push(now);
      return;
    }
    const req = parseMessage(data, { datagram: true }).message as SipRequest;
    registers.push(now);
    const expires = Number(/expires=(\d+)/.exec(req.header('contact') ?? '')?.[1] ?? 3600);
    const headers: [string, string][] =
      expires > 0 ? [['Contact', `${req.header('contact')!.replace(/;expires=\d+/, '')};expires=${expires}`]] : [];
    sock.send(serializeMessage(buildResponse(req, 200, { toTag: 'r1', headers })), from);
  });
  return { keepAlives, registers };
}

describe('registration keep-alives (RFC 5626 3.5.1)', () => {
  it('sends a double CRLF to the registrar every interval while registered, and none after unregistering', () => {
    const sim = new Sim();
    const reg = server(sim, '10.0.0.5', 5060);
    const ua = sim.ua('10.0.0.1', 5060);
    const r = ua.act((now) =>
      ua.core.register(
        { registrar: parseSipUri('sip:10.0.0.5'), aor: parseSipUri('sip:alice@10.0.0.5'), expires: 600 },
        now,
      ),
    );
    sim.run(100);
    expect(r.state).toBe('registered');
    ua.act((now) => r.keepAlive(now, 20_000));
    sim.run(65_000);
    expect(reg.keepAlives.map((t) => Math.round(t / 1000))).toEqual([20, 40, 60]);
    ua.act((now) => r.unregister(now));
    sim.run(100_000);
    expect(reg.keepAlives).toHaveLength(3);
    expect(ua.core.pendingTimers).toBe(0);
  });

  it('goes to the outbound proxy when there is one (where the REGISTERs go)', () => {
    const sim = new Sim();
    const registrar = server(sim, '10.0.0.5', 5060);
    const proxy = server(sim, '10.0.0.6', 5070);
    const ua = sim.ua('10.0.0.1', 5060, { outboundProxy: parseSipUri('sip:10.0.0.6:5070;lr') });
    const r = ua.act((now) =>
      ua.core.register({ registrar: parseSipUri('sip:10.0.0.5'), aor: parseSipUri('sip:alice@10.0.0.5') }, now),
    );
    sim.run(100);
    ua.act((now) => r.keepAlive(now, 1000));
    sim.run(3500);
    expect(proxy.registers).toHaveLength(1);
    expect(proxy.keepAlives).toHaveLength(3);
    expect(registrar.keepAlives).toHaveLength(0);
  });

  it('a new interval replaces the old one; 0 stops', () => {
    const sim = new Sim();
    const reg = server(sim, '10.0.0.5', 5060);
    const ua = sim.ua('10.0.0.1', 5060);
    const r = ua.act((now) =>
      ua.core.register({ registrar: parseSipUri('sip:10.0.0.5'), aor: parseSipUri('sip:alice@10.0.0.5') }, now),
    );
    sim.run(1000);
    ua.act((now) => r.keepAlive(now, 10_000));
    ua.act((now) => r.keepAlive(now, 3000));
    sim.run(10_000);
    expect(reg.keepAlives.map((t) => t - 1000)).toEqual([3000, 6000, 9000]);
    ua.act((now) => r.keepAlive(now, 0));
    sim.run(60_000);
    expect(reg.keepAlives).toHaveLength(3);
    // Only the registration's refresh is left.
    expect(ua.core.pendingTimers).toBe(1);
  });
});

describe('STUN on the SIP socket', () => {
  it('a STUN datagram is dropped without an event or a log line (the STUN owner of the socket reads it)', () => {
    const sink = new MemorySink();
    const core = new SipCore({ local: { udp: { address: '10.0.0.1', port: 5060 } } }, new Logger(sink, 'trace'));
    // A Binding success response (RFC 5389 6: type 0x0101, length 0, magic cookie, transaction ID).
    const stun = new Uint8Array([
      0x01,
      0x01,
      0,
      0,
      0x21,
      0x12,
      0xa4,
      0x42,
      ...Array.from({ length: 12 }, (_, i) => i + 1),
    ]);
    core.handleDatagram(
      stun,
      { transport: 'udp', remote: { address: '198.51.100.2', port: 3478 }, local: { address: '10.0.0.1', port: 5060 } },
      0,
    );
    expect(core.pollEvent()).toBeUndefined();
    expect(core.pollTransmit()).toBeUndefined();
    expect(sink.records).toEqual([]);
    // Anything else that does not parse is still logged.
    core.handleDatagram(
      new TextEncoder().encode('garbage\r\n\r\n'),
      { transport: 'udp', remote: { address: '198.51.100.2', port: 5060 }, local: { address: '10.0.0.1', port: 5060 } },
      0,
    );
    expect(sink.lines().join('\n')).toMatch(/dropped a message that does not parse/);
  });
});
