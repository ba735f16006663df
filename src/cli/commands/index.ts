/** Every shtoom command, in the order `shtoom --help` lists them. */
import type { CommandSpec } from '../command.js';
import { analyzeCommand } from './analyze.js';
import { callCommand } from './call.js';
import { demoCommand } from './demo.js';
import { ivrCommand } from './ivr.js';
import { serveCommand } from './serve.js';
import { smokeCommand } from './smoke.js';
import { configCommand } from './config.js';
import { devicesCommand } from './devices.js';
import { optionsCommand } from './options.js';
import { registerCommand } from './register.js';
import { convertCommand } from './convert.js';
import { stunCommand } from './stun.js';
import { phoneCommand } from './phone.js';

export const commands: readonly CommandSpec[] = [
  demoCommand,
  callCommand,
  phoneCommand,
  serveCommand,
  smokeCommand,
  ivrCommand,
  registerCommand,
  optionsCommand,
  stunCommand,
  devicesCommand,
  analyzeCommand,
  convertCommand,
  configCommand,
];
