import { describe, expect, it } from 'vitest';
import { eModel, mosFromR } from '../../src/harness/emodel.js';

describe('G.107 E-model', () => {
  it('gives R = 93.2 with every default (G.107 7.7)', () => {
    // With T = Tr = Ta = 0 the echo terms vanish except Idle's constant part.
    const r = eModel({ oneWayDelayMs: 0, packetLossPercent: 0, ie: 0, bpl: 4.3 }).r;
    expect(r).toBeCloseTo(93.2, 1);
  });

  it('Ro and Is match their default values (Ro = 94.77, Is = 1.41)', () => {
    const res = eModel({ oneWayDelayMs: 0, packetLossPercent: 0, ie: 0, bpl: 1 });
    expect(res.ro).toBeCloseTo(94.77, 1);
    expect(res.is).toBeCloseTo(1.41, 1);
  });

  it('absolute delay above 100 ms lowers R; below it barely moves', () => {
    const r = (d: number) => eModel({ oneWayDelayMs: d, packetLossPercent: 0, ie: 0, bpl: 4.3 }).r;
    expect(r(50)).toBeGreaterThan(91);
    expect(r(50)).toBeLessThan(r(0));
    expect(r(150)).toBeLessThan(r(50));
    expect(r(400)).toBeLessThan(r(150) - 10);
  });

  it('loss raises Ie,eff by (95 − Ie)·Ppl/(Ppl/BurstR + Bpl)', () => {
    const e = eModel({ oneWayDelayMs: 0, packetLossPercent: 2, ie: 0, bpl: 25.1 });
    expect(e.ieEff).toBeCloseTo((95 * 2) / (2 + 25.1), 6);
    const gsm = eModel({ oneWayDelayMs: 0, packetLossPercent: 0, ie: 20, bpl: 10 });
    expect(gsm.ieEff).toBe(20);
    const bursty = eModel({ oneWayDelayMs: 0, packetLossPercent: 2, ie: 0, bpl: 25.1, burstR: 2 });
    expect(bursty.ieEff).toBeGreaterThan(e.ieEff);
  });

  it('MOS from R: G.107 Annex B', () => {
    expect(mosFromR(-5)).toBe(1);
    expect(mosFromR(120)).toBe(4.5);
    expect(mosFromR(93.2)).toBeCloseTo(4.41, 2);
    expect(mosFromR(50)).toBeCloseTo(2.58, 2);
  });
});
