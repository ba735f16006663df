/**
 * The RTCP half of an RTP session (RFC 3550 6): when to report (the 6.2
 * randomised interval with 6.3.6 timer reconsideration), what our reports
 * say (6.4: an SR when we sent since the last report, else an RR, with a
 * report block for the peer's source and an SDES CNAME, 6.1), and what the
 * peer's reports say about us (loss, jitter, the round-trip time of 6.4.1)
 * and where they come from (symmetric RTCP).
 *
 * Sans-I/O like the session that holds it: `now` comes in, packets to send
 * and events go out through the session.
 */
import { RtcpParseError } from './errors.js';
import { compactNtp, ntpFromUnixMs, roundTripMs } from './ntp-time.js';
import { parseRtcp, serializeRtcp } from './rtcp-compound.js';
import { rtcpIntervalMs, UDP_IPV4_OVERHEAD, updateAvgRtcpSize } from './rtcp-interval.js';
import { SDES_CNAME, type ReportBlock, type RtcpPacket } from './rtcp-types.js';
import { sameAddress, type RtpReceiver } from './rtp-receiver.js';
import type { RtpSender } from './rtp-sender.js';
import type { RemoteReport, RtpActivity, RtpSessionEvent, RttStats, TransportAddress } from './rtp-session-types.js';

export interface RtcpReporterOptions {
  readonly ssrc: number;
  readonly cname: string;
  readonly clockRate: number;
  /** RFC 3550 6.2 minimum interval, ms; 0 disables reports. */
  readonly minIntervalMs: number;
  /** RTCP bandwidth, bytes/s. */
  readonly bandwidth: number;
  /** Unix time minus `now`, ms: the NTP time of sender reports. */
  readonly wallClockOffsetMs: number;
  /** Answer to where the current source's reports come from. */
  readonly symmetric: boolean;
  readonly random: () => number;
}

/**
 * @example
 * const rtcp = new RtcpReporter({ ssrc, cname, clockRate: 8000, minIntervalMs: 5000, bandwidth: 500,
 *   wallClockOffsetMs: 0, symmetric: true, random: Math.random }, sender, receiver, activity);
 * rtcp.arm(now);
 * if (rtcp.due(now)) {
 *   send(rtcp.report(now, []));
 *   rtcp.reported(now);
 * }
 */
export class RtcpReporter {
  /** Where the current source's reports come from (symmetric RTCP). */
  latched: TransportAddress | undefined;
  sent = 0;
  received = 0;
  malformed = 0;
  remoteReport: RemoteReport | undefined;
  private next: number | undefined;
  private last: number | undefined;
  private initial = true;
  private avgSize: number;
  private rtt: { last: number; min: number; max: number; sum: number; n: number } | undefined;
  /** Sender reports of sources not yet valid (RFC 3550 A.1 probation), kept for their LSR. */
  private readonly pendingSr = new Map<number, { compact: number; at: number }>();

  constructor(
    private readonly o: RtcpReporterOptions,
    private readonly sender: RtpSender,
    private readonly receiver: RtpReceiver,
    /** Whether each side sent RTP since the last report (an SR is due; a report block is due). */
    private readonly activity: Pick<RtpActivity, 'weSentSince' | 'remoteSentSince'>,
  ) {
    // RFC 3550 6.3.2: "avg_rtcp_size is set to the probable size of the first RTCP packet".
    this.avgSize = 8 + 24 + 10 + o.cname.length + UDP_IPV4_OVERHEAD;
  }

  get enabled(): boolean {
    return this.o.minIntervalMs > 0;
  }

  /** The next report's deadline. */
  get deadline(): number | undefined {
    return this.next;
  }

  /** Start the interval at the session's first activity. */
  arm(now: number): void {
    if (this.next === undefined && this.o.minIntervalMs > 0) this.next = now + this.interval();
  }

  /**
   * Whether a report is due at `now`; when it is, send `report(now)` and
   * then call `reported(now)`. RFC 3550 6.3.6 (timer reconsideration): the
   * interval is computed again with the current state, and a report goes
   * out only if the previous one is that long ago (else the timer moves).
   */
  due(now: number): boolean {
    if (this.next === undefined || now < this.next) return false;
    const t = this.interval();
    if (this.last === undefined || this.last + t <= now) return true;
    this.next = this.last + t;
    return false;
  }

  /** A scheduled report went out at `now`: the next one's time (from the state after it). */
  reported(now: number): void {
    this.last = now;
    this.initial = false;
    this.next = now + this.interval();
  }

