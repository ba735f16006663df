/**
 * SIP over TCP (RFC 3261 18) and over TLS (RFC 3261 26, RFC 5630): a
 * listening server plus outgoing connections, reused by remote address;
 * bytes go up as they come (the core frames them and keeps each
 * connection's idle and whole-message deadlines). TLS is the same class:
 * accepted TCP connections are counted and limited first, then handed to a
 * `tls.Server` for the handshake; outgoing ones are `tls.connect`, the
 * peer's certificate checked against the host we were sent to (RFC 5922,
 * `tls-identity.ts`). Without a certificate of its own, a TLS transport
 * only connects out (it advertises the port of its listen entry).
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
import { createServer, connect, isIP, type Server, type Socket } from 'node:net';
import { connect as tlsConnect, Server as TlsServer, type TLSSocket } from 'node:tls';
import { realTimers, type TimerHandle, type TimerHost } from '../clock/timers.js';
import { silentLogger, type Logger } from '../log/logger.js';
import type { Endpoint, Source, Transmit } from '../sip/transport/types.js';
import { formatEndpoint } from '../sip/transport/types.js';
import { SipUsageError } from '../sip/errors.js';
import type { ListenSpec, SipTransport, SipTransportHandlers } from './sip-transport.js';
import { ConnectionLimiter, openFilesLimit, sourceKey, type Admission } from './tcp-limits.js';
import { DEFAULT_OUTPUT_LIMITS, OutputGuard, type OutputAbort, type OutputLimits } from './tcp-output.js';
import { identityMismatch, tlsReason } from './tls-identity.js';
import type { TlsContexts } from './tls-settings.js';

interface Conn {
  readonly id: string;
  readonly socket: Socket;
  readonly remote: Endpoint;
  readonly source: Source;
  /** Accepted (counted against its source), not opened by us. */
  readonly inbound: boolean;
  /** The host we meant to reach (a name or an IP: what its certificate is checked against), outgoing ones. */
  readonly host?: string;
  readonly out: OutputGuard;
  ready: boolean;
  queue: Transmit[];
  /**
   * TLS connections we opened: what was written before the peer sent a
   * byte. A TLS 1.3 server checks our certificate after our side of the
   * handshake is done: refused, it closes the connection on what we sent,
   * which then fails (rather than waiting for a timeout).
   */
  unanswered?: Transmit[];
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
function refused(kind: 'tcp' | 'tls', remote: Endpoint): NodeJS.ErrnoException {
  const e: NodeJS.ErrnoException = new Error(
    `nothing listens on ${kind}:${formatEndpoint(remote)} (connection refused)`,
  );
  e.code = 'ECONNREFUSED';
  return e;
}

/** The peer and the host we meant, for messages: `localhost (127.0.0.1:5061)`, `127.0.0.1:5061`. */
function peerName(remote: Endpoint, host: string | undefined): string {
  const at = formatEndpoint(remote);
  return host === undefined || host.replace(/^\[|\]$/g, '') === remote.address ? at : `${host} (${at})`;
}

/** A failed TLS handshake with a peer we connected to, said plainly (the code kept). */
function tlsFailure(err: NodeJS.ErrnoException, remote: Endpoint, host: string | undefined): NodeJS.ErrnoException {
  const e: NodeJS.ErrnoException = new Error(`TLS with ${peerName(remote, host)}: ${tlsReason(err)}`);
  if (err.code !== undefined) e.code = err.code;
  return e;
}

/** Connection ids, unique in the process (an edge may have a TCP transport per address family). */
let connectionSeq = 0;

/** Refusals are logged once, then summed up at most every this often. */
const REFUSAL_LOG_MS = 10_000;

