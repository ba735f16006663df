/**
 * The smoke call in virtual time against doug's echo app, through a
 * simulated network with known delay and loss: the measured latency, loss
 * both ways and MOS follow what the network does, and the checks follow the
 * thresholds.
 */
import { describe, expect, it } from 'vitest';
import { echo } from '../../../src/apps/echo.js';
import { DougServer } from '../../../src/doug/server.js';
import { smokeCall, type SmokeThresholds } from '../../../src/harness/smoke/smoke-call.js';
import { smokeJunit, smokeText } from '../../../src/harness/smoke/report.js';
import { PhoneWorld } from '../../app/support/sim-phones.js';

const LAX: SmokeThresholds = { maxLossPercent: 1, maxLatencyMs: 400, minMos: 3.5 };

async function run(
  seed: number,
  profile: Parameters<PhoneWorld['net']['setProfile']>[0],
  thresholds = LAX,
  codecs?: ('pcmu' | 'gsm')[],
) {
  const world = new PhoneWorld(seed);
  const client = await world.phone('10.0.0.1', { media: { lingerMs: 300 } });
  const phone = await world.phone('10.0.0.2', codecs ? { codecs } : {});
  const server = new DougServer({ phone, app: echo }).start();
  world.net.setProfile(profile);
  const result = await world.until(
    smokeCall({ phone: client, uri: 'sip:echo@10.0.0.2', durationMs: 10_000, thresholds }),
  );
  await world.until(server.close());
  await world.until(Promise.all([client.close(), phone.close()]));
  return result;
}

describe('smoke call against an echo', () => {
  it('a clean 25 ms path: every probe back, latency = network + playout, no loss, MOS of G.711', async () => {
    const r = await run(1, { delayMs: 25 });
    expect(r.ok).toBe(true);
    expect(r.latency.probesSent).toBe(10);
    expect(r.latency.probesFound).toBe(10);
    // 50 ms of network, plus our jitter buffer (20 ms minimum) and the PLC's 3.75 ms.
    expect(r.latency.roundTripMs).toBeGreaterThan(70);
    expect(r.latency.roundTripMs).toBeLessThan(140);
    // The first probe waits on the initial playout delay (60 ms); once the jitter buffer adapts, every probe is the
    // same.
    const per = r.latency.perProbeMs.slice(2).filter((x): x is number => x !== null);
    expect(per).toHaveLength(8);
    expect(Math.max(...per) - Math.min(...per)).toBeLessThan(1);
    expect(r.loss).toMatchObject({ sentPercent: 0, receivedPercent: 0, roundTripPercent: 0 });
    expect(r.loss.packetsSent).toBeGreaterThan(540);
    expect(r.rttMs).toBeGreaterThan(49);
    expect(r.rttMs).toBeLessThan(52);
    expect(r.mos!.mos).toBeGreaterThan(4.3);
    expect(r.checks.map((c) => c.ok)).toEqual([true, true, true, true, true]);
    expect(smokeText(r)).toMatch(/^smoke sip:echo@10\.0\.0\.2: PASS\n {2}call {6}PCMU/);
  });

  it('5 % loss each way is measured on both paths; the loss threshold fails the run', async () => {
    const r = await run(2, { delayMs: 10, loss: 0.05 });
    expect(r.loss.receivedPercent).toBeGreaterThan(3);
    expect(r.loss.receivedPercent).toBeLessThan(7.5);
    expect(r.loss.sentPercent).toBeGreaterThan(3);
    expect(r.loss.sentPercent).toBeLessThan(7.5);
    expect(r.loss.roundTripPercent).toBeGreaterThan(7);
    expect(r.loss.roundTripPercent).toBeLessThan(13);
    expect(r.ok).toBe(false);
    expect(r.checks.find((c) => c.name === 'loss')).toMatchObject({ ok: false });
    expect(r.checks.find((c) => c.name === 'echo')).toMatchObject({ ok: true });
    expect(r.mos!.mos).toBeLessThan(3.5);
    const xml = smokeJunit(r, new Date('2026-01-02T03:04:05Z'));
    expect(xml).toMatch(/<testsuites name="shtoom smoke" tests="5" failures="2"/);
    expect(xml).toMatch(/<failure message="loss \d+\.\d+ % \(at most 1 %\)"/);
    expect(xml).toMatch(/timestamp="2026-01-02T03:04:05"/);
    // Stable test case names: the values go to system-out, never into the name.
    expect([...xml.matchAll(/<testcase [^>]*name="([^"]*)"/g)].map((m) => m[1])).toEqual([
      'call',
      'echo',
      'loss',
      'latency',
      'mos',
    ]);
    expect(xml).toMatch(/<system-out>latency \d+\.\d ms \(at most 400 ms\)<\/system-out>/);
  });

  it('the same loss passes a lenient threshold', async () => {
    const r = await run(2, { delayMs: 10, loss: 0.05 }, { maxLossPercent: 20, maxLatencyMs: 400, minMos: 1 });
    expect(r.ok).toBe(true);
  });

  it('GSM: the codec’s Ie lowers the MOS; the chirp still comes back', async () => {
    const r = await run(3, { delayMs: 5 }, LAX, ['gsm']);
    expect(r.call.codec).toBe('GSM');
    expect(r.latency.probesFound).toBeGreaterThanOrEqual(9);
    expect(r.mos!.ie).toBe(20);
    expect(r.mos!.mos).toBeGreaterThan(3.6);
    expect(r.mos!.mos).toBeLessThan(4.0);
  });

  it('a call that fails is a failed smoke with the reason', async () => {
    const world = new PhoneWorld(4);
    const client = await world.phone('10.0.0.1');
    const phone = await world.phone('10.0.0.2');
    phone.on('incoming', (c) => c.reject(486));
    const r = await world.until(
      smokeCall({ phone: client, uri: 'sip:echo@10.0.0.2', durationMs: 5000, thresholds: LAX }),
    );
    expect(r.ok).toBe(false);
    expect(r.call).toMatchObject({ answered: false, end: { reason: 'busy', status: 486 } });
    expect(smokeText(r)).toMatch(/not answered: .*486/);
    await world.until(Promise.all([client.close(), phone.close()]));
  });
});

describe('missingPercent: packets that never came back', () => {
  it('300 out and 0 in is 100 %; the packets of one round trip still in flight are not missing', async () => {
    const { missingPercent } = await import('../../../src/harness/smoke/smoke-call.js');
    expect(missingPercent(300, 0, undefined)).toBe(100);
    expect(missingPercent(300, 300, 40)).toBe(0);
    expect(missingPercent(300, 296, 40)).toBe(0);
    expect(missingPercent(300, 150, 40)).toBeCloseTo(100 * (146 / 300));
    expect(missingPercent(0, 0, undefined)).toBe(0);
  });
});
