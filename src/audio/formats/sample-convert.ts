/**
 * Sample conversions as sox does them, so shtoom's file conversions give
 * sox's bytes. Sox works on 32-bit samples (full scale ±2^31); it rounds them
 * to 16 bits to the nearest value, ties up, saturating at the top.
 */

/**
 * A 32-bit sample to 16 bits: nearest, ties up, saturating.
 * @example s32to16(0x7fff8000) === 32767; s32to16(-32768) === 0
 */
export function s32to16(s: number): number {
  return s > 2147450879 ? 32767 : Math.floor((s + 32768) / 65536);
}

/**
 * A float sample (full scale ±1) to 32 bits: scaled by 2^31, rounded half
 * away from zero, saturating. NaN becomes 0.
 * @example floatTo32(0.5) === 1073741824
 */
export function floatTo32(d: number): number {
  const t = d * 2147483648;
  if (t < 0) return t <= -2147483648.5 ? -2147483648 : Math.trunc(t - 0.5);
  if (t >= 0) return t >= 2147483647.5 ? 2147483647 : Math.trunc(t + 0.5);
  return 0;
}

/**
 * Mix interleaved 32-bit samples of `channels` channels to one 16-bit
 * channel as sox's automatic down-mix does: the channels' mean, truncated
 * toward zero, then rounded to 16 bits.
 *
 * @example mixToMono(Int32Array.of(1 << 16, 3 << 16), 2) // Int16Array [2]
 */
export function mixToMono(samples: Int32Array, channels: number): Int16Array {
  const frames = Math.floor(samples.length / channels);
  const out = new Int16Array(frames);
  if (channels === 1) {
    for (let i = 0; i < frames; i++) out[i] = s32to16(samples[i]!);
    return out;
  }
  for (let f = 0, o = 0; f < frames; f++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += samples[o++]!;
    out[f] = s32to16(Math.trunc(sum / channels));
  }
  return out;
}
