import { describe, expect, it } from 'vitest';
import {
  smokeLoadJunit,
  smokeLoadSummary,
  smokeLoadText,
  type SmokeLoadCall,
} from '../../../src/harness/smoke/load-summary.js';
import type { SmokeResult } from '../../../src/harness/smoke/smoke-call.js';

const T = { maxLossPercent: 1, maxLatencyMs: 400, minMos: 3.5 };

function answered(latency: number, loss: number, jitter: number, mos: number): SmokeResult {
  const checks = [
    { name: 'call', ok: true, message: 'answered' },
    { name: 'loss', ok: loss <= T.maxLossPercent, message: `loss ${loss.toFixed(2)} %` },
    { name: 'latency', ok: latency <= T.maxLatencyMs, message: `latency ${latency} ms` },
    { name: 'mos', ok: mos >= T.minMos, message: `MOS ${mos}` },
  ];
  return {
    ok: checks.every((c) => c.ok),
    target: 'sip:echo@x',
    call: { answered: true, codec: 'PCMU' },
    latency: { roundTripMs: latency, probesSent: 5, probesFound: 5, perProbeMs: [] },
    loss: { receivedPercent: loss, roundTripPercent: loss, packetsSent: 250, packetsReceived: 250 },
    jitter: { meanMs: jitter, maxMs: jitter * 2 },
    mos: { mos, r: 90, ie: 0, bpl: 4.3, model: 'G.107' },
    thresholds: T,
    checks,
  };
}

function refused(status: number, message: string): SmokeResult {
  return {
    ok: false,
    target: 'sip:echo@x',
    call: { answered: false, end: { reason: 'rejected', status, message, answered: false, durationMs: 0 } },
    latency: { probesSent: 0, probesFound: 0, perProbeMs: [] },
    loss: { receivedPercent: 0, roundTripPercent: 0, packetsSent: 0, packetsReceived: 0 },
    jitter: { meanMs: 0, maxMs: 0 },
    thresholds: T,
    checks: [{ name: 'call', ok: false, message: `the call failed: ${message} (${status})` }],
  };
}

describe('smoke load summary', () => {
  // 100 good calls, latency 1..100 ms, loss 0, jitter 1..100 / 10, MOS 4.4 down to 4.301.
  const good: SmokeLoadCall[] = Array.from({ length: 100 }, (_, i) => ({
    index: i,
    result: answered(i + 1, 0, (i + 1) / 10, 4.4 - i / 1000),
  }));

  it('percentiles per call: p50/p95/p99/max of latency, loss and jitter; min and p5 of MOS', () => {
    const s = smokeLoadSummary('sip:echo@x', [...good].reverse(), 5000);
    expect(s).toMatchObject({ calls: 100, answered: 100, passed: 100, failed: 0, failures: [], notAnswered: [] });
    expect(s.latencyMs).toEqual({ count: 100, p50: 50, p95: 95, p99: 99, max: 100 });
    expect(s.jitterMs.p95).toBeCloseTo(9.5);
    expect(s.lossPercent.max).toBe(0);
    expect(s.mos.min).toBeCloseTo(4.301);
    expect(s.mos.p5).toBeCloseTo(4.306);
    expect(smokeLoadText(s)).toMatch(/100 calls: PASS/);
  });

  it('one breaching call fails the run and is named with its check; refusals are counted by status', () => {
    const calls = [
      ...good.slice(0, 10),
      { index: 10, result: answered(20, 3.2, 1, 4.0) },
      { index: 11, result: refused(486, 'Busy Here') },
      { index: 12, result: refused(486, 'Busy Here') },
      { index: 13, result: refused(503, 'Service Unavailable') },
    ];
    const s = smokeLoadSummary('sip:echo@x', calls, 5000);
    expect(s).toMatchObject({ calls: 14, answered: 11, passed: 10, failed: 4 });
    expect(s.failures.map((f) => f.index)).toEqual([10, 11, 12, 13]);
    expect(s.failures[0]!.checks).toEqual(['loss 3.20 %']);
    expect(s.notAnswered).toEqual([
      { status: 486, message: 'Busy Here', count: 2 },
      { status: 503, message: 'Service Unavailable', count: 1 },
    ]);
    // The refused calls have no figures: the percentiles are of the answered calls only.
    expect(s.lossPercent).toMatchObject({ count: 11, max: 3.2 });
    const text = smokeLoadText(s);
    expect(text).toMatch(/14 calls: FAIL/);
    expect(text).toMatch(/FAILED {4}call 11: loss 3\.20 %/);
    expect(text).toMatch(/refused {3}2× 486 Busy Here/);
    const xml = smokeLoadJunit(s, calls, new Date(0));
    expect(xml).toMatch(/<testsuites name="shtoom smoke" tests="14" failures="4"/);
    expect(xml.match(/<testcase /g)).toHaveLength(14);
    expect(xml).toMatch(
      /<testcase classname="shtoom.smoke" name="call 11" time="0.000">\n {6}<failure message="loss 3.20 %"/,
    );
    expect(xml).not.toMatch(/name="call 1" time="[^"]*">\n {6}<failure/);
  });

  it('with no calls the run is no pass', () => {
    expect(smokeLoadText(smokeLoadSummary('sip:echo@x', [], 0))).toMatch(/0 calls: FAIL/);
  });
});
