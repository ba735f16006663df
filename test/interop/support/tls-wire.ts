/**
 * What went over the wire on TCP ports during a TLS test (tshark on lo):
 * whether any frame carries plain SIP (`SIP/2.0` in clear) and how many
 * TLS handshakes (ClientHello) there were, the ports decoded as TLS.
 */
import { spawnSync } from 'node:child_process';
import { type Capture, startCapture } from './rtp-tshark.js';

/** Start `tshark -i lo` on these TCP ports; resolves once it sees packets. */
export function startTcpCapture(file: string, ports: readonly number[], maxSeconds = 90): Promise<Capture> {
  return startCapture(file, ports, maxSeconds, 'tcp');
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
