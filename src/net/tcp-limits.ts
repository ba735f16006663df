/**
 * How many stream connections a listener accepts: in all, and per source.
 * A source is an IPv4 address, or an IPv6 /64 (one host is usually given a
 * whole /64, so counting single IPv6 addresses would limit nothing). An
 * IPv4-mapped IPv6 address (`::ffff:192.0.2.1`, what a dual-stack listener
 * sees) counts as its IPv4 address.
 *
 * @example
 * const limiter = new ConnectionLimiter({ maxConnections: 4096, maxPerSource: 512 });
 * if (limiter.admit(socket.remoteAddress) !== 'ok') socket.destroy();
 */
import { readFileSync } from 'node:fs';
import { sourceKey } from '../util/ip-address.js';

export interface ConnectionLimits {
  /** Connections open at once, accepted and opened by us together. */
  readonly maxConnections: number;
  /** Accepted connections open at once from one source. */
  readonly maxPerSource: number;
}

export type Admission = 'ok' | 'total' | 'source';

export { sourceKey };

export class ConnectionLimiter {
  private total = 0;
  private readonly bySource = new Map<string, number>();

  constructor(readonly limits: ConnectionLimits) {}

  /** Connections counted now. */
  get open(): number {
    return this.total;
  }

  /** Accepted connections counted now from the source of `address`. */
  from(address: string): number {
    return this.bySource.get(sourceKey(address)) ?? 0;
  }

  /** Count an accepted connection from `address`, unless a limit is reached (then nothing is counted). */
  admit(address: string): Admission {
    if (this.total >= this.limits.maxConnections) return 'total';
    const key = sourceKey(address);
    const n = this.bySource.get(key) ?? 0;
    if (n >= this.limits.maxPerSource) return 'source';
    this.bySource.set(key, n + 1);
    this.total++;
    return 'ok';
  }

  /** Count a connection we open ourselves (limited by nothing here: we chose to open it). */
  opening(): void {
    this.total++;
  }

  /** A connection counted by `admit` (with its address) or `opening` (without) closed. */
  release(address?: string): void {
    this.total--;
    if (address === undefined) return;
    const key = sourceKey(address);
    const n = (this.bySource.get(key) ?? 1) - 1;
    if (n <= 0) this.bySource.delete(key);
    else this.bySource.set(key, n);
  }
}

/**
 * The soft limit on open files of this process (Linux `/proc/self/limits`),
 * or undefined where it cannot be read: every connection is one.
 */
export function openFilesLimit(): number | undefined {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}
