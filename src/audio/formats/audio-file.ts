/**
 * Audio files by name: WAV, and the headerless telephony formats
 *
 * | format | extensions        | contents                                                  |
 * |--------|-------------------|-----------------------------------------------------------|
 * | wav    | .wav              | RIFF WAVE (see wav-format.ts)                             |
 * | ulaw   | .ul .ulaw .mulaw  | G.711 µ-law bytes, 8 kHz mono                             |
 * | alaw   | .al .alaw         | G.711 A-law bytes, 8 kHz mono                             |
 * | gsm    | .gsm              | GSM 06.10 33-byte frames, 8 kHz mono (toast, sox `.gsm`)  |
 * | sln    | .sln .raw .l      | signed 16-bit little-endian PCM, 8 kHz mono (any on write) |
 * | g722   | .g722             | G.722 64 kbit/s code words of 16 kHz audio, no header     |
 * | opus   | .opus .ogg        | Ogg Opus (RFC 7845), decoded at 48 kHz                    |
 *
 * Reading turns any of them into 16-bit mono PCM at the file's rate (WAV
 * channels are mixed as sox mixes them); writing takes mono PCM at the
 * rate the format holds (`encodeAudioFile`).
 */
import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { alawDecode, alawEncode, alawEncodeSample } from '../../codecs/alaw.js';
import { CodecFrameError } from '../../codecs/errors.js';
import { G722Decoder, G722Encoder } from '../../codecs/g722/index.js';
import { Gsm610Decoder, Gsm610Encoder } from '../../codecs/gsm610/index.js';
import type { OpusSampleRate } from '../../codecs/opus/index.js';
import { ulawDecode, ulawEncode, ulawEncodeSample } from '../../codecs/ulaw.js';
import { AudioFileAccessError, MalformedAudioFileError, describeFsError } from './errors.js';
import { decodeOggOpus, encodeOggOpus } from './ogg-opus.js';
import { mixToMono32, s32to13, s32to14, to16, to32 } from './sample-convert.js';
import {
  bufferSource,
  decodeWavSamples32Into,
  parseWavHeader,
  wavHeader,
  type WavWriteEncoding,
} from './wav-format.js';

export type AudioFileFormat = 'wav' | 'ulaw' | 'alaw' | 'gsm' | 'sln' | 'g722' | 'opus';

const EXTENSIONS: Record<string, AudioFileFormat> = {
  '.wav': 'wav',
  '.ul': 'ulaw',
  '.ulaw': 'ulaw',
  '.mulaw': 'ulaw',
  '.al': 'alaw',
  '.alaw': 'alaw',
  '.gsm': 'gsm',
  '.sln': 'sln',
  '.raw': 'sln',
  '.l': 'sln',
  '.g722': 'g722',
  '.opus': 'opus',
  '.ogg': 'opus',
};

/**
 * The format a file name implies, or undefined.
 * @example formatOfPath('prompt.UL') === 'ulaw'
 */
export function formatOfPath(path: string): AudioFileFormat | undefined {
  return EXTENSIONS[extname(path).toLowerCase()];
}

/** The extensions each format is known by. */
export function extensionsOf(format: AudioFileFormat): string[] {
  return Object.keys(EXTENSIONS).filter((e) => EXTENSIONS[e] === format);
}

/** An audio file read into memory and mixed to one channel. */
export interface AudioFileData {
  readonly format: AudioFileFormat;
  /** What the file holds, for people: "16-bit PCM", "µ-law", "GSM 06.10". */
  readonly encoding: string;
  readonly sampleRate: number;
  /** Channels in the file (the samples are mixed to one). */
  readonly channels: number;
  /** Mono 16-bit samples at `sampleRate`. */
  readonly samples: Int16Array;
  /**
   * The same mono samples in 32 bits (full scale ±2^31) before rounding, as
   * sox holds them: G.711 rounds from these straight to 14 or 13 bits.
   */
  readonly wide: Int32Array;
  /** For GSM: the number of frames. */
  readonly frames?: number;
}

function readBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new AudioFileAccessError(`${path}: ${describeFsError(err)}`);
  }
}

function mono8k(format: AudioFileFormat, encoding: string, samples: Int16Array, sampleRate = 8000): AudioFileData {
  return { format, encoding, sampleRate, channels: 1, samples, wide: to32(samples) };
}

const ENCODING_NAMES = { pcm: 'PCM', float: 'float', ulaw: 'µ-law', alaw: 'A-law' } as const;

/**
 * Decode the bytes of an audio file of `format`. `name` is used in error
 * messages. Bad input throws a `UsageError` subclass with one clear line:
 * a GSM file that is not whole frames, a GSM frame with a wrong signature
 * (named by its number, counting from 1), a WAV encoding shtoom does not read.
 *
 * @example const { samples, sampleRate } = decodeAudioFile(bytes, 'wav', 'in.wav');
 */
export function decodeAudioFile(bytes: Uint8Array, format: AudioFileFormat, name: string): AudioFileData {
  switch (format) {
    case 'wav': {
      const layout = parseWavHeader(bufferSource(bytes), name);
      const f = layout.format;
      const wide = new Int32Array(layout.frames * f.channels);
      decodeWavSamples32Into(f, bytes.subarray(layout.dataOffset, layout.dataOffset + layout.dataBytes), wide);
      const encoding =
        f.encoding === 'ulaw' || f.encoding === 'alaw'
          ? ENCODING_NAMES[f.encoding]
          : `${f.bitsPerSample}-bit ${ENCODING_NAMES[f.encoding]}`;
      const mono = mixToMono32(wide, f.channels);
      return { format, encoding, sampleRate: f.sampleRate, channels: f.channels, samples: to16(mono), wide: mono };
    }
    case 'ulaw':
      return mono8k(format, 'µ-law', ulawDecode(bytes));
    case 'alaw':
      return mono8k(format, 'A-law', alawDecode(bytes));
    case 'sln': {
      if (bytes.length % 2 !== 0) {
        throw new MalformedAudioFileError(
          `${name}: ${bytes.length} bytes are not whole 16-bit samples (signed linear needs an even length)`,
        );
      }
      const samples = new Int16Array(bytes.length / 2);
      for (let i = 0, o = 0; i < samples.length; i++, o += 2) samples[i] = bytes[o]! | (bytes[o + 1]! << 8);
      return mono8k(format, '16-bit PCM', samples);
    }
    case 'gsm': {
      if (bytes.length % 33 !== 0) {
        const whole = Math.floor(bytes.length / 33);
        const left = bytes.length - whole * 33;
        throw new MalformedAudioFileError(
          `${name}: ${bytes.length} bytes are not whole 33-byte GSM frames (${whole} frames and ${left} ` +
            `byte${left === 1 ? '' : 's'} left over)`,
        );
      }
      try {
        return { ...mono8k(format, 'GSM 06.10', new Gsm610Decoder().decode(bytes)), frames: bytes.length / 33 };
      } catch (err) {
        if (err instanceof CodecFrameError && err.frameIndex !== undefined) {
          const at = err.frameIndex * 33;
          throw new MalformedAudioFileError(
            `${name}: GSM frame ${err.frameIndex + 1} (bytes ${at}-${at + 32}) has signature ` +
              `0x${(bytes[at]! >> 4).toString(16)}, not 0xD`,
          );
        }
        throw err;
      }
    }
    case 'g722':
      // Every byte is a G.722 code word, so any file decodes.
      return mono8k(format, 'G.722 64 kbit/s', new G722Decoder().decode(bytes), 16000);
    case 'opus': {
      const o = decodeOggOpus(bytes, name);
      return { ...mono8k(format, 'Ogg Opus', o.samples, 48000), channels: o.channels, frames: o.packets };
    }
  }
}

