/**
 * SIP over TCP (RFC 3261 18): a listening server plus outgoing connections,
 * reused by remote address; bytes go up as they come (the core frames them);
 * idle connections close after `idleMs`. A TLS transport is this class with
 * `tls.createServer` / `tls.connect`.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { Endpoint, Transmit } from '../sip/transport/types.js';
import { formatEndpoint } from '../sip/transport/types.js';
import type { ListenSpec, SipTransport, SipTransportHandlers } from './sip-transport.js';

interface Conn {
  readonly id: string;
  readonly socket: Socket;
  readonly remote: Endpoint;
  ready: boolean;
  queue: Transmit[];
}

export interface SipTcpOptions {
  /** Close a connection with no traffic for this long (default 5 minutes). */
  readonly idleMs?: number;
}

export class SipTcpTransport implements SipTransport {
  readonly kind = 'tcp' as const;
  private readonly conns = new Map<string, Conn>();
  private readonly byRemote = new Map<string, Conn>();
  private seq = 0;
  private closed = false;

  private constructor(
    private readonly server: Server,
    readonly local: Endpoint,
    private readonly h: SipTransportHandlers,
    private readonly idleMs: number,
  ) {
    server.on('connection', (s) => this.adopt(s, { address: s.remoteAddress ?? '', port: s.remotePort ?? 0 }, true));
  }

  static bind(spec: ListenSpec, h: SipTransportHandlers, opts: SipTcpOptions = {}): Promise<SipTcpTransport> {
    return new Promise((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(spec.port, spec.address, () => {
        server.off('error', reject);
        server.on('error', () => {});
        const a = server.address();
        if (a === null || typeof a === 'string') return reject(new Error('TCP server has no address'));
        resolve(new SipTcpTransport(server, { address: a.address, port: a.port }, h, opts.idleMs ?? 300_000));
      });
    });
  }

  /** Open connections (for tests). */
  get connectionCount(): number {
    return this.conns.size;
  }

  private adopt(socket: Socket, remote: Endpoint, ready: boolean): Conn {
    const id = `tcp#${++this.seq}`;
    const c: Conn = { id, socket, remote, ready, queue: [] };
    this.conns.set(id, c);
    this.byRemote.set(formatEndpoint(remote), c);
    socket.setNoDelay(true);
    socket.setTimeout(this.idleMs, () => socket.destroy());
    socket.on('data', (d) => this.h.stream(d, { transport: 'tcp', remote, local: this.local, connectionId: id }));
    socket.on('error', (err) => {
      for (const t of c.queue) this.h.failed(t, err);
      c.queue = [];
    });
    socket.on('close', () => {
      this.conns.delete(id);
      if (this.byRemote.get(formatEndpoint(remote)) === c) this.byRemote.delete(formatEndpoint(remote));
      this.h.closed(id);
    });
    return c;
  }

  send(t: Transmit, address: string): void {
    if (this.closed) return;
    const d = t.destination;
    let c = d.connectionId !== undefined ? this.conns.get(d.connectionId) : undefined;
    if (!c || c.socket.destroyed) c = this.byRemote.get(formatEndpoint({ address, port: d.port }));
    if (!c || c.socket.destroyed) {
      if (t.close || t.bytes.length === 0) return;
      const socket = connect({ host: address, port: d.port });
      c = this.adopt(socket, { address, port: d.port }, false);
      const conn = c;
      socket.once('connect', () => {
        conn.ready = true;
        for (const q of conn.queue) this.write(conn, q);
        conn.queue = [];
      });
    }
    if (!c.ready) c.queue.push(t);
    else this.write(c, t);
  }

  private write(c: Conn, t: Transmit): void {
    if (t.bytes.length > 0) {
      c.socket.write(t.bytes, (err) => {
        if (err) this.h.failed(t, err);
      });
    }
    if (t.close) c.socket.end();
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    for (const c of this.conns.values()) c.socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
