/**
 * STUN on a UDP socket someone else owns (the SIP or the RTP socket), so the
 * mapping discovered is the mapping that protocol uses. The owner keeps its
 * 'message' handler and hands every datagram to `handleDatagram` first (or
 * only those `classifyDatagram` calls 'stun'); what returns true was a STUN
 * answer and is not the owner's business.
 */
import type { RemoteInfo, Socket } from 'node:dgram';
import { realClock, type Clock } from '../clock/clock.js';
import { realTimers, type TimerHost } from '../clock/timers.js';
import { LocalError } from '../errors.js';
import {
  StunClient,
  type StunClientEvent,
  type StunClientOptions,
  type StunRequestOptions,
  type StunSuccess,
  type StunTransmit,
} from '../stun/client.js';
import { StunKeepAlive, type KeepAliveEvent, type KeepAliveOptions } from '../stun/keepalive.js';
import type { TransportAddress } from '../stun/ip-address.js';
import { looksLikeStun } from '../stun/parse.js';
import { Driver } from '../clock/drive.js';

export interface StunSocketOptions extends StunClientOptions {
  readonly clock?: Clock;
  readonly timers?: TimerHost;
  /** Called when a send fails (the transaction then times out as if the datagram were lost). */
  readonly onSendError?: (err: Error) => void;
}

/** A datagram source as a transport address. */
export function fromRemoteInfo(r: Pick<RemoteInfo, 'address' | 'port' | 'family'>): TransportAddress {
  return { family: r.family === 'IPv6' ? 'IPv6' : 'IPv4', address: r.address, port: r.port };
}

/**
 * Binding requests and keep-alives on an existing socket.
 *
 * @example
 * const stun = new StunSocket(sipSocket);
 * sipSocket.on('message', (msg, rinfo) => {
 *   if (stun.handleDatagram(msg, rinfo)) return;
 *   sip.handleDatagram(msg, rinfo);
 * });
 * const { mapped } = await stun.binding({ family: 'IPv4', address: '198.51.100.2', port: 3478 });
 */
export class StunSocket {
  private readonly client: StunClient;
  private readonly driver: Driver<StunTransmit, StunClientEvent>;
  private readonly waiting = new Map<string, { resolve: (s: StunSuccess) => void; reject: (e: Error) => void }>();
  private readonly keepAlives = new Set<{ core: StunKeepAlive; driver: Driver<StunTransmit, KeepAliveEvent> }>();
  private listener: ((msg: Buffer, rinfo: RemoteInfo) => void) | undefined;
  private closed = false;

  constructor(
    readonly socket: Socket,
    private readonly options: StunSocketOptions = {},
  ) {
    this.client = new StunClient(options);
    this.driver = new Driver(
      this.client,
      {
        transmit: (t) => this.send(t),
        event: (e) => {
          const w = this.waiting.get(e.id);
          if (!w) return;
          this.waiting.delete(e.id);
          if (e.type === 'success') w.resolve(e);
          else w.reject(e.error);
        },
      },
      options.clock ?? realClock,
      options.timers ?? realTimers,
    );
  }

  /** One Binding transaction from this socket to `server`; rejects with a `StunTransactionError`. */
  binding(server: TransportAddress, request: StunRequestOptions = {}): Promise<StunSuccess> {
    if (this.closed) return Promise.reject(new LocalError('StunSocket is closed'));
    return new Promise((resolve, reject) => {
      this.driver.input((now) => {
        const id = this.client.request(server, request, now);
        this.waiting.set(id, { resolve, reject });
      });
    });
  }

  /**
   * Keep the socket's mapping at `server` open with a Binding request every
   * `interval` ms; `onEvent` hears each answer (and whether the mapping
   * changed) and each loss. Returns the function that stops it.
   */
  keepAlive(server: TransportAddress, options: KeepAliveOptions, onEvent: (e: KeepAliveEvent) => void): () => void {
    if (this.closed) throw new LocalError('StunSocket is closed');
    const core = new StunKeepAlive(server, { ...this.options, ...options });
    const driver = new Driver(
      core,
      { transmit: (t) => this.send(t), event: onEvent },
      this.options.clock ?? realClock,
      this.options.timers ?? realTimers,
    );
    const entry = { core, driver };
    this.keepAlives.add(entry);
    driver.input((now) => core.start(now));
    return () => {
      driver.input((now) => core.stop(now));
      driver.close();
      this.keepAlives.delete(entry);
    };
  }

  /** Offer a datagram that arrived on the socket; true when it was a STUN answer for us. */
  handleDatagram(msg: Uint8Array, rinfo: Pick<RemoteInfo, 'address' | 'port' | 'family'>): boolean {
    // The cheap test first: on an RTP socket this runs 50 times a second per stream.
    if (this.closed || !looksLikeStun(msg)) return false;
    const from = fromRemoteInfo(rinfo);
    let used = false;
    this.driver.input((now) => (used = this.client.handleDatagram(msg, from, now)));
    if (used) return true;
    for (const k of this.keepAlives) {
      k.driver.input((now) => (used = k.core.handleDatagram(msg, from, now)));
      if (used) return true;
    }
    return false;
  }

  /** Listen to the socket's datagrams directly (for a socket nobody else reads). */
  listen(): this {
    if (!this.listener) {
      this.listener = (msg, rinfo) => void this.handleDatagram(msg, rinfo);
      this.socket.on('message', this.listener);
    }
    return this;
  }

  /** Stop everything (pending bindings reject with 'cancelled'); the socket itself stays open. */
  close(): void {
    if (this.closed) return;
    for (const k of [...this.keepAlives]) {
      k.driver.input((now) => k.core.stop(now));
      k.driver.close();
    }
    this.keepAlives.clear();
    for (const id of [...this.waiting.keys()]) this.driver.input((now) => this.client.cancel(id, now));
    this.driver.close();
    this.closed = true;
    if (this.listener) this.socket.off('message', this.listener);
    this.listener = undefined;
  }

  private send(t: StunTransmit): void {
    this.socket.send(t.bytes, t.to.port, t.to.address, (err) => {
      if (err) this.options.onSendError?.(err);
    });
  }
}
