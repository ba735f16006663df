/**
 * Keeping a NAT mapping open and watching it (RFC 5389 2: "STUN can also
 * be used ... as a keep-alive"): a Binding request to the server every
 * `interval` ms from the socket whose mapping matters. Each answer tells
 * the mapping; a changed mapping (the NAT forgot it, or rebooted) is an
 * event the user of the socket acts on (re-REGISTER, re-INVITE).
 *
 * The interval must be shorter than the NAT's UDP timeout; RFC 4787 REQ-5
 * asks NATs for at least 2 minutes but many keep UDP mappings for only 30 s,
 * hence the default of 25 s. A keep-alive never overlaps the previous one:
 * if an answer is slower than the interval, the next request waits for it.
 */
import { StunClient, type StunClientOptions } from './client.js';
import type { StunTransactionError } from './errors.js';
import { sameTransportAddress, type TransportAddress } from './ip-address.js';

export interface KeepAliveOptions extends StunClientOptions {
  /** ms between keep-alives (default 25 000). */
  readonly interval?: number;
}

export type KeepAliveEvent =
  /** A keep-alive was answered; `changed` when the mapping is new or differs from the last one. */
  | {
      readonly type: 'mapping';
      readonly mapped: TransportAddress;
      readonly previous: TransportAddress | undefined;
      readonly changed: boolean;
      readonly rtt: number;
    }
  /** A keep-alive got no (good) answer; the mapping may be gone. */
  | { readonly type: 'lost'; readonly error: StunTransactionError };

/**
 * The keep-alive core. Feed it the socket's STUN datagrams and its timer.
 *
 * @example
 * const ka = new StunKeepAlive(server, { interval: 25_000 });
 * driver.input((now) => ka.start(now));
 * // events: { type: 'mapping', mapped, changed } → update Contact / SDP when changed
 */
export class StunKeepAlive {
  private readonly client: StunClient;
  private readonly interval: number;
  private current: string | undefined;
  private nextAt: number | undefined;
  private running = false;
  private last: TransportAddress | undefined;
  private readonly events: KeepAliveEvent[] = [];

  constructor(
    readonly server: TransportAddress,
    options: KeepAliveOptions = {},
  ) {
    this.client = new StunClient(options);
    this.interval = options.interval ?? 25_000;
  }

  /** The last mapping seen (undefined before the first answer or after a loss). */
  get mapped(): TransportAddress | undefined {
    return this.last;
  }

  /** Send the first keep-alive now, then one every interval. */
  start(now: number): void {
    if (this.running) return;
    this.running = true;
    this.send(now);
  }

  stop(now: number): void {
    this.running = false;
    this.nextAt = undefined;
    this.client.cancelAll(now);
    this.current = undefined;
  }

  /** True when the datagram was the answer to a keep-alive. */
  handleDatagram(bytes: Uint8Array, from: TransportAddress, now: number): boolean {
    const used = this.client.handleDatagram(bytes, from, now);
    this.collect();
    return used;
  }

  handleTimeout(now: number): void {
    this.client.handleTimeout(now);
    this.collect();
    if (this.running && this.current === undefined && this.nextAt !== undefined && now >= this.nextAt) this.send(now);
  }

  pollTransmit() {
    return this.client.pollTransmit();
  }

  pollEvent(): KeepAliveEvent | undefined {
    return this.events.shift();
  }

  pollTimeout(): number | undefined {
    const c = this.client.pollTimeout();
    const n = this.current === undefined ? this.nextAt : undefined;
    return c === undefined ? n : n === undefined ? c : Math.min(c, n);
  }

  private send(now: number): void {
    this.nextAt = now + this.interval;
    this.current = this.client.request(this.server, {}, now);
  }

  private collect(): void {
    for (let e = this.client.pollEvent(); e; e = this.client.pollEvent()) {
      if (e.id !== this.current) continue;
      this.current = undefined;
      if (e.type === 'success') {
        const previous = this.last;
        const changed = !previous || !sameTransportAddress(previous, e.mapped);
        this.last = e.mapped;
        this.events.push({ type: 'mapping', mapped: e.mapped, previous, changed, rtt: e.rtt });
      } else {
        this.last = undefined;
        this.events.push({ type: 'lost', error: e.error });
      }
    }
  }
}
