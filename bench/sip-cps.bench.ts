/**
 * sip.uas_cps: the highest call rate a shtoom UAS (answer 200, take the
 * BYE) sustains with zero failed calls, driven by SIPp's built-in `uac`
 * scenario (no media) for 20 s per step — beside SIPp's own `-sn uas` on
 * the same machine in the same run, and the ratio of the two.
 *
 * The shtoom UAS is the test fixture of test/interop/support/sip-uas.ts,
 * compiled with tsc as users run shtoom (not through tsx), in its own Node
 * process (one JavaScript thread). Steps go up until a step
 * fails (a failed call, or the calls needing more than 10 % (+1 s) longer than
 * planned). Env: SHTOOM_BENCH_CPS_SECONDS (default 20), SHTOOM_BENCH_CPS_RATES
 * (default 250,500,1000,2000,3000,3500,4000,5000,6000,8000,10000,12000,16000,20000;
 * SIPp's own UAS goes past 6,000 calls/s here, so the list reaches well beyond).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './lib/ports.js';
import { note, report } from './lib/report.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** SHTOOM_BENCH_ROOT=DIR: the UAS of another checkout (a before/after comparison by the same SIPp load). */
const UAS_ROOT = process.env.SHTOOM_BENCH_ROOT ?? ROOT;
const SECONDS = Number(process.env.SHTOOM_BENCH_CPS_SECONDS ?? 20);
/** Socket buffers for SIPp, as large as the shtoom UDP transport asks for (the kernel caps both). */
const BUFFER = 4 << 20;
const RATES = (
  process.env.SHTOOM_BENCH_CPS_RATES ?? '250,500,1000,2000,3000,3500,4000,5000,6000,8000,10000,12000,16000,20000'
)
  .split(',')
  .map(Number);

if (spawnSync('sh', ['-c', 'command -v sipp']).status !== 0) {
  note('sipp is not installed (apt-get install sip-tester)');
  process.exit(1);
}

function waitLine(child: ChildProcess, re: RegExp, ms = 20_000): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const t = setTimeout(() => reject(new Error(`timed out waiting for ${re}: ${buf}`)), ms);
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = re.exec(buf);
      if (m) {
        clearTimeout(t);
        resolve(m);
      }
    });
  });
}

function count(out: string, what: string): number {
  const line =
    out
      .split('\n')
      .filter((l) => l.includes(what))
      .at(-1) ?? '';
  const nums = line
    .split('|')
    .map((x) => x.trim())
    .filter((x) => /^\d+$/.test(x));
  return nums.length ? Number(nums.at(-1)) : -1;
}

async function step(port: number, rate: number): Promise<{ ok: boolean; why: string }> {
  const calls = rate * SECONDS;
  const start = performance.now();
  const r = spawnSync(
    'timeout',
    [
      '-k',
      '5',
      String(SECONDS * 3 + 30),
      'sipp',
      '-sn',
      'uac',
      `127.0.0.1:${port}`,
      '-i',
      '127.0.0.1',
      '-p',
      String(await freePort()),
      '-r',
      String(rate),
      '-m',
      String(calls),
      '-l',
      String(rate * 5),
      '-buff_size',
      String(BUFFER),
      '-nostdin',
      '-timeout',
      String(SECONDS * 3),
      '-timeout_error',
    ],
    { encoding: 'utf8', maxBuffer: 64 << 20 },
  );
  const took = (performance.now() - start) / 1000;
  const out = (r.stdout ?? '') + (r.stderr ?? '');
  const ok = count(out, 'Successful call');
  const failed = count(out, 'Failed call');
  const why = `${ok}/${calls} calls ok, ${failed} failed, ${took.toFixed(1)} s (sipp exit ${r.status})`;
  return { ok: r.status === 0 && failed === 0 && ok === calls && took <= SECONDS * 1.1 + 1, why };
}

async function highest(name: string, port: number): Promise<number> {
  let best = 0;
  for (const rate of RATES) {
    const s = await step(port, rate);
    note(`${name} at ${rate} calls/s: ${s.ok ? 'ok' : 'FAILED'} (${s.why})`);
    if (!s.ok) break;
    best = rate;
  }
  return best;
}

// SIPp's own UAS.
const sippPort = await freePort();
const sippUas = spawn(
  'sipp',
  ['-sn', 'uas', '-i', '127.0.0.1', '-p', String(sippPort), '-buff_size', String(BUFFER), '-nostdin'],
  { stdio: ['ignore', 'ignore', 'ignore'] },
);
await new Promise((r) => setTimeout(r, 300));
// SHTOOM_BENCH_CPS_REFERENCE=0 leaves SIPp's own UAS out.
const sippBest = process.env.SHTOOM_BENCH_CPS_REFERENCE === '0' ? 0 : await highest('sipp -sn uas', sippPort);
sippUas.kill('SIGTERM');

// The shtoom UAS (test fixture), compiled to plain JavaScript, in its own process.
const out = mkdtempSync(join(tmpdir(), 'shtoom-bench-uas-'));
const tsc = spawnSync(
  process.execPath,
  [
    join(UAS_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
    '--noCheck',
    '--outDir',
    out,
    '--rootDir',
    UAS_ROOT,
    '--module',
    'nodenext',
    '--moduleResolution',
    'nodenext',
    '--target',
    'es2022',
    '--skipLibCheck',
    join(UAS_ROOT, 'test', 'interop', 'support', 'sip-uas-main.ts'),
  ],
  { encoding: 'utf8' },
);
if (tsc.status !== 0) throw new Error(`cannot compile the fixture UAS: ${tsc.stdout}${tsc.stderr}`);
copyFileSync(join(UAS_ROOT, 'package.json'), join(out, 'package.json'));
const uas = spawn(process.execPath, [join(out, 'test', 'interop', 'support', 'sip-uas-main.js')], {
  cwd: UAS_ROOT,
  stdio: ['ignore', 'pipe', 'inherit'],
});
const m = await waitLine(uas, /listening (\d+)/);
const shtoomBest = await highest('shtoom UAS', Number(m[1]));
uas.kill('SIGTERM');
rmSync(out, { recursive: true, force: true });

report('sip.uas_cps', shtoomBest, 'calls/s');
if (sippBest > 0) {
  report('sip.uas_cps_sipp_reference', sippBest, 'calls/s');
  report('sip.uas_cps_ratio', Math.round((shtoomBest / sippBest) * 100) / 100, 'x');
}
note(`steps of ${SECONDS} s; the machine's other load shares its 2 cores with SIPp and the UAS`);
if (sippBest === RATES.at(-1)) {
  note(
    `SIPp's UAS passed every step up to ${sippBest} calls/s: its ceiling is higher (or the SIPp UAC driving it is ` +
      `the limit), so the ratio is an upper bound`,
  );
}
process.exit(0);
