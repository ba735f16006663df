/**
 * The framing of an Opus packet (RFC 6716 §3): the TOC byte, the frame
 * count and the frame lengths, checked against the rules of §3.4 — enough
 * to know how much audio a packet holds before decoding it, and to refuse
 * a malformed one with the rule it breaks.
 *
 * ```
 *  0 1 2 3 4 5 6 7
 * +-+-+-+-+-+-+-+-+
 * | config  |s| c |      (RFC 6716 Figure 1: the TOC byte)
 * +-+-+-+-+-+-+-+-+
 * ```
 */

/** The facts of one packet; durations in samples at 48 kHz. */
export interface OpusPacketInfo {
  /** 0–31 (RFC 6716 Table 2). */
  readonly config: number;
  readonly mode: 'silk' | 'hybrid' | 'celt';
  readonly bandwidth: 'nb' | 'mb' | 'wb' | 'swb' | 'fb';
  readonly stereo: boolean;
  readonly frames: number;
  /** Samples per frame at 48 kHz (120 for 2.5 ms … 2880 for 60 ms). */
  readonly frameSamples: number;
  /** `frames × frameSamples`. */
  readonly samples: number;
}

/** The outcome of `parseOpusPacket`: the packet's facts, or the rule it breaks. */
export type OpusPacketResult =
  | { readonly ok: true; readonly info: OpusPacketInfo }
  | { readonly ok: false; readonly problem: string };

// RFC 6716 Table 2, by config: frame size (48 kHz samples) and bandwidth.
const FRAME_SAMPLES = [
  480, 960, 1920, 2880, 480, 960, 1920, 2880, 480, 960, 1920, 2880, 480, 960, 480, 960, 120, 240, 480, 960, 120, 240,
  480, 960, 120, 240, 480, 960, 120, 240, 480, 960,
];
type Bandwidth = OpusPacketInfo['bandwidth'];
const four = (b: Bandwidth): Bandwidth[] => [b, b, b, b];
// SILK NB, MB, WB; hybrid SWB, FB (two configs each); CELT NB, WB, SWB, FB.
const BANDWIDTH: readonly Bandwidth[] = [
  ...four('nb'),
  ...four('mb'),
  ...four('wb'),
  ...['swb', 'swb', 'fb', 'fb'],
  ...four('nb'),
  ...four('wb'),
  ...four('swb'),
  ...four('fb'),
] as Bandwidth[];

/** The longest a frame may be, in bytes (RFC 6716 3.4 R2). */
const MAX_FRAME_BYTES = 1275;
/** 120 ms at 48 kHz (RFC 6716 3.4 R5). */
const MAX_PACKET_SAMPLES = 5760;

/**
 * A frame length coded in one or two bytes at `at` (RFC 6716 3.2.1), with the bytes it took; undefined past the end.
 */
function frameLength(p: Uint8Array, at: number): { length: number; bytes: number } | undefined {
  if (at >= p.length) return undefined;
  const b0 = p[at]!;
  if (b0 < 252) return { length: b0, bytes: 1 };
  if (at + 1 >= p.length) return undefined;
  return { length: 4 * p[at + 1]! + b0, bytes: 2 };
}

/**
 * Read the framing of an Opus packet.
 *
 * @example
 * parseOpusPacket(Uint8Array.of(0x78, 1, 2, 3)) // { ok: true, info: { config: 15, frames: 1, samples: 960, … } }
 */
export function parseOpusPacket(p: Uint8Array): OpusPacketResult {
  // RFC 6716 3.4 R1: "Packets are at least one byte."
  if (p.length < 1) return { ok: false, problem: 'an empty packet (R1: packets are at least one byte)' };
  const toc = p[0]!;
  const config = toc >> 3;
  const frameSamples = FRAME_SAMPLES[config]!;
  const info = (frames: number): OpusPacketResult => ({
    ok: true,
    info: {
      config,
      mode: config < 12 ? 'silk' : config < 16 ? 'hybrid' : 'celt',
      bandwidth: BANDWIDTH[config]!,
      stereo: (toc & 4) !== 0,
      frames,
      frameSamples,
      samples: frames * frameSamples,
    },
  });
  const tooLong = (n: number) => ({ ok: false as const, problem: `a ${n}-byte frame (R2: at most 1275 bytes)` });
  const body = p.length - 1;
  switch (toc & 3) {
    case 0:
      // 3.2.2 Code 0: one frame in the packet.
      return body > MAX_FRAME_BYTES ? tooLong(body) : info(1);
    case 1:
      // 3.2.3 Code 1: two frames of equal size; R3: "the number of payload bytes remaining after the TOC byte MUST be
      // even".
      if (body % 2 !== 0) return { ok: false, problem: `code 1 with ${body} bytes after the TOC (R3: must be even)` };
      return body / 2 > MAX_FRAME_BYTES ? tooLong(body / 2) : info(2);
    case 2: {
      // 3.2.4 Code 2: two frames of different sizes; R4: the first frame's length fits in the packet.
      const n1 = frameLength(p, 1);
      if (!n1 || n1.length > body - n1.bytes)
        return { ok: false, problem: 'code 2 whose first frame runs past the end (R4)' };
      if (n1.length > MAX_FRAME_BYTES) return tooLong(n1.length);
      const n2 = body - n1.bytes - n1.length;
      return n2 > MAX_FRAME_BYTES ? tooLong(n2) : info(2);
    }
    default: {
      // 3.2.5 Code 3: a signalled number of frames, CBR or VBR, with optional padding.
      if (p.length < 2) return { ok: false, problem: 'code 3 without its frame count byte (R6/R7)' };
      const fc = p[1]!;
      const vbr = (fc & 0x80) !== 0;
      const padded = (fc & 0x40) !== 0;
      const m = fc & 0x3f;
      // R5: "Code 3 packets contain at least one frame, but no more than 120 ms of audio total."
      if (m === 0) return { ok: false, problem: 'code 3 with 0 frames (R5)' };
      if (m * frameSamples > MAX_PACKET_SAMPLES)
        return { ok: false, problem: `code 3 with ${m} frames of ${frameSamples / 48} ms (R5: at most 120 ms)` };
      let at = 2;
      let padding = 0;
      if (padded) {
        // Padding length: bytes of 255 add 254 each, the first other byte ends the count.
        for (;;) {
          if (at >= p.length) return { ok: false, problem: 'code 3 whose padding length runs past the end (R6/R7)' };
          const b = p[at++]!;
          padding += b === 255 ? 254 : b;
          if (b !== 255) break;
        }
      }
      let left = p.length - at - padding;
      if (left < 0) return { ok: false, problem: 'code 3 with more padding than packet (R6/R7)' };
      if (!vbr) {
        // R6: CBR: the remaining bytes are M frames of equal size.
        if (left % m !== 0) return { ok: false, problem: `code 3 CBR: ${left} bytes are not ${m} equal frames (R6)` };
        return left / m > MAX_FRAME_BYTES ? tooLong(left / m) : info(m);
      }
      // R7: VBR: M−1 coded lengths, the last frame takes what is left; all fit.
      for (let i = 0; i < m - 1; i++) {
        const n = frameLength(p, at);
        if (!n) return { ok: false, problem: 'code 3 VBR whose frame lengths run past the end (R7)' };
        at += n.bytes;
        left -= n.bytes + n.length;
        if (n.length > MAX_FRAME_BYTES) return tooLong(n.length);
        if (left < 0) return { ok: false, problem: 'code 3 VBR whose frames run past the end (R7)' };
      }
      return left > MAX_FRAME_BYTES ? tooLong(left) : info(m);
    }
  }
}
