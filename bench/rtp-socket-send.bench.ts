/**
 * The kernel's share of a server's work per RTP packet, and what connecting
 * the socket to its peer would save: the process's CPU time per 172-byte
 * datagram (a G.711 packet) sent over loopback to a socket of this process
 * and received there, unconnected with the project's address lookup (how
 * calls send: `udp.send_us`) and connected (`udp.send_connected_us`).
 * Rounds alternate between the two; each figure is the median of its
 * rounds. `docs/media.md` ("The cost of a packet") says why RTP sockets stay
 * unconnected.
 */
import { createSocket, type Socket } from 'node:dgram';
import { ipLookup } from '../src/net/ip-lookup.js';
import { note, report } from './lib/report.js';

const PER_ROUND = 50_000;
const ROUNDS = 7;
const BATCH = 32;

async function bound(): Promise<Socket> {
  const s = createSocket({ type: 'udp4', lookup: ipLookup });
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  return s;
}

const rx = await bound();
let received = 0;
const port = rx.address().port;
const plain = await bound();
const connected = await bound();
// Only our own datagrams count (another process on the machine may send to a port it picked at random).
const ours = new Set([plain.address().port, connected.address().port]);
rx.on('message', (_msg, from) => {
  if (ours.has(from.port)) received++;
});
await new Promise<void>((resolve) => connected.connect(port, '127.0.0.1', resolve));
const packet = Buffer.alloc(172, 0x55);

/** CPU µs per datagram for one round of `send`. */
async function round(send: () => void): Promise<number> {
  const before = received;
  const cpu = process.cpuUsage();
  for (let sent = 0; sent < PER_ROUND; sent += BATCH) {
    for (let i = 0; i < BATCH && sent + i < PER_ROUND; i++) send();
    // Let the receiver drain (libuv reads 32 datagrams a turn), so the socket buffer never overflows.
    for (let t = 0; t < 20 && received - before < sent + BATCH; t++) await new Promise((r) => setImmediate(r));
  }
  for (let i = 0; i < 100 && received - before < PER_ROUND * 0.99; i++) await new Promise((r) => setTimeout(r, 5));
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / PER_ROUND;
}

const a: number[] = [];
const b: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  a.push(await round(() => plain.send(packet, port, '127.0.0.1')));
  b.push(await round(() => connected.send(packet)));
}
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[xs.length >> 1]!;
note(`${ROUNDS} rounds of ${PER_ROUND} datagrams each way; ${received} of ${2 * ROUNDS * PER_ROUND} received`);
report('udp.send_us', median(a), 'us');
report('udp.send_connected_us', median(b), 'us');
for (const s of [rx, plain, connected]) s.close();