  /** A compound report (SR or RR, SDES CNAME, then `extra`: a BYE). Resets the "since the last report" flags. */
  report(now: number, extra: readonly RtcpPacket[]): Uint8Array {
    const blocks: ReportBlock[] = [];
    const src = this.receiver.source;
    // RFC 3550 6.4.1: report blocks for the sources heard from since the last report.
    if (src && this.activity.remoteSentSince) blocks.push(src.reportBlock(now));
    const ntp = ntpFromUnixMs(now + this.o.wallClockOffsetMs);
    // RFC 3550 6.4: an SR if we sent data since the last report, else an RR.
    const report: RtcpPacket = this.activity.weSentSince
      ? {
          type: 'sr',
          ssrc: this.o.ssrc,
          ntpSeconds: ntp.seconds,
          ntpFraction: ntp.fraction,
          rtpTimestamp: this.sender.timestampAt(now),
          packetCount: this.sender.packets >>> 0,
          octetCount: this.sender.bytes >>> 0,
          reports: blocks,
        }
      : { type: 'rr', ssrc: this.o.ssrc, reports: blocks };
    // RFC 3550 6.1: every compound packet carries an SDES CNAME.
    const data = serializeRtcp([
      report,
      { type: 'sdes', chunks: [{ ssrc: this.o.ssrc, items: [{ type: SDES_CNAME, text: this.o.cname }] }] },
      ...extra,
    ]);
    this.avgSize = updateAvgRtcpSize(this.avgSize, data.length + UDP_IPV4_OVERHEAD);
    this.activity.weSentSince = false;
    this.activity.remoteSentSince = false;
    return data;
  }

  /** An RTCP datagram from the peer: its reports and BYEs become events. */
  handle(data: Uint8Array, from: TransportAddress, now: number, events: RtpSessionEvent[]): void {
    let packets: RtcpPacket[];
    try {
      packets = parseRtcp(data);
    } catch (e) {
      if (!(e instanceof RtcpParseError)) throw e;
      this.malformed++;
      return;
    }
    this.received++;
    // RFC 3550 6.3.3: the average RTCP size includes received packets.
    this.avgSize = updateAvgRtcpSize(this.avgSize, data.length + UDP_IPV4_OVERHEAD);
    const arrival = compactNtp(ntpFromUnixMs(now + this.o.wallClockOffsetMs));
    for (const pkt of packets) {
      if (pkt.type === 'sr' || pkt.type === 'rr') {
        const current = this.receiver.source;
        if (pkt.type === 'sr') this.senderReport(pkt.ssrc, pkt.ntpSeconds, pkt.ntpFraction, now);
        if (this.o.symmetric && current && pkt.ssrc === current.ssrc && !sameAddress(from, this.latched)) {
          // Symmetric RTCP: answer to where the current source's reports come from.
          this.latched = from;
          events.push({ type: 'latched', channel: 'rtcp', address: from });
        }
        const block = pkt.reports.find((b) => b.ssrc === this.o.ssrc);
        let rttMs: number | undefined;
        let remote: RemoteReport | undefined;
        if (block) {
          remote = this.remoteReport = {
            fractionLost: block.fractionLost / 256,
            cumulativeLost: block.cumulativeLost,
            jitterMs: (block.jitter * 1000) / this.o.clockRate,
            highestSequence: block.highestSequence,
          };
          rttMs = roundTripMs(arrival, block.lastSr, block.delaySinceLastSr);
          if (rttMs !== undefined) this.noteRtt(rttMs);
        }
        events.push({
          type: 'report',
          ssrc: pkt.ssrc,
          ...(remote ? { remote } : {}),
          ...(rttMs !== undefined ? { rttMs } : {}),
        });
      } else if (pkt.type === 'bye') {
        for (const ssrc of pkt.ssrcs)
          events.push({ type: 'bye', ssrc, ...(pkt.reason !== undefined ? { reason: pkt.reason } : {}) });
      }
    }
  }

  /** A source just became valid: the sender report it sent during its probation gives its LSR now. */
  sourceValidated(ssrc: number): void {
    const sr = this.pendingSr.get(ssrc);
    if (sr) this.receiver.source?.noteSenderReport(sr.compact, sr.at);
  }

  /** Round-trip times measured so far (RFC 3550 6.4.1). */
  rttStats(): RttStats | undefined {
    const r = this.rtt;
    return r && { lastMs: r.last, minMs: r.min, maxMs: r.max, meanMs: r.sum / r.n, samples: r.n };
  }

  /**
   * RFC 3550 6.4.1 LSR: "the middle 32 bits out of 64 in the NTP timestamp
   * ... received as part of the most recent RTCP sender report (SR) packet
   * from source SSRC_n".
   */
  private senderReport(ssrc: number, seconds: number, fraction: number, now: number): void {
    const compact = compactNtp({ seconds, fraction });
    const stats = this.receiver.statsOf(ssrc);
    if (stats) stats.noteSenderReport(compact, now);
    else this.pendingSr.set(ssrc, { compact, at: now });
    if (this.pendingSr.size > 8) this.pendingSr.delete(this.pendingSr.keys().next().value!);
  }

  private noteRtt(ms: number): void {
    const r = this.rtt;
    this.rtt = r
      ? { last: ms, min: Math.min(r.min, ms), max: Math.max(r.max, ms), sum: r.sum + ms, n: r.n + 1 }
      : { last: ms, min: ms, max: ms, sum: ms, n: 1 };
  }

  private interval(): number {
    const remote = this.receiver.source !== undefined;
    const { weSentSince, remoteSentSince } = this.activity;
    return rtcpIntervalMs(
      {
        members: 1 + (remote ? 1 : 0),
        senders: (weSentSince ? 1 : 0) + (remoteSentSince ? 1 : 0),
        rtcpBandwidth: this.o.bandwidth,
        weSent: weSentSince,
        avgRtcpSize: this.avgSize,
        initial: this.initial,
        minIntervalMs: this.o.minIntervalMs,
      },
      this.o.random(),
    );
  }
}
