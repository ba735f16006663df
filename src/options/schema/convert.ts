/** Options of `shtoom convert`. */
import { opt } from '../define.js';

const FORMATS = ['wav', 'ulaw', 'alaw', 'gsm', 'sln'] as const;

export const convertOptions = [
  opt.enum('convert.from', {
    help: 'format of IN when its extension does not say: wav, ulaw, alaw, gsm or sln',
    choices: FORMATS,
    flag: 'from',
    env: false,
    ini: false,
    argName: 'format',
    commands: ['convert'],
  }),
  opt.enum('convert.to', {
    help: 'format of OUT when its extension does not say: wav, ulaw, alaw, gsm or sln',
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
] as const;
