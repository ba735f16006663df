/**
 * examples/cluster/: `shtoom serve` nodes behind Kamailio's dispatcher, as
 * the example ships it. Each node is a host of its own (a network
 * namespace, created and removed here); Kamailio and the load (SIPp's
 * built-in UAC: a call, a 2-3 s pause, BYE) share a fourth, linked to each
 * node by a veth pair:
 *
 * ```
 *   node1 10.98.1.2 ─┐
 *   node2 10.98.2.2 ─┼─ lb (10.98.N.1): Kamailio :5060, SIPp
 *   node3 10.98.3.2 ─┘
 * ```
 *
 * - kill -9 of a node under load: only the calls it held fail; every call
 *   placed after it died is answered by the others (the INVITE it misses is
 *   sent on after 2 s; its OPTIONS go unanswered and it is taken out).
 * - SIGTERM of a node started with --drain-timeout: new INVITEs and its
 *   OPTIONS get 503, so new calls go to the other node; no call it had is
 *   cut; it exits 0 once they ended by themselves.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { terminate } from './support/call-process.js';
import { Netns } from './support/netns.js';
import { requireBinary, waitFor, type Peer } from './support/peers.js';
import { sippCount } from './support/sip-sipp.js';

const EXAMPLE = join(import.meta.dirname, '..', '..', 'examples', 'cluster', 'kamailio.cfg');
const LB = (n: number) => `10.98.${n}.1`;
const NODE = (n: number) => `10.98.${n}.2`;

let dir: string;
let lb: Netns;
const nodes: Netns[] = [];
let kamailio: Peer;
const serving: (Peer | undefined)[] = [];

function ip(...args: string[]): void {
  const r = spawnSync('timeout', ['20', 'ip', ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
}

/** `shtoom serve echo` on node n (1-based), port 5060 of its own address. */
function startNode(n: number): Peer {
  const p = nodes[n - 1]!.startShtoom(
    [
      'serve',
      'echo',
      '--listen',
      `udp:${NODE(n)}:5060`,
      '--rtp-address',
      NODE(n),
      '--drain-timeout',
      '30s',
      '--rtp-clock-realtime',
      '0',
      '--log-level',
      'info',
    ],
    { timeoutSec: 240 },
  );
  serving[n - 1] = p;
  return p;
}

/** The dispatcher's view: `kamcmd dispatcher.list`, per node address: active (A) or not. */
function activeNodes(): string[] {
  const r = spawnSync(
    'timeout',
    ['10', 'ip', 'netns', 'exec', lb.name, 'kamcmd', '-s', `unix:${join(dir, 'ctl.sock')}`, 'dispatcher.list'],
    { encoding: 'utf8' },
  );
  const out: string[] = [];
  // Each destination: URI: sip:10.98.1.2:5060 then FLAGS: AP / IP / AX…
  for (const m of r.stdout.matchAll(/URI: sip:([\d.]+):\d+\s+FLAGS: (\w+)/g))
    if (m[2]!.startsWith('A')) out.push(m[1]!);
  return out.sort();
}

/** INVITEs Kamailio has sent to a node so far (its `CLUSTER <call-id> to <node>` log lines). */
function routed(): number {
  return (kamailio.stderr().match(/CLUSTER \S+ to sip:/g) ?? []).length;
}

/**
 * SIPp's built-in `uac`, except that ACK and BYE follow the Record-Route
 * (the built-in one sends them to the proxy's own URI, which a proxy
 * cannot route): INVITE with an SDP offer, 200, ACK, a pause of `-d` ms, BYE.
 */
