/**
 * `message/sipfrag` (RFC 3420) as REFER's NOTIFYs carry it (RFC 3515 2.4.5):
 * the status line of the response the referred request got, at least.
 *
 * @example
 * sipfragBody(180, 'Ringing')              // 'SIP/2.0 180 Ringing\r\n'
 * parseSipfragStatus('SIP/2.0 200 OK\r\n') // { status: 200, reason: 'OK' }
 */
import { reasonPhrase } from './build.js';

/** The body of a NOTIFY reporting `status` (a status line, RFC 3515 2.4.5). */
export function sipfragBody(status: number, reason = reasonPhrase(status)): string {
  return `SIP/2.0 ${status} ${reason.replace(/[\r\n]/g, ' ')}\r\n`;
}

/**
 * The status line a sipfrag starts with; undefined when it starts with
 * none (a request line, garbage): RFC 3515 2.4.5 wants "at least" the
 * status line, so anything else says nothing about the referred request.
 */
export function parseSipfragStatus(text: string): { status: number; reason: string } | undefined {
  const line = text.replace(/^\s+/, '').split(/\r?\n/, 1)[0] ?? '';
  const m = /^SIP\/2\.0 ([1-6]\d\d)(?: (.*))?$/i.exec(line.trimEnd());
  if (!m) return undefined;
  return { status: Number(m[1]), reason: (m[2] ?? '').trim() };
}
