/** Options of `shtoom register` and `shtoom options` (the SIP commands). */
import { opt } from '../define.js';

export const sipCommandOptions = [
  opt.int('register.expires', {
    help: 'registration lifetime to ask for, in seconds (the registrar may grant less)',
    default: 3600,
    min: 0,
    max: 4294967295,
    flag: 'expires',
    argName: 'seconds',
    commands: ['register'],
  }),
  opt.bool('register.stay', {
    help: 'keep the registration fresh until Ctrl-C, then unregister',
    default: false,
    flag: 'stay',
    ini: false,
    env: false,
    commands: ['register'],
  }),
  opt.bool('register.unregister', {
    help: 'remove every binding of the AOR (Contact: *, Expires: 0) instead of registering',
    default: false,
    flag: 'unregister',
    ini: false,
    env: false,
    commands: ['register'],
  }),
  opt.int('options.count', {
    help: 'how many OPTIONS requests to send',
    default: 1,
    min: 1,
    max: 1_000_000,
    flag: 'count',
    ini: false,
    argName: 'n',
    commands: ['options'],
  }),
  opt.duration('options.interval', {
    help: 'pause between OPTIONS requests',
    unit: 's',
    default: 1000,
    min: 0,
    flag: 'interval',
    commands: ['options'],
  }),
  opt.duration('options.timeout', {
    help: 'how long to wait for each answer (at most 64*T1)',
    unit: 's',
    default: 5000,
    min: 1,
    flag: 'timeout',
    commands: ['options'],
  }),
] as const;
