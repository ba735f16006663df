/**
 * sipvicious `svcrack` at full speed against `shtoom serve echo --auth`
 * for 10 minutes (issue: "does not succeed within 10 minutes while the
 * server stays responsive to legitimate calls"). User 1000's password is
 * 4 digits, 0042: what svcrack, counting from 0000, reaches within a
 * second when nothing stops it (the control, first, for 60 s at most,
 * with `--sip-auth-failures 0`). Then with the defaults (10 failures a
 * minute, bans doubling) svcrack is started again and again from 127.0.0.1
 * for the whole time, while SIPp from 127.0.0.3 places an authenticated
 * call every 10 s.
 * - security.svcrack_control_cracked (1: the control works),
 * - security.svcrack_cracked (goal 0),
 * - security.svcrack_runs (svcrack runs in the time),
 * - security.legit_calls_answered (fraction; goal 1).
 * `SHTOOM_BENCH_SVCRACK_SECONDS` (default 600).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UAC_AUTH } from '../test/interop/support/sip-sipp.js';
import { startServe } from './lib/echo-load.js';
import { freePort } from './lib/ports.js';
import { note, report } from './lib/report.js';

const SECONDS = Number(process.env.SHTOOM_BENCH_SVCRACK_SECONDS ?? 600);
for (const bin of ['svcrack', 'sipp'])
  if (spawnSync('which', [bin]).status !== 0) throw new Error(`${bin} is missing: bash scripts/install-peers.sh`);

const dir = mkdtempSync(join(tmpdir(), 'shtoom-bench-svcrack-'));
writeFileSync(join(dir, 'users.ini'), 'realm = shtoom\n[alice]\npassword = secret\n[1000]\npassword = 0042\n');
writeFileSync(join(dir, 'uac_auth.xml'), UAC_AUTH);

/** Run a command to its end (at most `sec` seconds); its output. */
function run(cmd: string, args: readonly string[], sec: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn('timeout', [String(sec), cmd, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.on('close', (code) => resolve({ code, out }));
  });
}

async function serve(extra: readonly string[]): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  const child = await startServe([
    ...['echo', '--listen', `udp:127.0.0.1:${port}`, '--sip-address', '127.0.0.1', '--rtp-address', '127.0.0.1'],
    ...['--auth', join(dir, 'users.ini'), '--auth-algorithms', 'MD5', '--log-level', 'warn', ...extra],
  ]);
  return { port, child };
}

const cracked = (out: string) => /\|\s*1000\s*\|\s*0042\s*\|/.test(out);
// Each run from a port of its own: svcrack's default, 5060, would take answers still retransmitted to an
// earlier run (the control's 200 for 0042, never ACKed) as this run's.
const svcrack = async (port: number, sec: number) =>
  run(
    'svcrack',
    ['-u1000', '-r0-9999', '-z4', '-m', 'INVITE', '-P', String(await freePort()), '-p', String(port), '127.0.0.1'],
    sec,
  );

try {
  {
    const s = await serve(['--sip-auth-failures', '0']);
    const t0 = performance.now();
    const r = await svcrack(s.port, 60);
    const took = ((performance.now() - t0) / 1000).toFixed(1);
    note(`control (no failure limit): ${cracked(r.out) ? 'cracked' : 'not cracked'} in ${took} s`);
    report('security.svcrack_control_cracked', cracked(r.out) ? 1 : 0, 'boolean');
    const gone = new Promise((x) => s.child.once('exit', x));
    s.child.kill('SIGTERM');
    await gone;
  }
  const s = await serve([]);
  const end = Date.now() + SECONDS * 1000;
  let runs = 0;
  let broke = false;
  let calls = 0;
  let answered = 0;
  const attacker = (async () => {
    while (Date.now() < end && !broke) {
      const r = await svcrack(s.port, Math.max(1, Math.min(120, Math.ceil((end - Date.now()) / 1000))));
      runs++;
      if (cracked(r.out)) {
        broke = true;
        note(`svcrack run ${runs} cracked it:\n${r.out.trim().split('\n').slice(-8).join('\n')}`);
      }
    }
  })();
  const caller = (async () => {
    while (Date.now() < end) {
      const local = await freePort();
      const r = await run(
        'sipp',
        [
          ...['-sf', 'uac_auth.xml', '-s', 'echo', `127.0.0.1:${s.port}`, '-i', '127.0.0.3', '-p', String(local)],
          ...['-au', 'alice', '-ap', 'secret', '-auth_uri', `echo@127.0.0.1:${s.port}`],
          ...['-m', '1', '-nostdin', '-timeout', '10', '-timeout_error'],
        ],
        20,
      );
      calls++;
      if (r.code === 0) answered++;
      await new Promise((x) => setTimeout(x, 10_000));
    }
  })();
  await Promise.all([attacker, caller]);
  note(`${SECONDS} s: svcrack ran ${runs} times, ${broke ? 'CRACKED' : 'cracked nothing'}; ${answered}/${calls} calls`);
  report('security.svcrack_cracked', broke ? 1 : 0, 'boolean');
  report('security.svcrack_runs', runs, 'runs');
  report('security.legit_calls_answered', calls > 0 ? answered / calls : 0, 'fraction');
  s.child.kill('SIGTERM');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
