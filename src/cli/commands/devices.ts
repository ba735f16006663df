/**
 * `shtoom devices [--json]`: the audio devices shtoom can open here, with
 * their directions and rates, and which backends are missing and why.
 */
import type { AudioDeviceInfo } from '../../audio/device.js';
import { backendStatus, listDevices } from '../../audio/open.js';
import type { CommandContext, CommandSpec } from '../command.js';
import { ExitCode } from '../exit-codes.js';

const direction = (d: AudioDeviceInfo) => (d.input && d.output ? 'in/out' : d.input ? 'in' : 'out');

async function run(ctx: CommandContext): Promise<number> {
  const env = { ...process.env, ...ctx.env };
  const devices = await listDevices(env);
  const backends = await backendStatus(env);
  ctx.out.data({ devices, backends }, (c) => {
    const w = Math.max(...devices.map((d) => d.uri.length));
    const lines = devices.map(
      (d) =>
        `${d.uri.padEnd(w)}  ${direction(d).padEnd(6)}  ` +
        `${c.gray(d.rates.map((r) => r / 1000).join('/') + ' kHz').padEnd(20)}  ${d.description}`,
    );
    for (const b of backends) if (!b.available) lines.push(c.yellow(`${b.backend}: not available here (${b.install})`));
    return lines.join('\n');
  });
  return ExitCode.OK;
}

export const devicesCommand: CommandSpec = {
  name: 'devices',
  description: 'list the audio devices shtoom can play to and record from, with directions and rates',
  run,
  examples: ['shtoom devices', 'shtoom devices --json', 'ALSA_CONFIG_PATH=./asoundrc shtoom devices'],
};
