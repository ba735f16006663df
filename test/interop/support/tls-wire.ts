/**
 * What went over the wire on TCP ports during a TLS test (tshark on lo):
 * whether any frame carries plain SIP (`SIP/2.0` in clear) and how many
 * TLS handshakes (ClientHello) there were, the ports decoded as TLS.
 */
import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { freeUdpPort, startPeer, waitFor, type Peer } from './peers.js';

export interface TcpCapture {
  readonly file: string;
  readonly peer: Peer;
  stop(): Promise<void>;
}

/** Start `tshark -i lo` on these TCP ports; resolves once it sees packets (a UDP probe to a port of its own). */
export async function startTcpCapture(file: string, ports: readonly number[], maxSeconds = 90): Promise<TcpCapture> {
  const probePort = await freeUdpPort();
  const filter = `(tcp and (${ports.map((p) => `port ${p}`).join(' or ')})) or (udp and port ${probePort})`;
  const peer = startPeer('tshark', ['-i', 'lo', '-f', filter, '-w', file, '-P', '-a', `duration:${maxSeconds}`], {
    timeoutSec: maxSeconds + 20,
  });
  await waitFor(
    () => peer.stderr().includes('Capturing on') || peer.child.exitCode !== null,
    'tshark to start capturing',
    20_000,
  );
  if (peer.child.exitCode !== null) throw new Error(`tshark exited at start: ${peer.stderr()}`);
  const probe = createSocket('udp4');
  try {
    await waitFor(
      () => {
        probe.send('shtoom capture probe', probePort, '127.0.0.1');
        return peer.stdout().includes(`${probePort}`);
      },
      'tshark to see a probe packet',
      20_000,
    );
  } finally {
    probe.close();
  }
  return {
    file,
    peer,
    async stop() {
      if (peer.child.exitCode === null && peer.child.signalCode === null) peer.child.kill('SIGINT');
      await peer.exited;
    },
  };
}

function count(file: string, ports: readonly number[], filter: string): number {
  const decode = ports.flatMap((p) => ['-d', `tcp.port==${p},tls`]);
  const r = spawnSync('tshark', ['-r', file, ...decode, '-Y', filter, '-T', 'fields', '-e', 'frame.number'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`tshark -r failed: ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => l.trim() !== '').length;
}

/** Frames on those ports with `SIP/2.0` in clear text. */
export function plainSipFrames(file: string, ports: readonly number[]): number {
  return count(file, ports, 'tcp and frame contains "SIP/2.0"');
}

/** TLS ClientHellos on those ports. */
export function tlsClientHellos(file: string, ports: readonly number[]): number {
  return count(file, ports, 'tls.handshake.type == 1');
}
