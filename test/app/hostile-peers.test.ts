/**
 * Calls a hostile or broken peer cannot turn against a third party, hold
 * open, or keep from ending (the call-level items of the security issue),
 * each reproduced by a hand-made caller on the simulated network:
 * - an INVITE whose SDP names a third party and that is never ACKed: one
 *   packet goes to that third party (the one that opens our own NAT), no
 *   stream (1,635 packets in 32 s before);
 * - an ACKed call that never sends RTP: the RTP timeout counts from the
 *   answer, so the call ends (an echo never started it before);
 * - an INVITE whose Contact cannot be routed, never ACKed: the call ends
 *   here, without a BYE and without an exception, and the phone closes
 *   within its bound; the call is logged as answered, not "not answered".
 */
import { describe, expect, it } from 'vitest';
import type { Call } from '../../src/app/call.js';
import { echo } from '../../src/apps/echo.js';
import { DougServer } from '../../src/doug/server.js';
import { Logger, MemorySink } from '../../src/log/logger.js';
import { parseMessage } from '../../src/sip/message/parse.js';
import type { SipResponse } from '../../src/sip/message/message.js';
import type { SimSocket } from '../../src/sim/network.js';
import { PhoneWorld, sine } from './support/sim-phones.js';

const SERVER = '10.0.0.2';
const ATTACKER = '10.0.0.9';
const VICTIM = { address: '10.0.0.66', port: 40000 };

/** A caller written by hand: sends one INVITE, collects the answers, ACKs a 2xx only when told to. */
class RawCaller {
  readonly responses: SipResponse[] = [];
  private readonly socket: SimSocket;
  private n = 0;

  constructor(
    world: PhoneWorld,
    private readonly o: { contact: string; sdpHost: string; sdpPort: number; ack: boolean },
  ) {
    this.socket = world.net.bind(ATTACKER, 5060, (data) => {
      const m = parseMessage(data, { datagram: true }).message;
      if (m?.type !== 'response') return;
      this.responses.push(m);
      if (this.o.ack && m.status >= 200 && m.status < 300) this.ack(m);
    });
  }

  invite(callId: string): void {
    const sdp = [
      'v=0',
      `o=- 1 1 IN IP4 ${this.o.sdpHost}`,
      's=-',
      `c=IN IP4 ${this.o.sdpHost}`,
      't=0 0',
      `m=audio ${this.o.sdpPort} RTP/AVP 0 101`,
      'a=rtpmap:101 telephone-event/8000',
      '',
    ].join('\r\n');
    this.send(
      [
        `INVITE sip:svc@${SERVER} SIP/2.0`,
        `Via: SIP/2.0/UDP ${ATTACKER}:5060;branch=z9hG4bK-raw-${++this.n}`,
        'Max-Forwards: 70',
        `From: <sip:raw@${ATTACKER}>;tag=raw1`,
        `To: <sip:svc@${SERVER}>`,
        `Call-ID: ${callId}`,
        'CSeq: 1 INVITE',
        `Contact: ${this.o.contact}`,
        'Content-Type: application/sdp',
        `Content-Length: ${Buffer.byteLength(sdp)}`,
        '',
        sdp,
      ].join('\r\n'),
    );
  }