/**
 * Read and decode an audio file; its format comes from its name unless given.
 *
 * @example const prompt = readAudioFile('prompt.gsm'); // 8 kHz mono samples
 */
export function readAudioFile(path: string, format = formatOfPath(path)): AudioFileData {
  if (!format) {
    throw new MalformedAudioFileError(
      `${path}: cannot tell the audio format from the name "${basename(path)}"; use a known extension or --from`,
    );
  }
  return decodeAudioFile(readBytes(path), format, path);
}

function ulawBytes(pcm: Int16Array | Int32Array): Uint8Array {
  if (pcm instanceof Int16Array) return ulawEncode(pcm);
  const out = new Uint8Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) out[i] = ulawEncodeSample(s32to14(pcm[i]!) << 2);
  return out;
}

function alawBytes(pcm: Int16Array | Int32Array): Uint8Array {
  if (pcm instanceof Int16Array) return alawEncode(pcm);
  const out = new Uint8Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) out[i] = alawEncodeSample(s32to13(pcm[i]!) << 3);
  return out;
}

function slnBytes(pcm: Int16Array): Uint8Array {
  const out = new Uint8Array(pcm.length * 2);
  for (let i = 0, o = 0; i < pcm.length; i++, o += 2) {
    out[o] = pcm[i]! & 0xff;
    out[o + 1] = (pcm[i]! >> 8) & 0xff;
  }
  return out;
}

/**
 * The bytes of an audio file of `format` holding mono samples at
 * `sampleRate` (8000 for G.711 and GSM, 16000 for G.722; 8, 16 or 48 kHz
 * for WAV, raw PCM and Opus): 16-bit, or 32-bit (`AudioFileData.wide`) to
 * round each format as sox does (G.711 straight from 32 to 14 or 13 bits).
 * GSM zero-pads a partial last frame, as toast and sox do; G.722 an odd
 * last sample. An Opus file gets a random serial number.
 *
 * @example writeFileSync('out.ul', encodeAudioFile(pcm, 'ulaw'));
 */
export function encodeAudioFile(
  pcm: Int16Array | Int32Array,
  format: AudioFileFormat,
  wavEncoding: WavWriteEncoding = 'pcm16',
  sampleRate = 8000,
): Uint8Array {
  const s16 = () => (pcm instanceof Int32Array ? to16(pcm) : pcm);
  switch (format) {
    case 'wav': {
      const data = wavEncoding === 'ulaw' ? ulawBytes(pcm) : wavEncoding === 'alaw' ? alawBytes(pcm) : slnBytes(s16());
      const header = wavHeader({ sampleRate, channels: 1, encoding: wavEncoding }, data.length);
      const file = new Uint8Array(header.length + data.length + (data.length & 1));
      file.set(header);
      file.set(data, header.length);
      return file;
    }
    case 'ulaw':
      return ulawBytes(pcm);
    case 'alaw':
      return alawBytes(pcm);
    case 'sln':
      return slnBytes(s16());
    case 'gsm': {
      const samples = s16();
      const whole = new Int16Array(Math.ceil(samples.length / 160) * 160);
      whole.set(samples);
      return new Gsm610Encoder().encode(whole);
    }
    case 'g722': {
      const samples = s16();
      const pairs = new Int16Array(samples.length + (samples.length & 1));
      pairs.set(samples);
      return new G722Encoder().encode(pairs);
    }
    case 'opus':
      return encodeOggOpus(s16(), {
        sampleRate: sampleRate as OpusSampleRate,
        serial: Math.floor(Math.random() * 0x100000000),
      });
  }
}

/**
 * Write `bytes` to `path` through a temporary file and a rename, so a
 * failure never leaves half a file (nor clobbers the input when it is the
 * same path).
 */
export function writeFileAtomically(path: string, bytes: Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, bytes);
    renameSync(tmp, path);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // nothing was written
    }
    throw new AudioFileAccessError(`${path}: ${describeFsError(err)}`);
  }
}
