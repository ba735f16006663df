/**
 * RFC 4733 telephone-event payload (2.3) and the DTMF event codes (3.2).
 *
 * ```
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     event     |E|R| volume    |          duration             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ```
 */
import { DtmfDigitError, RtpEncodeError, TelephoneEventParseError } from './errors.js';

export interface TelephoneEvent {
  /** 0-255; 0-15 are DTMF digits, 16 is flash (RFC 4733 3.2). */
  readonly event: number;
  /** E bit: this packet reports the end of the event. */
  readonly end: boolean;
  /** Power level of the tone in -dBm0 (0-63: 0 loudest). */
  readonly volume: number;
  /** Duration so far, in timestamp units (0-65535). */
  readonly duration: number;
}

export const TELEPHONE_EVENT_SIZE = 4;

/**
 * Decode a telephone-event payload (the first event block; RFC 4733 carries
 * more than one only through RFC 2198 redundancy).
 *
 * @throws TelephoneEventParseError when shorter than 4 bytes.
 * @example
 * const ev = parseTelephoneEvent(packet.payload); // { event: 1, end: false, volume: 10, duration: 480 }
 */
export function parseTelephoneEvent(payload: Uint8Array): TelephoneEvent {
  if (payload.length < TELEPHONE_EVENT_SIZE)
    throw new TelephoneEventParseError(
      `telephone-event payload of ${payload.length} bytes; needs ${TELEPHONE_EVENT_SIZE}`,
    );
  const b1 = payload[1]!;
  return { event: payload[0]!, end: (b1 & 0x80) !== 0, volume: b1 & 0x3f, duration: (payload[2]! << 8) | payload[3]! };
}

/**
 * Encode a telephone-event payload. The R bit is always sent as zero
 * (RFC 4733 2.3: "This field is reserved for future use. The sender MUST set
 * it to zero").
 */
export function serializeTelephoneEvent(e: TelephoneEvent): Uint8Array {
  if (e.event < 0 || e.event > 255 || !Number.isInteger(e.event))
    throw new RtpEncodeError(`event ${e.event} is not in 0-255`);
  if (e.volume < 0 || e.volume > 63 || !Number.isInteger(e.volume))
    throw new RtpEncodeError(`volume ${e.volume} is not in 0-63`);
  if (e.duration < 0 || e.duration > 0xffff || !Number.isInteger(e.duration))
    throw new RtpEncodeError(`duration ${e.duration} is not in 0-65535`);
  return Uint8Array.of(e.event, (e.end ? 0x80 : 0) | e.volume, e.duration >> 8, e.duration & 0xff);
}

const DIGITS = '0123456789*#ABCD';
/** RFC 4733 3.2: event 16 is "Flash". */
export const FLASH_EVENT = 16;

/** The event code of one DTMF character: 0-9 * # A-D (any case), and F or ! for flash. */
export function eventOfDigit(ch: string): number {
  const u = ch.toUpperCase();
  const i = DIGITS.indexOf(u);
  if (u.length === 1 && i >= 0) return i;
  if (u === 'F' || u === '!') return FLASH_EVENT;
  throw new DtmfDigitError(`"${ch}" is not a DTMF digit (allowed: 0-9 * # A-D, and F or ! for flash)`);
}

/** The character of an event code: 0-9 * # A-D, F for flash, `?` for other events. */
export function digitOfEvent(event: number): string {
  if (event >= 0 && event < 16) return DIGITS[event]!;
  if (event === FLASH_EVENT) return 'F';
  return '?';
}
