/**
 * `shtoom convert IN OUT`: audio files between WAV (PCM, float, µ-law,
 * A-law; any rate and channel count on input), .ul, .al, .gsm, .sln/.raw,
 * .g722 and Ogg Opus, written mono at 8 kHz (WAV and raw PCM also at 16 or
 * 48 kHz with --rate; G.722 at 16 kHz; Opus at 48 kHz unless --rate). Same
 * bytes as `sox -D IN OUT` for 8 kHz input and output.
 */
import { convertAudioFile } from '../../audio/formats/convert.js';
import type { CommandContext, CommandSpec } from '../command.js';
import { ExitCode } from '../exit-codes.js';

function rateOf(value: string | undefined): number | undefined {
  return value === undefined ? undefined : Number(value);
}

async function run(ctx: CommandContext): Promise<number> {
  const [inPath, outPath] = ctx.args as [string, string];
  const r = convertAudioFile(inPath, outPath, {
    from: ctx.options.get('convert.from'),
    to: ctx.options.get('convert.to'),
    wavEncoding: ctx.options.get('convert.wav-encoding'),
    rate: rateOf(ctx.options.get('convert.rate')),
  });
  const { input, output } = r;
  const seconds = (n: number) => Math.round((n / output.sampleRate) * 1000) / 1000;
  ctx.out.data(
    {
      input: {
        path: input.path,
        format: input.format,
        encoding: input.encoding,
        sampleRate: input.sampleRate,
        channels: input.channels,
        seconds: Math.round((input.samples.length / input.sampleRate) * 1000) / 1000,
      },
      output: {
        path: output.path,
        format: output.format,
        sampleRate: output.sampleRate,
        channels: 1,
        seconds: seconds(output.samples),
        bytes: output.bytes,
      },
    },
    (c) => {
      const ch = input.channels === 1 ? 'mono' : `${input.channels} channels`;
      return (
        `${c.bold(input.path)} (${input.format}, ${input.encoding}, ${input.sampleRate} Hz, ${ch}) → ` +
        `${c.bold(output.path)} (${output.format}, ${output.sampleRate} Hz, mono): ` +
        `${seconds(output.samples)} s, ${output.bytes} bytes`
      );
    },
  );
  return ExitCode.OK;
}

export const convertCommand: CommandSpec = {
  name: 'convert',
  description: 'convert an audio file (wav, ul, al, gsm, sln/raw, g722, opus) to another, as mono',
  args: [
    {
      name: 'in',
      description:
        'input file: .wav (PCM, float, µ-law, A-law; any rate and channels), .ul, .al, .gsm, .sln/.raw, ' +
        '.g722, .opus (Ogg Opus)',
      required: true,
    },
    {
      name: 'out',
      description:
        'output file: .wav (16-bit PCM unless --wav-encoding), .ul, .al, .gsm, .sln/.raw, .g722, .opus (Ogg Opus)',
      required: true,
    },
  ],
  run,
  examples: [
    'shtoom convert prompt.wav prompt.gsm',
    'shtoom convert greeting-44k-stereo.wav greeting.ul',
    'shtoom convert call.gsm call.wav',
    'shtoom convert --from sln capture.pcm capture.wav --wav-encoding alaw',
    'shtoom convert --rate 16000 speech-44k.wav speech-16k.wav',
    'shtoom convert speech-44k.wav speech.g722',
    'shtoom convert speech.wav speech.opus',
  ],
};
