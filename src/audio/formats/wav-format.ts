/**
 * The WAVE file format (RIFF), pure: reading the header and chunk list,
 * turning the sample data into 16-bit PCM, and building headers. No file I/O
 * here (see `wav.ts`).
 *
 * Layout of a RIFF WAVE file (little-endian throughout):
 *
 * ```
 *  0  "RIFF"  u32 size-8  "WAVE"
 * 12  chunk*: 4-byte id, u32 length, payload, one pad byte when length is odd
 *     "fmt " u16 formatTag, u16 channels, u32 sampleRate, u32 byteRate,
 *            u16 blockAlign, u16 bitsPerSample [, u16 cbSize, extension]
 *     "data" the interleaved samples
 * ```
 *
 * Read: PCM 8 (unsigned), 16, 24, 32-bit; IEEE float 32 and 64-bit; µ-law
 * and A-law; in plain or WAVE_FORMAT_EXTENSIBLE headers; any rate and channel
 * count. Samples become 16-bit the way sox does it (round to nearest, ties
 * up, saturating), so a conversion gives the same bytes as `sox -D`.
 */
import { alawDecodeSample, alawEncode } from '../../codecs/alaw.js';
import { ulawDecodeSample, ulawEncode } from '../../codecs/ulaw.js';
import { MalformedAudioFileError, UnsupportedAudioEncodingError } from './errors.js';
import { floatTo32, s32to16 } from './sample-convert.js';

export type WavEncoding = 'pcm' | 'float' | 'ulaw' | 'alaw';

export interface WavFormat {
  readonly encoding: WavEncoding;
  /** Frames per second. */
  readonly sampleRate: number;
  readonly channels: number;
  /** Bits per sample in the file: 8, 16, 24 or 32 for PCM, 32 or 64 for float, 8 for G.711. */
  readonly bitsPerSample: number;
}

export interface WavLayout {
  readonly format: WavFormat;
  /** Bytes per frame (one sample of every channel). */
  readonly blockAlign: number;
  /** Byte offset of the first sample in the file. */
  readonly dataOffset: number;
  /** Bytes of sample data to read: whole frames, never past the end of the file. */
  readonly dataBytes: number;
  /** Number of frames (samples per channel). */
  readonly frames: number;
  /** The data chunk claims more bytes than the file holds (a cut or still-growing file). */
  readonly truncated: boolean;
}

/** Random access to the bytes of a file or buffer (the parser reads only headers through it). */
export interface ByteSource {
  readonly size: number;
  /** Up to `length` bytes from `offset` (fewer at the end). */
  read(offset: number, length: number): Uint8Array;
}

/** A `ByteSource` over bytes in memory. */
export function bufferSource(bytes: Uint8Array): ByteSource {
  return { size: bytes.length, read: (offset, length) => bytes.subarray(offset, offset + length) };
}

const TAG_PCM = 0x0001;
const TAG_FLOAT = 0x0003;
const TAG_ALAW = 0x0006;
const TAG_ULAW = 0x0007;
const TAG_EXTENSIBLE = 0xfffe;
/** The tail every KSDATAFORMAT_SUBTYPE_* GUID shares after its 2-byte format tag (bytes 2..15). */
const GUID_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];

/** Names of the format tags one meets in WAV files shtoom does not read. */
const TAG_NAMES: Record<number, string> = {
  0x0002: 'Microsoft ADPCM',
  0x0011: 'IMA ADPCM',
  0x0014: 'G.723 ADPCM',
  0x0022: 'DSP Group TrueSpeech',
  0x0031: 'GSM 6.10 (Microsoft WAV49)',
  0x0040: 'G.721 ADPCM',
  0x0050: 'MPEG audio',
  0x0055: 'MPEG layer 3 (MP3)',
  0x0064: 'G.726 ADPCM',
  0x0065: 'G.722 ADPCM',
  0x0161: 'Windows Media Audio',
};

function describeTag(tag: number): string {
  const hex = `0x${tag.toString(16).padStart(4, '0')}`;
  const name = TAG_NAMES[tag];
  return name ? `${name} (format tag ${hex})` : `format tag ${hex}`;
}

function u16(b: Uint8Array, o: number): number {
  return b[o]! | (b[o + 1]! << 8);
}

function u32(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}

function fourcc(b: Uint8Array, o: number): string {
  return String.fromCharCode(b[o]!, b[o + 1]!, b[o + 2]!, b[o + 3]!);
}

