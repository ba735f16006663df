/**
 * The stream connections (TCP, later TLS) the core hears from, and the two
 * deadlines that keep a peer from holding one open for nothing:
 *
 * - the message deadline: a message must arrive whole within `messageMs` of
 *   its first byte, so a peer that trickles a byte a second cannot keep a
 *   half-read message (and the buffer behind it) for ever;
 * - the idle deadline: a connection that carries no whole message and no
 *   RFC 5626 keep-alive (a ping, or the pong answering ours) for `idleMs`
 *   is closed. Part of a message is not traffic: it does not move it.
 *
 * A connection whose framing failed or whose deadline passed is closing:
 * what it sends is ignored until the edge reports it closed. Sans-I/O: the
 * deadlines live in the core's queue, and closing is the core's transmit
 * with `close` (the edge flushes what is queued, then closes).
 *
 * @example
 * const streams = new StreamConnections(limits, 65535, (at, fn) => queue.schedule(at, fn), onExpired);
 * streams.opened(source, now);
 * for (const item of streams.push(bytes, source, now) ?? []) handle(item);
 */
import { StreamFramer, type FramedItem } from '../message/stream-framer.js';
import type { Deadline } from '../../util/deadlines.js';
import { formatEndpoint, type Source } from '../transport/types.js';

/** How long a stream peer may take (ms; 0: no limit). */
export interface StreamLimits {
  /** Close a connection with no message and no keep-alive (ping or pong) for this long. */
  readonly idleMs: number;
  /** Close a connection whose message has not arrived whole this long after its first byte. */
  readonly messageMs: number;
}

/** RFC 5626 keep-alives come every 95-120 s: an idle connection outlives them; a message has 30 s. */
export const DEFAULT_STREAM_LIMITS: StreamLimits = { idleMs: 300_000, messageMs: 30_000 };

export type StreamExpiry = 'idle' | 'message';

interface Conn {
  readonly source: Source;
  readonly framer: StreamFramer;
  closing: boolean;
  /** When the last message or ping arrived (or the connection opened). */
  lastTraffic: number;
  /** When the first byte of the message being received arrived (undefined: none being received). */
  messageFrom: number | undefined;
  idle: Deadline | undefined;
  message: Deadline | undefined;
}

function isPong(bytes: Uint8Array): boolean {
  return bytes.length === 2 && bytes[0] === 13 && bytes[1] === 10;
}

/** The key of a connection: its id, or its remote address for sources that carry none. */
export function connectionKey(source: Source): string {
  return source.connectionId ?? formatEndpoint(source.remote);
}

export class StreamConnections {
  private readonly conns = new Map<string, Conn>();

  constructor(
    private readonly limits: StreamLimits,
    private readonly maxMessageSize: number,
    private readonly schedule: (at: number, fn: (now: number) => void) => Deadline,
    /** A deadline passed: the connection is now closing; the owner sends the close. */
    private readonly expired: (source: Source, why: StreamExpiry, now: number) => void,
  ) {}

  /** Connections known (open or closing). */
  get size(): number {
    return this.conns.size;
  }

  /** A connection opened (accepted or connected): its idle deadline starts now. */
  opened(source: Source, now: number): void {
    this.conn(source, now);
  }

  /**
   * Bytes arrived: the messages, pings and framing error they complete, or
   * undefined when the connection is closing (the bytes are dropped).
   */
  push(bytes: Uint8Array, source: Source, now: number): FramedItem[] | undefined {
    const c = this.conn(source, now);
    if (c.closing) return undefined;
    const items = c.framer.push(bytes);
    for (const item of items) {
      if (item.kind === 'error') {
        c.closing = true;
        this.stop(c);
        return items;
      }
      c.lastTraffic = now;
      c.messageFrom = undefined;
    }
    if (c.framer.midMessage) {
      c.messageFrom ??= now;
      this.armMessage(c);
    } else {
      c.messageFrom = undefined;
      // RFC 5626 3.5.1: a pong (CRLF) answers our ping; the framer holds it, waiting for what follows.
      if (items.length === 0 && isPong(bytes)) c.lastTraffic = now;
    }
    return items;
  }

  /** The connection will be closed (the owner sends the close): ignore what it sends from now on. */
  close(source: Source): void {
    const c = this.conns.get(connectionKey(source));
    if (!c) return;
    c.closing = true;
    this.stop(c);
  }

  /** The edge reports the connection closed. */
  closed(id: string): void {
    const c = this.conns.get(id);
    if (!c) return;
    this.stop(c);
    this.conns.delete(id);
  }

  /** Forget every connection (the core shuts down; its deadline queue is dropped with it). */
  clear(): void {
    this.conns.clear();
  }

  private conn(source: Source, now: number): Conn {
    const key = connectionKey(source);
    let c = this.conns.get(key);
    if (!c) {
      c = {
        source,
        framer: new StreamFramer({ maxMessageSize: this.maxMessageSize }),
        closing: false,
        lastTraffic: now,
        messageFrom: undefined,
        idle: undefined,
        message: undefined,
      };
      this.conns.set(key, c);
      this.armIdle(c);
    }
    return c;
  }

  private stop(c: Conn): void {
    c.idle?.cancel();
    c.message?.cancel();
    c.idle = c.message = undefined;
  }

  /**
   * One idle deadline per connection, moved lazily: when it fires early
   * (traffic came since it was set) it is set again from the last traffic,
   * so a busy connection costs no timer work per message.
   */
  private armIdle(c: Conn): void {
    if (this.limits.idleMs <= 0) return;
    c.idle = this.schedule(c.lastTraffic + this.limits.idleMs, (now) => {
      c.idle = undefined;
      if (c.closing) return;
      if (now - c.lastTraffic >= this.limits.idleMs) return this.expire(c, 'idle', now);
      this.armIdle(c);
    });
  }

  private armMessage(c: Conn): void {
    if (this.limits.messageMs <= 0 || c.message?.active) return;
    c.message = this.schedule(c.messageFrom! + this.limits.messageMs, (now) => {
      c.message = undefined;
      if (c.closing || c.messageFrom === undefined) return;
      if (now - c.messageFrom >= this.limits.messageMs) return this.expire(c, 'message', now);
      this.armMessage(c);
    });
  }

  private expire(c: Conn, why: StreamExpiry, now: number): void {
    c.closing = true;
    this.stop(c);
    this.expired(c.source, why, now);
  }
}
