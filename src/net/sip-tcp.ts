/**
 * SIP over TCP (RFC 3261 18): a listening server plus outgoing connections,
 * reused by remote address; bytes go up as they come (the core frames them
 * and keeps each connection's idle and whole-message deadlines). A TLS
 * transport is this class with `tls.createServer` / `tls.connect`.
 *
 * What a peer can make this edge hold is bounded:
 * - connections: at most `maxConnections` open, and `maxConnectionsPerSource`
 *   accepted from one source (`tcp-limits.ts`); beyond them a connection is
 *   closed as soon as it is accepted, with one log line saying which limit;
 * - output: a peer that does not read stops being read, and is cut off past
 *   a queue or time limit (`tcp-output.ts`);
 * - dead peers: TCP keep-alive probes find a peer that vanished (power, NAT
 *   state lost) after `keepAliveMs` of silence plus ten 1 s probes.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { realTimers, type TimerHost } from '../clock/timers.js';
import { silentLogger, type Logger } from '../log/logger.js';
import type { Endpoint, Source, Transmit } from '../sip/transport/types.js';
import { formatEndpoint } from '../sip/transport/types.js';
import type { ListenSpec, SipTransport, SipTransportHandlers } from './sip-transport.js';
import { ConnectionLimiter, openFilesLimit, sourceKey, type Admission } from './tcp-limits.js';
import { DEFAULT_OUTPUT_LIMITS, OutputGuard, type OutputAbort, type OutputLimits } from './tcp-output.js';

interface Conn {
  readonly id: string;
  readonly socket: Socket;
  readonly remote: Endpoint;
  readonly source: Source;
  /** Accepted (counted against its source), not opened by us. */
  readonly inbound: boolean;
  readonly out: OutputGuard;
  ready: boolean;
  queue: Transmit[];
}

export interface SipTcpOptions extends Partial<OutputLimits> {
  /** Connections open at once, ours and accepted ones together (default 4096; at most half the open-files limit). */
  readonly maxConnections?: number;
  /** Accepted connections open at once from one IPv4 address or IPv6 /64 (default 512). */
  readonly maxConnectionsPerSource?: number;
  /** TCP keep-alive: probe a connection silent for this long (ms; default 30 s; 0 off). */
  readonly keepAliveMs?: number;
  readonly log?: Logger;
  readonly timers?: TimerHost;
  /** The open-files limit to stay under (default: read from the system). */
  readonly openFilesLimit?: number;
}

export const DEFAULT_TCP_LIMITS = { maxConnections: 4096, maxConnectionsPerSource: 512, keepAliveMs: 30_000 };

/** A connection refused: nothing listens there (the same words as UDP's port unreachable). */
function refused(remote: Endpoint): NodeJS.ErrnoException {
  const e: NodeJS.ErrnoException = new Error(`nothing listens on tcp:${formatEndpoint(remote)} (connection refused)`);
  e.code = 'ECONNREFUSED';
  return e;
}

/** Connection ids, unique in the process (an edge may have a TCP transport per address family). */
let connectionSeq = 0;

/** Refusals are logged once, then summed up at most every this often. */
const REFUSAL_LOG_MS = 10_000;

export class SipTcpTransport implements SipTransport {
  readonly kind = 'tcp' as const;
  private readonly conns = new Map<string, Conn>();
  private readonly byRemote = new Map<string, Conn>();
  private readonly limiter: ConnectionLimiter;
  private readonly output: OutputLimits;
  private readonly keepAliveMs: number;
  private readonly log: Logger;
  private readonly timers: TimerHost;
  private closed = false;
  private refusedSinceLog = 0;
  private lastRefusalLog = -Infinity;

  private constructor(
    private readonly server: Server,
    readonly local: Endpoint,
    private readonly h: SipTransportHandlers,
    opts: SipTcpOptions,
  ) {
    this.log = opts.log ?? silentLogger;
    this.timers = opts.timers ?? realTimers;
    this.keepAliveMs = opts.keepAliveMs ?? DEFAULT_TCP_LIMITS.keepAliveMs;
    this.output = {
      maxQueuedBytes: opts.maxQueuedBytes ?? DEFAULT_OUTPUT_LIMITS.maxQueuedBytes,
      stallMs: opts.stallMs ?? DEFAULT_OUTPUT_LIMITS.stallMs,
      closeGraceMs: opts.closeGraceMs ?? DEFAULT_OUTPUT_LIMITS.closeGraceMs,
    };
    let maxConnections = opts.maxConnections ?? DEFAULT_TCP_LIMITS.maxConnections;
    const files = opts.openFilesLimit ?? openFilesLimit();
    if (files !== undefined && maxConnections > Math.floor(files / 2)) {
      // Each connection is an open file, and so is each RTP socket: leave the calls half of them.
      maxConnections = Math.max(1, Math.floor(files / 2));
      this.log.debug(`TCP: at most ${maxConnections} connections (half the open-files limit of ${files})`);
    }
    this.limiter = new ConnectionLimiter({
      maxConnections,
      maxPerSource: opts.maxConnectionsPerSource ?? DEFAULT_TCP_LIMITS.maxConnectionsPerSource,
    });
    server.on('connection', (s) => this.accept(s));
  }