function printable(id: string): string {
  return JSON.stringify(id);
}

interface FmtChunk {
  readonly format: WavFormat;
  readonly blockAlign: number;
}

function parseFmt(b: Uint8Array, where: string): FmtChunk {
  if (b.length < 16)
    throw new MalformedAudioFileError(`${where}: fmt chunk is ${b.length} bytes, at least 16 are needed`);
  let tag = u16(b, 0);
  const channels = u16(b, 2);
  const sampleRate = u32(b, 4);
  const blockAlign = u16(b, 12);
  let bits = u16(b, 14);
  if (tag === TAG_EXTENSIBLE) {
    if (b.length < 40 || u16(b, 16) < 22) {
      throw new MalformedAudioFileError(`${where}: WAVE_FORMAT_EXTENSIBLE fmt chunk is too short (${b.length} bytes)`);
    }
    const sub = u16(b, 24);
    if (!GUID_TAIL.every((v, i) => b[26 + i] === v)) {
      throw new UnsupportedAudioEncodingError(
        `${where}: unsupported WAV encoding: extensible sub-format GUID not a WAVE format tag`,
        'extensible sub-format',
      );
    }
    tag = sub;
  }
  if (channels === 0) throw new MalformedAudioFileError(`${where}: fmt chunk says 0 channels`);
  if (sampleRate === 0) throw new MalformedAudioFileError(`${where}: fmt chunk says a sample rate of 0 Hz`);
  let encoding: WavEncoding;
  switch (tag) {
    case TAG_PCM:
      encoding = 'pcm';
      break;
    case TAG_FLOAT:
      encoding = 'float';
      break;
    case TAG_ULAW:
      encoding = 'ulaw';
      break;
    case TAG_ALAW:
      encoding = 'alaw';
      break;
    default: {
      const what = describeTag(tag);
      throw new UnsupportedAudioEncodingError(
        `${where}: unsupported WAV encoding ${what}; shtoom reads PCM, float, µ-law and A-law`,
        what,
      );
    }
  }
  // Samples are stored left-justified in whole bytes: the container size
  // (blockAlign / channels) is what to read; fewer valid bits only mean zeros.
  const container = blockAlign / channels;
  const allowed = encoding === 'pcm' ? [1, 2, 3, 4] : encoding === 'float' ? [4, 8] : [1];
  if (!Number.isInteger(container) || !allowed.includes(container) || bits > container * 8 || bits === 0) {
    throw new UnsupportedAudioEncodingError(
      `${where}: unsupported WAV encoding: ${bits}-bit ${encoding} in ${blockAlign}-byte frames of ${channels} ` +
        `channel(s)`,
      `${bits}-bit ${encoding}`,
    );
  }
  bits = container * 8;
  return { format: { encoding, sampleRate, channels, bitsPerSample: bits }, blockAlign };
}

/**
 * Read a WAV file's header: its format and where its samples are. Reads
 * only the chunk headers and the fmt chunk through `source`.
 *
 * A data chunk longer than the file (a cut file, or one whose writer was
 * killed) is read up to the end of the file, in whole frames, and marked
 * `truncated`; a length of 0xFFFFFFFF means "to the end of the file".
 *
 * @example
 * const layout = parseWavHeader(bufferSource(bytes), 'prompt.wav');
 * layout.format.sampleRate; // 8000
 */
