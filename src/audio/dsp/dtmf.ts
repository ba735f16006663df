/**
 * The DTMF keypad (ITU-T Q.23): four low-group and four high-group
 * frequencies; each key sends one of each at once.
 */
export const DTMF_LOW = [697, 770, 852, 941] as const;
export const DTMF_HIGH = [1209, 1336, 1477, 1633] as const;

/** Keys by row (low frequency) then column (high frequency). */
export const DTMF_KEYS = ['123A', '456B', '789C', '*0#D'] as const;

export type DtmfDigit = '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9' | '*' | '#' | 'A' | 'B' | 'C' | 'D';

/** Whether a character is a DTMF key (case-sensitive; letters A-D upper case). */
export function isDtmfDigit(c: string): c is DtmfDigit {
  return c.length === 1 && '0123456789*#ABCD'.includes(c);
}

/** The low- and high-group frequencies of a key. */
export function dtmfFrequencies(digit: DtmfDigit): [number, number] {
  for (let r = 0; r < 4; r++) {
    const c = DTMF_KEYS[r]!.indexOf(digit);
    if (c >= 0) return [DTMF_LOW[r]!, DTMF_HIGH[c]!];
  }
  // Unreachable for a DtmfDigit; kept so the types stay honest.
  throw new RangeError(`not a DTMF key: ${digit}`);
}
