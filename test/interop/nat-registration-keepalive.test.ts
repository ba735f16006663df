/**
 * A registration behind a NAT that forgets UDP flows after 3 s (the
 * router's conntrack UDP timeouts, set short for the lab). Two phones with
 * STUN register to Kamailio, then stay silent for more than twice that long:
 *
 * - one sends keep-alives every second (`--stun-keepalive 1s`: STUN to
 *   the STUN server, a double CRLF to the registrar): the router still
 *   knows its flow to Kamailio, the INVITE reaches it, audio both ways;
 * - the other's keep-alives are slower than the timeout (1 min): the router
 *   forgot its flow, drops Kamailio's INVITE, and the caller gets 408.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLabKamailio, type LabKamailio } from './support/nat-kamailio.js';
import { callFromPub, startNatPhone, tonesHeard, type NatPhone } from './support/nat-phones.js';
import { createNatLab, liveNamespaces, type NatLab } from './support/netns.js';
import { requireBinary, stopAllPeers } from './support/peers.js';
import { startCoturn, type Coturn } from './support/stun-coturn.js';

const UDP_TIMEOUT_SEC = 3;
/** Silence after registering: the NAT forgets a flow without keep-alives. */
const SILENCE_MS = 7000;
const TALK = 3;
const MIN_HEARD = 2;

let lab: NatLab;
let coturn: Coturn;
let kam: LabKamailio;
let dir: string;
const phones: NatPhone[] = [];

beforeAll(async () => {
  for (const b of ['ip', 'iptables', 'turnserver', 'kamailio']) requireBinary(b);
  dir = mkdtempSync(join(tmpdir(), 'shtoom-nat-keepalive-'));
  lab = createNatLab({ nat: 'masquerade', publicAddresses: 2, udpTimeoutSec: UDP_TIMEOUT_SEC });
  const server = lab.publicAddresses[0]!;
  [coturn, kam] = await Promise.all([
    startCoturn({ addresses: [server], port: 3478, ns: lab.pub }),
    startLabKamailio(lab.pub, { address: server, port: 5060 }),
  ]);
});

afterAll(async () => {
  await Promise.all(phones.splice(0).map((p) => p.stop()));
  await Promise.all([coturn?.stop(), kam?.stop()]);
  await stopAllPeers();
  lab?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
  expect(liveNamespaces()).toEqual([]);
});

describe(`a registration behind a NAT with a ${UDP_TIMEOUT_SEC} s UDP timeout`, () => {
  it('outlives the timeout with keep-alives faster than it, and is lost without', async () => {
    expect(lab.udpTimeoutSet).toBe(true);
    const stun = `${lab.publicAddresses[0]}:3478`;
    const [kept, silent] = await Promise.all([
      startNatPhone(lab, { user: 'alice', registrar: kam, stun, keepAlive: '1s', dir, trace: true }),
      startNatPhone(lab, { user: 'carol', registrar: kam, stun, keepAlive: '1m', dir }),
    ]);
    phones.push(kept, silent);

    await new Promise((r) => setTimeout(r, SILENCE_MS));
    // The keep-alives to the registrar: 4 bytes (CRLF CRLF) to Kamailio's address and port, over and over.
    const toRegistrar = kept.peer
      .stderr()
      .split('\n')
      .filter((l) => l.includes(`sent 4 bytes to udp:${kam.address}:${kam.port}`));
    expect(toRegistrar.length).toBeGreaterThanOrEqual(5);

    const c1 = await callFromPub(lab, {
      phone: kept,
      user: 'bob',
      seconds: TALK,
      symmetric: false,
      address: lab.publicAddresses[1]!,
      dir,
    });
    expect(c1.code, c1.stderr.slice(-2000)).toBe(0);
    expect(c1.result.answered).toBe(true);
    expect(await kept.callSummary(10_000)).toMatch(/ended: remote-hangup/);
    expect(tonesHeard(c1.recording).phone).toBeGreaterThanOrEqual(MIN_HEARD);
    expect(tonesHeard(kept.recording).caller).toBeGreaterThanOrEqual(MIN_HEARD);

    const c2 = await callFromPub(lab, {
      phone: silent,
      user: 'dave',
      seconds: TALK,
      symmetric: false,
      address: lab.publicAddresses[1]!,
      dir,
    });
    expect(c2.result.answered).toBe(false);
    expect(c2.result.end.status).toBe(408);
    expect(c2.code).toBe(4);
    expect(await silent.callSummary(500)).toBeUndefined();
  });
});
