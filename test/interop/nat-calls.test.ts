/**
 * The NAT lab, calls: a shtoom phone in priv, behind a Linux router doing
 * port-preserving MASQUERADE (a port-restricted cone NAT: one mapping per
 * local port, replies admitted only from where we sent to), registers to
 * Kamailio in pub and is called by its AOR by a second shtoom in pub. Each
 * side sends its own tone and records what it hears.
 *
 * - With STUN the phone advertises the router's mapping of its SIP socket
 *   in Contact and of its RTP socket in the SDP: the INVITE reaches it and
 *   audio flows both ways, even to a caller that does not latch onto where
 *   RTP comes from — what the phone advertised was right; baresip as the
 *   caller gets audio both ways too.
 * - Without STUN the Contact names the private address: Kamailio cannot
 *   send there (477). A registrar with NAT handling (nathelper) routes to
 *   the flow the REGISTER came from instead and the call is answered, but
 *   the SDP still names the private address: the phone's tone reaches the
 *   caller, the caller's never reaches the phone — unless the caller
 *   latches onto the source of the phone's RTP (symmetric RTP).
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

/** Seconds the caller talks; each side must hear the other's tone for at least MIN_HEARD of them. */
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
  dir = mkdtempSync(join(tmpdir(), 'shtoom-nat-calls-'));
  lab = createNatLab({ nat: 'masquerade', publicAddresses: 2 });
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

describe('behind port-preserving MASQUERADE', () => {
  it('with STUN: registers its public mapping, is called by its AOR, and audio flows both ways', async () => {
    const p = await phone({ user: 'alice', registrar: kam, stun, dir });
    // Contact = the router's address and the port it mapped the SIP socket to, which is
    // exactly the flow Kamailio saw the REGISTER come from.
    expect(p.contact).toMatch(new RegExp(`^sip:alice@${lab.routerPublicAddress.replace(/\./g, '\\.')}:\\d+$`));
    const reg = kam
      .registers()
      .filter((r) => r.user === 'alice')
      .at(-1)!;
    expect(`<${p.contact}>`).toBe(reg.contact.replace(/;.*$/, ''));
    expect(reg.source).toBe(p.contact.split('@')[1]);

    // The caller does not latch: it sends to what the phone's SDP says, the STUN mapping of its RTP socket.
    const c = await callFromPub(lab, { phone: p, user: 'bob', seconds: TALK, symmetric: false, address: caller, dir });
    expect(c.code, c.stderr.slice(-2000)).toBe(0);
    expect(c.result.answered).toBe(true);
    expect(c.result.rtp?.latched).toBe(false);
    expect(c.result.rtp?.remote).toMatch(new RegExp(`^${lab.routerPublicAddress.replace(/\./g, '\\.')}:\\d+$`));
    expect(await p.callSummary(10_000)).toMatch(/ended: remote-hangup/);

    const callerHeard = tonesHeard(c.recording);
    const phoneHeard = tonesHeard(p.recording);
    expect(callerHeard.phone).toBeGreaterThanOrEqual(MIN_HEARD);
    expect(callerHeard.caller).toBe(0);
    expect(phoneHeard.caller).toBeGreaterThanOrEqual(MIN_HEARD);
    expect(phoneHeard.phone).toBe(0);
  });

  it('with STUN: a third-party caller (baresip) reaches it too, audio both ways', async () => {
    const p = await phone({ user: 'frank', registrar: kam, stun, dir });
    const b = await callFromBaresip(lab, {
      phone: p,
      user: 'bob',
      seconds: TALK + 1,
      address: lab.publicAddresses[0]!,
      dir,
    });
    expect(b.code, b.output.slice(-2000)).toBe(0);
    expect(b.output).toMatch(/Call established/);
    expect(await p.callSummary(10_000)).toMatch(/ended: remote-hangup/);
    expect(tonesHeard(b.recording ?? '').phone).toBeGreaterThanOrEqual(MIN_HEARD);
    expect(tonesHeard(p.recording).caller).toBeGreaterThanOrEqual(MIN_HEARD);
  });

  it('without STUN: the Contact names the private address, which the registrar cannot reach (477)', async () => {
    const p = await phone({ user: 'carol', registrar: kam, dir });
    expect(p.contact).toMatch(new RegExp(`^sip:carol@${lab.privateAddress.replace(/\./g, '\\.')}:\\d+$`));
    // The REGISTER itself works: its answer goes back to where it came from (rport).
    expect(
      kam
        .registers()
        .filter((r) => r.user === 'carol')
        .at(-1)!.source,
    ).toMatch(new RegExp(`^${lab.routerPublicAddress.replace(/\./g, '\\.')}:`));

    const c = await callFromPub(lab, { phone: p, user: 'bob', seconds: TALK, symmetric: false, address: caller, dir });
    expect(c.result.answered).toBe(false);
    // Kamailio: "sendto(... 10.99.x.2 ...) Network is unreachable" → 477.
    expect(c.result.end.status).toBe(477);
    expect(c.code).toBe(5);
    expect(await p.callSummary(500)).toBeUndefined();
  });

  it(
    'without STUN, a registrar with NAT handling reaches the phone, but the caller hears it and it hears nothing ' +
      '(its SDP names its private address)',
    async () => {
      const p = await phone({ user: 'dave', registrar: kamNat, dir });
      expect(p.contact).toContain(`@${lab.privateAddress}:`);

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
      // The caller sends to 10.99.x.2, which does not route from pub.
      expect(c.result.rtp?.remote).toMatch(new RegExp(`^${lab.privateAddress.replace(/\./g, '\\.')}:`));
      const summary = await p.callSummary(10_000);
      expect(summary).toMatch(/ 0 packets in /);

      expect(tonesHeard(c.recording).phone).toBeGreaterThanOrEqual(MIN_HEARD);
      expect(tonesHeard(p.recording)).toEqual({ caller: 0, phone: 0 });
    },
  );

  it(
    'without STUN, a registrar with NAT handling and a caller that latches (symmetric RTP): audio both ' + 'ways',
    async () => {
      const p = await phone({ user: 'erin', registrar: kamNat, dir });
      const c = await callFromPub(lab, { phone: p, user: 'bob', seconds: TALK, symmetric: true, address: caller, dir });
      expect(c.code, c.stderr.slice(-2000)).toBe(0);
      // The caller latched onto the router's mapping of the phone's RTP socket.
      expect(c.result.rtp?.latched).toBe(true);
      expect(c.result.rtp?.remote).toMatch(new RegExp(`^${lab.routerPublicAddress.replace(/\./g, '\\.')}:\\d+$`));
      expect(await p.callSummary(10_000)).toMatch(/ended: remote-hangup/);
      expect(tonesHeard(c.recording).phone).toBeGreaterThanOrEqual(MIN_HEARD);
      expect(tonesHeard(p.recording).caller).toBeGreaterThanOrEqual(MIN_HEARD);
    },
  );
});
