/**
 * The cluster of examples/cluster/ (Kamailio's dispatcher in front of three
 * `shtoom serve echo` nodes, each in a network namespace of its own; SIPp
 * placing 10 calls a second of 2-3 s through Kamailio; the same lab as
 * test/interop/cluster-kamailio.test.ts):
 * - cluster.failover_ms: from a kill -9 of one node under load until the
 *   dispatcher has taken it out (its OPTIONS probe went unanswered);
 * - cluster.calls_lost_on_kill: the calls that node held (their media was
 *   there), out of 80;
 * - cluster.calls_lost_on_drain: calls cut when a node started with
 *   `--drain-timeout` gets SIGTERM under load (goal 0), out of 60.
 * Needs root (namespaces), Kamailio and SIPp.
 */
import { terminate } from '../test/interop/support/call-process.js';
import {
  activeNodes,
  NODE,
  routed,
  serving,
  sipp,
  startCluster,
  stopCluster,
} from '../test/interop/support/cluster.js';
import { waitFor } from '../test/interop/support/peers.js';
import { sippCount } from '../test/interop/support/sip-sipp.js';
import { note, report } from './lib/report.js';

await startCluster();
try {
  const kill = sipp(2000, 80);
  await waitFor(() => routed() >= 15, 'calls through the cluster', 30_000);
  const at = performance.now();
  terminate(serving[0]!, 'SIGKILL');
  await waitFor(() => !activeNodes().includes(NODE(1)), 'node 1 taken out', 15_000);
  const failoverMs = performance.now() - at;
  await kill.exited;
  const killed = sippCount(kill.stdout(), 'Failed call');
  note(`kill -9: ${sippCount(kill.stdout(), 'Successful call')} of 80 calls completed, ${killed} failed`);

  const drain = sipp(3000, 60);
  const before = routed();
  await waitFor(() => routed() >= before + 10, 'calls through the cluster', 30_000);
  terminate(serving[1]!, 'SIGTERM');
  await drain.exited;
  const lost = sippCount(drain.stdout(), 'Failed call');
  const exit = await serving[1]!.exited;
  note(`drain: ${sippCount(drain.stdout(), 'Successful call')} of 60 calls completed; node 2 exit ${exit}`);
  report('cluster.failover_ms', Math.round(failoverMs), 'ms');
  report('cluster.calls_lost_on_kill', killed, 'calls');
  report('cluster.calls_lost_on_drain', lost, 'calls');
} finally {
  await stopCluster();
}
