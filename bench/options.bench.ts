/**
 * Option parsing: reading an ini file and resolving defaults < ini < env <
 * argv, and the whole command-line front end (`shtoom config show --json`).
 */
import { main } from '../src/cli/main.js';
import { readIni } from '../src/options/ini-file.js';
import { resolveOptions } from '../src/options/resolve.js';
import { schema } from '../src/options/schema/index.js';
import { opsPerSecond, report } from './lib/report.js';

const INI =
  '[sip]\nport = 5070\ntransport = tcp\n\n[log]\nlevel = debug\n\n[account]\nuser = alice\npassword = secret\n';
const env = { SHTOOM_SIP_ADDRESS: '127.0.0.1', SHTOOM_JSON: 'no' };
const argv = new Map<string, string | boolean>([
  ['sip.port', '5080'],
  ['account.aor', 'sip:alice@example.com'],
]);

report(
  'options.resolve_ini_env_argv',
  Math.round(
    opsPerSecond(() => {
      const ini = readIni(INI, 'bench.ini', schema);
      resolveOptions(schema, { ini: { file: 'bench.ini', values: ini.values }, env, argv });
    }),
  ),
  'ops/s',
);

const sink = { write: () => true };
let n = 0;
const start = performance.now();
while (performance.now() - start < 1000) {
  await main(['--sip-port', '5080', 'config', 'show', '--json'], {
    stdout: sink,
    stderr: sink,
    env: { HOME: '/nonexistent' },
  });
  n++;
}
report('options.cli_config_show', Math.round((n * 1000) / (performance.now() - start)), 'runs/s');
