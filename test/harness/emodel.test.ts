import { describe, expect, it } from 'vitest';
import { eModel, eModelWideband, mosFromR, R_WB_MAX } from '../../src/harness/emodel.js';

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

describe('the wideband E-model (G.107.1)', () => {
  it('scores G.722 on the 129 scale and its MOS on the narrowband scale, above what G.711 can reach', () => {
    const g722 = eModelWideband({ oneWayDelayMs: 30, packetLossPercent: 0, ie: 13, bpl: 4.3 });
    expect(g722.ro).toBe(R_WB_MAX);
    expect(g722.r).toBeGreaterThan(114);
    expect(g722.r).toBeLessThan(116);
    expect(g722.mos).toBeCloseTo(mosFromR(g722.r / 1.29), 10);
    const g711 = eModel({ oneWayDelayMs: 30, packetLossPercent: 0, ie: 0, bpl: 4.3 });
    expect(g711.r).toBeLessThan(94);
    // Loss on the wideband scale: Ie,eff,WB = Ie + (129 − Ie) · Ppl / (Ppl + Bpl).
    const lossy = eModelWideband({ oneWayDelayMs: 30, packetLossPercent: 2, ie: 13, bpl: 4.3 });
    expect(lossy.ieEff).toBeCloseTo(13 + (116 * 2) / 6.3, 10);
    expect(lossy.mos).toBeLessThan(g722.mos);
  });
});
