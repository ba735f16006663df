/**
 * The RTCP transmission interval (RFC 3550 6.2, 6.3 and appendix A.7):
 * bandwidth-scaled, at least the minimum interval (5 s, halved before the
 * first report), randomised over [0.5, 1.5] × T and divided by e − 3/2 to
 * compensate for timer reconsideration.
 */

/** RFC 3550 A.7 constants. */
export const RTCP_MIN_TIME_MS = 5000;
const RTCP_SENDER_BW_FRACTION = 0.25;
const RTCP_RCVR_BW_FRACTION = 0.75;
const COMPENSATION = Math.E - 1.5;

export interface RtcpIntervalInput {
  /** Members of the session, including ourselves. */
  readonly members: number;
  /** Members that sent RTP recently, including ourselves when `weSent`. */
  readonly senders: number;
  /** Bandwidth for RTCP in bytes per second (5 % of the session bandwidth). */
  readonly rtcpBandwidth: number;
  readonly weSent: boolean;
  /** Average compound RTCP packet size in bytes, with UDP and IP headers. */
  readonly avgRtcpSize: number;
  /** True before the first report has been sent. */
  readonly initial: boolean;
  /** The minimum interval (RFC 3550 6.2: 5 s recommended). */
  readonly minIntervalMs?: number;
}

/**
 * The deterministic part of the interval (before randomisation), in ms.
 *
 * RFC 3550 A.7: "t = avg_rtcp_size * n / rtcp_bw; if (t < rtcp_min_time) t = rtcp_min_time;"
 */
export function rtcpBaseIntervalMs(i: RtcpIntervalInput): number {
  let minTime = i.minIntervalMs ?? RTCP_MIN_TIME_MS;
  // "Very first call at application start-up uses half the min delay for quicker notification."
  if (i.initial) minTime /= 2;
  let n = i.members;
  let bw = i.rtcpBandwidth;
  // "If there were active senders, give them at least a minimum share of the RTCP bandwidth."
  if (i.senders <= i.members * RTCP_SENDER_BW_FRACTION) {
    if (i.weSent) {
      bw *= RTCP_SENDER_BW_FRACTION;
      n = i.senders;
    } else {
      bw *= RTCP_RCVR_BW_FRACTION;
      n -= i.senders;
    }
  }
  const t = bw > 0 ? ((i.avgRtcpSize * n) / bw) * 1000 : minTime;
  return Math.max(t, minTime);
}

/**
 * The randomised interval in ms; `random` is uniform in [0, 1).
 *
 * RFC 3550 A.7: "t = t * (drand48() + 0.5); t = t / COMPENSATION;"
 *
 * @example
 * const next = now + rtcpIntervalMs({ members: 2, senders: 2, rtcpBandwidth: 500, weSent: true,
 *   avgRtcpSize: 100, initial: true }, rng.next());
 */
export function rtcpIntervalMs(i: RtcpIntervalInput, random: number): number {
  return (rtcpBaseIntervalMs(i) * (random + 0.5)) / COMPENSATION;
}

/**
 * RFC 3550 6.3.3: "avg_rtcp_size = (1/16) * packet_size + (15/16) * avg_rtcp_size",
 * where packet_size includes the UDP and IP headers.
 */
export function updateAvgRtcpSize(avg: number, packetSize: number): number {
  return packetSize / 16 + (avg * 15) / 16;
}

/** UDP (8) plus IPv4 (20) header bytes, added to RTCP sizes. */
export const UDP_IPV4_OVERHEAD = 28;
