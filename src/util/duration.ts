/** Durations written by people: `500ms`, `1.5s`, `2m`, `1h`, or a bare number in a given unit. */

const DURATION_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Milliseconds of a duration, or undefined when `text` is not one.
 *
 * @example
 * parseDuration('1.5s', 'ms'); // 1500
 * parseDuration('20', 's');    // 20000
 */
export function parseDuration(text: string, unit: 'ms' | 's'): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(text);
  if (!m) return undefined;
  const factor = DURATION_UNITS[m[2] ?? unit]!;
  return Math.round(Number(m[1]) * factor);
}
