/**
 * Reception statistics of one remote source (RFC 3550 appendix A):
 * sequence validation and the extended sequence number (A.1), expected and
 * lost packets with the fraction lost per report interval (A.3), and the
 * interarrival jitter (A.8). Also duplicates and reordering, which A.1 leaves
 * to the implementation.
 *
 * Media time only: `arrival` is in the same millisecond base as every other
 * `now`, and jitter is kept in the source's RTP timestamp units.
 */
import type { ReportBlock } from './rtcp-types.js';

const RTP_SEQ_MOD = 1 << 16;
/** RFC 3550 A.1 constants. */
export const MAX_DROPOUT = 3000;
export const MAX_MISORDER = 100;
export const MIN_SEQUENTIAL = 2;
/** How many recent sequence numbers are remembered to recognise duplicates. */
const DUP_WINDOW = 1024;

/** What `update` decided about one packet. */
export type SequenceVerdict =
  /** An in-sequence, reordered or gap-following packet of a valid source: deliver it. */
  | 'valid'
  /** The source just passed probation with this packet: deliver the held probation packets, then this one. */
  | 'validated'
  /** The source is still on probation (A.1 MIN_SEQUENTIAL): hold, do not deliver yet. */
  | 'probation'
  /** Seen before: counted, not delivered. */
  | 'duplicate'
  /** A very large jump that A.1 discards until confirmed by the next packet. */
  | 'invalid';

export interface SourceStatsJson {
  readonly ssrc: number;
  readonly packets: number;
  readonly bytes: number;
  readonly expected: number;
  /** Packets never received: expected minus distinct packets received. */
  readonly lost: number;
  /** lost / expected, 0-1. */
  readonly lossRate: number;
  /** Fraction lost in the last report interval (0-1), as put in the last report block. */
  readonly fractionLost: number;
  readonly duplicates: number;
  readonly reordered: number;
  /** Packets A.1 discarded (large sequence jumps not confirmed). */
  readonly discarded: number;
  /** Interarrival jitter now (RFC 3550 A.8), in milliseconds. */
  readonly jitterMs: number;
  readonly maxJitterMs: number;
  /** Mean of the running jitter over all packets (what `tshark -z rtp,streams` prints as "Mean Jitter"). */
  readonly meanJitterMs: number;
  readonly sequenceRestarts: number;
}

/**
 * Statistics of one source, created on its first packet.
 *
 * @example
 * const s = new SourceStatistics(pkt.ssrc, 8000, pkt.sequenceNumber);
 * const verdict = s.update(pkt.sequenceNumber, pkt.timestamp, now, pkt.payload.length);
 * const block = s.reportBlock(now);
 */
export class SourceStatistics {
  // RFC 3550 A.1 source state
  private maxSeq: number;
  private cycles = 0;
  private baseSeq: number;
  private badSeq = RTP_SEQ_MOD + 1;
  private probation: number;
  private received = 0;
  private expectedPrior = 0;
  private receivedPrior = 0;
  // totals of earlier sequence spaces (after a restart the A.1 counters start again)
  private prevExpected = 0;
  private prevReceived = 0;
  private readonly held: {
    seq: number;
    timestamp: number;
    arrivalMs: number;
    payloadBytes: number;
    forJitter: boolean;
  }[] = [];
  private restarts = 0;

  private readonly seen = new Float64Array(DUP_WINDOW).fill(-1);
  private duplicates = 0;
  private reordered = 0;
  private discarded = 0;
  private bytes = 0;

  // RFC 3550 A.8: jitter, scaled like the RFC's J (timestamp units)
  private jitter = 0;
  private transit: number | undefined;
  private lastTs = 0;
  private lastArrivalUnits = 0;
  private maxJitter = 0;
  private jitterSum = 0;
  private jitterSamples = 0;

  private lastFraction = 0;
  /** Compact NTP of the last SR from this source, and when it arrived. */
  private lastSr = 0;
  private lastSrArrival = 0;

