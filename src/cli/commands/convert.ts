/**
 * `shtoom convert IN OUT`: audio files between WAV (PCM, float, µ-law,
 * A-law; any rate and channel count on input), .ul, .al, .gsm and
 * .sln/.raw, always written as 8 kHz mono. Same bytes as `sox -D IN OUT`
 * for 8 kHz input.
 */
import { convertAudioFile } from '../../audio/formats/convert.js';
import type { CommandContext, CommandSpec } from '../command.js';
import { ExitCode } from '../exit-codes.js';

async function run(ctx: CommandContext): Promise<number> {
  const [inPath, outPath] = ctx.args as [string, string];
  const r = convertAudioFile(inPath, outPath, {
    from: ctx.options.get('convert.from'),
    to: ctx.options.get('convert.to'),
    wavEncoding: ctx.options.get('convert.wav-encoding'),
  });
  const { input, output } = r;
  const seconds = (n: number) => Math.round((n / 8000) * 1000) / 1000;
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
        sampleRate: 8000,
        channels: 1,
        seconds: seconds(output.samples),
        bytes: output.bytes,
      },
    },
    (c) => {
      const ch = input.channels === 1 ? 'mono' : `${input.channels} channels`;
      return (
        `${c.bold(input.path)} (${input.format}, ${input.encoding}, ${input.sampleRate} Hz, ${ch}) → ` +
        `${c.bold(output.path)} (${output.format}, 8000 Hz, mono): ${seconds(output.samples)} s, ${output.bytes} bytes`
      );
    },
  );
  return ExitCode.OK;
}

export const convertCommand: CommandSpec = {
  name: 'convert',
  description: 'convert an audio file (wav, ul, al, gsm, sln/raw) to another, as 8 kHz mono',
  args: [
    {
      name: 'in',
      description: 'input file: .wav (PCM, float, µ-law, A-law; any rate and channels), .ul, .al, .gsm, .sln/.raw',
      required: true,
    },
    {
      name: 'out',
      description: 'output file: .wav (16-bit PCM unless --wav-encoding), .ul, .al, .gsm, .sln/.raw',
      required: true,
    },
  ],
  run,
  examples: [
    'shtoom convert prompt.wav prompt.gsm',
    'shtoom convert greeting-44k-stereo.wav greeting.ul',
    'shtoom convert call.gsm call.wav',
    'shtoom convert --from sln capture.pcm capture.wav --wav-encoding alaw',
  ],
};
