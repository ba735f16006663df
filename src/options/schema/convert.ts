/** Options of `shtoom convert`. */
import { opt } from '../define.js';

const FORMATS = ['wav', 'ulaw', 'alaw', 'gsm', 'sln', 'g722', 'opus'] as const;

export const convertOptions = [
  opt.enum('convert.from', {
    help: 'format of IN when its extension does not say: wav, ulaw, alaw, gsm, sln, g722 or opus',
    choices: FORMATS,
    flag: 'from',
    env: false,
    ini: false,
    argName: 'format',
    commands: ['convert'],
  }),
  opt.enum('convert.to', {
    help: 'format of OUT when its extension does not say: wav, ulaw, alaw, gsm, sln, g722 or opus',
    choices: FORMATS,
    flag: 'to',
    env: false,
    ini: false,
    argName: 'format',
    commands: ['convert'],
  }),
  opt.enum('convert.wav-encoding', {
    help: 'samples of a WAV OUT: pcm16 (16-bit linear), ulaw or alaw',
    choices: ['pcm16', 'ulaw', 'alaw'],
    default: 'pcm16',
    flag: 'wav-encoding',
    argName: 'encoding',
    commands: ['convert'],
  }),
  opt.enum('convert.rate', {
    help:
      'sample rate of OUT in Hz: 8000, 16000 or 48000 for wav and sln, 48000, 16000 or 8000 for opus ' +
      '(default: 8000 for wav, sln, ulaw, alaw and gsm; 16000 for g722; 48000 for opus)',
    choices: ['8000', '16000', '48000'],
    flag: 'rate',
    env: false,
    ini: false,
    argName: 'hz',
    commands: ['convert'],
  }),
] as const;
