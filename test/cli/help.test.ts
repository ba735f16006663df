import { describe, expect, it } from 'vitest';
import { opt } from '../../src/options/define.js';
import { schema } from '../../src/options/schema/index.js';
import { readIni, writeIni } from '../../src/options/ini-file.js';
import { resolveOptions } from '../../src/options/resolve.js';
import { commands } from '../../src/cli/commands/index.js';
import { runCli } from '../support/cli.js';

describe('help is generated from the schema', () => {
  it('shtoom --help lists the general options and the commands', async () => {
    const r = await runCli(['--help'], {});
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: shtoom [options] [command]');
    expect(r.stdout).toMatch(/--log-level <level>\s+how much to log/);
    expect(r.stdout).toMatch(/\[env\s+SHTOOM_LOG_LEVEL\]/); // help text wraps with the column width
    expect(r.stdout).toMatch(/config\s+show or save the effective configuration/);
  });

  it(
    "a command's help lists its own options and the global ones that matter for it; help options lists " + 'all',
    async () => {
      const save = await runCli(['config', 'save', '--help'], {});
      expect(save.code).toBe(0);
      expect(save.stdout).toContain('Usage: shtoom config save [options] [file]');
      expect(save.stdout).toMatch(/--include-secrets\s+also write/);
      expect(save.stdout).toMatch(/--log-level <level>/);
      expect(save.stdout).not.toContain('--sip-port <port>');
      expect(save.stdout).toMatch(
        /\n\d+ more global options \(SIP, media, audio, account, STUN\): shtoom help options\n$/,
      );

      const call = await runCli(['call', '--help'], {});
      expect(call.stdout).toMatch(/--require-audio\s+exit 1/);
      for (const flag of ['--sip-port <port>', '--sip-outbound-proxy <uri>', '--aor <uri>', '--password <secret>'])
        expect(call.stdout).toContain(flag);
      for (const flag of ['--sip-t1', '--rtp-jitter-min', '--audio-buffer', '--stun-rto'])
        expect(call.stdout).not.toContain(flag);
      expect(call.stdout.split('\n').length).toBeLessThan(120); // it was over 200 (call's own options: about 90)
      expect((await runCli(['help', 'call'], {})).stdout).toBe(call.stdout);

      const all = await runCli(['help', 'options'], {});
      expect(all.code).toBe(0);
      expect(all.stdout).toMatch(/^SIP:\n/m);
      expect(all.stdout).toMatch(/^Media \(RTP\):\n/m);
      expect(all.stdout).toMatch(/--sip-port <port>\s+local SIP port/);
      expect(all.stdout).toMatch(/\[default:\s+5060\]/);
      for (const flag of ['--sip-t1', '--rtp-jitter-min', '--audio-buffer', '--stun-rto', '--credentials'])
        expect(all.stdout).toContain(flag);
      expect(all.stdout).not.toContain('--require-audio'); // a command's own

      const bad = await runCli(['help', 'nope'], {});
      expect(bad.code).toBe(2);
      expect(bad.stderr).toBe('shtoom: no help on "nope": not a command (or `options`)\n');
    },
  );

  it('demo --help shows the duration the demo really runs (5 s), smoke --help its own (10 s)', async () => {
    const demo = await runCli(['demo', '--help'], {});
    expect(demo.stdout).toMatch(/--duration <value>\s+how long the demo's test signal[^[]*\[default:\s+5s\]/);
    const smoke = await runCli(['smoke', '--help'], {});
    expect(smoke.stdout).toMatch(/--duration <value>\s+how long the test signal[^[]*\[default:\s+10s\]/);
  });

  it('--version prints the package version', async () => {
    const r = await runCli(['--version'], {});
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});

describe('adding an option is adding one schema entry', () => {
  const fake = opt.duration('rtp.fake-delay', {
    help: 'a fake option added by this test',
    unit: 'ms',
    default: 40,
    max: 1000,
    argName: 'time',
  });
  const extended = [...schema, fake] as const;

  it('appears in help, argv, env, ini and config show', async () => {
    const def = { schema: extended, commands };
    const help = await runCli(['help', 'options'], {}, def);
    expect(help.stdout).toMatch(/--rtp-fake-delay <time>\s+a fake option added by this test/);
    expect(help.stdout).toMatch(/\[env\s+SHTOOM_RTP_FAKE_DELAY\]/);

    const viaArgv = await runCli(['--rtp-fake-delay', '1.5s', 'config', 'show', '--json'], {}, def);
    expect(viaArgv.code).toBe(2); // 1500 ms is over its max of 1000
    expect(viaArgv.stderr).toContain('--rtp-fake-delay: "1.5s" is too large');

    const viaEnv = await runCli(['config', 'show', '--json'], { SHTOOM_RTP_FAKE_DELAY: '250ms' }, def);
    expect(JSON.parse(viaEnv.stdout).options['rtp.fake-delay']).toMatchObject({
      value: 250,
      source: 'env SHTOOM_RTP_FAKE_DELAY',
    });

    const read = readIni('[rtp]\nfake-delay = 60ms\n', 'x.ini', extended);
    expect(read.values.get('rtp.fake-delay')?.value).toBe(60);
    const opts = resolveOptions(extended, { ini: { file: 'x.ini', values: read.values } });
    expect(opts.get('rtp.fake-delay')).toBe(60);
    const saved = writeIni(extended, (s) => opts.entry(s.id).value);
    // in the [rtp] section, after the real rtp options
    expect(saved).toMatch(
      /\n\[rtp\]\n(;[^\n]*\n|[a-z-]+ = [^\n]*\n|;[a-z-]+ = [^\n]*\n)*; a fake option added by this test\n/,
    );
    expect(saved).toContain('\nfake-delay = 60ms\n');
  });
});
