/**
 * A lossy relay for the smoke interop test (the kernel here has no netem): a
 * tiny SIP-aware UDP middlebox on 127.0.0.1. SIP from the client goes
 * through it to the server and back, untouched except that the SDP of the
 * INVITE and of its answer are rewritten to point each side's RTP at the
 * relay; RTP is then carried both ways with seeded random loss. RTCP (told
 * apart by its packet type, RFC 5761 4) is carried without loss, so the
 * peer's reports arrive. Counts what it carried and dropped per direction.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';

export interface RelayCounts {
  rtp: number;
  dropped: number;
}

function bind(): Promise<Socket> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.bind(0, '127.0.0.1', () => resolve(s));
  });
}

/** mulberry32: a small seeded generator, so the losses are the same every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const isRtcp = (b: Buffer) => b.length >= 2 && b[1]! >= 192 && b[1]! <= 223;

export class LossyRelay {
  /** Client → server and server → client RTP. */
  readonly out: RelayCounts = { rtp: 0, dropped: 0 };
  readonly back: RelayCounts = { rtp: 0, dropped: 0 };
  private client: RemoteInfo | undefined;
  private clientMedia: { address: string; port: number } | undefined;
  private serverMedia: { address: string; port: number } | undefined;

  private constructor(
    private readonly sip: Socket,
    private readonly rtpA: Socket,
    private readonly rtpB: Socket,
    private readonly serverSipPort: number,
    loss: number,
    seed: number,
  ) {
    const rnd = seeded(seed);
    sip.on('message', (msg, from) => this.onSip(msg, from));
    // rtpA faces the client, rtpB the server.
    rtpA.on('message', (msg, from) => {
      this.clientMedia = { address: from.address, port: from.port };
      if (!this.serverMedia) return;
      if (!isRtcp(msg)) {
        this.out.rtp++;
        if (rnd() < loss) return void this.out.dropped++;
      }
      rtpB.send(msg, this.serverMedia.port, this.serverMedia.address);
    });
    rtpB.on('message', (msg) => {
      if (!this.clientMedia) return;
      if (!isRtcp(msg)) {
        this.back.rtp++;
        if (rnd() < loss) return void this.back.dropped++;
      }
      rtpA.send(msg, this.clientMedia.port, this.clientMedia.address);
    });
  }

  static async start(serverSipPort: number, loss: number, seed = 1): Promise<LossyRelay> {
    return new LossyRelay(await bind(), await bind(), await bind(), serverSipPort, loss, seed);
  }

  /** Where the client sends its SIP. */
  get sipPort(): number {
    return this.sip.address().port;
  }

  /** The fraction of RTP dropped each way. */
  get injected(): { out: number; back: number } {
    return { out: this.out.dropped / Math.max(1, this.out.rtp), back: this.back.dropped / Math.max(1, this.back.rtp) };
  }

  private onSip(msg: Buffer, from: RemoteInfo): void {
    const fromServer = from.port === this.serverSipPort;
    if (!fromServer) this.client = from;
    let text = msg.toString('utf8');
    const split = text.indexOf('\r\n\r\n');
    if (split > 0 && /^content-type:\s*application\/sdp/im.test(text.slice(0, split))) {
      const head = text.slice(0, split);
      let body = text.slice(split + 4);
      const m = /^m=audio (\d+)/m.exec(body);
      const c = /^c=IN IP4 (\S+)/m.exec(body);
      if (m && c) {
        const media = { address: c[1]!, port: Number(m[1]) };
        if (fromServer) this.serverMedia = media;
        else this.clientMedia = media;
        const via = fromServer ? this.rtpA : this.rtpB;
        body = body
          .replace(/^m=audio \d+/m, `m=audio ${via.address().port}`)
          .replace(/^c=IN IP4 \S+/gm, 'c=IN IP4 127.0.0.1');
        const length = `Content-Length: ${Buffer.byteLength(body)}`;
        text = `${head.replace(/^content-length:\s*\d+/im, length)}\r\n\r\n${body}`;
      }
    }
    const out = Buffer.from(text, 'utf8');
    if (fromServer) {
      if (this.client) this.sip.send(out, this.client.port, this.client.address);
    } else this.sip.send(out, this.serverSipPort, '127.0.0.1');
  }

  close(): void {
    for (const s of [this.sip, this.rtpA, this.rtpB]) s.close();
  }
}
