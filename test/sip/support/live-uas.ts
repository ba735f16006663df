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

/**
 * A UAS that answers INVITE 480, everything else by the UserAgent's defaults; responses go to the packet source.
 * On `host` (127.0.0.1 by default; `[::1]` for IPv6, or a wildcard).
 */
export async function startLiveUas(host = '127.0.0.1'): Promise<UserAgent> {
  const ua = await UserAgent.create({ listen: `${host}:0`, forceRport: true, userAgent: 'shtoom-torture' });
  ua.on('invite', (call) => call.reject(480));
  return ua;
}

let probeSeq = 0;
function probe(transport: 'UDP' | 'TCP', port: number, address = '127.0.0.1'): { callId: string; bytes: Buffer } {
  const callId = `probe-${++probeSeq}-${Date.now()}`;
  const h = address.includes(':') ? `[${address}]` : address;
  const text = [
    `OPTIONS sip:probe@${h}:${port} SIP/2.0`,
    `Via: SIP/2.0/${transport} ${h}:9;branch=z9hG4bK${callId};rport`,
    'Max-Forwards: 70',
    `From: <sip:probe@${h}>;tag=p`,
    `To: <sip:probe@${h}:${port}>`,
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
  private readonly socket: UdpSocket;
  private readonly got: SipResponse[] = [];
  private wake: (() => void) | undefined;
  /** The Request-URI of each INVITE sent, by its top Via branch (for the ACK of its final response). */
  private readonly inviteUris = new Map<string, string>();

  private constructor(
    /** The loopback address it talks from and to: 127.0.0.1 or ::1. */
    readonly address: string,
  ) {
    this.socket = createSocket(address.includes(':') ? 'udp6' : 'udp4');
  }

  static async open(address = '127.0.0.1'): Promise<UdpClient> {
    const c = new UdpClient(address);
    await new Promise<void>((r) => c.socket.bind(0, address, () => r()));
    c.socket.on('message', (m, from) => {
      const r = responseOf(m);
      if (r) {
        c.got.push(r);
        c.ackIfFinal(r, from.port);
      }
      c.wake?.();
    });
    return c;
  }

  /**
   * Send `bytes` as one datagram, then a probe; return the responses that
   * came before the probe's and answer `bytes`: when they carry a Via branch,
   * only responses carrying it (on a loaded machine an earlier message's
   * answer, or a resend of it, can arrive during a later exchange).
   */
  async exchange(bytes: Uint8Array, port: number, timeoutMs = 10_000): Promise<SipResponse[]> {
    const p = probe('UDP', port, this.address);
    const branch = /;\s*branch\s*=\s*([^;,\s]+)/i.exec(Buffer.from(bytes).toString('latin1'))?.[1];
    const ours = (r: SipResponse) => branch === undefined || r.fields('via').some((f) => f.value.includes(branch));
    this.got.length = 0;
    const invite = /^INVITE (\S+) SIP\/2\.0\r?\n/.exec(Buffer.from(bytes).toString('latin1'));
    if (invite) {
      if (this.inviteUris.size > 1000) this.inviteUris.clear();
      this.inviteUris.set(branch ?? '', invite[1]!);
    }
    this.socket.send(bytes, port, this.address);
    this.socket.send(p.bytes, port, this.address);
    const end = Date.now() + timeoutMs;
    for (;;) {
      const i = this.got.findIndex((r) => r.header('call-id') === p.callId);
      if (i >= 0) return this.got.slice(0, i).filter((r) => r.status >= 100 && ours(r));
      if (Date.now() > end) throw new Error('no answer to the probe: is the UAS alive?');
      await new Promise<void>((r) => {
        this.wake = r;
        setTimeout(r, 50);
      });
    }
  }

  /**
   * ACK a final non-2xx response to an INVITE, as a client transaction does
   * (RFC 3261 17.1.1.3): the server then stops resending it (Timer G), so a
   * resend cannot reach a later exchange whose message shares its branch.
   */
  private ackIfFinal(r: SipResponse, port: number): void {
    const cseq = /^\s*(\d+)\s+INVITE\s*$/i.exec(r.header('cseq') ?? '');
    const via = r.fields('via')[0]?.value;
    if (r.status < 300 || !cseq || !via) return;
    const branch = /;\s*branch\s*=\s*([^;,\s]+)/i.exec(via)?.[1] ?? '';
    const uri = this.inviteUris.get(branch) ?? /<([^>]+)>/.exec(r.header('to') ?? '')?.[1];
    if (!uri) return;
    const ack = [
      `ACK ${uri} SIP/2.0`,
      `Via: ${via}`,
      'Max-Forwards: 70',
      `From: ${r.header('from') ?? ''}`,
      `To: ${r.header('to') ?? ''}`,
      `Call-ID: ${r.header('call-id') ?? ''}`,
      `CSeq: ${cseq[1]} ACK`,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    this.socket.send(Buffer.from(ack, 'latin1'), port, this.address);
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
  opts: { probeSameConnection?: boolean; timeoutMs?: number; address?: string } = {},
): Promise<TcpResult> {
  const address = opts.address ?? '127.0.0.1';
  const sock: Socket = connect({ host: address, port });
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
  const p = probe('TCP', port, address);
  sock.write(bytes);
  let other: TcpResult | undefined;
  if (same) sock.write(p.bytes);
  else other = await tcpExchange(p.bytes, port, { probeSameConnection: true, address });
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
