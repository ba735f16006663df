/**
 * NTP timestamps for RTCP (RFC 3550 4): 32-bit seconds since 1900 and a
 * 32-bit fraction; the "compact" form is the middle 32 bits (16.16), used by
 * LSR and DLSR to measure the round-trip time.
 *
 * Nothing here reads a clock: callers pass wall-clock milliseconds, which the
 * RTP session derives from its monotonic `now` plus an offset the I/O edge
 * supplies once.
 */

/** Seconds from 1900-01-01 (NTP era 0) to 1970-01-01 (Unix epoch). */
export const NTP_UNIX_OFFSET_S = 2_208_988_800;

export interface NtpTimestamp {
  readonly seconds: number;
  readonly fraction: number;
}

/** The NTP timestamp of a Unix time in milliseconds. */
export function ntpFromUnixMs(ms: number): NtpTimestamp {
  const s = Math.floor(ms / 1000);
  const frac = Math.floor(((ms - s * 1000) / 1000) * 4294967296);
  return { seconds: (s + NTP_UNIX_OFFSET_S) >>> 0, fraction: Math.min(frac, 0xffffffff) >>> 0 };
}

/** The Unix time in milliseconds of an NTP timestamp (era 0, i.e. before 2036). */
export function unixMsFromNtp(t: NtpTimestamp): number {
  return (t.seconds - NTP_UNIX_OFFSET_S) * 1000 + (t.fraction / 4294967296) * 1000;
}

/** The middle 32 bits of an NTP timestamp (RFC 3550 6.4.1 "LSR"). */
export function compactNtp(t: NtpTimestamp): number {
  return (((t.seconds & 0xffff) << 16) | (t.fraction >>> 16)) >>> 0;
}

/** Milliseconds to the 1/65536 s units of DLSR (rounded, 32-bit). */
export function msToCompact(ms: number): number {
  return Math.max(0, Math.round((ms * 65536) / 1000)) >>> 0;
}

/**
 * Round-trip time from a report block about our stream.
 *
 * RFC 3550 6.4.1: the source "can compute the total round-trip time A-LSR
 * using the last SR timestamp (LSR) field, and then subtracting this field
 * [DLSR] to leave the round-trip propagation delay". All in compact NTP units,
 * modulo 2^32. Returns undefined when the block carries no LSR.
 *
 * @example
 * const rtt = roundTripMs(compactNtp(ntpFromUnixMs(nowUnixMs)), block.lastSr, block.delaySinceLastSr);
 */
export function roundTripMs(arrivalCompact: number, lastSr: number, delaySinceLastSr: number): number | undefined {
  if (lastSr === 0) return undefined;
  const units = (arrivalCompact - lastSr - delaySinceLastSr) | 0; // signed: tiny negatives from rounding
  return (Math.max(0, units) * 1000) / 65536;
}
