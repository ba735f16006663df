import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatDevices } from '../../src/cli/commands/devices.js';
import { makeChalk } from '../../src/cli/output.js';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../support/cli.js';

describe('shtoom devices', () => {
  it('lists the devices that always exist, as JSON, with directions and rates', async () => {
    const { dir, cleanup } = tempDir();
    try {
      // An empty PATH: no aplay, no sox; the listing still works.
      const r = await runCli(['devices', '--json'], { HOME: dir, XDG_CONFIG_HOME: join(dir, 'x'), PATH: dir });
      expect(r.code).toBe(0);
      const doc = JSON.parse(r.stdout);
      const uris = doc.devices.map((d: { uri: string }) => d.uri);
      expect(uris).toEqual(
        expect.arrayContaining([
          'file:PATH.wav',
          'raw:-',
          'tone:440[,880][@-10dBFS]',
          'silence',
          'noise[@-30dBFS]',
          'null',
        ]),
      );
      expect(doc.devices.find((d: { uri: string }) => d.uri === 'null')).toMatchObject({
        input: true,
        output: true,
        rates: [8000],
      });
      const alsa = doc.backends.find((b: { backend: string }) => b.backend === 'alsa');
      expect(alsa).toEqual({ backend: 'alsa', available: false, install: 'apt-get install alsa-utils' });
    } finally {
      cleanup();
    }
  });

  it('says which backends are missing in the human listing', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const r = await runCli(['devices'], { HOME: dir, XDG_CONFIG_HOME: join(dir, 'x'), PATH: dir });
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^tone:440\[,880\]\[@-10dBFS\] +in +8 kHz +sine generator$/m);
      expect(r.stdout).toContain('alsa: not available here (apt-get install alsa-utils)');
    } finally {
      cleanup();
    }
  });

  it('lists only the ALSA PCMs that open here, in the directions they open', async () => {
    const { dir, cleanup } = tempDir();
    try {
      // Fake alsa-utils: `-L` names four PCMs (as aplay -L lists plugins that need a card or a server);
      // opening works for null both ways, for spk only to play, and never for jack or pulse.
      const fake = (opens: string) =>
        [
          '#!/bin/sh',
          'case "$*" in',
          `  *-L*) printf 'null\\n    Discard all samples\\nspk\\n    A speaker\\n` +
            `jack\\n    JACK\\npulse\\n    PulseAudio\\n'; exit 0;;`,
          `  ${opens}) exit 0;;`,
          '  *) echo "audio open error: No such device" >&2; exit 1;;',
          'esac',
          '',
        ].join('\n');
      writeFileSync(join(dir, 'aplay'), fake('*"-D null "*|*"-D spk "*'));
      writeFileSync(join(dir, 'arecord'), fake('*"-D null "*'));
      chmodSync(join(dir, 'aplay'), 0o755);
      chmodSync(join(dir, 'arecord'), 0o755);
      const r = await runCli(['devices', '--json'], { HOME: dir, XDG_CONFIG_HOME: join(dir, 'x'), PATH: dir });
      expect(r.code, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout);
      const alsa = doc.devices.filter((d: { backend: string }) => d.backend === 'alsa');
      expect(alsa).toEqual([
        expect.objectContaining({ uri: 'alsa:null', input: true, output: true, description: 'Discard all samples' }),
        expect.objectContaining({ uri: 'alsa:spk', input: false, output: true }),
      ]);
      expect(doc.backends.find((b: { backend: string }) => b.backend === 'alsa')).toEqual({
        backend: 'alsa',
        available: true,
        devices: 2,
      });
    } finally {
      cleanup();
    }
  });

  it('says PortAudio is missing (or has no devices), and ALSA when nothing opens', () => {
    const c = makeChalk(0);
    const text = formatDevices(
      [{ uri: 'null', description: 'discards', input: true, output: true, rates: [8000], backend: 'generator' }],
      [
        { backend: 'alsa', available: true, devices: 0 },
        { backend: 'portaudio', available: false, install: 'npm install naudiodon2' },
        { backend: 'generator', available: true },
      ],
      c,
    );
    expect(text.split('\n').slice(1)).toEqual([
      'alsa: no device that opens here (no sound card, server or plugin that works)',
      'portaudio: not available here (npm install naudiodon2)',
    ]);
    expect(formatDevices([], [{ backend: 'portaudio', available: true, devices: 0 }], c)).toContain(
      'portaudio: no devices here (PortAudio found no sound card)',
    );
  });
});
