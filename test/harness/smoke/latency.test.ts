import { describe, expect, it } from 'vitest';
import { fillProbe, makeProbe } from '../../../src/harness/smoke/probe-signal.js';
import { findProbes } from '../../../src/harness/smoke/latency.js';
import { Random } from '../../../src/sim/random.js';

function echoed(delay: number, seconds: number, opts: { gain?: number; noise?: number; mute?: number[] } = {}) {
  const probe = makeProbe();
  const n = seconds * 8000;
  const sent = new Int16Array(n);
  fillProbe(probe, 0, sent);
  const rx = new Int16Array(n);
  const rnd = new Random(9);
  for (let i = delay; i < n; i++) rx[i] = Math.round(sent[i - delay]! * (opts.gain ?? 1));
  if (opts.noise)
    for (let i = 0; i < n; i++)
      rx[i] = Math.max(-32768, Math.min(32767, rx[i]! + Math.round(rnd.normal() * opts.noise)));
  for (const p of opts.mute ?? []) rx.fill(0, p * 8000, (p + 1) * 8000);
  return { probe, rx };
}

describe('probe latency by cross-correlation', () => {
  it('finds the exact delay of every probe', () => {
    const { probe, rx } = echoed(337, 6);
    const r = findProbes(probe, rx);
    expect(r.sent).toBe(5);
    expect(r.found).toBe(5);
    expect(r.matches.every((m) => m.delaySamples === 337)).toBe(true);
    expect(r.medianMs).toBeCloseTo(42.125, 3);
  });

  it('is tolerant to level changes and noise', () => {
    const { probe, rx } = echoed(960, 6, { gain: 0.3, noise: 300 });
    const r = findProbes(probe, rx);
    expect(r.found).toBe(r.sent);
    expect(r.medianMs).toBe(120);
  });

  it('reports probes that never came back', () => {
    const { probe, rx } = echoed(160, 6, { mute: [1, 2] });
    const r = findProbes(probe, rx);
    expect(r.matches.map((m) => m.delaySamples)).toEqual([160, undefined, undefined, 160, 160]);
    expect(r.found).toBe(3);
  });

  it('finds nothing in silence', () => {
    const probe = makeProbe();
    expect(findProbes(probe, new Int16Array(5 * 8000)).found).toBe(0);
  });
});
