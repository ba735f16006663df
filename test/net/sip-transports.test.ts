/**
 * The UDP and TCP edge transports on real loopback sockets, IPv4 and IPv6:
 * requests both ways, TCP connection reuse, and a request over 1300 bytes
 * switching from UDP to TCP (RFC 3261 18.1.1).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { UserAgent } from '../../src/sip/api/user-agent.js';
import { Probe } from '../sip/support/probe.js';

const open: UserAgent[] = [];
afterEach(async () => {
  for (const ua of open.splice(0)) await ua.close();
});

async function ua(listen: string): Promise<UserAgent> {
  const u = await UserAgent.create({ listen });
  open.push(u);
  return u;
}

describe('SIP transports on loopback', () => {
  for (const host of ['127.0.0.1', '[::1]']) {
    for (const transport of ['udp', 'tcp'] as const) {
      it(`OPTIONS and MESSAGE over ${transport} on ${host}`, async () => {
        const a = await ua(`${host}:0`);
        const b = await ua(`${host}:0`);
        const got: string[] = [];
        b.on('message', (m) => got.push(`${m.source.transport} ${m.text}`));
        const target = `sip:b@${host}:${b.localAddress.port};transport=${transport}`;
        expect((await a.request('OPTIONS', target)).status).toBe(200);
        expect((await a.message(target, 'one')).status).toBe(200);
        expect((await a.message(target, 'two')).status).toBe(200);
        expect(got).toEqual([`${transport} one`, `${transport} two`]);
      });
    }
  }

  for (const wildcard of ['0.0.0.0', '[::]']) {
    it(
      `bound to ${wildcard}, reaches IPv4 and IPv6 peers over UDP and TCP, advertising the address it sends ` + `from`,
      async () => {
        const a = await ua(`${wildcard}:0`);
        // Both families on one port, whichever wildcard was given.
        const ports = a.sockets.filter((s) => s.transport === 'udp');
        expect(ports.map((s) => s.address).sort()).toEqual(['0.0.0.0', '::']);
        expect(new Set(a.sockets.map((s) => s.port)).size).toBe(1);
        for (const host of ['127.0.0.1', '[::1]']) {
          const b = await ua(`${host}:0`);
          const vias: string[] = [];
          b.on('request', (r) => vias.push(r.request.header('via')!));
          for (const transport of ['udp', 'tcp']) {
            const res = await a.request('OPTIONS', `sip:b@${host}:${b.localAddress.port};transport=${transport}`);
            expect(res.status).toBe(200);
          }
          expect(vias).toHaveLength(2);
          for (const v of vias) expect(v).toContain(` ${host}:${a.localAddress.port};`);
          expect(a.advertised('udp', host.replace(/[[\]]/g, '')).address).toBe(host.replace(/[[\]]/g, ''));
        }
      },
    );
  }

  it('bound to one family, says it cannot reach the other', async () => {
    const a = await ua('127.0.0.1:0');
    await expect(a.request('OPTIONS', 'sip:b@[::1]:5999')).rejects.toThrow(
      /cannot send to the IPv6 address ::1: udp listens on 127\.0\.0\.1 only/,
    );
  });

  it('reuses one TCP connection for several requests to the same peer', async () => {
    const a = await ua('127.0.0.1:0');
    const b = await ua('127.0.0.1:0');
    const sources = new Set<number>();
    b.on('message', (m) => sources.add(m.source.remote.port));
    const target = `sip:b@127.0.0.1:${b.localAddress.port};transport=tcp`;
    for (let i = 0; i < 3; i++) expect((await a.message(target, `m${i}`)).status).toBe(200);
    expect(sources.size).toBe(1);
  });

  it('a request over 1300 bytes meant for UDP goes over TCP, its Via saying so (RFC 3261 18.1.1)', async () => {
    const a = await ua('127.0.0.1:0');
    const b = await ua('127.0.0.1:0');
    let via = '';
    let transport = '';
    b.on('message', (m) => {
      via = m.request.header('via')!;
      transport = m.source.transport;
    });
    const res = await a.message(`sip:b@127.0.0.1:${b.localAddress.port}`, 'x'.repeat(1400));
    expect(res.status).toBe(200);
    expect(transport).toBe('tcp');
    expect(via).toMatch(/^SIP\/2\.0\/TCP /);
  });

  it('stays on UDP when no TCP transport is there to switch to', () => {
    const p = new Probe();
    p.core.request(
      'MESSAGE',
      { kind: 'sip', scheme: 'sip', host: '192.0.2.1', params: [], headers: [] },
      { body: Buffer.alloc(2000, 120), contentType: 'text/plain' },
      0,
    );
    p.drain();
    expect(p.transmits[0]!.destination.transport).toBe('udp');
  });
});
