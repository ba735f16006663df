/** Options of the phone (`shtoom phone`, `[phone]`). */
import { opt } from '../define.js';

export const phoneOptions = [
  opt.bool('phone.control', {
    help: 'control mode: commands one a line on stdin, events one JSON object a line on stdout (docs/phone.md)',
    default: false,
    flag: 'control',
    ini: false,
    commands: ['phone'],
  }),
  opt.string('phone.input', {
    help: 'the microphone: a device (alsa:default, portaudio:…), a WAV file, tone:440, silence',
    default: 'silence',
    flag: 'input',
    argName: 'uri',
    commands: ['phone'],
  }),
  opt.string('phone.output', {
    help: 'the speaker: a device (alsa:default), a WAV file to record what the phone hears, or null',
    default: 'null',
    flag: 'output',
    argName: 'uri',
    commands: ['phone'],
  }),
  opt.string('phone.hold-music', {
    help: 'what a call we hold hears: a WAV file or tone:…; empty for silence',
    default: '',
    flag: 'hold-music',
    argName: 'uri',
    commands: ['phone'],
  }),
  opt.bool('phone.auto-accept-transfer', {
    help: "follow the other side's transfer (REFER) at once; otherwise accept-transfer or reject-transfer it",
    default: false,
    flag: 'auto-accept-transfer',
    commands: ['phone'],
  }),
] as const;
