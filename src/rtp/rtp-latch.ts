/**
 * Where a session's RTP may come from, and when the stream we send may
 * follow it to another address: strict symmetric-RTP latching (RFC 4961),
 * against the "RTP bleed" class of attacks (Asterisk AST-2017-005), in
 * which a third party that sends RTP to a call's port receives the call's
 * media.
 *
 * Modes (`--rtp-latching`):
 *
 * | mode     | packets accepted from                       | RTP sent to                            |
 * |----------|---------------------------------------------|----------------------------------------|
 * | `strict` | an IP of the peer's SDP or of its signalling | the first valid source, else the SDP   |
 * | `any`    | anywhere (callers behind any NAT)            | the first valid source, else the SDP   |
 * | `off`    | an IP of the peer's SDP or of its signalling | the SDP address only, never latched    |
 *
 * Once latched, the stream moves to another address only when all of:
 * 1. the packets come with the SSRC of the current source;
 * 2. `moveRun` of them (default 8) arrive from the new address with
 *    consecutive sequence numbers, none from a third address in between;
 * 3. the latched address has been silent for `quietMs` (default 200 ms):
 *    a caller that is still talking keeps its stream whatever else arrives;
 * 4. the last move is at least `moveIntervalMs` old (default 5 s).
 * Packets of the run are not delivered (they may be an attacker's); a NAT
 * rebinding costs `moveRun` packets.
 *
 * A pure state machine: time comes in as `now` (ms), nothing here reads a
 * clock or touches a socket.
 */
import type { TransportAddress } from './rtp-session-types.js';

export type LatchMode = 'strict' | 'any' | 'off';
export const LATCH_MODES: readonly LatchMode[] = ['strict', 'any', 'off'];

export interface RtpLatchOptions {
  /** Default `strict`. */
  readonly mode?: LatchMode;
  /** IP addresses of the peer's signalling (the INVITE's source, or where ours went): trusted like the SDP's. */
  readonly trusted?: readonly string[];
  /** Consecutive in-sequence packets from a new address that move a latched stream. Default 8. */
  readonly moveRun?: number;
  /** How long the latched address must have been silent before a move, ms. Default 200. */
  readonly quietMs?: number;
  /** The least time between two moves, ms. Default 5000. */
  readonly moveIntervalMs?: number;
}

/** A run of packets from an address other than the latched one, which may become a move. */
interface Run {
  readonly from: TransportAddress;
  readonly ssrc: number;
  lastSeq: number;
  count: number;
}

export class RtpLatch {
  readonly mode: LatchMode;
  /** Where RTP goes (undefined: not latched, the SDP address is used). */
  latched: TransportAddress | undefined;
  /** Moves refused so far (a run broken, the latched address not silent, or too soon). */
  refusedMoves = 0;
  moves = 0;
  private sdp: TransportAddress | undefined;
  private trusted: readonly string[];
  private readonly moveRun: number;
  private readonly quietMs: number;
  private readonly moveIntervalMs: number;
  private lastMoveAt: number | undefined;
  private run: Run | undefined;

  constructor(opts: RtpLatchOptions = {}, sdp?: TransportAddress) {
    this.mode = opts.mode ?? 'strict';
    this.trusted = opts.trusted ?? [];
    this.moveRun = Math.max(1, opts.moveRun ?? 8);
    this.quietMs = opts.quietMs ?? 200;
    this.moveIntervalMs = opts.moveIntervalMs ?? 5000;
    this.sdp = sdp;
  }

  /** The peer's SDP address changed (a re-INVITE): trusted from now on. */
  setSdp(sdp: TransportAddress | undefined): void {
    this.sdp = sdp;
  }

  /** The signalling addresses changed. */
  setTrusted(ips: readonly string[]): void {
    this.trusted = ips;
  }

  /**
   * Whether a packet from `from` may be looked at at all: in `strict` and
   * `off` modes its IP must be the SDP's or a signalling one (a port scan
   * from another host is refused before it can validate a source).
   */
  eligible(from: TransportAddress): boolean {
    if (this.mode === 'any') return true;
    const ip = from.address;
    return (this.sdp !== undefined && ip === this.sdp.address) || this.trusted.includes(ip);
  }

  /**
   * A source was validated from `from` while nothing is latched: latch
   * there (not in `off` mode). Returns the new latched address, if any.
   */
  first(from: TransportAddress): TransportAddress | undefined {
    if (this.mode === 'off' || this.latched !== undefined) return undefined;
    this.latched = from;
    return from;
  }

  /**
   * A packet of the current source (`ssrc`, sequence `seq`) from `from`,
   * which is not the latched address. `lastHeardAt`: when the last packet
   * accepted from the latched address arrived (undefined: never). Returns
   * true when the stream moves to `from` now (`latched` is then `from`).
   */
  offer(from: TransportAddress, ssrc: number, seq: number, now: number, lastHeardAt: number | undefined): boolean {
    if (this.mode === 'off') return false;
    const r = this.run;
    if (r && r.ssrc === ssrc && sameAddress(r.from, from) && ((seq - r.lastSeq) & 0xffff) === 1) {
      r.lastSeq = seq;
      r.count++;
    } else {
      // Another address, SSRC or a gap: a new run starts with this packet.
      if (r) this.refusedMoves++;
      this.run = { from, ssrc, lastSeq: seq, count: 1 };
    }
    const run = this.run!;
    if (run.count < this.moveRun) return false;
    const quiet = lastHeardAt === undefined || now - lastHeardAt >= this.quietMs;
    const rested = this.lastMoveAt === undefined || now - this.lastMoveAt >= this.moveIntervalMs;
    if (!quiet || !rested) return false;
    this.latched = from;
    this.lastMoveAt = now;
    this.moves++;
    this.run = undefined;
    return true;
  }
}

function sameAddress(a: TransportAddress, b: TransportAddress): boolean {
  return a.port === b.port && a.address === b.address;
}