const UAC_VIA_PROXY = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="uac through a record-routing proxy">
  <send retrans="500"><![CDATA[
INVITE sip:echo@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:echo@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:sipp@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=sipp 1 1 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0
a=rtpmap:0 PCMU/8000
]]></send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="200" rtd="true" rrs="true"/>
  <send><![CDATA[
ACK [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:echo@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 1 ACK
[routes]
Max-Forwards: 70
Content-Length: 0

]]></send>
  <pause/>
  <send retrans="500"><![CDATA[
BYE [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:echo@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 2 BYE
[routes]
Max-Forwards: 70
Content-Length: 0

]]></send>
  <recv response="200" crlf="true"/>
</scenario>
`;

function sipp(callMs: number, calls: number): Peer {
  return lb.start(
    'sipp',
    [
      '-nostdin',
      '-sf',
      join(dir, 'uac.xml'),
      `${LB(1)}:5060`,
      '-i',
      LB(1),
      '-p',
      '5070',
      '-r',
      '10',
      '-d',
      String(callMs),
      '-m',
      String(calls),
      '-l',
      '60',
      '-timeout',
      '60s',
      '-recv_timeout',
      '10000',
    ],
    { timeoutSec: 90 },
  );
}

beforeAll(async () => {
  requireBinary('kamailio');
  requireBinary('kamcmd');
  requireBinary('sipp');
  dir = mkdtempSync(join(tmpdir(), 'shtoom-cluster-'));
  lb = Netns.create('lb');
  const tag = lb.name.slice(3, -2);
  for (let n = 1; n <= 3; n++) {
    const ns = Netns.create(`n${n}`);
    nodes.push(ns);
    const a = `c${tag}${n}a`;
    const b = `c${tag}${n}b`;
    ip('link', 'add', a, 'netns', lb.name, 'type', 'veth', 'peer', 'name', b, 'netns', ns.name);
    lb.ip('addr', 'add', `${LB(n)}/24`, 'dev', a);
    ns.ip('addr', 'add', `${NODE(n)}/24`, 'dev', b);
    lb.ip('link', 'set', a, 'up');
    ns.ip('link', 'set', b, 'up');
  }
  writeFileSync(join(dir, 'uac.xml'), UAC_VIA_PROXY);
  const list = join(dir, 'dispatcher.list');
  writeFileSync(list, [1, 2, 3].map((n) => `1 sip:${NODE(n)}:5060 0 0\n`).join(''));
  // The example as shipped, with the list's and the control socket's paths.
  kamailio = lb.start(
    'kamailio',
    [
      '-f',
      EXAMPLE,
      '-A',
      `DISPATCHER_LIST="${list}"`,
      '-DD',
      '-E',
      '-m',
      '64',
      '-M',
      '8',
      '-P',
      join(dir, 'kamailio.pid'),
      '-Y',
      dir,
      '-w',
      dir,
      '-A',
      `CTL_SOCKET="unix:${join(dir, 'ctl.sock')}"`,
    ],
    { timeoutSec: 240 },
  );
  for (let n = 1; n <= 3; n++) startNode(n);
  await waitFor(() => activeNodes().length === 3, 'all three nodes active in the dispatcher', 30_000).catch((e) => {
    throw new Error(`${(e as Error).message}\n${kamailio.stderr().slice(-3000)}`);
  });
}, 60_000);

afterAll(async () => {
  for (const p of serving) await p?.stop();
  await kamailio?.stop();
  for (const ns of nodes) ns.destroy();
  lb?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('shtoom serve behind Kamailio’s dispatcher (examples/cluster)', () => {
  it('kill -9 of a node: only its calls fail; every later call is answered by the others', async () => {
    const load = sipp(2000, 80);
    await waitFor(() => routed() >= 15, 'calls through the cluster', 30_000);
    terminate(serving[0]!, 'SIGKILL');
    await waitFor(() => !activeNodes().includes(NODE(1)), 'node 1 taken out', 15_000);
    expect(await load.exited, load.stderr().slice(-2000)).not.toBe('unknown');
    const ok = sippCount(load.stdout(), 'Successful call');
    const failed = sippCount(load.stdout(), 'Failed call');
    console.log(`kill -9: ${ok} calls completed, ${failed} failed (those node 1 held)`);
    expect(ok + failed).toBe(80);
    // At 10 calls/s of 2 s, a node holds about 7 calls at once: at most those fail.
    expect(failed, load.stdout().slice(-4000) + load.stderr().slice(-2000)).toBeLessThanOrEqual(10);
    expect(ok).toBeGreaterThanOrEqual(70);
    // Put back when it answers again.
    startNode(1);
    await waitFor(() => activeNodes().includes(NODE(1)), 'node 1 back in', 20_000);
  }, 120_000);

  it('SIGTERM with --drain-timeout: no call cut, new calls go elsewhere, the node exits 0 when drained', async () => {
    const load = sipp(3000, 60);
    const before = routed();
    await waitFor(() => routed() >= before + 10, 'calls through the cluster', 30_000);
    const node = serving[1]!;
    terminate(node, 'SIGTERM');
    await waitFor(() => /draining: \d+ call/.test(node.stderr()), 'node 2 draining', 10_000);
    await waitFor(() => !activeNodes().includes(NODE(2)), 'node 2 taken out (503 to OPTIONS)', 15_000);
    await load.exited;
    const ok = sippCount(load.stdout(), 'Successful call');
    const lost = sippCount(load.stdout(), 'Failed call');
    console.log(`drain: ${ok} calls completed, cluster.calls_lost_on_drain ${lost}`);
    expect(lost, load.stdout().slice(-3000)).toBe(0);
    expect(ok).toBe(60);
    expect(await node.exited, node.stderr().slice(-2000)).toBe(0);
    expect(node.stderr()).toMatch(/drained: every call ended by itself/);
  }, 120_000);
});
