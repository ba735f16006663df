/**
 * `--stun` wired into calls, on loopback sockets with an in-process STUN
 * server that reports made-up public mappings: the SIP socket's mapping goes
 * into Via and Contact, the RTP socket's into the SDP c=/m= lines, and
 * keep-alives follow a mapping that moves.
 */
import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { Phone } from '../../src/app/phone.js';
import { parseSdp } from '../../src/sdp/parse.js';
import { buildResponse } from '../../src/sip/message/build.js';
import { parseMessage } from '../../src/sip/message/parse.js';
import { serializeMessage } from '../../src/sip/message/serialize.js';
import type { SipRequest } from '../../src/sip/message/message.js';
import { looksLikeStun } from '../../src/stun/parse.js';
import { A, answer } from '../stun/fake-server.js';

const PUBLIC = '198.51.100.7';

function bound(): Promise<Socket> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.bind(0, '127.0.0.1', () => resolve(s));
  });
}

let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

describe('STUN in calls', () => {
  it('advertises the public mappings in Via, Contact and SDP, and follows a moved mapping', async () => {
    const stun = await bound();
    cleanup.push(() => new Promise<void>((r) => stun.close(() => r())));
    const requests = new Map<number, number>();
    let sipPort = 0;
    let shift = 0;
    stun.on('message', (msg, rinfo) => {
      if (!looksLikeStun(msg)) return;
      requests.set(rinfo.port, (requests.get(rinfo.port) ?? 0) + 1);
      // The SIP socket is "NATed" to PUBLIC:40000 (+shift), every other socket to PUBLIC:(its port + 10000).
      const port = rinfo.port === sipPort ? 40000 + shift : rinfo.port + 10000;
      stun.send(answer(new Uint8Array(msg), A(PUBLIC, port)), rinfo.port, rinfo.address);
    });
    const callee = await bound();
    cleanup.push(() => new Promise<void>((r) => callee.close(() => r())));
    const invites: SipRequest[] = [];
    callee.on('message', (msg, rinfo) => {
      const r = parseMessage(new Uint8Array(msg), { datagram: true });
      if (r.message?.type !== 'request' || r.message.method !== 'INVITE') return;
      invites.push(r.message);
      // Busy: the call ends at once. Answered to the source (rport), not to the public Via.
      callee.send(serializeMessage(buildResponse(r.message, 486, { toTag: 'b1' })), rinfo.port, rinfo.address);
    });

    // The UA's port is known only after binding: create it, then the phone on it.
    const { UserAgent } = await import('../../src/sip/api/user-agent.js');
    const ua = await UserAgent.create({ listen: 'udp:127.0.0.1:0', aor: 'sip:alice@example.com' });
    sipPort = ua.localAddress.port;
    const phone = await Phone.create({
      ua,
      stun: { server: `127.0.0.1:${stun.address().port}`, keepAliveMs: 150 },
      media: { address: '127.0.0.1', portMin: 30000, portMax: 39999 },
    });
    cleanup.push(() => phone.close());
    expect(ua.advertised('udp')).toEqual({ address: PUBLIC, port: 40000 });
    expect(ua.contact()).toBe(`sip:alice@${PUBLIC}:40000`);

    const call = phone.call(`sip:bob@127.0.0.1:${callee.address().port}`);
    for (let i = 0; i < 200 && invites.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    const invite = invites[0]!;
    expect(invite.header('Via')).toMatch(new RegExp(`^SIP/2\\.0/UDP ${PUBLIC}:40000;`));
    expect(invite.header('Contact')).toBe(`<sip:alice@${PUBLIC}:40000>`);
    const sdp = parseSdp(invite.text);
    const m = sdp.media[0]!;
    expect(sdp.connection?.address).toBe(PUBLIC);
    expect(m.port).toBeGreaterThanOrEqual(40000);
    expect(m.port % 2).toBe(0);
    const rtpLocal = m.port - 10000;
    expect(requests.get(rtpLocal)).toBeGreaterThanOrEqual(1);
    // The RTCP socket is mapped too: port + 1 maps to port + 1, so no a=rtcp is needed.
    expect(requests.get(rtpLocal + 1)).toBeGreaterThanOrEqual(1);
    expect(m.attributes.some((a) => a.name === 'rtcp')).toBe(false);

    // Keep-alives from the SIP socket; the NAT moves it: the new mapping is advertised.
    const mapped: string[] = [];
    phone.on('mapping', (a, p) => mapped.push(`${a}:${p}`));
    shift = 5;
    for (let i = 0; i < 100 && mapped.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(mapped).toEqual([`${PUBLIC}:40005`]);
    expect(requests.get(sipPort)).toBeGreaterThanOrEqual(2);
    expect(ua.contact()).toBe(`sip:alice@${PUBLIC}:40005`);
    expect((await call.ended).reason).toBe('busy');
  });

  it('a STUN server that does not answer leaves the local addresses', async () => {
    const silent = await bound();
    cleanup.push(() => new Promise<void>((r) => silent.close(() => r())));
    const phone = await Phone.create({
      userAgent: { listen: 'udp:127.0.0.1:0' },
      stun: { server: `127.0.0.1:${silent.address().port}`, keepAliveMs: 60_000, rto: 20, rc: 2 },
    });
    cleanup.push(() => phone.close());
    expect(phone.ua.advertised('udp').address).toBe('127.0.0.1');
  });
});
