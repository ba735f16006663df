/**
 * Finding out at once that nothing listens where a UDP request goes.
 *
 * A datagram to a closed port comes back as an ICMP port unreachable, but
 * the kernel tells only a *connected* socket (recvmsg then fails with
 * ECONNREFUSED); the SIP socket is not connected (it talks to everyone),
 * so without this a request to a dead port waits for Timer B or F (32 s).
 *
 * So when a request went to a destination we have not heard from and no
 * answer came within `delayMs`, a UDP socket connected to that destination
 * sends one empty datagram (SIP stacks ignore it: no start line). If the
 * kernel reports ECONNREFUSED, the requests waiting for that destination
 * fail as transport errors (RFC 3261 8.1.3.1: they act as a 503), with a
 * line saying nothing listens there. A destination that answered, or that
 * was probed without an ICMP error, is left alone for `quietMs`. At most
 * one empty datagram per destination and `quietMs`, never more than one
 * socket per destination, and a bounded table: no peer can make this grow.
 */
import { createSocket } from 'node:dgram';
import { isIP } from 'node:net';
import { ipLookup } from './ip-lookup.js';
import { realClock, type Clock } from '../clock/clock.js';
import { realTimers, type TimerHandle, type TimerHost } from '../clock/timers.js';
import { formatEndpoint, type Transmit } from '../sip/transport/types.js';

/** A connected socket that sent its probe; `close` it when done. */
export interface ProbeSocket {
  close(): void;
}

/** Open a socket connected to `address`:`port`, send one empty datagram; `refused` hears an ICMP port unreachable. */
export type OpenProbe = (address: string, port: number, refused: () => void) => ProbeSocket | undefined;

/** The error a request gets when nothing listens where it went. */
export class PortUnreachableError extends Error {
  readonly code = 'ECONNREFUSED';
  constructor(address: string, port: number) {
    super(`nothing listens on udp:${formatEndpoint({ address, port })} (ICMP port unreachable)`);
    this.name = 'PortUnreachableError';
  }
}

/** The real thing: a UDP socket connected to the destination, one empty datagram. */
export const openUdpProbe: OpenProbe = (address, port, refused) => {
  const family = isIP(address);
  if (family === 0) return undefined;
  const s = createSocket({
    type: family === 6 ? 'udp6' : 'udp4',
    lookup: ipLookup,
  });
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    try {
      s.close();
    } catch {
      /* closed already */
    }
  };
  s.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'ECONNREFUSED') refused();
    close();
  });
  // Whatever the destination sends back is not ours to read: drop it.
  s.on('message', () => {});
  s.connect(port, address, () => {
    if (!closed) s.send(new Uint8Array(0));
  });
  s.unref();
  return { close };
};

export interface PortProbeOptions {
  readonly clock?: Clock;
  readonly timers?: TimerHost;
  readonly open?: OpenProbe;
  /** How long a request waits for any answer before the probe goes out, ms (default 200). */
  readonly delayMs?: number;
  /** How long to listen for the ICMP error after the probe, ms (default 2000). */
  readonly listenMs?: number;
  /** A destination that answered or was probed is not probed again for this long, ms (default 30 000). */
  readonly quietMs?: number;
}

interface Entry {
  readonly address: string;
  readonly port: number;
  /** Requests waiting for this destination, by the core's reference. */
  readonly pending: Map<number, Transmit>;
  heardAt: number;
  probedAt: number;
  timer: TimerHandle | undefined;
  socket: ProbeSocket | undefined;
}

/** Destinations tracked at most (the oldest idle one is dropped first). */
const MAX_DESTINATIONS = 256;
/** Requests remembered per destination (retransmissions share their request's reference). */
const MAX_PENDING = 64;

/**
 * @example
 * const probes = new PortProbes({}, (t, err) => handlers.failed(t, err));
 * probes.sent(transmit, '127.0.0.1');        // after each UDP send of a request
 * probes.heard('127.0.0.1', 5060);           // for each datagram received
 */
