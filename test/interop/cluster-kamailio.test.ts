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
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { terminate } from './support/call-process.js';
import { activeNodes, NODE, routed, serving, sipp, startCluster, startNode, stopCluster } from './support/cluster.js';
import { waitFor } from './support/peers.js';
import { sippCount } from './support/sip-sipp.js';

beforeAll(startCluster, 60_000);
afterAll(stopCluster);

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
    expect(failed, load.stderr().slice(-4000)).toBeLessThanOrEqual(10);
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
    expect(lost, load.stderr().slice(-3000)).toBe(0);
    expect(ok).toBe(60);
    expect(await node.exited, node.stderr().slice(-2000)).toBe(0);
    expect(node.stderr()).toMatch(/drained: every call ended by itself/);
  }, 120_000);
});
