/** Options every command has: configuration file, logging, output format. */
import { opt } from '../define.js';

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug', 'trace'] as const;

export const generalOptions = [
  opt.string('general.config', {
    help: 'ini file to read (default $XDG_CONFIG_HOME/shtoom/shtoom.ini or ~/.config/shtoom/shtoom.ini)',
    flag: 'config',
    env: 'SHTOOM_CONFIG',
    ini: false,
    argName: 'file',
  }),
  opt.enum('log.level', {
    help: 'how much to log on stderr; trace also prints every SIP message sent and received',
    choices: LOG_LEVELS,
    default: 'info',
    flag: 'log-level',
    argName: 'level',
  }),
  opt.bool('output.json', {
    help: 'print machine-readable JSON on stdout (commands that print data)',
    default: false,
    flag: 'json',
    env: 'SHTOOM_JSON',
    ini: false,
  }),
  opt.enum('output.color', {
    help: 'colour human output: auto (only on a terminal and without NO_COLOR), always or never',
    choices: ['auto', 'always', 'never'],
    default: 'auto',
    flag: 'color',
    argName: 'when',
  }),
] as const;
