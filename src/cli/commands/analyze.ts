/**
 * `shtoom analyze FILE [--tone 1000] [--json]`: what is in a recording — its
 * format and length, level, speech and silence, DTMF keys with their times,
 * call-progress tones and any tone asked for.
 */
import { readFileSync, statSync } from 'node:fs';
import { analyzeAudio, parseToneSpec, type AudioAnalysis } from '../../audio/analyze.js';
import { peak, peakDbfs, rms, rmsDbfs } from '../../audio/dsp/level.js';
import { describeFsError } from '../../audio/formats/errors.js';
import { readWavFile } from '../../audio/formats/wav.js';
import { toMono8k } from '../../audio/to-mono-8k.js';
import { alawDecode } from '../../codecs/alaw.js';
import { ulawDecode } from '../../codecs/ulaw.js';
import { UsageError } from '../../errors.js';
import type { CommandContext, CommandSpec } from '../command.js';
import { ExitCode } from '../exit-codes.js';

interface Loaded {
  format: { container: string; encoding: string; sampleRate: number; channels: number; bitsPerSample: number };
  /** Samples as in the file (interleaved), for the level. */
  original: Int16Array;
  mono8k: Int16Array;
}

const RAW_TYPES: Record<string, { encoding: string; bits: number; decode: (b: Buffer) => Int16Array }> = {
  raw: { encoding: 'pcm', bits: 16, decode: (b) => s16le(b) },
  sln: { encoding: 'pcm', bits: 16, decode: (b) => s16le(b) },
  l: { encoding: 'pcm', bits: 16, decode: (b) => s16le(b) },
  ul: { encoding: 'ulaw', bits: 8, decode: (b) => ulawDecode(b) },
  ulaw: { encoding: 'ulaw', bits: 8, decode: (b) => ulawDecode(b) },
  al: { encoding: 'alaw', bits: 8, decode: (b) => alawDecode(b) },
  alaw: { encoding: 'alaw', bits: 8, decode: (b) => alawDecode(b) },
};

function s16le(b: Buffer): Int16Array {
  const out = new Int16Array(b.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = b.readInt16LE(2 * i);
  return out;
}

function load(path: string): Loaded {
  const ext = (/\.([a-z0-9]+)$/i.exec(path)?.[1] ?? '').toLowerCase();
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new UsageError(`${path}: is a directory`);
    size = st.size;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`${path}: ${describeFsError(err)}`);
  }
  const raw = RAW_TYPES[ext];
  if (raw) {
    const samples = raw.decode(readFileSync(path));
    return {
      format: { container: ext, encoding: raw.encoding, sampleRate: 8000, channels: 1, bitsPerSample: raw.bits },
      original: samples,
      mono8k: samples,
    };
  }
  if (ext !== 'wav' && size > 0) {
    // Sniff: a WAV under another name still works.
    const head = readFileSync(path).subarray(0, 4).toString('latin1');
    if (head !== 'RIFF' && head !== 'RF64') {
      throw new UsageError(`${path}: not a format analyze reads; use .wav, .raw/.sln/.l (s16le 8 kHz), .ul or .al`);
    }
  }
  const wav = readWavFile(path);
  const f = wav.format;
  return {
    format: {
      container: 'wav',
      encoding: f.encoding,
      sampleRate: f.sampleRate,
      channels: f.channels,
      bitsPerSample: f.bitsPerSample,
    },
    original: wav.samples,
    mono8k: toMono8k(wav.samples, f.channels, f.sampleRate),
  };
}

const fmtDb = (db: number) => (Number.isFinite(db) ? `${db.toFixed(1)} dBFS` : 'silent');
const fmtS = (s: number) => `${s.toFixed(3)} s`;

/** `0.20–1.40 s, 2.00–2.60 s`, or `none`. */
function spans(list: readonly { readonly start: number; readonly end: number }[]): string {
  return list.map((s) => `${s.start.toFixed(2)}–${s.end.toFixed(2)} s`).join(', ') || 'none';
}

async function run(ctx: CommandContext): Promise<number> {
  const path = ctx.args[0]!;
  const tones = (ctx.options.get('analyze.tone') ?? []).map((t) => {
    const spec = parseToneSpec(t);
    if (!spec)
      throw new UsageError(
        `--tone: "${t}" is not a tone; allowed: a frequency below 4000 Hz, or several joined by + (350+440)`,
      );
    return spec;
  });
  const file = load(path);
  const a = analyzeAudio(file.mono8k, { tones });
  // The level is the file's own, before any conversion.
  const level = {
    ...a.level,
    peakDbfs: Math.round(peakDbfs(peak(file.original)) * 100) / 100,
    rmsDbfs: Math.round(rmsDbfs(rms(file.original)) * 100) / 100,
  };
  const result: AudioAnalysis & { file: string; format: Loaded['format'] } = {
    file: path,
    format: file.format,
    ...a,
    level,
  };
  ctx.out.data(
    { ...result, level: { ...level, peakDbfs: finite(level.peakDbfs), rmsDbfs: finite(level.rmsDbfs) } },
    (c) => {
      const f = file.format;
      const lines = [
        `${c.bold(path)}: ${f.container} ${f.encoding} ${f.bitsPerSample}-bit, ${f.sampleRate} Hz, ${f.channels} ` +
          `channel${f.channels === 1 ? '' : 's'}, ${fmtS(a.duration)}`,
        `level: peak ${fmtDb(level.peakDbfs)}, RMS ` +
          `${fmtDb(level.rmsDbfs)}${level.clipped ? c.red(`, ${level.clipped} samples clipped`) : ''}`,
        `speech: ${spans(a.speech)}`,
        `silence: ${spans(a.silence)}`,
        `dtmf: ${a.dtmf.length ? a.dtmf.map((d) => d.digit).join('') : 'none'}`,
        ...a.dtmf.map((d) => `  ${d.digit} at ${fmtS(d.start)} for ${Math.round(d.duration * 1000)} ms`),
        `call progress: ${a.callProgress.map((p) => `${p.tone} at ${fmtS(p.start)}`).join(', ') || 'none'}`,
      ];
      if (tones.length) {
        lines.push(`tones: ${a.tones.length ? '' : 'none'}`);
        for (const t of a.tones) lines.push(`  ${t.name} at ${fmtS(t.start)} for ${Math.round(t.duration * 1000)} ms`);
      }
      return lines.join('\n');
    },
  );
  return ExitCode.OK;
}

/** JSON has no -Infinity: digital silence reads as null. */
function finite(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

export const analyzeCommand: CommandSpec = {
  name: 'analyze',
  description: 'what is in a recording: format, level, speech and silence, DTMF keys, call-progress and other tones',
  args: [
    {
      name: 'file',
      description: 'a .wav (any rate and encoding), .raw/.sln (s16le 8 kHz), .ul or .al file',
      required: true,
    },
  ],
  run,
  examples: ['shtoom analyze call.wav', 'shtoom analyze --tone 1000,350+440 prompt.wav --json'],
};
