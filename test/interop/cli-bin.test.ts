/** The built `shtoom` executable behaves as the README says. */
import { describe, expect, it } from 'vitest';
import { runShtoom } from './support/peers.js';

describe('the shtoom executable', () => {
  it('--help exits 0 and lists the commands', async () => {
    const r = await runShtoom(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: shtoom');
  });

  it('a bad option value is one line on stderr and exit 2', async () => {
    const r = await runShtoom(['--sip-port', 'abc', 'config', 'show']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('--sip-port');
  });

  it('config show --json is valid JSON', async () => {
    const r = await runShtoom(['config', 'show', '--json'], { env: { ...process.env, SHTOOM_SIP_PORT: '5999' } });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).options['sip.port'].value).toBe(5999);
  });
});
