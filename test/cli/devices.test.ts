import { join } from 'node:path';
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
});
