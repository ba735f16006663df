/**
 * The NAT lab, first part: priv — router (NAT) — pub with coturn on two
 * addresses (so it runs RFC 5780 tests). From priv, `shtoom stun` must see
 * the router's public address and the behaviour of each router variant;
 * the `stun` client of stun-client, run from the same namespace, must agree.
 *
 * Linux MASQUERADE keeps a flow's source port when it can and reuses the
 * mapping for every destination: endpoint-independent mapping, and
 * conntrack admits only replies from the exact address and port written
 * to (address-and-port-dependent filtering): a port-restricted cone.
 * `--random-fully` picks a new random port per flow: symmetric.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNatLab, liveNamespaces, type NatLab, type NatMode } from './support/netns.js';
import { requireBinary, stopAllPeers } from './support/peers.js';
import { startCoturn, type Coturn } from './support/stun-coturn.js';

const STUN_PORT = 3478;
const LOCAL_PORT = 40000;

interface Variant {
  readonly nat: NatMode;
  readonly mapping: string;
  readonly filtering: string;
  readonly type: string;
  /** What `stun` 0.97 prints in its "Primary:" line. */
  readonly theirs: RegExp;
}

const VARIANTS: readonly Variant[] = [
  {
    nat: 'masquerade',
    mapping: 'endpoint-independent',
    filtering: 'address-and-port-dependent',
    type: 'port-restricted-cone',
    theirs: /Primary: Independent Mapping, Port Dependent Filter/,
  },
  {
    nat: 'random-fully',
    mapping: 'address-and-port-dependent',
    filtering: 'address-and-port-dependent',
    type: 'symmetric',
    theirs: /Primary: Dependent Mapping/,
  },
  {
    nat: 'none',
    mapping: 'endpoint-independent',
    filtering: 'endpoint-independent',
    type: 'open-internet',
    theirs: /Primary: Open/,
  },
];

beforeAll(() => {
  for (const b of ['ip', 'iptables', 'turnserver', 'stun']) requireBinary(b);
});

afterAll(async () => {
  await stopAllPeers();
  expect(liveNamespaces()).toEqual([]);
});

for (const v of VARIANTS) {
  describe(`router ${v.nat}`, () => {
    let lab: NatLab;
    let coturn: Coturn;

    beforeAll(async () => {
      lab = createNatLab({ nat: v.nat, publicAddresses: 2 });
      coturn = await startCoturn({ addresses: lab.publicAddresses, port: STUN_PORT, ns: lab.pub });
    });

    afterAll(async () => {
      await coturn?.stop();
      lab?.destroy();
    });

    it(
      `shtoom stun from priv reports the ${v.nat === 'none' ? 'own' : "router's public"} address and a ${v.type} ` +
        `NAT`,
      async () => {
        const r = await lab.priv.shtoom(
          [
            'stun',
            `${lab.publicAddresses[0]}:${STUN_PORT}`,
            '--local-port',
            String(LOCAL_PORT),
            '--json',
            '--stun-rto',
            '200ms',
          ],
          { timeoutSec: 60 },
        );
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        const j = JSON.parse(r.stdout);
        expect(j.rfc5780).toBe(true);
        expect(j.otherAddress.address).toBe(lab.publicAddresses[1]);
        expect(j.local).toEqual({ address: lab.privateAddress, port: LOCAL_PORT, family: 'IPv4' });
        expect(j.mapped.address).toBe(v.nat === 'none' ? lab.privateAddress : lab.routerPublicAddress);
        expect(j.nat.natted).toBe(v.nat !== 'none');
        expect(j.nat.mapping).toBe(v.mapping);
        expect(j.nat.filtering).toBe(v.filtering);
        expect(j.nat.type).toBe(v.type);
        expect(j.nat.symmetric).toBe(v.type === 'symmetric');
        if (v.nat === 'masquerade') expect(j.nat.portPreserved).toBe(true);
      },
    );

    it('stun-client from priv classifies the NAT the same way', async () => {
      const p = lab.priv.start('stun', [`${lab.publicAddresses[0]}:${STUN_PORT}`, '-v', '-p', String(LOCAL_PORT + 2)], {
        timeoutSec: 30,
      });
      await p.exited;
      expect(p.stdout() + p.stderr()).toMatch(v.theirs);
    });
  });
}
