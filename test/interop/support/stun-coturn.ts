/**
 * coturn as a plain STUN server for interop tests (PEERS.md §4): on
 * loopback, or inside a network namespace with two addresses so it answers
 * RFC 5780 CHANGE-REQUESTs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isListening, startPeer, waitFor, type Peer } from './peers.js';
import type { Netns } from './netns.js';

export interface Coturn {
  readonly peer: Peer;
  readonly port: number;
  readonly addresses: readonly string[];
  stop(): Promise<void>;
}

/**
 * Start `turnserver --stun-only` on `addresses` (one or two) and `port`
 * (plus port+1, the RFC 5780 alternate port, when there are two), in `ns`
 * when given. Resolves once it listens.
 */
export async function startCoturn(opts: { addresses: readonly string[]; port: number; ns?: Netns }): Promise<Coturn> {
  const dir = mkdtempSync(join(tmpdir(), 'shtoom-coturn-'));
  const args = [
    '-n',
    ...opts.addresses.flatMap((a) => ['-L', a]),
    `--listening-port=${opts.port}`,
    '--stun-only',
    '--no-tls',
    '--no-dtls',
    '--no-cli',
    '--log-file=stdout',
    '--simple-log',
    '-b',
    join(dir, 'turndb'),
    `--pidfile=${join(dir, 'turnserver.pid')}`,
  ];
  const peer = opts.ns
    ? opts.ns.start('turnserver', args, { timeoutSec: 120 })
    : startPeer('turnserver', args, { timeoutSec: 120 });
  const ready = opts.ns
    ? () => opts.ns!.listensUdp(opts.port, opts.addresses.length)
    : () => isListening(opts.port, 'udp');
  try {
    await waitFor(ready, `coturn on UDP port ${opts.port}`, 15_000);
  } catch (err) {
    await peer.stop();
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${(err as Error).message}\n${peer.stdout().slice(-2000)}`);
  }
  return {
    peer,
    port: opts.port,
    addresses: opts.addresses,
    async stop() {
      await peer.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
