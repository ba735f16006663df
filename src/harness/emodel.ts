/**
 * The ITU-T G.107 E-model: the transmission rating factor R of a call from
 * its delay, loss and codec, and the estimated MOS from R (G.107 Annex B).
 *
 * R = Ro − Is − Id − Ie,eff + A. All terms follow G.107 section 7 with the
 * default values of its table 3 unless the caller gives others; the smoke
 * test supplies the measured mouth-to-ear delay, the packet loss and the
 * codec's Ie and Bpl (ITU-T G.113 Appendix I).
 */

export interface EModelInput {
  /** Absolute one-way delay Ta in ms (mouth to ear). */
  readonly oneWayDelayMs: number;
  /** Packet loss probability Ppl in percent (0–100). */
  readonly packetLossPercent: number;
  /** Equipment impairment factor of the codec (G.113): G.711 0, GSM-FR 20. */
  readonly ie: number;
  /** Packet-loss robustness factor of the codec (G.113). */
  readonly bpl: number;
  /** Burst ratio (1 for random loss, > 1 for bursty loss). */
  readonly burstR?: number;
  /** Advantage factor A (0 for wired access). */
  readonly advantage?: number;
  /** Talker echo loudness rating in dB (default 65). */
  readonly telr?: number;
  /** Weighted echo path loss in dB (default 110). */
  readonly wepl?: number;
  /** Mean one-way delay of the echo path T in ms (default: the one-way delay). */
  readonly echoPathDelayMs?: number;
  /** Round-trip delay of the 4-wire loop Tr in ms (default: twice the one-way delay). */
  readonly roundTripDelayMs?: number;
}

export interface EModelResult {
  readonly r: number;
  readonly mos: number;
  readonly ro: number;
  readonly is: number;
  readonly id: number;
  readonly ieEff: number;
}

// G.107 table 3 default values.
const SLR = 8;
const RLR = 2;
const STMR = 15;
const LSTR = 18;
const DS = 3;
const NC = -70;
const NFOR = -64;
const PS = 35;
const PR = 35;
const QDU = 1;

const log10 = Math.log10;
const db = (x: number) => 10 ** (x / 10);

export function eModel(input: EModelInput): EModelResult {
  const ta = Math.max(0, input.oneWayDelayMs);
  const t = input.echoPathDelayMs ?? ta;
  const tr = input.roundTripDelayMs ?? 2 * ta;
  const telr = input.telr ?? 65;
  const wepl = input.wepl ?? 110;

  // 7.2 Basic signal-to-noise ratio.
  const olr = SLR + RLR;
  const nos = PS - SLR - DS - 100 + 0.004 * (PS - olr - DS - 14) ** 2;
  const pre = PR + 10 * log10(1 + db(10 - LSTR));
  const nor = RLR - 121 + pre + 0.008 * (pre - 35) ** 2;
  const nfo = NFOR + RLR;
  const no = 10 * log10(db(NC) + db(nos) + db(nor) + db(nfo));
  const ro = 15 - 1.5 * (SLR + no);

  // 7.3 Simultaneous impairment factor.
  const xolr = olr + 0.2 * (64 + no - RLR);
  const iolr = 20 * ((1 + (xolr / 8) ** 8) ** (1 / 8) - xolr / 8);
  const stmro = -10 * log10(db(-STMR) + Math.exp(-t / 4) * db(-telr));
  const ist =
    12 * (1 + ((stmro - 13) / 6) ** 8) ** (1 / 8) -
    28 * (1 + ((stmro + 1) / 19.4) ** 35) ** (1 / 35) -
    13 * (1 + ((stmro - 3) / 33) ** 13) ** (1 / 13) +
    29;
  const q = 37 - 15 * log10(QDU);
  const g = 1.07 + 0.258 * q + 0.0602 * q * q;
  const y = (ro - 100) / 15 + 46 / 8.4 - g / 9;
  const z = 46 / 30 - g / 40;
  const iq = 15 * log10(1 + 10 ** y + 10 ** z);
  const is = iolr + ist + iq;

  // 7.4 Delay impairment factor: talker echo, listener echo, absolute delay.
  const terv = telr - 40 * log10((1 + t / 10) / (1 + t / 150)) + 6 * Math.exp(-0.3 * t * t);
  const roe = -1.5 * (no - RLR);
  const re = 80 + 2.5 * (terv - 14);
  const idte = ((roe - re) / 2 + Math.sqrt((roe - re) ** 2 / 4 + 100) - 1) * (1 - Math.exp(-t));
  const rle = 10.5 * (wepl + 7) * (tr + 1) ** -0.25;
  const idle = (ro - rle) / 2 + Math.sqrt((ro - rle) ** 2 / 4 + 169);
  let idd = 0;
  if (ta > 100) {
    const x = log10(ta / 100) / log10(2);
    idd = 25 * ((1 + x ** 6) ** (1 / 6) - 3 * (1 + (x / 3) ** 6) ** (1 / 6) + 2);
  }
  const id = idte + idle + idd;

  // 7.5 Effective equipment impairment factor with packet loss.
  const ppl = Math.min(100, Math.max(0, input.packetLossPercent));
  const burstR = input.burstR ?? 1;
  const ieEff = input.ie + (95 - input.ie) * (ppl / (ppl / burstR + input.bpl));

  const r = ro - is - id - ieEff + (input.advantage ?? 0);
  return { r, mos: mosFromR(r), ro, is, id, ieEff };
}

/** G.107 Annex B: estimated conversational MOS (1–4.5) from R. */
export function mosFromR(r: number): number {
  if (r <= 0) return 1;
  if (r >= 100) return 4.5;
  return 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6;
}

/** The wideband scale's ceiling (ITU-T G.107.1): R 100 on the narrowband scale is 129 here. */
export const R_WB_MAX = 129;

/**
 * The wideband E-model (ITU-T G.107.1) for calls whose codec carries
 * 50–7000 Hz (G.722): R_WB = Ro,WB − Is,WB − Id,WB − Ie,eff,WB + A with
 * Ro,WB = 129, Is,WB = 0 (G.107.1 sets it to zero for the time being),
 * Ie,eff,WB = Ie,WB + (129 − Ie,WB) · Ppl / (Ppl / BurstR + Bpl) from the
 * codec's Ie,WB (G.113 Appendix IV). The delay impairment Id,WB is G.107's
 * (the same delays, defaults and formulas) carried to the wideband scale by
 * 1.29 — shtoom's simplification of G.107.1's echo terms, which hardly
 * matter at the short delays of a smoke call (Id < 1 below 100 ms one way).
 * The MOS is G.107's Annex B mapping of R_WB / 1.29, so narrowband and
 * wideband calls are told on one MOS scale (a wideband call can score
 * where a narrowband one cannot).
 *
 * @example
 * eModelWideband({ oneWayDelayMs: 30, packetLossPercent: 0, ie: 13, bpl: 4.3 }).r // ≈ 115.6
 */
export function eModelWideband(input: EModelInput): EModelResult {
  const nb = eModel({ ...input, ie: 0, packetLossPercent: 0 });
  const id = nb.id * (R_WB_MAX / 100);
  const ppl = Math.min(100, Math.max(0, input.packetLossPercent));
  const burstR = input.burstR ?? 1;
  const ieEff = input.ie + (R_WB_MAX - input.ie) * (ppl / (ppl / burstR + input.bpl));
  const r = R_WB_MAX - 0 - id - ieEff + (input.advantage ?? 0);
  return { r, mos: mosFromR(r / (R_WB_MAX / 100)), ro: R_WB_MAX, is: 0, id, ieEff };
}
