/**
 * The Ogg container (RFC 3533), pure: pages written around packets and
 * packets read back out of pages, for one logical stream (what an Ogg Opus
 * file of RFC 7845 is).
 *
 * A page: "OggS", version 0, flags (0x01 continues a packet, 0x02 first
 * page, 0x04 last page), a 64-bit granule position (the stream position at
 * the end of the last packet that ends on the page, −1 when none does), the
 * stream's serial number, the page's sequence number, a CRC-32 of the page
 * (polynomial 0x04C11DB7, not reflected, initial value 0, computed with the
 * CRC field zeroed), then a segment table of up to 255 lacing values and the
 * body. A packet is a run of 255-byte segments ended by one shorter than 255.
 */
import { MalformedAudioFileError, UnsupportedAudioEncodingError } from './errors.js';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let b = 0; b < 8; b++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    t[i] = r >>> 0;
  }
  return t;
})();

/** Ogg's CRC-32 of `bytes` (the page with its CRC field zeroed). */
export function oggCrc(bytes: Uint8Array): number {
  let crc = 0;
  for (let i = 0; i < bytes.length; i++) crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ bytes[i]!) & 0xff]!) >>> 0;
  return crc;
}

const FLAG_CONTINUED = 0x01;
const FLAG_FIRST = 0x02;
const FLAG_LAST = 0x04;
const HEADER = 27;

/**
 * Writes one logical stream's pages. Packets go in with the granule
 * position at their end; a page is closed by `flush()`, when its segment
 * table is full, and by `end()`, which marks the last page.
 *
 * @example
 * const ogg = new OggWriter(serial);
 * ogg.packet(head, 0n); ogg.flush();
 * ogg.packet(audio, 960n);
 * const file = ogg.end();
 */
export class OggWriter {
  private readonly pages: Uint8Array[] = [];
  private lacing: number[] = [];
  private body: Uint8Array[] = [];
  private granule = -1n;
  private continued = false;
  private sequence = 0;

  constructor(private readonly serial: number) {}

  /** Add a packet ending at stream position `granule`. */
  packet(data: Uint8Array, granule: bigint): void {
    let at = 0;
    for (;;) {
      if (this.lacing.length === 255) {
        this.emit(false);
        this.continued = true;
      }
      const seg = Math.min(255, data.length - at);
      this.lacing.push(seg);
      this.body.push(data.subarray(at, at + seg));
      at += seg;
      if (seg < 255) break;
    }
    this.granule = granule;
  }

  /** Close the page being filled, if it holds anything. */
  flush(): void {
    if (this.lacing.length > 0) this.emit(false);
  }

  /** Close the last page (flagged as such) and give the whole stream. */
  end(): Uint8Array {
    this.emit(true);
    const total = this.pages.reduce((n, p) => n + p.length, 0);
    const out = new Uint8Array(total);
    let o = 0;
    for (const p of this.pages) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }

  private emit(last: boolean): void {
    const bodyLength = this.body.reduce((n, b) => n + b.length, 0);
    const page = new Uint8Array(HEADER + this.lacing.length + bodyLength);
    const v = new DataView(page.buffer);
    page.set([0x4f, 0x67, 0x67, 0x53]); // "OggS"
    page[5] = (this.continued ? FLAG_CONTINUED : 0) | (this.sequence === 0 ? FLAG_FIRST : 0) | (last ? FLAG_LAST : 0);
    v.setBigInt64(6, this.granule, true);
    v.setUint32(14, this.serial >>> 0, true);
    v.setUint32(18, this.sequence, true);
    page[26] = this.lacing.length;
    page.set(this.lacing, HEADER);
    let o = HEADER + this.lacing.length;
    for (const b of this.body) {
      page.set(b, o);
      o += b.length;
    }
    v.setUint32(22, oggCrc(page), true);
    this.pages.push(page);
    this.sequence++;
    this.lacing = [];
    this.body = [];
    this.granule = -1n;
    this.continued = false;
  }
}

/** A packet read from an Ogg stream. */
export interface OggPacket {
  readonly data: Uint8Array;
  /** The page (counting from 0) the packet ends on. */
  readonly page: number;
  /** That page's granule position when the packet is the last to end on it, else undefined. */
  readonly granule: bigint | undefined;
}

/** An Ogg stream read whole: its packets in order and the last page's granule position. */
export interface OggStream {
  readonly serial: number;
  readonly packets: OggPacket[];
  readonly pages: number;
  readonly lastGranule: bigint;
}

