/** Options of the audio layer (`[audio]`) and of `shtoom analyze`. */
import { opt } from '../define.js';

export const audioOptions = [
  opt.int('audio.device-rate', {
    help: 'sample rate to open sound devices at (ALSA, OSS, PortAudio); shtoom resamples to and from 8 kHz',
    default: 8000,
    min: 8000,
    max: 192000,
    argName: 'hz',
  }),
  opt.duration('audio.buffer', {
    help: 'audio held between a sound card clock and the media clock (absorbs device clock drift)',
    unit: 'ms',
    default: 60,
    min: 20,
    max: 1000,
  }),
  opt.list('analyze.tone', {
    help: 'also look for these tones: a frequency in Hz, or several sounding together joined by + (1000,350+440)',
    flag: 'tone',
    env: false,
    ini: false,
    commands: ['analyze'],
    argName: 'hz',
  }),
] as const;
