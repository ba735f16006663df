/**
 * A phone with `stun` keeps its flow to the registrar open (double-CRLF
 * keep-alives at the STUN keep-alive interval), not only its mapping
 * towards the STUN server: a NAT filters by destination, so the STUN
 * keep-alives alone would let the registrar's path close. On loopback
 * sockets with an in-process STUN server and registrar.
 */
import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { Phone } from '../../src/app/phone.js';
import { buildResponse } from '../../src/sip/message/build.js';
import { parseMessage } from '../../src/sip/message/parse.js';
import { serializeMessage } from '../../src/sip/message/serialize.js';
import type { SipRequest } from '../../src/sip/message/message.js';
import { looksLikeStun } from '../../src/stun/parse.js';
import { A, answer } from '../stun/fake-server.js';

function bound(): Promise<Socket> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.bind(0, '127.0.0.1', () => resolve(s));
  });
}

const until = async (check: () => boolean, ms = 10_000) => {
  for (const end = Date.now() + ms; !check() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 10));
};

let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

/** A NAT's port for a local port: another port, always a valid one (the local port may be above 55535). */
const mappedPort = (port: number) => ((port - 1024 + 10_000) % (65_536 - 1024)) + 1024;

/** A STUN server mapping everyone to 198.51.100.7, and a registrar granting every REGISTER and counting keep-alives. */
async function servers() {
  const stun = await bound();
  stun.on('message', (msg, rinfo) => {
    if (looksLikeStun(msg))
      stun.send(answer(new Uint8Array(msg), A('198.51.100.7', mappedPort(rinfo.port))), rinfo.port, rinfo.address);
  });
  const registrar = await bound();
  const seen = { keepAlives: 0, registers: [] as string[] };
  registrar.on('message', (msg, rinfo) => {
    if (msg.toString() === '\r\n\r\n') {
      seen.keepAlives++;
      return;
    }
    const req = parseMessage(new Uint8Array(msg), { datagram: true }).message as SipRequest | undefined;
    if (req?.type !== 'request' || req.method !== 'REGISTER') return;
    seen.registers.push(req.header('contact') ?? '');
    const contact = req.header('contact')!;
    registrar.send(
      serializeMessage(buildResponse(req, 200, { toTag: 'r1', headers: [['Contact', contact]] })),
      rinfo.port,
      rinfo.address,
    );
  });
  cleanup.push(
    () => new Promise<void>((r) => stun.close(() => r())),
    () => new Promise<void>((r) => registrar.close(() => r())),
  );
  return { stun: `127.0.0.1:${stun.address().port}`, registrar: `sip:127.0.0.1:${registrar.address().port}`, seen };
}

describe('a phone behind a NAT (stun) keeps its registrar flow open', () => {
  it('sends keep-alives to the registrar at the STUN keep-alive interval, and stops when unregistered', async () => {
    const s = await servers();
    const phone = await Phone.create({
      userAgent: { listen: 'udp:127.0.0.1:0', aor: 'sip:alice@example.com' },
      stun: { server: s.stun, keepAliveMs: 100 },
    });
    cleanup.push(() => phone.close());
    await phone.register({ registrar: s.registrar });
    // The Contact registered is the STUN mapping.
    expect(s.seen.registers[0]).toMatch(/^<sip:alice@198\.51\.100\.7:\d+>;expires=/);
    await until(() => s.seen.keepAlives >= 3);
    expect(s.seen.keepAlives).toBeGreaterThanOrEqual(3);
    await phone.unregister();
    const after = s.seen.keepAlives;
    await new Promise((r) => setTimeout(r, 350));
    expect(s.seen.keepAlives).toBe(after);
  });
});
