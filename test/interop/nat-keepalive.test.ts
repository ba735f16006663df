/**
 * Keep-alives hold a NAT mapping beyond the NAT's UDP timeout. The lab's
 * router randomises ports (`--random-fully`) and forgets a UDP flow after
 * 2 s. From priv, on one socket: STUN keep-alives every 500 ms for 4 s keep
 * the first mapping; after 4 s of silence the same socket gets a new one.
 */
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNatLab, liveNamespaces, type NatLab } from './support/netns.js';
import { SHTOOM_BIN, requireBinary, stopAllPeers } from './support/peers.js';
import { startCoturn, type Coturn } from './support/stun-coturn.js';

const UDP_TIMEOUT_SEC = 2;
let lab: NatLab;
let coturn: Coturn;

beforeAll(async () => {
  for (const b of ['ip', 'iptables', 'turnserver']) requireBinary(b);
  lab = createNatLab({ nat: 'random-fully', publicAddresses: 1, udpTimeoutSec: UDP_TIMEOUT_SEC });
  coturn = await startCoturn({ addresses: lab.publicAddresses, port: 3478, ns: lab.pub });
});

afterAll(async () => {
  await coturn?.stop();
  lab?.destroy();
  await stopAllPeers();
  expect(liveNamespaces()).toEqual([]);
});

/** Runs in priv with the built library: mapping, keep-alives, silence, mapping again. */
function script(server: string): string {
  const lib = pathToFileURL(join(SHTOOM_BIN, '..', '..', 'src', 'net', 'stun-socket.js')).href;
  return `
import { createSocket } from 'node:dgram';
import { StunSocket } from '${lib}';
const server = { family: 'IPv4', address: '${server}', port: 3478 };
const sock = createSocket('udp4');
await new Promise((r) => sock.bind(0, r));
const stun = new StunSocket(sock, { rto: 200, rc: 4, rm: 4 }).listen();
const first = (await stun.binding(server)).mapped;
const seen = [];
await new Promise((resolve) => {
  const stop = stun.keepAlive(server, { interval: 500, rto: 200, rc: 2, rm: 2 }, (e) => {
    seen.push(e.type === 'mapping' ? e.mapped.port : 'lost');
  });
  setTimeout(() => { stop(); resolve(); }, 4000);
});
await new Promise((r) => setTimeout(r, 4000));
const after = (await stun.binding(server)).mapped;
stun.close();
sock.close();
console.log(JSON.stringify({ first, seen, after }));
`;
}

describe('keep-alives through a NAT with a 2 s UDP timeout', () => {
  it('keep the mapping; silence loses it', async () => {
    expect(lab.udpTimeoutSet).toBe(true);
    const p = lab.priv.start(process.execPath, ['--input-type=module', '-e', script(lab.publicAddresses[0]!)], {
      timeoutSec: 60,
    });
    const code = await p.exited;
    expect(p.stderr()).toBe('');
    expect(code).toBe(0);
    const r = JSON.parse(p.stdout()) as {
      first: { address: string; port: number };
      seen: (number | 'lost')[];
      after: { port: number };
    };
    expect(r.first.address).toBe(lab.routerPublicAddress);
    // 4 s of keep-alives at 500 ms: every answer shows the first mapping.
    expect(r.seen.length).toBeGreaterThanOrEqual(6);
    expect(new Set(r.seen)).toEqual(new Set([r.first.port]));
    // After 4 s of silence (twice the timeout) the router has forgotten the flow and maps anew.
    expect(r.after.port).not.toBe(r.first.port);
  });
});
