/**
 * The cluster of examples/cluster/ on one machine: Kamailio with the
 * example's configuration as shipped and SIPp in one network namespace
 * (`lb`), three `shtoom serve echo` nodes each in a namespace of its own,
 * linked to `lb` by a veth pair each (all created here, removed by
 * `stop()` or at exit):
 *
 * ```
 *   node1 10.98.1.2 ─┐
 *   node2 10.98.2.2 ─┼─ lb (10.98.N.1): Kamailio :5060, SIPp
 *   node3 10.98.3.2 ─┘
 * ```
 * Used by test/interop/cluster-kamailio.test.ts and bench/cluster.bench.ts.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Netns } from './netns.js';
import { requireBinary, waitFor, type Peer } from './peers.js';
import { UAC_VIA_PROXY } from './sip-sipp.js';

const EXAMPLE = join(import.meta.dirname, '..', '..', '..', 'examples', 'cluster', 'kamailio.cfg');
export const LB = (n: number) => `10.98.${n}.1`;
export const NODE = (n: number) => `10.98.${n}.2`;

let dir: string;
let lb: Netns;
const nodes: Netns[] = [];
export let kamailio: Peer;
export const serving: (Peer | undefined)[] = [];

function ip(...args: string[]): void {
  const r = spawnSync('timeout', ['20', 'ip', ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
}

/** `shtoom serve echo` on node n (1-based), port 5060 of its own address. */
export function startNode(n: number): Peer {
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
export function activeNodes(): string[] {
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
export function routed(): number {
  return (kamailio.stderr().match(/CLUSTER \S+ to sip:/g) ?? []).length;
}

export function sipp(callMs: number, calls: number): Peer {
  return lb.start(
    'sipp',
    [
      '-nostdin',
      '-sf',
      join(dir, 'uac.xml'),
      '-s',
      'echo',
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

/** Start the lab, Kamailio and the three nodes; resolves when the dispatcher has all three active. */
export async function startCluster(): Promise<void> {
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
}

/** Stop every process started here and remove the namespaces. */
export async function stopCluster(): Promise<void> {
  for (const p of serving) await p?.stop();
  await kamailio?.stop();
  for (const ns of nodes) ns.destroy();
  lb?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
  nodes.length = 0;
  serving.length = 0;
}
