/** Every shtoom command, in the order `shtoom --help` lists them. */
import type { CommandSpec } from '../command.js';
import { configCommand } from './config.js';
import { convertCommand } from './convert.js';
import { stunCommand } from './stun.js';

export const commands: readonly CommandSpec[] = [
  configCommand,
  stunCommand,
  convertCommand,
];