export class SipTcpTransport implements SipTransport {
  readonly kind: 'tcp' | 'tls';
  private readonly conns = new Map<string, Conn>();
  /** Accepted TLS connections whose handshake is under way, by remote address and port (closed with the transport). */
  private readonly handshaking = new Map<string, { readonly socket: Socket; readonly deadline: TimerHandle }>();
  private readonly tlsServer: TlsServer | undefined;
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
    private readonly server: Server | undefined,
    readonly local: Endpoint,
    private readonly h: SipTransportHandlers,
    opts: SipTcpOptions,
    private readonly tls?: TlsContexts,
  ) {
    this.kind = tls ? 'tls' : 'tcp';
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
    if (tls?.server) {
      // (A tls.Server makes its own context from the material: it does not take a `secureContext`.)
      this.tlsServer = new TlsServer({
        ...tls.server,
        minVersion: 'TLSv1.2',
        requestCert: tls.requireClientCert,
        // Checked in `secured`, with a log line.
        rejectUnauthorized: false,
      });
      this.tlsServer.on('secureConnection', (s: TLSSocket) => this.secured(s));
      this.tlsServer.on('tlsClientError', (err: NodeJS.ErrnoException, s: TLSSocket) => {
        const from =
          s.remoteAddress !== undefined ? formatEndpoint({ address: s.remoteAddress, port: s.remotePort ?? 0 }) : '?';
        this.log.info(`TLS: refused a connection from ${from}: ${tlsReason(err)}`);
      });
    }
    server?.on('connection', (s) => this.accept(s));
  }

  /** Whether this transport accepts connections (TLS without a certificate only connects out). */
  get listening(): boolean {
    return this.server !== undefined;
  }

  static bind(
    spec: ListenSpec,
    h: SipTransportHandlers,
    opts: SipTcpOptions = {},
    tls?: TlsContexts,
  ): Promise<SipTcpTransport> {
    if (tls && !tls.server) {
      // Nothing to listen with: connections go out only, and Via and Contact name the port of the listen entry.
      if (spec.port === 0)
        return Promise.reject(
          new SipUsageError(
            'TLS without a certificate only connects out: give it a certificate and key to listen, ' +
              'or share a listen entry (and its port) with UDP or TCP',
          ),
        );
      return Promise.resolve(new SipTcpTransport(undefined, { address: spec.address, port: spec.port }, h, opts, tls));
    }
    return new Promise((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      // `::` is IPv6 only: the edge binds 0.0.0.0 beside it for IPv4 (no IPv4-mapped addresses to undo).
      server.listen({ port: spec.port, host: spec.address, ipv6Only: spec.address.includes(':') }, () => {
        server.off('error', reject);
        const a = server.address();
        if (a === null || typeof a === 'string') return reject(new Error('TCP server has no address'));
        const t = new SipTcpTransport(server, { address: a.address, port: a.port }, h, opts, tls);
        // Errors after listening (EMFILE when out of file descriptors) must not kill the process: say so.
        server.on('error', (err: NodeJS.ErrnoException) =>
          t.log.warn(`${t.label}: cannot accept a connection: ${err.code ?? err.message}`),
        );
        resolve(t);
      });
    });
  }

  /** Open connections (for tests). */
  get connectionCount(): number {
    return this.conns.size;
  }

  /** `TCP` or `TLS`, for log lines. */
  private get label(): string {
    return this.kind.toUpperCase();
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
    // Counted from accept to close, whether or not a TLS handshake ever completes on it.
    socket.once('close', () => this.limiter.release(address));
    if (!this.tlsServer) {
      const c = this.adopt(socket, { address, port: socket.remotePort ?? 0 }, true);
      this.h.opened(c.source);
      return;
    }
    // The handshake must end within the message deadline, like a message (node's handshakeTimeout does not
    // apply to connections handed to a tls.Server).
    const key = formatEndpoint({ address, port: socket.remotePort ?? 0 });
    const deadline = this.timers.setTimer(this.output.stallMs, () => {
      if (this.handshaking.get(key)?.socket !== socket) return;
      this.handshaking.delete(key);
      this.log.info(`TLS: closed the connection from ${key}: no TLS handshake within ${this.output.stallMs} ms`);
      socket.destroy();
    });
    this.handshaking.set(key, { socket, deadline });
    socket.once('close', () => this.handshook(key, socket));
    // Keep-alive from the start: a peer that vanishes during the handshake is found too.
    if (this.keepAliveMs > 0) socket.setKeepAlive(true, this.keepAliveMs);
    socket.on('error', (err: NodeJS.ErrnoException) => this.log.debug(`TLS: ${address}: ${err.code ?? err.message}`));
    this.tlsServer.emit('connection', socket);
  }

  /** The handshake of an accepted connection is over (done, failed or closed). */
  private handshook(key: string, socket?: Socket): void {
    const h = this.handshaking.get(key);
    if (!h || (socket !== undefined && h.socket !== socket)) return;
    this.timers.clearTimer(h.deadline);
    this.handshaking.delete(key);
  }

  /** An accepted TLS connection finished its handshake. */
  private secured(socket: TLSSocket): void {
    const address = socket.remoteAddress;
    if (address !== undefined) this.handshook(formatEndpoint({ address, port: socket.remotePort ?? 0 }));
    if (this.closed || address === undefined || socket.destroyed) {
      socket.destroy();
      return;
    }
    if (this.tls!.requireClientCert && !socket.authorized) {
      // Checked here rather than by node (which would close it without a word): say why.
      const e: NodeJS.ErrnoException = new Error(String(socket.authorizationError ?? 'no certificate'));
      e.code = String(socket.authorizationError ?? '');
      const why = socket.getPeerCertificate()?.subject ? tlsReason(e) : 'it showed no client certificate';
      this.log.info(
        `TLS: refused a connection from ${formatEndpoint({ address, port: socket.remotePort ?? 0 })}: ${why}`,
      );
      socket.destroy();
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
        ? `${maxConnections} ${this.label} connections are open (--sip-tcp-max-connections)`
        : `${maxPerSource} ${this.label} connections are open from ${sourceKey(address)} ` +
          '(--sip-tcp-max-connections-per-source)';
    const more = this.refusedSinceLog > 1 ? ` (${this.refusedSinceLog} refused since the last such line)` : '';
    this.log.warn(`${this.label} connection limit reached: refused a connection from ${address}: ${limit}${more}`);
    this.lastRefusalLog = now;
    this.refusedSinceLog = 0;
  }

  private adopt(socket: Socket, remote: Endpoint, inbound: boolean, host?: string): Conn {
    const id = `${this.kind}#${++connectionSeq}`;
    const source: Source = { transport: this.kind, remote, local: this.local, connectionId: id };
    const out = new OutputGuard(socket, this.output, this.timers, (why, queued) => this.aborted(c, why, queued));
    const c: Conn = {
      id,
      socket,
      remote,
      source,
      inbound,
      ...(host !== undefined ? { host } : {}),
      out,
      ready: inbound,
      queue: [],
      ...(this.kind === 'tls' && !inbound ? { unanswered: [] } : {}),
    };
    if (!inbound) this.limiter.opening();
    this.conns.set(id, c);
    this.byRemote.set(formatEndpoint(remote), c);
    socket.setNoDelay(true);
    if (this.keepAliveMs > 0) socket.setKeepAlive(true, this.keepAliveMs);
    socket.on('data', (d) => {
      if (c.unanswered) delete c.unanswered;
      if (!out.closing) this.h.stream(d, source);
    });
    socket.on('drain', () => out.drained());
    socket.on('error', (err: NodeJS.ErrnoException) => {
      this.log.debug(`${this.label} connection ${formatEndpoint(remote)}: ${err.code ?? err.message}`);
      if (err.code === 'ECONNREFUSED' && !inbound) err = refused(this.kind, remote);
      else if (this.kind === 'tls' && !inbound && (!c.ready || c.unanswered)) err = tlsFailure(err, remote, host);
      for (const t of [...(c.unanswered ?? []), ...c.queue]) this.h.failed(t, err);
      c.queue = [];
      delete c.unanswered;
    });
    socket.on('close', () => {
      if (c.unanswered && c.unanswered.length > 0) {
        const e = new Error(
          `TLS with ${peerName(remote, host)}: the peer closed the connection without answering ` +
            '(does it require a client certificate? give --tls-client-cert and --tls-client-key)',
        );
        for (const t of c.unanswered) this.h.failed(t, e);
      }
      delete c.unanswered;
      out.closed();
      this.conns.delete(id);
      if (this.byRemote.get(formatEndpoint(remote)) === c) this.byRemote.delete(formatEndpoint(remote));
      // Accepted connections are released by their raw socket's close (`accept`).
      if (!inbound) this.limiter.release();
      this.h.closed(id);
    });
    return c;
  }

  private aborted(c: Conn, why: OutputAbort, queued: number): void {
    const peer = formatEndpoint(c.remote);
    const l = this.label;
    if (why === 'queue')
      this.log.info(
        `${l}: closed the connection with ${peer}: ${queued} bytes for it are unsent, over the ` +
          `${this.output.maxQueuedBytes} allowed (it does not read)`,
      );
    else if (why === 'stall')
      this.log.info(
        `${l}: closed the connection with ${peer}: it has not read what we sent for ${this.output.stallMs} ms`,
      );
    else this.log.debug(`${l}: cut off ${peer}: it did not take our last bytes within ${this.output.closeGraceMs} ms`);
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
    if (!c || c.socket.destroyed || c.out.closing) {
      c = this.byRemote.get(formatEndpoint({ address, port: d.port }));
      // A TLS connection we opened was verified for one host name: another name at that address gets its own.
      if (this.kind === 'tls' && c?.host !== undefined && c.host !== d.host) c = undefined;
    }
    if (!c || c.socket.destroyed || c.out.closing) {
      if (t.bytes.length === 0) return;
      const socket = this.tls ? this.connectTls(address, d.port, d.host) : connect({ host: address, port: d.port });
      c = this.adopt(socket, { address, port: d.port }, false, d.host);
      const conn = c;
      socket.once(this.tls ? 'secureConnect' : 'connect', () => {
        conn.ready = true;
        this.h.opened(conn.source);
        for (const q of conn.queue) this.write(conn, q);
        conn.queue = [];
      });
    }
    if (!c.ready) c.queue.push(t);
    else this.write(c, t);
  }

  /**
   * A TLS connection to `address` for `host` (the host of the URI: a name,
   * sent as SNI, or an IP). RFC 5922 7.3: the certificate must be `host`'s;
   * RFC 3261 26.3.1: TLS 1.2 at least.
   */
  private connectTls(address: string, port: number, host: string): TLSSocket {
    const tls = this.tls!;
    const name = host.replace(/^\[|\]$/g, '');
    return tlsConnect({
      host: address,
      port,
      ...(isIP(name) ? {} : { servername: name }),
      secureContext: tls.client(),
      minVersion: 'TLSv1.2',
      rejectUnauthorized: tls.verify,
      checkServerIdentity: (_servername, cert) => {
        const why = identityMismatch(name, cert);
        if (why === undefined) return undefined;
        const e: NodeJS.ErrnoException = new Error(why);
        e.code = 'ERR_TLS_CERT_ALTNAME_INVALID';
        return e;
      },
    });
  }

  private write(c: Conn, t: Transmit): void {
    if (t.bytes.length === 0) return;
    // Only what would hear of its failure (requests), and a few of them.
    if (c.unanswered && t.ref !== undefined && c.unanswered.length < 64) c.unanswered.push(t);
    c.out.write(t.bytes, (err) => err && this.h.failed(t, err));
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    for (const c of this.conns.values()) c.socket.destroy();
    for (const [key, h] of this.handshaking) {
      this.handshook(key);
      h.socket.destroy();
    }
    const server = this.server;
    if (!server) return Promise.resolve();
    return new Promise((resolve) => server.close(() => resolve()));
  }
}