export function parseWavHeader(source: ByteSource, name = 'WAV file'): WavLayout {
  const head = source.read(0, 12);
  if (head.length < 12)
    throw new MalformedAudioFileError(`${name}: not a WAV file (${source.size} bytes, no RIFF header)`);
  const riff = fourcc(head, 0);
  if (riff === 'RIFX' || riff === 'RF64') {
    const what = riff === 'RIFX' ? 'big-endian RIFX' : 'RF64 (64-bit sizes)';
    throw new UnsupportedAudioEncodingError(`${name}: unsupported WAV variant ${what}`, what);
  }
  if (riff !== 'RIFF' || fourcc(head, 8) !== 'WAVE') {
    throw new MalformedAudioFileError(
      `${name}: not a WAV file (starts with ${printable(fourcc(head, 0))}, not "RIFF....WAVE")`,
    );
  }
  let fmt: FmtChunk | undefined;
  let pos = 12;
  while (pos + 8 <= source.size) {
    const ch = source.read(pos, 8);
    const id = fourcc(ch, 0);
    const length = u32(ch, 4);
    const body = pos + 8;
    if (id === 'fmt ') {
      if (body + length > source.size)
        throw new MalformedAudioFileError(`${name}: fmt chunk runs past the end of the file`);
      fmt = parseFmt(source.read(body, Math.min(length, 64)), name);
    } else if (id === 'data') {
      if (!fmt) throw new MalformedAudioFileError(`${name}: data chunk comes before any fmt chunk`);
      const available = source.size - body;
      const claimed = length === 0xffffffff ? available : length;
      const truncated = claimed > available;
      const usable = Math.min(claimed, available);
      const frames = Math.floor(usable / fmt.blockAlign);
      return {
        format: fmt.format,
        blockAlign: fmt.blockAlign,
        dataOffset: body,
        dataBytes: frames * fmt.blockAlign,
        frames,
        truncated,
      };
    }
    pos = body + length + (length & 1);
  }
  throw new MalformedAudioFileError(`${name}: ${fmt ? 'no data chunk' : 'no fmt chunk'} in the WAV file`);
}

/**
 * Turn WAV sample data (whole frames) into interleaved 16-bit PCM.
 *
 * @example
 * const pcm = decodeWavSamples(layout.format, bytes.subarray(layout.dataOffset, layout.dataOffset + layout.dataBytes));
 */
export function decodeWavSamples(format: WavFormat, data: Uint8Array): Int16Array {
  const out = new Int16Array(Math.floor(data.length / (format.bitsPerSample >> 3)));
  decodeWavSamplesInto(format, data, out);
  return out;
}

/**
 * Like `decodeWavSamples`, into `out` from index `at`; returns the number
 * of samples written. Each sample is read as sox reads it (32-bit, full
 * scale ±2^31) and rounded to 16 bits (`s32to16`, exact for 8- and 16-bit
 * PCM, µ-law and A-law).
 *
 * @example const n = decodeWavSamplesInto(format, chunk, frameBuffer);
 */
export function decodeWavSamplesInto(format: WavFormat, data: Uint8Array, out: Int16Array, at = 0): number {
  const { n, width, read } = sampleReader(format, data, out.length - at);
  for (let i = at, end = at + n, o = 0; i < end; i++, o += width) out[i] = s32to16(read(o));
  return n;
}

/**
 * Turn WAV sample data (whole frames) into interleaved 32-bit samples, full
 * scale ±2^31, into `out` from index `at`; returns the number written. This
 * is sox's internal sample format: mixing channels in it and rounding to
 * 16 bits afterwards (`s32to16`) gives sox's result.
 *
 * @example const n = decodeWavSamples32Into(format, data, wide);
 */
export function decodeWavSamples32Into(format: WavFormat, data: Uint8Array, out: Int32Array, at = 0): number {
  const { n, width, read } = sampleReader(format, data, out.length - at);
  for (let i = at, end = at + n, o = 0; i < end; i++, o += width) out[i] = read(o);
  return n;
}

/**
 * How to read the samples of `data` — one encoding and width, written
 * once for both decoders: the sample at byte `o` as a 32-bit sample.
 */
function sampleReader(
  format: WavFormat,
  d: Uint8Array,
  room: number,
): { n: number; width: number; read: (o: number) => number } {
  const width = format.bitsPerSample >> 3;
  const n = Math.floor(d.length / width);
  if (room < n) throw new RangeError(`output holds ${room} samples, ${n} are needed`);
  let read: (o: number) => number;
  switch (format.encoding) {
    case 'ulaw':
      read = (o) => ulawDecodeSample(d[o]!) << 16;
      break;
    case 'alaw':
      read = (o) => alawDecodeSample(d[o]!) << 16;
      break;
    case 'pcm':
      if (width === 1) read = (o) => (d[o]! - 128) << 24;
      else if (width === 2) read = (o) => (d[o]! << 16) | (d[o + 1]! << 24);
      else if (width === 3) read = (o) => (d[o]! << 8) | (d[o + 1]! << 16) | (d[o + 2]! << 24);
      else read = (o) => d[o]! | (d[o + 1]! << 8) | (d[o + 2]! << 16) | (d[o + 3]! << 24);
      break;
    case 'float': {
      const view = new DataView(d.buffer, d.byteOffset, d.byteLength);
      read = width === 4 ? (o) => floatTo32(view.getFloat32(o, true)) : (o) => floatTo32(view.getFloat64(o, true));
      break;
    }
  }
  return { n, width, read };
}

