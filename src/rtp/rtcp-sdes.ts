/**
 * RTCP source description (RFC 3550 6.5).
 *
 * ```
 * |V=2|P|    SC   |  PT=SDES=202  |             length            |
 * |                          SSRC/CSRC_1                          |
 * |   CNAME=1     |     length    | user and domain name        ...
 * |      0 (end)  | zero padding to the next 32-bit boundary      |
 * |                          SSRC/CSRC_2  ...                     |
 * ```
 */
import { RtcpParseError, RtpEncodeError } from './errors.js';
import { readU32, writeU32 } from './rtp-packet.js';
import type { SdesChunk, SdesItem, SourceDescription } from './rtcp-types.js';

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

export function parseSdes(count: number, body: Uint8Array): SourceDescription {
  const chunks: SdesChunk[] = [];
  let o = 0;
  for (let c = 0; c < count; c++) {
    if (o + 4 > body.length) throw new RtcpParseError(`RTCP SDES announces ${count} chunks but holds ${c}`);
    const ssrc = readU32(body, o);
    o += 4;
    const items: SdesItem[] = [];
    for (;;) {
      if (o >= body.length) throw new RtcpParseError(`RTCP SDES chunk for SSRC ${ssrc} is not terminated`);
      const type = body[o]!;
      if (type === 0) {
        // RFC 3550 6.5: "The list of items in each chunk MUST be terminated by
        // one or more null octets ... followed by null octets up to the next
        // 32-bit boundary."
        o = (o + 4) & ~3;
        break;
      }
      if (o + 2 > body.length) throw new RtcpParseError(`RTCP SDES item ${type} has no length`);
      const len = body[o + 1]!;
      if (o + 2 + len > body.length)
        throw new RtcpParseError(`RTCP SDES item ${type} of ${len} bytes runs past the packet`);
      items.push({ type, text: utf8Decoder.decode(body.subarray(o + 2, o + 2 + len)) });
      o += 2 + len;
    }
    chunks.push({ ssrc, items });
  }
  return { type: 'sdes', chunks };
}

function encodedItems(p: SourceDescription): Uint8Array[][] {
  return p.chunks.map((c) =>
    c.items.map((i) => {
      const text = utf8.encode(i.text);
      if (text.length > 255) throw new RtpEncodeError(`SDES item ${i.type} is ${text.length} bytes; at most 255 fit`);
      if (i.type < 1 || i.type > 255) throw new RtpEncodeError(`SDES item type ${i.type} is not in 1-255`);
      return text;
    }),
  );
}

export function sdesBodySize(p: SourceDescription): number {
  let n = 0;
  for (const texts of encodedItems(p)) {
    let chunk = 4;
    for (const t of texts) chunk += 2 + t.length;
    n += (chunk + 4) & ~3; // at least one null octet, then pad to 32 bits
  }
  return n;
}

export function writeSdesBody(p: SourceDescription, out: Uint8Array, o: number): number {
  if (p.chunks.length > 31) throw new RtpEncodeError(`an RTCP SDES carries at most 31 chunks, got ${p.chunks.length}`);
  const all = encodedItems(p);
  let at = o;
  p.chunks.forEach((c, ci) => {
    const start = at;
    writeU32(out, at, c.ssrc);
    at += 4;
    c.items.forEach((item, ii) => {
      const text = all[ci]![ii]!;
      out[at] = item.type;
      out[at + 1] = text.length;
      out.set(text, at + 2);
      at += 2 + text.length;
    });
    const end = start + ((at - start + 4) & ~3);
    out.fill(0, at, end);
    at = end;
  });
  return p.chunks.length;
}
