import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../support/cli.js';

let dir: string;
let cleanup: () => void;
let env: Record<string, string>;

beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  env = { HOME: dir, XDG_CONFIG_HOME: join(dir, 'xdg') };
});
afterEach(() => cleanup());

const defaultIni = () => join(dir, 'xdg', 'shtoom', 'shtoom.ini');

describe('shtoom config show', () => {
  it('prints every option with its value and source', async () => {
    mkdirSync(join(dir, 'xdg', 'shtoom'), { recursive: true });
    writeFileSync(defaultIni(), '[sip]\ntransport = tcp\n');
    const r = await runCli(['--log-level', 'debug', 'config', 'show'], { ...env, SHTOOM_SIP_PORT: '5070' });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`config file ${defaultIni()}`);
    expect(r.stdout).toMatch(/^sip\.port +5070 +env SHTOOM_SIP_PORT$/m);
    expect(r.stdout).toMatch(
      /^ +used by call, smoke, ivr, options, register, serve: 5070; demo: a free port on 127\.0\.0\.1;/m,
    );
    expect(r.stdout).toMatch(new RegExp(`^sip\\.transport +tcp +${defaultIni().replace(/[.]/g, '\\.')}:2$`, 'm'));
    expect(r.stdout).toMatch(/^log\.level +debug +argv --log-level$/m);
    expect(r.stdout).toMatch(/^sip\.address +0\.0\.0\.0 +default$/m);
  });

  it('--json prints one JSON document with value, source, flag, env and ini key', async () => {
    const r = await runCli(['config', 'show', '--json', '--password', 'pw'], env);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.options['sip.port']).toEqual({
      value: 5060,
      source: 'default',
      flag: '--sip-port',
      env: 'SHTOOM_SIP_PORT',
      ini: '[sip] port',
      // What each command really binds: one-shot clients a free port while sip.port is left at its default.
      byCommand: {
        call: 'free',
        smoke: 'free',
        ivr: 'free',
        options: 'free',
        register: 5060,
        serve: 5060,
        demo: 'free (127.0.0.1)',
      },
    });
    expect(doc.options['account.password'].value).toBe('********');
    expect(doc.configFound).toBe(false);
  });

  it('global options are accepted after the subcommand too', async () => {
    const r = await runCli(['config', 'show', '--json', '--sip-port', '5099'], env);
    expect(JSON.parse(r.stdout).options['sip.port'].value).toBe(5099);
  });

  it('shows secrets only with --include-secrets', async () => {
    const r = await runCli(['config', 'show', '--json', '--include-secrets'], {
      ...env,
      SHTOOM_ACCOUNT_PASSWORD: 'pw',
    });
    expect(JSON.parse(r.stdout).options['account.password'].value).toBe('pw');
  });

  it('an ini warning (unknown key) is logged with its line and does not stop the command', async () => {
    mkdirSync(join(dir, 'xdg', 'shtoom'), { recursive: true });
    writeFileSync(defaultIni(), '[sip]\n\nprot = 1\n');
    const r = await runCli(['config', 'show'], env);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`${defaultIni()}:3: unknown option "prot" in [sip] (ignored); did you mean "port"?`);
  });
});

describe('bad values: one line naming option and source, exit 2', () => {
  it('argv', async () => {
    const r = await runCli(['--sip-port', 'abc', 'config', 'show'], env);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('shtoom: --sip-port: "abc" is not an integer; allowed: an integer from 0 to 65535\n');
  });

  it('env', async () => {
    const r = await runCli(['config', 'show'], { ...env, SHTOOM_SIP_TRANSPORT: 'sctp' });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'shtoom: environment SHTOOM_SIP_TRANSPORT: "sctp" is not a known choice; allowed: one of udp, tcp, tls\n',
    );
  });

  it('ini: names the file and the line', async () => {
    const file = join(dir, 'my.ini');
    writeFileSync(file, '[log]\nlevel = info\n[sip]\nport = -5\n');
    const r = await runCli(['--config', file, 'config', 'show'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`shtoom: ${file}:4: [sip] port: "-5" is too small; allowed: an integer from 0 to 65535\n`);
  });

  it('a missing --config file', async () => {
    const r = await runCli(['--config', join(dir, 'nope.ini'), 'config', 'show'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`shtoom: config file ${join(dir, 'nope.ini')}: no such file\n`);
  });

  it('unknown option and unknown command', async () => {
    const a = await runCli(['--bogus', 'config', 'show'], env);
    expect(a.code).toBe(2);
    expect(a.stderr).toBe("shtoom: unknown option '--bogus'\n");
    const b = await runCli(['config', 'shw'], env);
    expect(b.code).toBe(2);
    expect(b.stderr).toBe("shtoom: unknown command 'shw' (Did you mean show?)\n");
  });
});

describe('shtoom config save', () => {
  it('writes the effective options to the default file, without secrets, and they load back', async () => {
    const w = await runCli(['--sip-port', '5071', '--password', 'pw', 'config', 'save'], env);
    expect(w.code).toBe(0);
    expect(w.stdout).toBe(`wrote ${defaultIni()}\n`);
    const text = readFileSync(defaultIni(), 'utf8');
    expect(text).toContain('\nport = 5071\n');
    expect(text).not.toContain('pw\n');
    const r = await runCli(['config', 'show', '--json'], env);
    const doc = JSON.parse(r.stdout);
    expect(doc.options['sip.port']).toMatchObject({ value: 5071, source: expect.stringMatching(/shtoom\.ini:\d+$/) });
    expect(doc.options['account.password'].value).toBeNull();
  });

  it('--include-secrets writes the password, in a file only the owner can read', async () => {
    const file = join(dir, 'out', 'with-secrets.ini');
    const w = await runCli(['--password', 'pw', 'config', 'save', file, '--include-secrets'], env);
    expect(w.code).toBe(0);
    expect(readFileSync(file, 'utf8')).toContain('\npassword = pw\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});
