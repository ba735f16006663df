/**
 * A live shtoom UAS on loopback (UDP and TCP) and raw clients that send it
 * arbitrary bytes and collect what it answers. Synchronisation is by a probe
 * request sent after the bytes under test: when the probe's answer arrives,
 * everything the bytes caused has arrived before it (no sleeping).
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { UserAgent } from '../../../src/sip/api/user-agent.js';
import { parseMessage } from '../../../src/sip/message/parse.js';
import type { SipResponse } from '../../../src/sip/message/message.js';
import { StreamFramer } from '../../../src/sip/message/stream-framer.js';

/** A UAS that answers INVITE 480, everything else by the UserAgent's defaults; responses go to the packet source. */
export async function startLiveUas(): Promise<UserAgent> {
  const ua = await UserAgent.create({ listen: '127.0.0.1:0', forceRport: true, userAgent: 'shtoom-torture' });
  ua.on('invite', (call) => call.reject(480));
  return ua;
}

let probeSeq = 0;
function probe(transport: 'UDP' | 'TCP', port: number): { callId: string; bytes: Buffer } {
  const callId = `probe-${++probeSeq}-${Date.now()}`;
  const text = [
    `OPTIONS sip:probe@127.0.0.1:${port} SIP/2.0`,
    `Via: SIP/2.0/${transport} 127.0.0.1:9;branch=z9hG4bK${callId};rport`,
    'Max-Forwards: 70',
    'From: <sip:probe@127.0.0.1>;tag=p',
    `To: <sip:probe@127.0.0.1:${port}>`,
    `Call-ID: ${callId}`,
    'CSeq: 1 OPTIONS',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  return { callId, bytes: Buffer.from(text) };
}

function responseOf(bytes: Uint8Array): SipResponse | undefined {
  const m = parseMessage(bytes, { datagram: true }).message;
  return m?.type === 'response' ? m : undefined;
}

export class UdpClient {
  private readonly socket: UdpSocket = createSocket('udp4');
  private readonly got: SipResponse[] = [];
  private wake: (() => void) | undefined;

  static async open(): Promise<UdpClient> {
    const c = new UdpClient();
    await new Promise<void>((r) => c.socket.bind(0, '127.0.0.1', () => r()));
    c.socket.on('message', (m) => {
      const r = responseOf(m);
      if (r) c.got.push(r);
      c.wake?.();
    });
    return c;
  }

  /** Send `bytes` as one datagram, then a probe; return the responses that came before the probe's. */
  async exchange(bytes: Uint8Array, port: number, timeoutMs = 10_000): Promise<SipResponse[]> {
    const p = probe('UDP', port);
    this.got.length = 0;
    this.socket.send(bytes, port, '127.0.0.1');
    this.socket.send(p.bytes, port, '127.0.0.1');
    const end = Date.now() + timeoutMs;
    for (;;) {
      const i = this.got.findIndex((r) => r.header('call-id') === p.callId);
      if (i >= 0) return this.got.slice(0, i).filter((r) => r.status >= 100);
      if (Date.now() > end) throw new Error('no answer to the probe: is the UAS alive?');
      await new Promise<void>((r) => {
        this.wake = r;
        setTimeout(r, 50);
      });
    }
  }

  close(): void {
    this.socket.close();
  }
}

export interface TcpResult {
  readonly responses: SipResponse[];
  /** The UAS closed the connection. */
  readonly closed: boolean;
}

/** One TCP connection per exchange. */
export async function tcpExchange(
  bytes: Uint8Array,
  port: number,
  opts: { probeSameConnection?: boolean; timeoutMs?: number } = {},
): Promise<TcpResult> {
  const sock: Socket = connect({ host: '127.0.0.1', port });
  await new Promise<void>((r, j) => {
    sock.once('connect', () => r());
    sock.once('error', j);
  });
  const framer = new StreamFramer({ maxMessageSize: 1 << 20 });
  const got: SipResponse[] = [];
  let closed = false;
  sock.on('data', (d) => {
    for (const item of framer.push(d))
      if (item.kind === 'message') {
        const r = responseOf(item.bytes);
        if (r) got.push(r);
      }
  });
  sock.on('close', () => (closed = true));
  sock.on('error', () => {});
  const same = opts.probeSameConnection ?? true;
  const p = probe('TCP', port);
  sock.write(bytes);
  let other: TcpResult | undefined;
  if (same) sock.write(p.bytes);
  else other = await tcpExchange(p.bytes, port, { probeSameConnection: true });
  const end = Date.now() + (opts.timeoutMs ?? 10_000);
  for (;;) {
    if (same) {
      const i = got.findIndex((r) => r.header('call-id') === p.callId);
      if (i >= 0) {
        sock.destroy();
        return { responses: got.slice(0, i), closed: false };
      }
    } else if (other) {
      // The probe on its own connection was answered: what this connection got so far is all it gets.
      await new Promise((r) => setImmediate(r));
      sock.destroy();
      return { responses: got, closed };
    }
    if (closed) return { responses: got, closed: true };
    if (Date.now() > end) {
      sock.destroy();
      throw new Error('no answer to the probe over TCP');
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}
