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
 * A 32-bit sample to the 14-bit code G.711 µ-law quantises (nearest, ties
 * up, saturating), as sox rounds before µ-law encoding.
 * @example s32to14(-0x20000) === 0
 */
export function s32to14(s: number): number {
  return s > 2147352575 ? 8191 : Math.floor((s + 131072) / 262144);
}

/**
 * A 32-bit sample to the 13-bit code G.711 A-law quantises (nearest, ties
 * up, saturating), as sox rounds before A-law encoding.
 * @example s32to13(0x40000) === 1
 */
export function s32to13(s: number): number {
  return s > 2147221503 ? 4095 : Math.floor((s + 262144) / 524288);
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
 * Mix interleaved 32-bit samples of `channels` channels to one channel as
 * sox's automatic down-mix does: the channels' mean, truncated toward zero.
 * Round the result for the output (`s32to16` …) only afterwards, as sox does.
 *
 * @example mixToMono32(Int32Array.of(1 << 16, 2 << 16), 2) // Int32Array [98304]
 */
export function mixToMono32(samples: Int32Array, channels: number): Int32Array {
  if (channels === 1) return samples;
  const frames = Math.floor(samples.length / channels);
  const out = new Int32Array(frames);
  for (let f = 0, o = 0; f < frames; f++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += samples[o++]!;
    out[f] = Math.trunc(sum / channels);
  }
  return out;
}

/**
 * 32-bit samples rounded to 16 bits (`s32to16` on each).
 * @example to16(Int32Array.of(98304)) // Int16Array [2]
 */
export function to16(samples: Int32Array): Int16Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = s32to16(samples[i]!);
  return out;
}

/** 16-bit samples widened to 32 bits (exact). */
export function to32(samples: Int16Array): Int32Array {
  const out = new Int32Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = samples[i]! << 16;
  return out;
}
