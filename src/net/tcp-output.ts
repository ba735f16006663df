/**
 * What one stream connection may make us hold for a peer that does not
 * read. Every request and keep-alive ping we read leads to something we
 * write; a peer that sends and never reads would otherwise make us queue
 * answers without end (the kernel's buffers fill, then Node's grow in
 * memory). So:
 *
 * - when a write is not taken at once (`write()` returns false: more than
 *   the socket's high-water mark is waiting), we stop reading from that
 *   connection until its output drains: the peer's sending then blocks in
 *   its own TCP window, and it cannot make us produce more;
 * - a connection whose unsent output goes over `maxQueuedBytes` anyway (what
 *   we send on our own: requests, answers the application gives later), or
 *   that has not taken what we queued for `stallMs`, is closed at once;
 * - a graceful close (`end`) sends what is queued, then FIN; a peer that
 *   does not take it within `closeGraceMs` is cut off.
 *
 * Works on the few socket calls it needs, so tests drive it with a fake
 * socket and virtual timers.
 *
 * @example
 * const out = new OutputGuard(socket, { maxQueuedBytes: 1 << 20, stallMs: 30_000, closeGraceMs: 2000 }, timers,
 *   (why) => log.info(`closed: ${why}`));
 * socket.on('drain', () => out.drained());
 * out.write(bytes, (err) => report(err));
 */
import type { TimerHandle, TimerHost } from '../clock/timers.js';

/** The part of `net.Socket` the guard uses. */
export interface GuardedSocket {
  readonly writableLength: number;
  readonly destroyed: boolean;
  write(data: Uint8Array, cb: (err?: Error | null) => void): boolean;
  end(): void;
  destroy(): void;
  pause(): void;
  resume(): void;
}

export interface OutputLimits {
  /** Unsent bytes held for one connection before it is closed. */
  readonly maxQueuedBytes: number;
  /** How long a connection may leave what we queued untaken (reading from it stopped meanwhile). */
  readonly stallMs: number;
  /** How long a closing connection may take to receive what was queued before its FIN. */
  readonly closeGraceMs: number;
}

export const DEFAULT_OUTPUT_LIMITS: OutputLimits = { maxQueuedBytes: 1 << 20, stallMs: 30_000, closeGraceMs: 2000 };

export type OutputAbort = 'queue' | 'stall' | 'close-grace';

export class OutputGuard {
  /** Reading is stopped because our output does not drain. */
  private blocked = false;
  private ending = false;
  private stallTimer: TimerHandle | undefined;
  private graceTimer: TimerHandle | undefined;

  constructor(
    private readonly socket: GuardedSocket,
    private readonly limits: OutputLimits,
    private readonly timers: TimerHost,
    /** The connection was cut off (already destroyed when this is called). */
    private readonly aborted: (why: OutputAbort, queuedBytes: number) => void,
  ) {}

  /** Reading from the peer is stopped until our output drains. */
  get readingStopped(): boolean {
    return this.blocked;
  }

  /** A graceful close was asked for: what the peer sends now is not read any more. */
  get closing(): boolean {
    return this.ending;
  }

  /** Queue `bytes`; `done` hears whether they were written (an error when the connection failed). */
  write(bytes: Uint8Array, done: (err?: Error | null) => void): void {
    if (this.socket.destroyed || this.ending) return;
    const taken = this.socket.write(bytes, done);
    if (this.socket.writableLength > this.limits.maxQueuedBytes) return this.abort('queue');
    if (!taken && !this.blocked) {
      this.blocked = true;
      this.socket.pause();
      this.stallTimer = this.timers.setTimer(this.limits.stallMs, () => {
        this.stallTimer = undefined;
        if (this.blocked) this.abort('stall');
      });
    }
  }

  /** The socket's 'drain': everything queued was handed to the kernel. */
  drained(): void {
    if (!this.blocked) return;
    this.blocked = false;
    this.clearStall();
    if (!this.ending && !this.socket.destroyed) this.socket.resume();
  }

  /** Close after what is queued has gone (FIN), or at once when the peer does not take it in time. */
  end(): void {
    if (this.ending || this.socket.destroyed) return;
    this.ending = true;
    this.socket.end();
    // Keep reading (and dropping) so the peer's data in flight does not turn our close into a reset that
    // discards the last answer before the peer reads it.
    if (this.blocked) this.socket.resume();
    this.graceTimer = this.timers.setTimer(this.limits.closeGraceMs, () => {
      this.graceTimer = undefined;
      if (!this.socket.destroyed) this.abort('close-grace');
    });
  }

  /** The socket closed: stop the timers. */
  closed(): void {
    this.clearStall();
    if (this.graceTimer !== undefined) this.timers.clearTimer(this.graceTimer);
    this.graceTimer = undefined;
  }

  private clearStall(): void {
    if (this.stallTimer !== undefined) this.timers.clearTimer(this.stallTimer);
    this.stallTimer = undefined;
  }

  private abort(why: OutputAbort): void {
    const queued = this.socket.writableLength;
    this.socket.destroy();
    this.closed();
    this.aborted(why, queued);
  }
}
