/**
 * SIP message → bytes: the start line, each header field as `Name: value`
 * in order, an empty line, the body. Header fields are written as stored;
 * builders set Content-Length (see `build.ts`).
 *
 * @example
 * const bytes = serializeMessage(req);
 * parseMessage(bytes, { datagram: true }).message; // equal to req
 */
import type { SipMessage } from './message.js';

export function serializeHead(msg: SipMessage): string {
  let s = msg.startLine() + '\r\n';
  for (const h of msg.headers) s += `${h.name}: ${h.value}\r\n`;
  return s + '\r\n';
}

export function serializeMessage(msg: SipMessage): Buffer {
  const head = serializeHead(msg);
  if (msg.body.length === 0) return Buffer.from(head, 'utf8');
  const headLen = Buffer.byteLength(head, 'utf8');
  const out = Buffer.allocUnsafe(headLen + msg.body.length);
  out.write(head, 0, 'utf8');
  out.set(msg.body, headLen);
  return out;
}
