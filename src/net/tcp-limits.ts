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
import { isIPv4, isIPv6 } from 'node:net';

export interface ConnectionLimits {
  /** Connections open at once, accepted and opened by us together. */
  readonly maxConnections: number;
  /** Accepted connections open at once from one source. */
  readonly maxPerSource: number;
}

export type Admission = 'ok' | 'total' | 'source';

/** The groups of an IPv6 address as eight numbers (an embedded IPv4 tail converted), or undefined. */
function ipv6Groups(address: string): number[] | undefined {
  const a = address.split('%')[0]!;
  if (!isIPv6(a)) return undefined;
  let text = a;
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail) {
    const b = tail[1]!.split('.').map(Number);
    const hi = ((b[0]! << 8) | b[1]!).toString(16);
    const lo = ((b[2]! << 8) | b[3]!).toString(16);
    text = `${text.slice(0, -tail[1]!.length)}${hi}:${lo}`;
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = rest ? rest.split(':') : [];
  const fill = rest === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  const groups = [...left, ...fill, ...right].map((g) => Number.parseInt(g, 16));
  return groups.length === 8 ? groups : undefined;
}

/** The source a connection from `address` counts against (see the file comment). */
export function sourceKey(address: string): string {
  if (isIPv4(address)) return address;
  const g = ipv6Groups(address);
  if (!g) return address;
  // ::ffff:a.b.c.d
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff)
    return `${g[6]! >> 8}.${g[6]! & 255}.${g[7]! >> 8}.${g[7]! & 255}`;
  return `${g
    .slice(0, 4)
    .map((x) => x.toString(16))
    .join(':')}::/64`;
}

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
