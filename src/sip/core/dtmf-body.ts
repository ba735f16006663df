/**
 * DTMF carried in SIP INFO bodies: `application/dtmf-relay` (Signal= and
 * Duration= lines, the de-facto format of Cisco and most PBXs) and
 * `application/dtmf` (the bare digit). RFC 6086 defines the INFO framework.
 *
 * @example
 * parseDtmfBody('application/dtmf-relay', 'Signal=5\r\nDuration=160\r\n'); // { digits: '5', durationMs: 160 }
 */
export interface DtmfInfo {
  readonly digits: string;
  readonly durationMs?: number;
}

const DIGIT = /^[0-9*#A-Da-d]$/;
/** Some senders write events as numbers: 10 is *, 11 is #, 12-15 are A-D (RFC 4733 numbering). */
const EVENT_NAMES = '0123456789*#ABCD';

function digitOf(s: string): string | undefined {
  const t = s.trim();
  if (DIGIT.test(t)) return t.toUpperCase();
  if (/^\d{1,2}$/.test(t) && Number(t) < 16) return EVENT_NAMES[Number(t)];
  return undefined;
}

/** Digits from an INFO body, or undefined when the body is not DTMF. */
export function parseDtmfBody(contentType: string | undefined, text: string): DtmfInfo | undefined {
  const ct = contentType?.toLowerCase();
  if (ct === 'application/dtmf') {
    const d = digitOf(text);
    return d === undefined ? undefined : { digits: d };
  }
  if (ct === 'application/dtmf-relay') {
    let digits: string | undefined;
    let durationMs: number | undefined;
    for (const line of text.split(/\r?\n/)) {
      const m = /^\s*([A-Za-z-]+)\s*=\s*(.*?)\s*$/.exec(line);
      if (!m) continue;
      if (m[1]!.toLowerCase() === 'signal') digits = digitOf(m[2]!);
      else if (m[1]!.toLowerCase() === 'duration' && /^\d+$/.test(m[2]!)) durationMs = Number(m[2]);
    }
    if (digits === undefined) return undefined;
    return durationMs === undefined ? { digits } : { digits, durationMs };
  }
  return undefined;
}

/** An `application/dtmf-relay` body for one digit. */
export function dtmfRelayBody(digit: string, durationMs = 160): string {
  if (!DIGIT.test(digit)) throw new RangeError(`not a DTMF digit: ${JSON.stringify(digit)}`);
  return `Signal=${digit.toUpperCase()}\r\nDuration=${durationMs}\r\n`;
}
