/**
 * The real peers the interop suite uses are installed and run. In CI a
 * missing peer fails here first, with the package to install.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { PEER_PACKAGES, requireBinary } from './support/peers.js';

const VERSION_ARGS: Record<string, string[]> = {
  sipp: ['-v'],
  kamailio: ['-v'],
  baresip: ['-h'],
  sox: ['--version'],
  'espeak-ng': ['--version'],
  tshark: ['--version'],
  toast: ['-v'],
  opusinfo: ['-V'],
};

describe('real peers are installed', () => {
  for (const name of Object.keys(PEER_PACKAGES)) {
    it(name, () => {
      const path = requireBinary(name);
      expect(path).toMatch(/^\//);
      const args = VERSION_ARGS[name];
      if (args) {
        const r = spawnSync('timeout', ['10', path, ...args], { encoding: 'utf8' });
        expect(r.error).toBeUndefined();
        expect(`${r.stdout}${r.stderr}`.length).toBeGreaterThan(0);
      }
    });
  }
});
