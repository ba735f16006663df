/**
 * A deliberately tiny SIP UAC over UDP, only so that the media interop tests
 * can make SIPp start a call (SIPp's `rtp_stream` needs an INVITE/ACK and
 * reads the peer's SDP). It is not a SIP stack: one INVITE (retransmitted on
 * T1 until answered), the ACK, the BYE, nothing else.
 */
import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';

export interface SipResponse {
  readonly status: number;
  readonly headers: Map<string, string>;
  readonly body: string;
}

function parseResponse(text: string): SipResponse | undefined {
  const [head, ...rest] = text.split('\r\n\r\n');
  const lines = head!.split('\r\n');
  const m = /^SIP\/2\.0 (\d{3}) /.exec(lines[0] ?? '');
  if (!m) return undefined;
  const headers = new Map<string, string>();
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    if (i > 0) headers.set(l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim());
  }
  return { status: Number(m[1]), headers, body: rest.join('\r\n\r\n') };
}

const token = () => randomBytes(6).toString('hex');

export class MiniUac {
  private readonly socket: Socket;
  private readonly callId = `${token()}@127.0.0.1`;
  private readonly fromTag = token();
  private toTag = '';
  private readonly waiters: ((r: SipResponse) => void)[] = [];
  readonly responses: SipResponse[] = [];

  private constructor(
    socket: Socket,
    readonly localPort: number,
    readonly remotePort: number,
    readonly user = 'service',
  ) {
    this.socket = socket;
    socket.on('message', (msg) => {
      const r = parseResponse(msg.toString('utf8'));
      if (!r) return;
      this.responses.push(r);
      for (const w of this.waiters.splice(0)) w(r);
    });
  }

  static async open(remotePort: number): Promise<MiniUac> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new MiniUac(socket, socket.address().port, remotePort);
  }

  private get uri(): string {
    return `sip:${this.user}@127.0.0.1:${this.remotePort}`;
  }

  private request(method: string, cseq: number, body = ''): string {
    const lines = [
      `${method} ${this.uri} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${this.localPort};branch=z9hG4bK${token()};rport`,
      'Max-Forwards: 70',
      `From: <sip:shtoom@127.0.0.1:${this.localPort}>;tag=${this.fromTag}`,
      `To: <${this.uri}>${this.toTag ? `;tag=${this.toTag}` : ''}`,
      `Call-ID: ${this.callId}`,
      `CSeq: ${cseq} ${method}`,
      `Contact: <sip:shtoom@127.0.0.1:${this.localPort}>`,
      ...(body ? ['Content-Type: application/sdp'] : []),
      `Content-Length: ${Buffer.byteLength(body)}`,
      '',
      body,
    ];
    return lines.join('\r\n');
  }

  private send(text: string): void {
    this.socket.send(text, this.remotePort, '127.0.0.1');
  }

  /** Wait for a final response to `method`, resending the request every 500 ms (T1) until one comes. */
  private async transaction(method: string, text: string, timeoutMs = 10_000): Promise<SipResponse> {
    const end = Date.now() + timeoutMs;
    this.send(text);
    for (;;) {
      const r = await new Promise<SipResponse | undefined>((resolve) => {
        const t = setTimeout(() => resolve(undefined), 500);
        this.waiters.push((resp) => {
          clearTimeout(t);
          resolve(resp);
        });
      });
      if (r && r.status >= 200 && (r.headers.get('cseq') ?? '').endsWith(method)) return r;
      if (Date.now() > end) throw new Error(`no final response to ${method} within ${timeoutMs} ms`);
      if (!r) this.send(text);
    }
  }

  /** INVITE with an SDP offer; on 2xx sends the ACK and returns the answer. */
  async invite(sdp: string): Promise<SipResponse> {
    const r = await this.transaction('INVITE', this.request('INVITE', 1, sdp));
    if (r.status >= 300) throw new Error(`INVITE was answered ${r.status}`);
    this.toTag = /;tag=([^;>\s]+)/.exec(r.headers.get('to') ?? '')?.[1] ?? '';
    this.send(this.request('ACK', 1));
    return r;
  }

  async bye(): Promise<SipResponse> {
    return this.transaction('BYE', this.request('BYE', 2));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}
