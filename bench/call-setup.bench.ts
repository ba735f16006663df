/**
 * call.setup_ms: how long a call takes to come up on loopback — from
 * `phone.call()` to the answer (RTP ports bound, SDP offer, INVITE, 200 OK
 * with the answer, ACK, media started) — against a phone in another
 * process that answers at once (`shtoom serve echo`). Median and p99 over
 * SHTOOM_BENCH_SETUP_CALLS calls (default 300) after 30 to warm up.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Phone } from '../src/app/phone.js';
import { freePort } from './lib/ports.js';
import { percentile, report, note } from './lib/report.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CALLS = Number(process.env.SHTOOM_BENCH_SETUP_CALLS ?? 300);
const WARMUP = 30;

const port = await freePort();
const server = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    join(root, 'bin/shtoom.ts'),
    'serve',
    'echo',
    '--listen',
    `udp:127.0.0.1:${port}`,
    '--rtp-address',
    '127.0.0.1',
    '--log-level',
    'warn',
    '--capacity',
    '10000',
  ],
  {
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
await new Promise<void>((resolve, reject) => {
  server.stdout!.on('data', (d: Buffer) => d.toString().includes('serving') && resolve());
  server.once('exit', (c) => reject(new Error(`serve exited ${c}`)));
});

const phone = await Phone.create({ userAgent: { listen: 'udp:127.0.0.1:0' }, media: { address: '127.0.0.1' } });
const setup: number[] = [];
try {
  for (let i = 0; i < WARMUP + CALLS; i++) {
    const t0 = performance.now();
    const call = phone.call(`sip:echo@127.0.0.1:${port}`);
    let ok = 0;
    call.on('answered', () => (ok = performance.now()));
    await call.answered;
    if (i >= WARMUP) setup.push(ok - t0);
    await call.hangup();
  }
} finally {
  await phone.close();
  server.kill('SIGTERM');
}
note(`${CALLS} calls to shtoom serve echo on loopback (another process), one at a time`);
report('call.setup_ms_median', percentile(setup, 50), 'ms');
report('call.setup_ms_p99', percentile(setup, 99), 'ms');