/**
 * Read the pages of a file holding one logical Ogg stream and reassemble
 * its packets. Every page's capture pattern, version, CRC, sequence and
 * length is checked; a damaged, cut or multiplexed file is refused with one
 * line naming the page (counting from 1) and its byte offset. `name` is
 * used in the messages.
 *
 * @example const { packets } = readOggStream(readFileSync('a.opus'), 'a.opus');
 */
export function readOggStream(bytes: Uint8Array, name: string): OggStream {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const packets: OggPacket[] = [];
  let partial: Uint8Array[] = [];
  let serial = 0;
  let lastGranule = -1n;
  let at = 0;
  let page = 0;
  let ended = false;
  const fail = (what: string) => new MalformedAudioFileError(`${name}: Ogg page ${page + 1} (byte ${at}) ${what}`);
  if (bytes.length < 4 || v.getUint32(0) !== 0x4f676753)
    throw new MalformedAudioFileError(`${name}: not an Ogg file (no "OggS" at byte 0)`);
  while (at < bytes.length) {
    if (ended) throw fail('follows the page marked last');
    if (bytes.length - at < HEADER)
      throw fail(`is cut short: the file ends ${bytes.length - at} bytes into its header`);
    if (v.getUint32(at) !== 0x4f676753) throw fail('does not start with "OggS"');
    if (bytes[at + 4] !== 0) throw fail(`has version ${bytes[at + 4]}, not 0`);
    const flags = bytes[at + 5]!;
    const granule = v.getBigInt64(at + 6, true);
    const pageSerial = v.getUint32(at + 14, true);
    const sequence = v.getUint32(at + 18, true);
    const segments = bytes[at + 26]!;
    if (bytes.length - at < HEADER + segments) throw fail('is cut short inside its segment table');
    let bodyLength = 0;
    for (let i = 0; i < segments; i++) bodyLength += bytes[at + HEADER + i]!;
    const size = HEADER + segments + bodyLength;
    if (bytes.length - at < size)
      throw fail(`is cut short: it needs ${size} bytes, the file has ${bytes.length - at} left`);
    const pageBytes = bytes.slice(at, at + size);
    const stored = v.getUint32(at + 22, true);
    pageBytes.fill(0, 22, 26);
    const crc = oggCrc(pageBytes);
    const hex = (x: number) => `0x${x.toString(16).padStart(8, '0')}`;
    if (crc !== stored) throw fail(`has CRC ${hex(stored)}, but its contents give ${hex(crc)}`);
    if (page === 0) {
      serial = pageSerial;
      if (!(flags & FLAG_FIRST)) throw fail('is the first but not flagged as the start of a stream');
    } else if (pageSerial !== serial) {
      throw new UnsupportedAudioEncodingError(
        `${name}: holds more than one Ogg stream (serials ${serial} and ${pageSerial}); shtoom reads one`,
        'multiplexed Ogg',
      );
    }
    if (sequence !== page) throw fail(`has sequence number ${sequence}, not ${page} (a page is missing)`);
    if (!!(flags & FLAG_CONTINUED) !== partial.length > 0)
      throw fail(partial.length > 0 ? 'does not continue the packet left open' : 'continues a packet that never began');
    let o = at + HEADER + segments;
    let lastEnd = -1;
    for (let i = 0; i < segments; i++) {
      const lace = bytes[at + HEADER + i]!;
      partial.push(bytes.subarray(o, o + lace));
      o += lace;
      if (lace < 255) {
        const length = partial.reduce((n, p) => n + p.length, 0);
        const data = new Uint8Array(length);
        let w = 0;
        for (const p of partial) {
          data.set(p, w);
          w += p.length;
        }
        partial = [];
        lastEnd = packets.length;
        packets.push({ data, page, granule: undefined });
      }
    }
    if (lastEnd >= 0) {
      packets[lastEnd] = { ...packets[lastEnd]!, granule };
      lastGranule = granule;
    }
    ended = (flags & FLAG_LAST) !== 0;
    at += size;
    page++;
  }
  if (!ended) throw new MalformedAudioFileError(`${name}: ends without the page marked last (cut short?)`);
  if (partial.length > 0) throw new MalformedAudioFileError(`${name}: its last page leaves a packet unfinished`);
  return { serial, packets, pages: page, lastGranule };
}
