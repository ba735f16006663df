/** Options of `shtoom config`. */
import { opt } from '../define.js';

export const configCommandOptions = [
  opt.bool('config.include-secrets', {
    help: 'also write (config save) or show (config show) passwords',
    default: false,
    flag: 'include-secrets',
    env: false,
    ini: false,
    commands: ['config'],
  }),
] as const;
