/**
 * The `a=fmtp` parameters of Opus (RFC 7587 §6.1 and §7): what each side
 * says about what it wants to receive (`maxplaybackrate`,
 * `maxaveragebitrate`, `stereo`, `cbr`, `useinbandfec`, `usedtx`,
 * `ptime`, `maxptime`) and about what it will send (`sprop-maxcapturerate`,
 * `sprop-stereo`). Parameters are declarative: each side describes its own
 * receiver, and the other side's encoder honours them.
 */

export interface OpusFmtp {
  /**
   * RFC 7587: "a hint about the maximum output sampling rate that the receiver is capable of rendering" (8000–48000).
   */
  readonly maxplaybackrate?: number;
  /** "a hint about the maximum input sampling rate that the sender is likely to produce" (8000–48000). */
  readonly spropMaxcapturerate?: number;
  /** "the maximum average receive bitrate of a session in bits per second" (6000–510000). */
  readonly maxaveragebitrate?: number;
  /** The receiver prefers stereo (1) or mono (0, the default). */
  readonly stereo?: boolean;
  /** The sender is likely to send stereo. */
  readonly spropStereo?: boolean;
  /** The receiver wants constant bit rate. */
  readonly cbr?: boolean;
  /** The receiver can use in-band FEC, and wants it. */
  readonly useinbandfec?: boolean;
  /** The receiver wants discontinuous transmission (DTX). */
  readonly usedtx?: boolean;
  readonly ptime?: number;
  readonly maxptime?: number;
}

const RATE = (v: number) => v >= 8000 && v <= 48000;
const FLAG = (v: number) => v === 0 || v === 1;

/**
 * Read Opus fmtp parameters. RFC 7587 7: names are case-insensitive here,
 * separated by `;` with optional spaces; an unknown parameter or a value
 * out of range is ignored (it takes its default), as a receiver of an SDP
 * it cannot fully use should.
 *
 * @example parseOpusFmtp('maxplaybackrate=16000; useinbandfec=1') // { maxplaybackrate: 16000, useinbandfec: true }
 */
export function parseOpusFmtp(text: string | undefined): OpusFmtp {
  const out: { -readonly [K in keyof OpusFmtp]: OpusFmtp[K] } = {};
  if (text === undefined) return out;
  for (const part of text.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim().toLowerCase();
    const raw = part.slice(eq + 1).trim();
    if (!/^\d+$/.test(raw)) continue;
    const v = Number(raw);
    switch (name) {
      case 'maxplaybackrate':
        if (RATE(v)) out.maxplaybackrate = v;
        break;
      case 'sprop-maxcapturerate':
        if (RATE(v)) out.spropMaxcapturerate = v;
        break;
      case 'maxaveragebitrate':
        if (v >= 6000 && v <= 510000) out.maxaveragebitrate = v;
        break;
      case 'stereo':
        if (FLAG(v)) out.stereo = v === 1;
        break;
      case 'sprop-stereo':
        if (FLAG(v)) out.spropStereo = v === 1;
        break;
      case 'cbr':
        if (FLAG(v)) out.cbr = v === 1;
        break;
      case 'useinbandfec':
        if (FLAG(v)) out.useinbandfec = v === 1;
        break;
      case 'usedtx':
        if (FLAG(v)) out.usedtx = v === 1;
        break;
      case 'ptime':
        if (v >= 3 && v <= 120) out.ptime = v;
        break;
      case 'maxptime':
        if (v >= 3 && v <= 120) out.maxptime = v;
        break;
    }
  }
  return out;
}

/**
 * Write Opus fmtp parameters in RFC 7587's order and style (`name=value`
 * joined by `; `); absent ones are left out.
 *
 * @example formatOpusFmtp({ maxplaybackrate: 16000, useinbandfec: true }) // 'maxplaybackrate=16000; useinbandfec=1'
 */
export function formatOpusFmtp(f: OpusFmtp): string {
  const flag = (b: boolean) => (b ? '1' : '0');
  const parts: string[] = [];
  if (f.maxplaybackrate !== undefined) parts.push(`maxplaybackrate=${f.maxplaybackrate}`);
  if (f.spropMaxcapturerate !== undefined) parts.push(`sprop-maxcapturerate=${f.spropMaxcapturerate}`);
  if (f.maxaveragebitrate !== undefined) parts.push(`maxaveragebitrate=${f.maxaveragebitrate}`);
  if (f.stereo !== undefined) parts.push(`stereo=${flag(f.stereo)}`);
  if (f.spropStereo !== undefined) parts.push(`sprop-stereo=${flag(f.spropStereo)}`);
  if (f.cbr !== undefined) parts.push(`cbr=${flag(f.cbr)}`);
  if (f.useinbandfec !== undefined) parts.push(`useinbandfec=${flag(f.useinbandfec)}`);
  if (f.usedtx !== undefined) parts.push(`usedtx=${flag(f.usedtx)}`);
  if (f.ptime !== undefined) parts.push(`ptime=${f.ptime}`);
  if (f.maxptime !== undefined) parts.push(`maxptime=${f.maxptime}`);
  return parts.join('; ');
}
