/**
 * RTCP BYE (RFC 3550 6.6) and APP (6.7).
 *
 * ```
 * BYE: |V=2|P|    SC   |   PT=BYE=203  |             length            |
 *      |                           SSRC/CSRC                           |
 *      :                              ...                              :
 *      |     length    |               reason for leaving            ... (optional)
 * APP: |V=2|P| subtype |   PT=APP=204  |             length            |
 *      |                           SSRC/CSRC                           |
 *      |                          name (ASCII)                         |
 *      |                   application-dependent data                ...
 * ```
 */
import { RtcpParseError, RtpEncodeError } from './errors.js';
import { readU32, writeU32 } from './rtp-packet.js';
import type { AppPacket, Goodbye } from './rtcp-types.js';

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

export function parseBye(count: number, body: Uint8Array): Goodbye {
  if (body.length < 4 * count)
    throw new RtcpParseError(`RTCP BYE announces ${count} sources but holds ${body.length >> 2}`);
  const ssrcs: number[] = [];
  for (let i = 0; i < count; i++) ssrcs.push(readU32(body, 4 * i));
  const o = 4 * count;
  if (o < body.length) {
    const len = body[o]!;
    if (o + 1 + len > body.length) throw new RtcpParseError(`RTCP BYE reason of ${len} bytes runs past the packet`);
    return { type: 'bye', ssrcs, reason: utf8Decoder.decode(body.subarray(o + 1, o + 1 + len)) };
  }
  return { type: 'bye', ssrcs };
}

export function byeBodySize(p: Goodbye): number {
  const n = 4 * p.ssrcs.length;
  if (p.reason === undefined) return n;
  return n + ((1 + utf8.encode(p.reason).length + 3) & ~3);
}

export function writeByeBody(p: Goodbye, out: Uint8Array, o: number): number {
  if (p.ssrcs.length > 31) throw new RtpEncodeError(`an RTCP BYE carries at most 31 sources, got ${p.ssrcs.length}`);
  let at = o;
  for (const s of p.ssrcs) {
    writeU32(out, at, s);
    at += 4;
  }
  if (p.reason !== undefined) {
    const text = utf8.encode(p.reason);
    if (text.length > 255) throw new RtpEncodeError(`BYE reason is ${text.length} bytes; at most 255 fit`);
    out[at] = text.length;
    out.set(text, at + 1);
    const end = at + ((1 + text.length + 3) & ~3);
    out.fill(0, at + 1 + text.length, end);
  }
  return p.ssrcs.length;
}

export function parseApp(subtype: number, body: Uint8Array): AppPacket {
  if (body.length < 8) throw new RtcpParseError(`RTCP APP needs 12 bytes, has ${body.length + 4}`);
  return {
    type: 'app',
    subtype,
    ssrc: readU32(body, 0),
    name: String.fromCharCode(body[4]!, body[5]!, body[6]!, body[7]!),
    data: body.subarray(8),
  };
}

export function appBodySize(p: AppPacket): number {
  return 8 + p.data.length;
}

export function writeAppBody(p: AppPacket, out: Uint8Array, o: number): number {
  if (p.name.length !== 4 || !/^[\x20-\x7e]{4}$/.test(p.name))
    throw new RtpEncodeError(`APP name must be 4 ASCII characters, got ${JSON.stringify(p.name)}`);
  if (p.data.length % 4 !== 0) throw new RtpEncodeError('APP data must be whole 32-bit words');
  if (p.subtype < 0 || p.subtype > 31) throw new RtpEncodeError(`APP subtype ${p.subtype} is not in 0-31`);
  writeU32(out, o, p.ssrc);
  for (let i = 0; i < 4; i++) out[o + 4 + i] = p.name.charCodeAt(i);
  out.set(p.data, o + 8);
  return p.subtype;
}
