import { describe, expect, it } from 'vitest';
import { rtcpBaseIntervalMs, rtcpIntervalMs, updateAvgRtcpSize } from '../../src/rtp/rtcp-interval.js';

const twoParty = { members: 2, senders: 2, rtcpBandwidth: 500, weSent: true, avgRtcpSize: 100, initial: false };

describe('RTCP transmission interval (RFC 3550 6.2, A.7)', () => {
  it('is at least 5 s for a small session, half of it before the first report', () => {
    expect(rtcpBaseIntervalMs(twoParty)).toBe(5000);
    expect(rtcpBaseIntervalMs({ ...twoParty, initial: true })).toBe(2500);
  });

  it('randomises over [0.5, 1.5] x T and divides by e - 3/2', () => {
    const c = Math.E - 1.5;
    expect(rtcpIntervalMs(twoParty, 0)).toBeCloseTo((5000 * 0.5) / c, 9);
    expect(rtcpIntervalMs(twoParty, 0.999999)).toBeCloseTo((5000 * 1.499999) / c, 3);
  });

  it('scales with the number of members once the bandwidth share is exceeded', () => {
    // 100 receivers, 1 sender (not us): n = 99, bw = 0.75 x 500; t = 100 x 99 / 375 s = 26.4 s
    const big = { members: 100, senders: 1, rtcpBandwidth: 500, weSent: false, avgRtcpSize: 100, initial: false };
    expect(rtcpBaseIntervalMs(big)).toBeCloseTo(26_400, 6);
    // the sender itself shares 25 % among 1 sender: t = 100 x 1 / 125 s = 0.8 s -> minimum
    expect(rtcpBaseIntervalMs({ ...big, weSent: true })).toBe(5000);
  });

  it('honours a configured minimum', () => {
    expect(rtcpBaseIntervalMs({ ...twoParty, minIntervalMs: 1000 })).toBe(1000);
  });

  it('averages the packet size with weight 1/16', () => {
    expect(updateAvgRtcpSize(100, 260)).toBe(110);
  });
});