  private ack(ok: SipResponse): void {
    this.send(
      [
        `ACK sip:svc@${SERVER} SIP/2.0`,
        `Via: SIP/2.0/UDP ${ATTACKER}:5060;branch=z9hG4bK-raw-ack-${++this.n}`,
        'Max-Forwards: 70',
        `From: ${ok.header('from')}`,
        `To: ${ok.header('to')}`,
        `Call-ID: ${ok.callId}`,
        `CSeq: ${ok.cseq.seq} ACK`,
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    );
  }

  private send(text: string): void {
    this.socket.send(Buffer.from(text), { address: SERVER, port: 5060 });
  }
}

async function server(seed: number, rtpTimeoutMs?: number) {
  const world = new PhoneWorld(seed);
  world.net.setProfile({ delayMs: 5 });
  const phone = await world.phone(SERVER, rtpTimeoutMs !== undefined ? { media: { rtp: { rtpTimeoutMs } } } : {});
  const calls: Call[] = [];
  phone.on('incoming', (c) => calls.push(c));
  return { world, phone, calls };
}

describe('peers that would abuse or hold a call', () => {
  it('an unACKed INVITE naming a third party in its SDP sends that party one packet, not a stream', async () => {
    const { world, phone, calls } = await server(71);
    let atVictim = 0;
    world.net.bind(VICTIM.address, VICTIM.port, () => atVictim++);
    world.net.bind(VICTIM.address, VICTIM.port + 1, () => atVictim++);
    phone.on('incoming', (c) => void c.answer({ source: sine(440) }).catch(() => {}));
    const raw = new RawCaller(world, {
      contact: `<sip:raw@${ATTACKER}>`,
      sdpHost: VICTIM.address,
      sdpPort: VICTIM.port,
      ack: false,
    });
    raw.invite('reflect-1');
    await world.run(1000);
    expect(raw.responses.some((r) => r.status === 200)).toBe(true);
    const end = await world.until(calls[0]!.ended);
    // One packet to open our own NAT's mapping, and no more (1,635 in 32 s before).
    expect(atVictim).toBe(1);
    // No ACK within 64*T1: the call ends at once (answered — our 2xx went out — but never confirmed).
    expect(end).toMatchObject({ reason: 'failed', status: 408, answered: true });
    expect(world.scheduler.now()).toBeLessThan(34_000);
    await world.until(phone.close());
  });

  it('an ACKed call that never sends RTP ends at the RTP timeout, counted from the answer (echo)', async () => {
    const { world, phone, calls } = await server(72, 10_000);
    const logs = new MemorySink();
    new DougServer({ phone, app: echo, log: new Logger(logs, 'info') }).start();
    const raw = new RawCaller(world, {
      contact: `<sip:raw@${ATTACKER}>`,
      sdpHost: ATTACKER,
      sdpPort: 30000,
      ack: true,
    });
    raw.invite('silent-1');
    await world.run(1000);
    expect(calls[0]!.state).toBe('answered');
    const end = await world.until(calls[0]!.ended, 20_000);
    expect(end.reason).toBe('rtp-timeout');
    expect(end.durationMs).toBeGreaterThanOrEqual(10_000);
    expect(end.durationMs).toBeLessThan(11_000);
    expect(phone.calls).toHaveLength(0);
    await world.until(phone.close());
  });

  it(
    'an INVITE whose Contact cannot be routed, never ACKed: the call ends here and the phone closes in ' + 'time',
    async () => {
      const { world, phone, calls } = await server(73);
      const logs = new MemorySink();
      const doug = new DougServer({ phone, app: echo, log: new Logger(logs, 'info') }).start();
      const raw = new RawCaller(world, {
        contact: '<aaaaaaaaaa:bbbbbbbbbb>',
        sdpHost: ATTACKER,
        sdpPort: 30000,
        ack: false,
      });
      raw.invite('protos-like-1');
      await world.run(1000);
      expect(calls).toHaveLength(1);
      // SIGTERM now: the server and then the phone close while the 2xx still waits for its ACK.
      const t0 = world.scheduler.now();
      await world.until(doug.close(), 10_000);
      await world.until(phone.close(), 40_000);
      expect(world.scheduler.now() - t0).toBeLessThan(32_000 + 5000);
      expect(calls[0]!.end).toMatchObject({ reason: 'shutdown', answered: true });
      const lines = logs.records.map((r) => r.msg);
      expect(lines.filter((l) => /unexpected|threw/.test(l))).toEqual([]);
      expect(lines.some((l) => /call from .*raw.*: PCMU, .*ended: shutdown/.test(l))).toBe(true);
      expect(lines.some((l) => /not answered/.test(l))).toBe(false);
    },
  );
});
