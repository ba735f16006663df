/**
 * Ogg Opus files (RFC 7845), pure: mono PCM to a `.opus` file and back.
 *
 * The stream is an identification header (OpusHead: version 1, channels,
 * pre-skip, the input's sample rate, output gain, channel mapping family)
 * alone on the first page, a comment header (OpusTags: vendor string and
 * comments) ending its page(s), then audio packets whose pages carry granule
 * positions in 48 kHz samples counted from the stream's start, pre-skip
 * included. The last page's granule position trims the padding of the last
 * packet. The Opus codec is libopus (src/codecs/opus), the container is
 * src/audio/formats/ogg.ts.
 */
import { CodecFrameError } from '../../codecs/errors.js';
import { OpusFrameDecoder, OpusFrameEncoder, type OpusSampleRate } from '../../codecs/opus/index.js';
import { MalformedAudioFileError, UnsupportedAudioEncodingError } from './errors.js';
import { OggWriter, readOggStream } from './ogg.js';

const HEAD_MAGIC = 'OpusHead';
const TAGS_MAGIC = 'OpusTags';
/** Audio packets per page: one second of 20 ms packets, as opusenc pages them by default. */
const PACKETS_PER_PAGE = 50;

function ascii(bytes: Uint8Array, at: number, n: number): string {
  return String.fromCharCode(...bytes.subarray(at, at + n));
}

export interface OggOpusWriteOptions {
  /** The rate libopus codes at (and the rate `pcm` is at). */
  readonly sampleRate: OpusSampleRate;
  /** The stream's serial number (RFC 3533 wants it random; tests fix it). */
  readonly serial: number;
  /** Bit rate. Default 32 kbit/s below 48 kHz, 48 kbit/s at 48 kHz. */
  readonly bitrate?: number;
}

/**
 * A mono Ogg Opus file holding `pcm` (at `sampleRate`), in 20 ms packets.
 * Pre-skip is the encoder's lookahead, and the last page's granule position
 * makes the decoded length exactly that of `pcm`.
 *
 * @throws CodecUnavailableError when libopus is not installed.
 * @example writeFileSync('a.opus', encodeOggOpus(pcm48k, { sampleRate: 48000, serial: 1 }));
 */
export function encodeOggOpus(pcm: Int16Array, options: OggOpusWriteOptions): Uint8Array {
  const rate = options.sampleRate;
  const enc = new OpusFrameEncoder({ sampleRate: rate, bitrate: options.bitrate ?? (rate === 48000 ? 48000 : 32000) });
  const per48 = 48000 / rate;
  const lookahead = enc.lookahead;
  const preSkip = lookahead * per48;
  const frame = rate / 50;
  const frames = Math.ceil((pcm.length + lookahead) / frame);
  const ogg = new OggWriter(options.serial);

  const head = new Uint8Array(19);
  const hv = new DataView(head.buffer);
  head.set(Array.from(HEAD_MAGIC, (c) => c.charCodeAt(0)));
  head[8] = 1; // version
  head[9] = 1; // channels
  hv.setUint16(10, preSkip, true);
  hv.setUint32(12, rate, true); // the input's rate, for information
  hv.setInt16(16, 0, true); // output gain
  head[18] = 0; // channel mapping family 0: mono or stereo, one stream
  ogg.packet(head, 0n);
  ogg.flush();

  const vendor = new TextEncoder().encode('shtoom');
  const tags = new Uint8Array(8 + 4 + vendor.length + 4);
  tags.set(Array.from(TAGS_MAGIC, (c) => c.charCodeAt(0)));
  new DataView(tags.buffer).setUint32(8, vendor.length, true);
  tags.set(vendor, 12);
  ogg.packet(tags, 0n); // no comments
  ogg.flush();

  const end = BigInt(preSkip + pcm.length * per48);
  const buf = new Int16Array(frame);
  for (let k = 0; k < frames; k++) {
    buf.fill(0);
    buf.set(pcm.subarray(k * frame, Math.min(pcm.length, (k + 1) * frame)));
    if (k > 0 && k % PACKETS_PER_PAGE === 0) ogg.flush();
    const granule = BigInt((k + 1) * 960);
    ogg.packet(enc.encode(buf), granule < end ? granule : end);
  }
  return ogg.end();
}

/** An Ogg Opus file decoded to mono 48 kHz samples. */
export interface OggOpusData {
  readonly samples: Int16Array;
  readonly channels: number;
  readonly preSkip: number;
  /** The input sample rate OpusHead states (0: not stated). */
  readonly inputRate: number;
  readonly vendor: string;
  readonly packets: number;
}

/**
 * Decode an Ogg Opus file to mono 48 kHz samples: pre-skip dropped, the
 * output gain applied, the end trimmed to the last granule position. Any
 * damage (see `readOggStream`), a wrong or missing OpusHead or OpusTags, a
 * header version whose major part is not 0 (RFC 7845 5.1: versions 0–15
 * are compatible), a channel mapping family other than 0, or a packet that
 * is not Opus is refused with one line naming the file. `name` is used in
 * the messages.
 *
 * @throws CodecUnavailableError when libopus is not installed.
 */
