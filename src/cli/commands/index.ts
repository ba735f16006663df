/** Every shtoom command, in the order `shtoom --help` lists them. */
import type { CommandSpec } from '../command.js';
import { configCommand } from './config.js';
import { optionsCommand } from './options.js';
import { registerCommand } from './register.js';

export const commands: readonly CommandSpec[] = [configCommand, registerCommand, optionsCommand];
