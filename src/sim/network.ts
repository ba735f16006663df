/**
 * A simulated datagram network in virtual time, for tests of whole calls:
 * seeded random and bursty (Gilbert–Elliott) loss, delay with jitter (which
 * reorders packets), and duplication. Deterministic for a given seed.
 */
import { Random } from './random.js';
import type { VirtualScheduler } from './scheduler.js';

export interface LinkProfile {
  /** Probability that a packet is lost (independent losses). */
  readonly loss?: number;
  /**
   * Bursty loss (Gilbert–Elliott): chance per packet to move from the good
   * to the bad state and back; in the bad state packets are lost with
   * `lossInBad` (default 1).
   */
  readonly burst?: { readonly pGoodToBad: number; readonly pBadToGood: number; readonly lossInBad?: number };
  /** Fixed one-way delay in ms. */
  readonly delayMs?: number;
  /** Extra delay, uniform in [0, jitterMs]: packets overtake each other when it exceeds their spacing. */
  readonly jitterMs?: number;
  /** Probability that a packet is delivered twice (the copy `duplicateDelayMs` later, default 1 ms). */
  readonly duplicate?: number;
  readonly duplicateDelayMs?: number;
}

export interface LinkStats {
  sent: number;
  lost: number;
  duplicated: number;
  delivered: number;
}

/** One direction of a path between two hosts. */
export class SimLink {
  readonly stats: LinkStats = { sent: 0, lost: 0, duplicated: 0, delivered: 0 };
  private bad = false;

  constructor(
    private readonly scheduler: VirtualScheduler,
    public profile: LinkProfile,
    private readonly random: Random,
  ) {}

  /** Carry `packet` to `deliver`, or lose it, as the profile says. */
  send<T>(packet: T, deliver: (p: T) => void): void {
    const p = this.profile;
    this.stats.sent++;
    if (p.burst) {
      this.bad = this.bad ? !this.random.chance(p.burst.pBadToGood) : this.random.chance(p.burst.pGoodToBad);
      if (this.bad && this.random.chance(p.burst.lossInBad ?? 1)) {
        this.stats.lost++;
        return;
      }
    }
    if (p.loss && this.random.chance(p.loss)) {
      this.stats.lost++;
      return;
    }
    const delay = (p.delayMs ?? 0) + (p.jitterMs ? this.random.next() * p.jitterMs : 0);
    this.scheduler.after(delay, () => {
      this.stats.delivered++;
      deliver(packet);
    });
    if (p.duplicate && this.random.chance(p.duplicate)) {
      this.stats.duplicated++;
      this.scheduler.after(delay + (p.duplicateDelayMs ?? 1), () => {
        this.stats.delivered++;
        deliver(packet);
      });
    }
  }
}

export interface SimAddress {
  readonly address: string;
  readonly port: number;
}

export type DatagramHandler = (data: Uint8Array, from: SimAddress) => void;

/** A bound simulated UDP socket. */
export interface SimSocket {
  readonly local: SimAddress;
  send(data: Uint8Array, to: SimAddress): void;
  close(): void;
}

/** Hosts and UDP-like sockets joined by `SimLink`s (one per direction per host pair). */
export class SimNetwork {
  private readonly sockets = new Map<string, DatagramHandler>();
  private readonly links = new Map<string, SimLink>();
  private readonly observers = new Set<(data: Uint8Array, from: SimAddress, to: SimAddress) => void>();
  private readonly random: Random;
  private nextPort = 40000;

  constructor(
    readonly scheduler: VirtualScheduler,
    seed = 1,
    private defaultProfile: LinkProfile = {},
  ) {
    this.random = new Random(seed);
  }

  /** Bind a socket; port 0 picks a free one. */
  bind(address: string, port: number, onDatagram: DatagramHandler): SimSocket {
    const p = port || this.nextPort++;
    const key = `${address}:${p}`;
    if (this.sockets.has(key)) throw new Error(`SimNetwork: ${key} is already bound`);
    this.sockets.set(key, onDatagram);
    const local = { address, port: p };
    return {
      local,
      send: (data, to) => {
        for (const o of this.observers) o(data, local, to);
        this.link(address, to.address).send(data, (d) => this.sockets.get(`${to.address}:${to.port}`)?.(d, local));
      },
      close: () => this.sockets.delete(key),
    };
  }

  /** See every datagram as it is sent (before loss and delay); returns what stops it. */
  observe(fn: (data: Uint8Array, from: SimAddress, to: SimAddress) => void): () => void {
    this.observers.add(fn);
    return () => this.observers.delete(fn);
  }

  /** The link carrying packets from host `from` to host `to` (created with the default profile). */
  link(from: string, to: string): SimLink {
    const key = `${from}>${to}`;
    let l = this.links.get(key);
    if (!l) {
      l = new SimLink(this.scheduler, this.defaultProfile, this.random);
      this.links.set(key, l);
    }
    return l;
  }

  /** Set the profile of one direction, or of every link (existing and future) when no hosts are given. */
  setProfile(profile: LinkProfile, from?: string, to?: string): void {
    if (from !== undefined && to !== undefined) {
      this.link(from, to).profile = profile;
      return;
    }
    this.defaultProfile = profile;
    for (const l of this.links.values()) l.profile = profile;
  }
}