export class PortProbes {
  /** By port, then address: looked up for every datagram received, so without building a key. */
  private readonly entries = new Map<number, Map<string, Entry>>();
  private count = 0;
  private readonly clock: Clock;
  private readonly timers: TimerHost;
  private readonly open: OpenProbe;
  private readonly delayMs: number;
  private readonly listenMs: number;
  private readonly quietMs: number;
  private closed = false;

  constructor(
    opts: PortProbeOptions,
    private readonly refused: (t: Transmit, error: Error) => void,
  ) {
    this.clock = opts.clock ?? realClock;
    this.timers = opts.timers ?? realTimers;
    this.open = opts.open ?? openUdpProbe;
    this.delayMs = opts.delayMs ?? 200;
    this.listenMs = opts.listenMs ?? 2000;
    this.quietMs = opts.quietMs ?? 30_000;
  }

  /** A request (a transmit with a reference) went to `address`:`t.destination.port`. */
  sent(t: Transmit, address: string): void {
    if (this.closed || t.ref === undefined || t.bytes.length === 0) return;
    const port = t.destination.port;
    const now = this.clock.now();
    let e = this.find(address, port);
    if (e && (now - e.heardAt < this.quietMs || (e.socket === undefined && now - e.probedAt < this.quietMs))) return;
    if (!e) {
      if (this.count >= MAX_DESTINATIONS) this.dropIdle();
      if (this.count >= MAX_DESTINATIONS) return;
      e = {
        address,
        port,
        pending: new Map(),
        heardAt: -Infinity,
        probedAt: -Infinity,
        timer: undefined,
        socket: undefined,
      };
      this.add(e);
    }
    if (e.pending.size < MAX_PENDING || e.pending.has(t.ref)) e.pending.set(t.ref, t);
    if (e.timer === undefined && e.socket === undefined) {
      const entry = e;
      e.timer = this.timers.setTimer(this.delayMs, () => this.probe(entry));
    }
  }

  /** A datagram came from `address`:`port`: something listens there. */
  heard(address: string, port: number): void {
    if (this.count === 0) return;
    const e = this.find(address, port);
    if (!e) return;
    e.heardAt = this.clock.now();
    e.pending.clear();
    this.stop(e);
  }

  /** Stop every timer and socket. */
  close(): void {
    this.closed = true;
    for (const byAddress of this.entries.values()) for (const e of byAddress.values()) this.stop(e);
    this.entries.clear();
    this.count = 0;
  }

  private probe(e: Entry): void {
    e.timer = undefined;
    if (this.closed || e.pending.size === 0) return;
    e.probedAt = this.clock.now();
    e.socket = this.open(e.address, e.port, () => this.unreachable(e));
    if (!e.socket) return;
    e.timer = this.timers.setTimer(this.listenMs, () => {
      // No ICMP error: something may listen and be slow, or the network drops ICMP. The requests go on.
      e.timer = undefined;
      e.pending.clear();
      e.socket?.close();
      e.socket = undefined;
    });
  }

  private unreachable(e: Entry): void {
    const waiting = [...e.pending.values()];
    e.pending.clear();
    this.stop(e);
    // The next request there is probed again: a server may start meanwhile.
    this.remove(e);
    const error = new PortUnreachableError(e.address, e.port);
    for (const t of waiting) this.refused(t, error);
  }

  private stop(e: Entry): void {
    if (e.timer !== undefined) this.timers.clearTimer(e.timer);
    e.timer = undefined;
    e.socket?.close();
    e.socket = undefined;
  }

  private dropIdle(): void {
    for (const byAddress of this.entries.values()) {
      for (const e of byAddress.values()) {
        if (e.timer === undefined && e.socket === undefined) {
          this.remove(e);
          if (this.count < MAX_DESTINATIONS) return;
        }
      }
    }
  }

  private find(address: string, port: number): Entry | undefined {
    return this.entries.get(port)?.get(address);
  }

  private add(e: Entry): void {
    let byAddress = this.entries.get(e.port);
    if (!byAddress) this.entries.set(e.port, (byAddress = new Map()));
    byAddress.set(e.address, e);
    this.count++;
  }

  private remove(e: Entry): void {
    const byAddress = this.entries.get(e.port);
    if (!byAddress?.delete(e.address)) return;
    this.count--;
    if (byAddress.size === 0) this.entries.delete(e.port);
  }
}
