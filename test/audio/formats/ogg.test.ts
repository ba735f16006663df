import { describe, expect, it } from 'vitest';
import { MalformedAudioFileError, UnsupportedAudioEncodingError } from '../../../src/audio/formats/errors.js';
import { OggWriter, oggCrc, readOggStream } from '../../../src/audio/formats/ogg.js';

/** RFC 3533's CRC written out bit by bit (MSB first, polynomial 0x04C11DB7, initial 0), independent of the table. */
function bitwiseCrc(bytes: Uint8Array): number {
  let crc = 0;
  for (const b of bytes) {
    for (let bit = 7; bit >= 0; bit--) {
      const top = ((crc >>> 31) ^ (b >> bit)) & 1;
      crc = ((crc << 1) ^ (top ? 0x04c11db7 : 0)) >>> 0;
    }
  }
  return crc;
}

function bytesOf(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    b[i] = s >>> 24;
  }
  return b;
}

/** The byte offsets of each page of a stream. */
function pageOffsets(file: Uint8Array): number[] {
  const at: number[] = [];
  for (let o = 0; o < file.length; ) {
    at.push(o);
    const segs = file[o + 26]!;
    let body = 0;
    for (let i = 0; i < segs; i++) body += file[o + 27 + i]!;
    o += 27 + segs + body;
  }
  return at;
}

/** Recompute the CRC of the page at `at` after editing it. */
function reseal(file: Uint8Array, at: number): void {
  const segs = file[at + 26]!;
  let body = 0;
  for (let i = 0; i < segs; i++) body += file[at + 27 + i]!;
  const page = file.slice(at, at + 27 + segs + body);
  page.fill(0, 22, 26);
  new DataView(file.buffer, file.byteOffset).setUint32(at + 22, oggCrc(page), true);
}

function threePackets(): Uint8Array {
  const w = new OggWriter(0x1234abcd);
  w.packet(bytesOf(19, 1), 0n);
  w.flush();
  w.packet(bytesOf(300, 2), 960n);
  w.packet(bytesOf(40, 3), 1920n);
  return w.end();
}

describe('Ogg pages (RFC 3533)', () => {
  it('computes the CRC of RFC 3533 (the table agrees with the bitwise definition)', () => {
    for (const n of [0, 1, 27, 255, 4096]) expect(oggCrc(bytesOf(n, n + 7))).toBe(bitwiseCrc(bytesOf(n, n + 7)));
    expect(oggCrc(new Uint8Array(0))).toBe(0);
  });

  it('writes pages and reads the packets back with their granule positions', () => {
    const file = threePackets();
    const s = readOggStream(file, 'a.ogg');
    expect(s.serial).toBe(0x1234abcd);
    expect(s.pages).toBe(2);
    expect(s.packets.map((p) => [p.data.length, p.page, p.granule])).toEqual([
      [19, 0, 0n],
      [300, 1, undefined],
      [40, 1, 1920n],
    ]);
    expect(s.packets[1]!.data).toEqual(bytesOf(300, 2));
    expect(s.lastGranule).toBe(1920n);
    const pages = pageOffsets(file);
    expect(file[pages[0]! + 5]).toBe(0x02); // first page
    expect(file[pages[1]! + 5]).toBe(0x04); // last page
  });

  it('splits a packet longer than a page over continued pages, granule −1 where none ends', () => {
    const big = bytesOf(255 * 255 + 1000, 9);
    const w = new OggWriter(7);
    w.packet(big, 4800n);
    const file = w.end();
    const pages = pageOffsets(file);
    expect(pages).toHaveLength(2);
    expect(file[pages[1]! + 5]! & 1).toBe(1);
    expect(new DataView(file.buffer).getBigInt64(pages[0]! + 6, true)).toBe(-1n);
    const s = readOggStream(file, 'big.ogg');
    expect(s.packets).toHaveLength(1);
    expect(Buffer.compare(s.packets[0]!.data, big)).toBe(0);
    expect(s.packets[0]!.granule).toBe(4800n);
  });

  it('ends a packet of a multiple of 255 bytes with a zero lacing value', () => {
    const w = new OggWriter(1);
    w.packet(bytesOf(510, 4), 10n);
    const file = w.end();
    expect(file[26]).toBe(3);
    expect([...file.subarray(27, 30)]).toEqual([255, 255, 0]);
    expect(readOggStream(file, 'x').packets[0]!.data).toHaveLength(510);
  });

  const damaged: [string, (f: Uint8Array) => Uint8Array, RegExp][] = [
    [
      'a corrupt CRC',
      (f) => {
        f[pageOffsets(f)[1]! + 40]! ^= 0x10;
        return f;
      },
      /x\.ogg: Ogg page 2 \(byte \d+\) has CRC 0x[0-9a-f]{8}, but its contents give 0x[0-9a-f]{8}/,
    ],
    ['a cut page', (f) => f.subarray(0, f.length - 10), /Ogg page 2 \(byte \d+\) is cut short: it needs \d+ bytes/],
    ['a cut header', (f) => f.subarray(0, pageOffsets(f)[1]! + 10), /page 2 .* is cut short: the file ends 10 bytes/],
    ['no last page', (f) => f.subarray(0, pageOffsets(f)[1]!), /ends without the page marked last/],
    ['not Ogg at all', () => new TextEncoder().encode('RIFF....WAVE'), /not an Ogg file/],
    [
      'a missing page',
      (f) => {
        const at = pageOffsets(f)[1]!;
        f[at + 18] = 5;
        reseal(f, at);
        return f;
      },
      /page 2 .* has sequence number 5, not 1 \(a page is missing\)/,
    ],
    [
      'a page version',
      (f) => {
        f[4] = 1;
        reseal(f, 0);
        return f;
      },
      /page 1 \(byte 0\) has version 1, not 0/,
    ],
  ];

  it.each(damaged)('refuses %s with one line naming the page', (_what, damage, message) => {
    const run = () => readOggStream(damage(threePackets().slice()), 'x.ogg');
    expect(run).toThrow(MalformedAudioFileError);
    expect(run).toThrow(message);
  });

  it('refuses a second logical stream', () => {
    const f = threePackets().slice();
    const at = pageOffsets(f)[1]!;
    f[at + 14]! ^= 1;
    reseal(f, at);
    expect(() => readOggStream(f, 'x.ogg')).toThrow(UnsupportedAudioEncodingError);
  });

  it('never throws anything but its own errors on damaged files (fuzz)', () => {
    const good = threePackets();
    let seed = 1;
    for (let i = 0; i < 500; i++) {
      const f = good.slice(0, 1 + ((i * 7919) % good.length));
      seed = (seed * 1103515245 + 12345) >>> 0;
      f[seed % f.length] = seed >>> 24;
      try {
        readOggStream(f, 'fuzz.ogg');
      } catch (err) {
        expect(err instanceof MalformedAudioFileError || err instanceof UnsupportedAudioEncodingError).toBe(true);
      }
    }
  });
});
