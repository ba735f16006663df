import { describe, expect, it } from 'vitest';
import { Random } from '../../src/sim/random.js';
import { SimNetwork } from '../../src/sim/network.js';
import { VirtualScheduler } from '../../src/sim/scheduler.js';

describe('Random', () => {
  it('is deterministic per seed and roughly uniform', () => {
    const a = new Random(42);
    const b = new Random(42);
    const xs = Array.from({ length: 10_000 }, () => a.next());
    expect(xs).toEqual(Array.from({ length: 10_000 }, () => b.next()));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.48);
    expect(mean).toBeLessThan(0.52);
    expect(new Random(43).next()).not.toBe(new Random(42).next());
  });
});

describe('SimNetwork', () => {
  const send = (net: SimNetwork, n: number, spacing = 20) => {
    const got: number[] = [];
    const rx = net.bind('10.0.0.2', 5000, (d) => got.push(d[0]! | (d[1]! << 8)));
    const tx = net.bind('10.0.0.1', 0, () => {});
    for (let i = 0; i < n; i++)
      net.scheduler.at(i * spacing, () => tx.send(new Uint8Array([i & 255, i >> 8]), rx.local));
    net.scheduler.runUntilIdle();
    return got;
  };

  it('delivers everything in order on a clean link', () => {
    const net = new SimNetwork(new VirtualScheduler(), 1, { delayMs: 30 });
    expect(send(net, 100)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('random loss matches the configured rate', () => {
    const net = new SimNetwork(new VirtualScheduler(), 7, { loss: 0.05 });
    const got = send(net, 10_000);
    expect(1 - got.length / 10_000).toBeGreaterThan(0.04);
    expect(1 - got.length / 10_000).toBeLessThan(0.06);
  });

  it('bursty loss loses runs of packets', () => {
    const net = new SimNetwork(new VirtualScheduler(), 3, { burst: { pGoodToBad: 0.02, pBadToGood: 0.25 } });
    const got = new Set(send(net, 10_000));
    let runs = 0;
    let lost = 0;
    for (let i = 0; i < 10_000; i++) {
      if (!got.has(i)) {
        lost++;
        if (got.has(i - 1) || i === 0) runs++;
      }
    }
    expect(lost / runs).toBeGreaterThan(2.5); // mean burst length 1/0.25 = 4
  });

  it('jitter larger than the spacing reorders; duplication delivers copies', () => {
    const net = new SimNetwork(new VirtualScheduler(), 5, { jitterMs: 100, duplicate: 0.1 });
    const got = send(net, 1000);
    expect(got.length).toBeGreaterThan(1050);
    expect(got.some((x, i) => i > 0 && x < got[i - 1]!)).toBe(true);
  });
});