/** What shtoom writes in WAV files: 16-bit PCM, µ-law or A-law. */
export type WavWriteEncoding = 'pcm16' | 'ulaw' | 'alaw';

export interface WavWriteFormat {
  readonly sampleRate: number;
  readonly channels: number;
  readonly encoding: WavWriteEncoding;
}

/** Bytes before the samples in what `wavHeader` builds: 44 for PCM, 58 for G.711 (fmt extension and fact chunk). */
export function wavHeaderSize(encoding: WavWriteEncoding): number {
  return encoding === 'pcm16' ? 44 : 58;
}

/**
 * A canonical WAV header for `dataBytes` bytes of samples. G.711 headers
 * carry `cbSize` and the fact chunk (sample count) that non-PCM formats need.
 *
 * @example
 * const header = wavHeader({ sampleRate: 8000, channels: 1, encoding: 'pcm16' }, 320);
 */
export function wavHeader(format: WavWriteFormat, dataBytes: number): Uint8Array {
  const { sampleRate, channels, encoding } = format;
  const width = encoding === 'pcm16' ? 2 : 1;
  const size = wavHeaderSize(encoding);
  const h = new Uint8Array(size);
  const v = new DataView(h.buffer);
  const ascii = (o: number, s: string) => {
    for (let i = 0; i < 4; i++) h[o + i] = s.charCodeAt(i);
  };
  const blockAlign = channels * width;
  ascii(0, 'RIFF');
  v.setUint32(4, Math.min(0xffffffff, size - 8 + dataBytes + (dataBytes & 1)), true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  v.setUint32(16, encoding === 'pcm16' ? 16 : 18, true);
  v.setUint16(20, encoding === 'pcm16' ? TAG_PCM : encoding === 'ulaw' ? TAG_ULAW : TAG_ALAW, true);
  v.setUint16(22, channels, true);
  v.setUint32(24, sampleRate, true);
  v.setUint32(28, sampleRate * blockAlign, true);
  v.setUint16(32, blockAlign, true);
  v.setUint16(34, width * 8, true);
  let o = 36;
  if (encoding !== 'pcm16') {
    v.setUint16(36, 0, true); // cbSize
    ascii(38, 'fact');
    v.setUint32(42, 4, true);
    v.setUint32(46, Math.floor(dataBytes / blockAlign), true);
    o = 50;
  }
  ascii(o, 'data');
  v.setUint32(o + 4, Math.min(0xffffffff, dataBytes), true);
  return h;
}

/** Offsets of the two size fields a growing file must keep current, and of the fact chunk's sample count. */
export function wavSizeFields(encoding: WavWriteEncoding): { riff: number; data: number; fact?: number } {
  return encoding === 'pcm16' ? { riff: 4, data: 40 } : { riff: 4, data: 54, fact: 46 };
}

/**
 * The sample bytes of a WAV data chunk for interleaved 16-bit PCM.
 *
 * @example wavData(pcm, 'ulaw') // one byte per sample
 */
export function wavData(samples: Int16Array, encoding: WavWriteEncoding): Uint8Array {
  if (encoding === 'ulaw') return ulawEncode(samples);
  if (encoding === 'alaw') return alawEncode(samples);
  const out = new Uint8Array(samples.length * 2);
  for (let i = 0, o = 0; i < samples.length; i++, o += 2) {
    const s = samples[i]!;
    out[o] = s & 0xff;
    out[o + 1] = (s >> 8) & 0xff;
  }
  return out;
}

/**
 * A whole WAV file in memory: header, samples, and the pad byte an odd-length
 * data chunk needs.
 *
 * @example
 * writeFileSync('tone.wav', encodeWav(pcm, { sampleRate: 8000, channels: 1, encoding: 'pcm16' }));
 */
export function encodeWav(samples: Int16Array, format: WavWriteFormat): Uint8Array {
  if (samples.length % format.channels !== 0) {
    throw new RangeError(`${samples.length} samples are not whole frames of ${format.channels} channels`);
  }
  const data = wavData(samples, format.encoding);
  const header = wavHeader(format, data.length);
  const file = new Uint8Array(header.length + data.length + (data.length & 1));
  file.set(header, 0);
  file.set(data, header.length);
  return file;
}
