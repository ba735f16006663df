/**
 * The NAT lab behind a symmetric NAT: Linux `MASQUERADE --random-fully`
 * gives every flow (local port, remote address and port) a new random
 * public port. What STUN reports is then the mapping towards the STUN
 * server only; nobody else can use it.
 *
 * - With STUN alone the phone registers (Kamailio answers to the flow the
 *   REGISTER came from, rport) but advertises the STUN flow's port in
 *   Contact: Kamailio's INVITE to it is dropped by the NAT, and the caller
 *   gets 408.
 * - A registrar with NAT handling (nathelper) routes to the REGISTER's flow
 *   and the call is answered; but the SDP names the STUN mapping of the RTP
 *   socket too, so the caller's RTP is dropped: the caller hears the
 *   phone, the phone hears nothing. The same with baresip 1.0 as the
 *   caller: it sends where the SDP says.
 * - Only a caller that latches onto where the phone's RTP comes from
 *   (symmetric RTP) gets audio both ways. Without that, ICE or a media
 *   relay (TURN) is needed: out of scope.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startLabKamailio, type LabKamailio } from './support/nat-kamailio.js';
import { callFromBaresip, callFromPub, startNatPhone, tonesHeard, type NatPhone } from './support/nat-phones.js';
import { createNatLab, liveNamespaces, type NatLab } from './support/netns.js';
import { requireBinary, stopAllPeers } from './support/peers.js';
import { startCoturn, type Coturn } from './support/stun-coturn.js';

const TALK = 3;
const MIN_HEARD = 2;

let lab: NatLab;
let coturn: Coturn;
let kam: LabKamailio;
let kamNat: LabKamailio;
let dir: string;
let stun: string;
let caller: string;
const phones: NatPhone[] = [];

beforeAll(async () => {
  for (const b of ['ip', 'iptables', 'turnserver', 'kamailio', 'baresip']) requireBinary(b);
  dir = mkdtempSync(join(tmpdir(), 'shtoom-nat-symmetric-'));
  lab = createNatLab({ nat: 'random-fully', publicAddresses: 2 });
  const [server, ua] = lab.publicAddresses as [string, string];
  caller = ua;
  stun = `${server}:3478`;
  [coturn, kam, kamNat] = await Promise.all([
    startCoturn({ addresses: [server], port: 3478, ns: lab.pub }),
    startLabKamailio(lab.pub, { address: server, port: 5060 }),
    startLabKamailio(lab.pub, { address: server, port: 5070, natHelper: true }),
  ]);
});

afterEach(async () => {
  await Promise.all(phones.splice(0).map((p) => p.stop()));
});

afterAll(async () => {
  await Promise.all([coturn?.stop(), kam?.stop(), kamNat?.stop()]);
  await stopAllPeers();
  lab?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
  expect(liveNamespaces()).toEqual([]);
});

async function phone(o: Parameters<typeof startNatPhone>[1]): Promise<NatPhone> {
  const p = await startNatPhone(lab, o);
  phones.push(p);
  return p;
}

const port = (hostPort: string) => Number(hostPort.slice(hostPort.lastIndexOf(':') + 1));

describe('behind MASQUERADE --random-fully (symmetric NAT)', () => {
  it(
    'with STUN: registers, but its Contact is the STUN flow, not the registrar flow, and the call never reaches it ' +
      '(408)',
    async () => {
      const p = await phone({ user: 'alice', registrar: kam, stun, dir });
      expect(p.contact).toContain(`@${lab.routerPublicAddress}:`);
      const reg = kam
        .registers()
        .filter((r) => r.user === 'alice')
        .at(-1)!;
      // Same router address, another port: the NAT mapped the flow to Kamailio anew.
      expect(reg.source.startsWith(`${lab.routerPublicAddress}:`)).toBe(true);
      expect(port(reg.source)).not.toBe(port(p.contact));

      const c = await callFromPub(lab, {
        phone: p,
        user: 'bob',
        seconds: TALK,
        symmetric: false,
        address: caller,
        dir,
      });
      expect(c.result.answered).toBe(false);
      expect(c.result.end.status).toBe(408);
      expect(c.code).toBe(4);
      expect(await p.callSummary(500)).toBeUndefined();
    },
  );

  it(
    "with STUN and a registrar with NAT handling: the call is answered, but the SDP's STUN mapping is closed to " +
      'the caller — one-way audio',
    async () => {
      const p = await phone({ user: 'carol', registrar: kamNat, stun, dir });
      const c = await callFromPub(lab, {
        phone: p,
        user: 'bob',
        seconds: TALK,
        symmetric: false,
        address: caller,
        dir,
      });
      expect(c.code, c.stderr.slice(-2000)).toBe(0);
      expect(c.result.answered).toBe(true);
      // The caller sends to the router's public address, at the port STUN found for the phone's RTP socket.
      expect(c.result.rtp?.latched).toBe(false);
      expect(c.result.rtp?.remote.startsWith(`${lab.routerPublicAddress}:`)).toBe(true);
      expect(await p.callSummary(10_000)).toMatch(/ 0 packets in /);
      // The phone's RTP gets out (from yet another port) and is heard.
      expect(c.result.stats?.received.packets).toBeGreaterThan(0);
      expect(tonesHeard(c.recording).phone).toBeGreaterThanOrEqual(MIN_HEARD);
      expect(tonesHeard(p.recording)).toEqual({ caller: 0, phone: 0 });
    },
  );

  it(
    'with STUN, a registrar with NAT handling and a caller that latches (symmetric RTP): audio both ' + 'ways',
    async () => {
      const p = await phone({ user: 'dave', registrar: kamNat, stun, dir });
      const c = await callFromPub(lab, { phone: p, user: 'bob', seconds: TALK, symmetric: true, address: caller, dir });
      expect(c.code, c.stderr.slice(-2000)).toBe(0);
      expect(c.result.rtp?.latched).toBe(true);
      expect(c.result.rtp?.remote.startsWith(`${lab.routerPublicAddress}:`)).toBe(true);
      expect(await p.callSummary(10_000)).toMatch(/ended: remote-hangup/);
      expect(tonesHeard(c.recording).phone).toBeGreaterThanOrEqual(MIN_HEARD);
      expect(tonesHeard(p.recording).caller).toBeGreaterThanOrEqual(MIN_HEARD);
    },
  );

  it(
    'with STUN and a registrar with NAT handling, baresip as the caller (it does not latch): one-way audio as ' +
      'well',
    async () => {
      const p = await phone({ user: 'erin', registrar: kamNat, stun, dir });
      const b = await callFromBaresip(lab, {
        phone: p,
        user: 'bob',
        seconds: TALK + 1,
        address: lab.publicAddresses[0]!,
        dir,
      });
      expect(b.code, b.output.slice(-2000)).toBe(0);
      expect(b.output).toMatch(/Call established/);
      expect(await p.callSummary(10_000)).toMatch(/ 0 packets in /);
      expect(tonesHeard(b.recording ?? '').phone).toBeGreaterThanOrEqual(MIN_HEARD);
      expect(tonesHeard(p.recording)).toEqual({ caller: 0, phone: 0 });
    },
  );
});