export function decodeOggOpus(bytes: Uint8Array, name: string): OggOpusData {
  const stream = readOggStream(bytes, name);
  const [head, tags, ...audio] = stream.packets;
  if (!head || head.data.length < 19 || ascii(head.data, 0, 8) !== HEAD_MAGIC)
    throw new MalformedAudioFileError(`${name}: its first Ogg packet is not an OpusHead (not an Ogg Opus file)`);
  const hv = new DataView(head.data.buffer, head.data.byteOffset, head.data.byteLength);
  const version = head.data[8]!;
  if (version > 15)
    throw new UnsupportedAudioEncodingError(
      `${name}: OpusHead version ${version} (major ${version >> 4}) is not one shtoom reads (RFC 7845: 0-15)`,
      `Ogg Opus version ${version}`,
    );
  const channels = head.data[9]!;
  const preSkip = hv.getUint16(10, true);
  const inputRate = hv.getUint32(12, true);
  const gain = hv.getInt16(16, true);
  const family = head.data[18]!;
  if (family !== 0)
    throw new UnsupportedAudioEncodingError(
      `${name}: Ogg Opus channel mapping family ${family}; shtoom reads family 0 (mono or stereo)`,
      `Ogg Opus mapping family ${family}`,
    );
  if (channels < 1 || channels > 2)
    throw new MalformedAudioFileError(`${name}: OpusHead says ${channels} channels; family 0 is 1 or 2`);
  if (head.page !== 0 || stream.packets.some((p, i) => i > 0 && p.page === 0))
    throw new MalformedAudioFileError(`${name}: OpusHead is not alone on the first page`);
  const vendor = readTags(tags?.data, name);
  if (audio.length > 0 && audio[0]!.page === tags!.page)
    throw new MalformedAudioFileError(`${name}: audio shares a page with OpusTags`);

  const dec = new OpusFrameDecoder({ sampleRate: 48000 });
  const out = new Int16Array(audio.length * 5760); // 120 ms at most per packet (RFC 6716 3.4 R5);
  let n = 0;
  let start: bigint | undefined;
  for (let i = 0; i < audio.length; i++) {
    const p = audio[i]!;
    try {
      n += dec.decode(p.data, out.subarray(n)).length;
    } catch (err) {
      if (err instanceof CodecFrameError)
        throw new MalformedAudioFileError(`${name}: audio packet ${i + 1} (page ${p.page + 1}): ${err.message}`);
      throw err;
    }
    // Where the stream starts: the first granule position less the samples up to it.
    if (start === undefined && p.granule !== undefined) {
      start = p.granule - BigInt(n);
      if (start < 0n && i < audio.length - 1)
        throw new MalformedAudioFileError(
          `${name}: page ${p.page + 1} has granule position ${p.granule}, less than the ${n} samples it ends`,
        );
    }
  }
  const total = stream.lastGranule - (start ?? 0n) - BigInt(preSkip);
  if (audio.length > 0 && stream.lastGranule - (start ?? 0n) > BigInt(n))
    throw new MalformedAudioFileError(
      `${name}: the last granule position ${stream.lastGranule} is past the ${n} samples the packets hold`,
    );
  const keep = total > 0n ? Number(total) : 0;
  const samples = out.slice(Math.min(preSkip, n), Math.min(preSkip, n) + keep);
  if (gain !== 0) {
    const g = 10 ** (gain / (20 * 256));
    for (let i = 0; i < samples.length; i++) {
      const s = Math.round(samples[i]! * g);
      samples[i] = s > 32767 ? 32767 : s < -32768 ? -32768 : s;
    }
  }
  return { samples, channels, preSkip, inputRate, vendor, packets: audio.length };
}

/** The vendor string of an OpusTags packet, its structure checked. */
function readTags(data: Uint8Array | undefined, name: string): string {
  const bad = (what: string) => new MalformedAudioFileError(`${name}: OpusTags ${what}`);
  if (!data || data.length < 8 || ascii(data, 0, 8) !== TAGS_MAGIC)
    throw new MalformedAudioFileError(`${name}: its second Ogg packet is not OpusTags`);
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (data.length < 12) throw bad('is cut short before its vendor string');
  const vendorLength = v.getUint32(8, true);
  let at = 12 + vendorLength;
  if (at + 4 > data.length) throw bad(`vendor string of ${vendorLength} bytes runs past the packet`);
  const vendor = new TextDecoder().decode(data.subarray(12, at));
  const count = v.getUint32(at, true);
  at += 4;
  for (let i = 0; i < count; i++) {
    if (at + 4 > data.length) throw bad(`says ${count} comments but holds ${i}`);
    const len = v.getUint32(at, true);
    at += 4 + len;
    if (at > data.length) throw bad(`comment ${i + 1} of ${len} bytes runs past the packet`);
  }
  return vendor;
}
