/**
 * A delayed offer on a media worker (docs/workers.md): the INVITE has no
 * SDP, the worker's call offers in its 200, and the answer comes in the
 * caller's ACK — which reaches the worker one hop after the caller's first
 * RTP may have. The worker side is driven directly (the main side's
 * messages are posted by hand), so the race is forced: every packet comes
 * before the ACK, and the echo must still send each one back.
 */
import { describe, expect, it } from 'vitest';
import { echo } from '../../src/apps/index.js';
import { registry } from '../../src/codecs/registry.js';
import type { ToMain } from '../../src/doug/workers/protocol.js';
import { WorkerCalls } from '../../src/doug/workers/worker-calls.js';
import { silentLogger } from '../../src/log/logger.js';
import { parseRtp, serializeRtp } from '../../src/rtp/rtp-packet.js';
import { SipRequest } from '../../src/sip/message/message.js';
import { serializeMessage } from '../../src/sip/message/serialize.js';
import { PhoneWorld } from '../app/support/sim-phones.js';

const CALLER = '10.0.0.1';
const SERVER = '10.0.0.2';
const CALLER_RTP = 30000;

function invite(): Uint8Array {
  const req = new SipRequest('INVITE', `sip:echo@${SERVER}`, [
    ['Via', `SIP/2.0/UDP ${CALLER}:5060;branch=z9hG4bKdelayed`],
    ['From', `<sip:caller@${CALLER}>;tag=caller1`],
    ['To', `<sip:echo@${SERVER}>`],
    ['Call-ID', 'delayed-offer-1'],
    ['CSeq', '1 INVITE'],
    ['Contact', `<sip:caller@${CALLER}:5060>`],
    ['Max-Forwards', '70'],
  ]);
  return new Uint8Array(serializeMessage(req));
}

function answer(): Uint8Array {
  const sdp = [
    'v=0',
    `o=- 1 1 IN IP4 ${CALLER}`,
    's=-',
    `c=IN IP4 ${CALLER}`,
    't=0 0',
    `m=audio ${CALLER_RTP} RTP/AVP 0`,
    'a=rtpmap:0 PCMU/8000',
    'a=rtcp-mux',
    '',
  ].join('\r\n');
  return new Uint8Array(Buffer.from(sdp, 'utf8'));
}

async function run(ackAfterMs: number, packets = 10) {
  const world = new PhoneWorld(21);
  const posted: ToMain[] = [];
  const calls = new WorkerCalls({
    port: { post: (m) => void posted.push(structuredClone(m)) },
    ctx: {
      platform: world.platform(),
      media: { address: SERVER, portMin: 20000, portMax: 30000, rtcpMux: true, rtp: {}, lingerMs: 0 },
      codecs: [registry.byId('PCMU')!],
      inbandDtmf: 'off',
      log: silentLogger,
    },
    app: echo,
    maxCallMs: 3_600_000,
    log: silentLogger,
    aor: `sip:echo@${SERVER}`,
  });
  const back: number[] = [];
  const caller = world.net.bind(CALLER, CALLER_RTP, (d) => {
    if (d.length >= 12 && (d[1]! & 0x7f) === 0) back.push(parseRtp(d).payload[0]!);
  });
  calls.handle({
    kind: 'call',
    id: 1,
    local: `<sip:echo@${SERVER}>`,
    remote: `<sip:caller@${CALLER}>`,
    transport: 'udp',
    remoteAddress: CALLER,
    remotePort: 5060,
    sdpAddress: SERVER,
    invite: invite(),
  });
  await world.run(100);
  const accept = posted.find((m) => m.kind === 'accept');
  if (accept?.kind !== 'accept') throw new Error(`no 200 from the worker: ${JSON.stringify(posted)}`);
  const offer = Buffer.from(accept.body).toString('utf8');
  const port = Number(/m=audio (\d+)/.exec(offer)![1]);
  // The caller has our offer (the 200) and starts its media at once: ten packets, each with its number in
  // the payload, all of them before its ACK reaches the worker.
  for (let i = 0; i < packets; i++)
    world.scheduler.after(20 * i, () =>
      caller.send(
        serializeRtp({
          marker: i === 0,
          payloadType: 0,
          sequenceNumber: 100 + i,
          timestamp: 160 * i,
          ssrc: 0x1234,
          csrcs: [],
          payload: new Uint8Array(160).fill(i + 1),
          padding: 0,
        }),
        { address: SERVER, port },
      ),
    );
  await world.run(ackAfterMs);
  calls.handle({
    kind: 'acked',
    id: 1,
    dialog: {
      role: 'uas',
      remoteTarget: `sip:caller@${CALLER}:5060`,
      callId: 'delayed-offer-1',
      localTag: 'server1',
      remoteTag: 'caller1',
      ackBody: answer(),
    },
  });
  await world.run(1000);
  calls.handle({ kind: 'dialog-ended', id: 1, reason: 'remote-bye' });
  await world.run(500);
  caller.close();
  return { back, posted };
}

describe('media workers: a delayed offer', () => {
  it("the caller's RTP that beats its ACK to the worker is not lost: the echo sends every packet back", async () => {
    const { back, posted } = await run(400);
    expect(new Set(back)).toEqual(new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
    expect(posted.some((m) => m.kind === 'ended')).toBe(true);
  });

  it('what is kept before the media starts is bounded: of 100 packets before the ACK, the first 64', async () => {
    const { back } = await run(2100, 100);
    expect(back).toHaveLength(64);
    expect(Math.max(...back)).toBe(64);
  });
});
