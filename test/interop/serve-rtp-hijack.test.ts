/**
 * Media hijack and bleed (RTP bleed, Asterisk AST-2017-005) against the
 * built `shtoom serve echo`, from raw UDP sockets on loopback: the caller
 * at 127.0.0.1, the attacker at 127.0.0.2 (another host as far as the
 * server can tell). The attacker
 * - scans the server's even RTP ports before the caller's first packet (the
 *   caller's source port differs from its SDP port, as behind a NAT),
 * - then sends RTP with the caller's SSRC and the next sequence numbers,
 *   twice as fast as the caller, to the call's media port,
 * - and scans again after the caller stops.
 * With the default (`--rtp-latching strict`) it receives nothing and the
 * caller keeps its echo; with `--rtp-latching any` the scan before the first
 * packet is what that mode gives up (the test shows it, so the default's
 * check is known to be able to fail).
 */
import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { serializeRtp } from '../../src/rtp/rtp-packet.js';
import { terminate } from './support/call-process.js';
import { freeSipPort, freeUdpPort, isListening, startShtoom, stopAllPeers, waitFor } from './support/peers.js';
import { MiniUac } from './support/rtp-sip-fixture.js';

afterEach(async () => stopAllPeers());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function udp(address: string): Promise<{ socket: Socket; port: number; rtp: number; close: () => void }> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, address, () => resolve());
  });
  const counter = { socket, port: socket.address().port, rtp: 0, close: () => socket.close() };
  socket.on('message', (m) => {
    if (m.length >= 12 && (m[0]! & 0xc0) === 0x80 && (m[1]! & 0x7f) === 0) counter.rtp++;
  });
  return counter;
}

function rtp(seq: number, ssrc: number): Uint8Array {
  return serializeRtp({
    marker: false,
    payloadType: 0,
    sequenceNumber: seq & 0xffff,
    timestamp: (seq * 160) >>> 0,
    ssrc,
    csrcs: [],
    payload: new Uint8Array(160).fill(0x55),
    padding: 0,
  });
}

/** One scan: two in-sequence packets with a fresh SSRC to each even port in [from, to]. */
async function scan(s: Socket, from: number, to: number, ssrcBase: number): Promise<void> {
  for (let port = from; port <= to; port += 2) {
    s.send(rtp(1000, ssrcBase + port), port, '127.0.0.1');
    s.send(rtp(1001, ssrcBase + port), port, '127.0.0.1');
    if (port % 64 === 0) await sleep(1);
  }
}

async function attack(latching: 'strict' | 'any') {
  const sip = await freeSipPort();
  const rtpMin = (await freeUdpPort(true)) & ~1;
  const rtpMax = rtpMin + 40;
  const server = startShtoom(
    [
      'serve',
      'echo',
      '--listen',
      `udp:127.0.0.1:${sip}`,
      '--sip-address',
      '127.0.0.1',
      '--rtp-address',
      '127.0.0.1',
      '--rtp-port-min',
      String(rtpMin),
      '--rtp-port-max',
      String(rtpMax),
      '--rtp-clock-realtime',
      '0',
      '--rtp-latching',
      latching,
    ],
    { timeoutSec: 90 },
  );
  await waitFor(() => isListening(sip, 'udp'), 'shtoom serve echo');
  const caller = await udp('127.0.0.1');
  const attacker = await udp('127.0.0.2');
  const uac = await MiniUac.open(sip);
  // The caller's SDP names a port it does not send from (behind a NAT, its packets leave from another).
  const sdpPort = await freeUdpPort();
  const offer =
    `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n` +
    `m=audio ${sdpPort} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n`;
  const answer = await uac.invite(offer);
  const media = Number(/m=audio (\d+)/.exec(answer.body)?.[1]);
  expect(media).toBeGreaterThanOrEqual(rtpMin);
  // Before the caller's first packet: a scan of the server's port range from another host.
  await scan(attacker.socket, rtpMin, rtpMax, 0x10000);
  await sleep(300);
  const afterFirstScan = attacker.rtp;
  // The caller talks for 4 s; from its 50th packet the attacker sends its SSRC with the next sequence numbers.
  const SSRC = 0x0badcafe;
  let attackSeq = 51;
  for (let i = 0; i < 200; i++) {
    caller.socket.send(rtp(i, SSRC), media, '127.0.0.1');
    if (i >= 50) {
      attacker.socket.send(rtp(attackSeq++, SSRC), media, '127.0.0.1');
      attacker.socket.send(rtp(attackSeq++, SSRC), media, '127.0.0.1');
    }
    await sleep(20);
  }
  await sleep(500);
  const callerEcho = caller.rtp;
  const duringCall = attacker.rtp - afterFirstScan;
  // The caller stops; the attacker scans again.
  await scan(attacker.socket, rtpMin, rtpMax, 0x20000);
  await sleep(500);
  const afterStop = attacker.rtp - afterFirstScan - duringCall;
  await uac.bye();
  await uac.close();
  caller.close();
  attacker.close();
  terminate(server);
  expect(await server.exited, server.stderr()).toBe(0);
  return { callerEcho, afterFirstScan, duringCall, afterStop };
}

describe('shtoom serve echo against an RTP hijacker on another address', () => {
  it('strict (default): the attacker gets no packet at any stage, the caller its echo', async () => {
    const r = await attack('strict');
    expect(r).toMatchObject({ afterFirstScan: 0, duringCall: 0, afterStop: 0 });
    expect(r.callerEcho).toBeGreaterThanOrEqual(190);
  }, 60_000);

  it('any: the scan before the caller’s first packet takes the stream (what strict prevents)', async () => {
    const r = await attack('any');
    expect(r.afterFirstScan).toBeGreaterThan(0);
  }, 60_000);
});