  static bind(spec: ListenSpec, h: SipTransportHandlers, opts: SipTcpOptions = {}): Promise<SipTcpTransport> {
    return new Promise((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      // `::` is IPv6 only: the edge binds 0.0.0.0 beside it for IPv4 (no IPv4-mapped addresses to undo).
      server.listen({ port: spec.port, host: spec.address, ipv6Only: spec.address.includes(':') }, () => {
        server.off('error', reject);
        const a = server.address();
        if (a === null || typeof a === 'string') return reject(new Error('TCP server has no address'));
        const t = new SipTcpTransport(server, { address: a.address, port: a.port }, h, opts);
        // Errors after listening (EMFILE when out of file descriptors) must not kill the process: say so.
        server.on('error', (err: NodeJS.ErrnoException) =>
          t.log.warn(`TCP: cannot accept a connection: ${err.code ?? err.message}`),
        );
        resolve(t);
      });
    });
  }

  /** Open connections (for tests). */
  get connectionCount(): number {
    return this.conns.size;
  }

  private accept(socket: Socket): void {
    const address = socket.remoteAddress;
    if (this.closed || address === undefined) {
      socket.destroy();
      return;
    }
    const admitted = this.limiter.admit(address);
    if (admitted !== 'ok') {
      socket.destroy();
      this.refused(admitted, address);
      return;
    }
    const c = this.adopt(socket, { address, port: socket.remotePort ?? 0 }, true);
    this.h.opened(c.source);
  }

  /** One line when a limit first turns a connection away, then at most one every 10 s with the count. */
  private refused(why: Exclude<Admission, 'ok'>, address: string): void {
    this.refusedSinceLog++;
    const now = performance.now();
    if (now - this.lastRefusalLog < REFUSAL_LOG_MS) return;
    const { maxConnections, maxPerSource } = this.limiter.limits;
    const limit =
      why === 'total'
        ? `${maxConnections} TCP connections are open (--sip-tcp-max-connections)`
        : `${maxPerSource} TCP connections are open from ${sourceKey(address)} (--sip-tcp-max-connections-per-source)`;
    const more = this.refusedSinceLog > 1 ? ` (${this.refusedSinceLog} refused since the last such line)` : '';
    this.log.warn(`TCP connection limit reached: refused a connection from ${address}: ${limit}${more}`);
    this.lastRefusalLog = now;
    this.refusedSinceLog = 0;
  }

  private adopt(socket: Socket, remote: Endpoint, inbound: boolean): Conn {
    const id = `tcp#${++connectionSeq}`;
    const source: Source = { transport: 'tcp', remote, local: this.local, connectionId: id };
    const out = new OutputGuard(socket, this.output, this.timers, (why, queued) => this.aborted(c, why, queued));
    const c: Conn = { id, socket, remote, source, inbound, out, ready: inbound, queue: [] };
    if (!inbound) this.limiter.opening();
    this.conns.set(id, c);
    this.byRemote.set(formatEndpoint(remote), c);
    socket.setNoDelay(true);
    if (this.keepAliveMs > 0) socket.setKeepAlive(true, this.keepAliveMs);
    socket.on('data', (d) => {
      if (!out.closing) this.h.stream(d, source);
    });
    socket.on('drain', () => out.drained());
    socket.on('error', (err: NodeJS.ErrnoException) => {
      this.log.debug(`TCP connection ${formatEndpoint(remote)}: ${err.code ?? err.message}`);
      if (err.code === 'ECONNREFUSED' && !inbound) err = refused(remote);
      for (const t of c.queue) this.h.failed(t, err);
      c.queue = [];
    });
    socket.on('close', () => {
      out.closed();
      this.conns.delete(id);
      if (this.byRemote.get(formatEndpoint(remote)) === c) this.byRemote.delete(formatEndpoint(remote));
      this.limiter.release(inbound ? remote.address : undefined);
      this.h.closed(id);
    });
    return c;
  }

  private aborted(c: Conn, why: OutputAbort, queued: number): void {
    const peer = formatEndpoint(c.remote);
    if (why === 'queue')
      this.log.info(
        `TCP: closed the connection with ${peer}: ${queued} bytes for it are unsent, over the ` +
          `${this.output.maxQueuedBytes} allowed (it does not read)`,
      );
    else if (why === 'stall')
      this.log.info(
        `TCP: closed the connection with ${peer}: it has not read what we sent for ${this.output.stallMs} ms`,
      );
    else this.log.debug(`TCP: cut off ${peer}: it did not take our last bytes within ${this.output.closeGraceMs} ms`);
  }

  send(t: Transmit, address: string): void {
    if (this.closed) return;
    const d = t.destination;
    if (t.close) {
      // Only the connection named: another one to the same address is not the one that misbehaved.
      const c = d.connectionId !== undefined ? this.conns.get(d.connectionId) : undefined;
      if (!c) return;
      if (t.bytes.length > 0 && c.ready) c.out.write(t.bytes, (err) => err && this.h.failed(t, err));
      if (c.ready) c.out.end();
      else c.socket.destroy();
      return;
    }
    let c = d.connectionId !== undefined ? this.conns.get(d.connectionId) : undefined;
    if (!c || c.socket.destroyed || c.out.closing) c = this.byRemote.get(formatEndpoint({ address, port: d.port }));
    if (!c || c.socket.destroyed || c.out.closing) {
      if (t.bytes.length === 0) return;
      const socket = connect({ host: address, port: d.port });
      c = this.adopt(socket, { address, port: d.port }, false);
      const conn = c;
      socket.once('connect', () => {
        conn.ready = true;
        this.h.opened(conn.source);
        for (const q of conn.queue) this.write(conn, q);
        conn.queue = [];
      });
    }
    if (!c.ready) c.queue.push(t);
    else this.write(c, t);
  }

  private write(c: Conn, t: Transmit): void {
    if (t.bytes.length > 0) c.out.write(t.bytes, (err) => err && this.h.failed(t, err));
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    for (const c of this.conns.values()) c.socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