  constructor(
    readonly ssrc: number,
    readonly clockRate: number,
    firstSeq: number,
    private readonly minSequential = MIN_SEQUENTIAL,
  ) {
    // RFC 3550 A.1: "init_seq(s, seq); s->max_seq = seq - 1; s->probation = MIN_SEQUENTIAL;"
    this.baseSeq = firstSeq;
    this.maxSeq = (firstSeq - 1) & 0xffff;
    this.probation = minSequential;
  }

  /** Whether the source has passed probation. */
  get valid(): boolean {
    return this.probation === 0;
  }

  /** The extended highest sequence number received (cycles + max). */
  get extendedMax(): number {
    return this.cycles + this.maxSeq;
  }

  /**
   * Account for one packet. `forJitter` is false for packets whose timestamp
   * does not follow the sampling clock (RFC 4733 events keep their start
   * timestamp), so they do not distort the jitter.
   */
  update(seq: number, timestamp: number, arrivalMs: number, payloadBytes: number, forJitter = true): SequenceVerdict {
    const udelta = (seq - this.maxSeq) & 0xffff;
    let verdict: SequenceVerdict = 'valid';
    if (this.probation > 0) {
      // RFC 3550 A.1: "Source is not valid until MIN_SEQUENTIAL packets with
      // sequential sequence numbers have been received."
      if (seq === ((this.maxSeq + 1) & 0xffff)) {
        this.probation--;
      } else {
        this.probation = this.minSequential - 1;
        this.held.length = 0;
      }
      this.maxSeq = seq;
      if (this.probation > 0) {
        this.held.push({ seq, timestamp, arrivalMs, payloadBytes, forJitter });
        return 'probation';
      }
      // Validated: count the held probation packets too, so nothing the peer
      // sent is missing from the statistics.
      const first = this.held[0]?.seq ?? seq;
      this.initSeq(first);
      this.maxSeq = seq;
      for (const h of this.held) this.count(h.seq, h.timestamp, h.arrivalMs, h.payloadBytes, h.forJitter);
      this.held.length = 0;
      verdict = 'validated';
    } else if (udelta < MAX_DROPOUT) {
      // RFC 3550 A.1: "in order, with permissible gap"
      if (udelta === 0) return this.duplicate(payloadBytes);
      if (seq < this.maxSeq) this.cycles += RTP_SEQ_MOD;
      this.maxSeq = seq;
    } else if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
      // RFC 3550 A.1: "the sequence number made a very large jump"
      if (seq === this.badSeq) {
        // "Two sequential packets -- assume that the other side restarted
        // without telling us so just re-sync (i.e., pretend this was the
        // first packet)."
        this.foldTotals();
        this.restarts++;
        this.initSeq(seq);
        this.transit = undefined;
      } else {
        this.badSeq = (seq + 1) & 0xffff;
        this.discarded++;
        return 'invalid';
      }
    } else {
      // RFC 3550 A.1: "duplicate or reordered packet"
      if (this.isSeen(this.extendedOf(seq))) return this.duplicate(payloadBytes);
      this.reordered++;
    }
    this.count(seq, timestamp, arrivalMs, payloadBytes, forJitter);
    return verdict;
  }

  private count(seq: number, timestamp: number, arrivalMs: number, payloadBytes: number, forJitter: boolean): void {
    this.received++;
    this.bytes += payloadBytes;
    this.mark(seq);
    if (forJitter) this.jitterUpdate(timestamp, arrivalMs);
  }

  private duplicate(payloadBytes: number): SequenceVerdict {
    // RFC 3550 6.4.1: "the number of packets received includes any which are late or duplicates".
    this.received++;
    this.duplicates++;
    this.bytes += payloadBytes;
    return 'duplicate';
  }

  private initSeq(seq: number): void {
    this.baseSeq = seq;
    this.maxSeq = seq;
    this.badSeq = RTP_SEQ_MOD + 1;
    this.cycles = 0;
    this.received = 0;
    this.receivedPrior = 0;
    this.expectedPrior = 0;
    this.probation = 0;
    this.seen.fill(-1);
  }

  private foldTotals(): void {
    this.prevExpected += this.expectedNow();
    this.prevReceived += this.received;
  }

  private extendedOf(seq: number): number {
    // The extended number of a packet at or below the highest one received.
    return this.extendedMax - ((this.maxSeq - seq) & 0xffff);
  }

  private mark(seq: number): void {
    const ext = this.extendedOf(seq);
    this.seen[ext % DUP_WINDOW] = ext;
  }

  private isSeen(ext: number): boolean {
    return ext >= 0 && this.seen[ext % DUP_WINDOW] === ext;
  }

  private jitterUpdate(timestamp: number, arrivalMs: number): void {
    // RFC 3550 A.8: "int transit = arrival - r->ts; int d = transit - s->transit;
    // s->transit = transit; if (d < 0) d = -d; s->jitter += (1./16.) * ((double)d - s->jitter);"
    // Timestamps wrap at 2^32, so the transit difference is taken from the
    // signed timestamp difference rather than from absolute values.
    const arrivalUnits = (arrivalMs * this.clockRate) / 1000;
    if (this.transit === undefined) {
      this.transit = 0;
    } else {
      const dTs = (timestamp - this.lastTs) | 0;
      const d = Math.abs(arrivalUnits - this.lastArrivalUnits - dTs);
      this.jitter += (d - this.jitter) / 16;
      if (this.jitter > this.maxJitter) this.maxJitter = this.jitter;
    }
    this.lastTs = timestamp;
    this.lastArrivalUnits = arrivalUnits;
    this.jitterSum += this.jitter;
    this.jitterSamples++;
  }

  private expectedNow(): number {
    return this.probation > 0 ? 0 : this.extendedMax - this.baseSeq + 1;
  }

  /** Packets expected so far (RFC 3550 A.3), over every sequence space. */
  get expected(): number {
    return this.prevExpected + this.expectedNow();
  }

  /** Note an SR from this source (for LSR/DLSR in our next report). */
  noteSenderReport(compactNtp: number, arrivalMs: number): void {
    this.lastSr = compactNtp;
    this.lastSrArrival = arrivalMs;
  }

  /**
   * The report block for our next SR/RR, and start a new interval
   * (RFC 3550 A.3: expected_prior and received_prior move on).
   */
  reportBlock(nowMs: number): ReportBlock {
    const expected = this.expectedNow();
    // RFC 3550 A.3: "lost = expected - s->received"
    const lost = this.prevExpected + expected - (this.prevReceived + this.received);
    const expectedInterval = expected - this.expectedPrior;
    this.expectedPrior = expected;
    const receivedInterval = this.received - this.receivedPrior;
    this.receivedPrior = this.received;
    const lostInterval = expectedInterval - receivedInterval;
    // "if (expected_interval == 0 || lost_interval <= 0) fraction = 0;
    //  else fraction = (lost_interval << 8) / expected_interval;"
    const fraction =
      expectedInterval === 0 || lostInterval <= 0 ? 0 : Math.floor((lostInterval * 256) / expectedInterval);
    this.lastFraction = fraction;
    const dlsr = this.lastSr === 0 ? 0 : Math.max(0, Math.round(((nowMs - this.lastSrArrival) * 65536) / 1000)) >>> 0;
    return {
      ssrc: this.ssrc,
      fractionLost: Math.min(255, fraction),
      cumulativeLost: lost,
      highestSequence: (this.extendedMax >>> 0) & 0xffffffff,
      jitter: Math.floor(this.jitter) >>> 0,
      lastSr: this.lastSr,
      delaySinceLastSr: dlsr,
    };
  }

  /** A plain JSON snapshot. */
  toJSON(): SourceStatsJson {
    const expected = this.expected;
    const distinct = this.prevReceived + this.received - this.duplicates;
    const lost = Math.max(0, expected - distinct);
    const ms = 1000 / this.clockRate;
    return {
      ssrc: this.ssrc,
      packets: this.prevReceived + this.received,
      bytes: this.bytes,
      expected,
      lost,
      lossRate: expected > 0 ? lost / expected : 0,
      fractionLost: this.lastFraction / 256,
      duplicates: this.duplicates,
      reordered: this.reordered,
      discarded: this.discarded,
      jitterMs: this.jitter * ms,
      maxJitterMs: this.maxJitter * ms,
      meanJitterMs: this.jitterSamples ? (this.jitterSum / this.jitterSamples) * ms : 0,
      sequenceRestarts: this.restarts,
    };
  }
}
