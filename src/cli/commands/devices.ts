/**
 * `shtoom devices [--json]`: the audio devices shtoom can open here, with
 * their directions and rates, and which backends are missing and why.
 */
import type { ChalkInstance } from 'chalk';
import type { AudioDeviceInfo } from '../../audio/device.js';
import { auditAudio, type BackendStatus } from '../../audio/open.js';
import type { CommandContext, CommandSpec } from '../command.js';
import { ExitCode } from '../exit-codes.js';

const direction = (d: AudioDeviceInfo) => (d.input && d.output ? 'in/out' : d.input ? 'in' : 'out');

/** What a backend that cannot be used here, or has nothing to offer, is reported as. */
export function backendNote(b: BackendStatus): string | undefined {
  if (!b.available) return `${b.backend}: not available here (${b.install})`;
  if (b.devices === 0) {
    if (b.backend === 'portaudio') return 'portaudio: no devices here (PortAudio found no sound card)';
    if (b.backend === 'alsa') return 'alsa: no device that opens here (no sound card, server or plugin that works)';
  }
  return undefined;
}

/** The human listing: one line per device, then a line for each backend that is missing or empty. */
export function formatDevices(
  devices: readonly AudioDeviceInfo[],
  backends: readonly BackendStatus[],
  c: ChalkInstance,
): string {
  const w = Math.max(...devices.map((d) => d.uri.length));
  const lines = devices.map(
    (d) =>
      `${d.uri.padEnd(w)}  ${direction(d).padEnd(6)}  ` +
      `${c.gray(d.rates.map((r) => r / 1000).join('/') + ' kHz').padEnd(20)}  ${d.description}`,
  );
  for (const b of backends) {
    const note = backendNote(b);
    if (note) lines.push(c.yellow(note));
  }
  return lines.join('\n');
}

async function run(ctx: CommandContext): Promise<number> {
  const env = { ...process.env, ...ctx.env };
  const { devices, backends } = await auditAudio(env);
  ctx.out.data({ devices, backends }, (c) => formatDevices(devices, backends, c));
  return ExitCode.OK;
}

export const devicesCommand: CommandSpec = {
  name: 'devices',
  globals: ['audio.device-rate', 'audio.buffer'],
  description: 'list the audio devices shtoom can play to and record from, with directions and rates',
  run,
  examples: ['shtoom devices', 'shtoom devices --json', 'ALSA_CONFIG_PATH=./asoundrc shtoom devices'],
};
