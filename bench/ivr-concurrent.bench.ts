/**
 * ivr.concurrent_scenarios: how many demo-IVR scenarios run at once on one
 * core with every step passing.
 *
 * Everything runs on one CPU (the process re-starts itself under `taskset`
 * pinned to one core, so the TTS and recogniser processes it starts share
 * that core too): the demo IVR served by doug (`ivrDemo`, flite prompts) on
 * one phone, and the harness (`PhonePort`, real SIP and RTP over loopback,
 * pocketsphinx for every `heard`) on another. Levels of N simultaneous
 * scenarios run in turn, each a fresh batch of N calls started together; a
 * level passes when every step of every one of its scenarios passed. The
 * figure is the largest passing level below the first failing one.
 *
 * The scenario is the demo's "hang up" branch (welcome, menu, press 9,
 * goodbye: about 15 s of call, 2 recognitions, 3 prompts listened to).
 *
 * Environment (the machine is shared; keep it short):
 * - SHTOOM_BENCH_IVR_LEVELS: levels to try, ascending (default 8,16,32,48,64)
 * - SHTOOM_BENCH_IVR_CORE: the core to pin to (default: the last one)
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Phone } from '../src/app/phone.js';
import { ivrDemo } from '../src/apps/ivr-demo.js';
import { DougServer } from '../src/doug/server.js';
import { runSuite } from '../src/harness/load/run-suite.js';
import { loadSummary } from '../src/harness/load/load-summary.js';
import { PhonePort } from '../src/harness/phone/phone-port.js';
import { parseScenarioYaml } from '../src/harness/scenario/yaml.js';
import { note, report } from './lib/report.js';

const PINNED = 'SHTOOM_BENCH_IVR_PINNED';

if (!process.env[PINNED]) {
  // Run this file again pinned to one core (with everything it starts).
  const core = process.env.SHTOOM_BENCH_IVR_CORE ?? String(availableParallelism() - 1);
  const r = spawnSync('taskset', ['-c', core, process.execPath, ...process.execArgv, fileURLToPath(import.meta.url)], {
    stdio: 'inherit',
    env: { ...process.env, [PINNED]: core },
  });
  if (r.error) throw new Error(`taskset (util-linux) is needed to pin the benchmark to one core: ${r.error.message}`);
  process.exit(r.status ?? 1);
}

const levels = (process.env.SHTOOM_BENCH_IVR_LEVELS ?? '8,16,32,48,64').split(',').map(Number);
if (levels.some((n) => !Number.isInteger(n) || n < 1))
  throw new Error('SHTOOM_BENCH_IVR_LEVELS: whole numbers, e.g. 2,4,8');

const [scenario] = parseScenarioYaml(
  `name: demo IVR - hang up
timeout: 2m
prompts:
  - Welcome to the shtoom demo line.
  - For sales, press 1. For support, press 2. To enter your PIN, press 3. To hang up, press 9.
  - Thank you for calling. Goodbye.
steps:
  - call: \${ivr}
  - expect: answered
  - listen
  - heard: Welcome to the shtoom demo line.
  - listen
  - press: "9"
  - listen
  - heard: Thank you for calling. Goodbye.
  - expect: hangup
`,
  'bench:hang-up.yaml',
);

const server = await Phone.create({
  userAgent: { listen: 'udp:127.0.0.1:0' },
  media: { address: '127.0.0.1' },
  capacity: 1000,
});
const doug = new DougServer({ phone: server, app: ivrDemo() }).start();
const port = await PhonePort.create({ userAgent: { listen: 'udp:127.0.0.1:0' }, media: { address: '127.0.0.1' } });
const ivr = `sip:ivr@127.0.0.1:${server.ua.localAddress.port}`;
note(`pinned to core ${process.env[PINNED]}; levels ${levels.join(', ')}`);

let best = 0;
try {
  // One call first: prompts rendered, recogniser warm.
  await runSuite([scenario!], { ...port.env(), vars: { ivr } });
  for (const n of levels) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const run = await runSuite(
      [scenario!],
      { ...port.env(), vars: { ivr }, keepAudio: false },
      { concurrency: n, repeat: n },
    );
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const s = loadSummary(run);
    note(
      `${n} at once: ${s.passed}/${s.total} passed in ${(wall / 1000).toFixed(1)} s; node CPU ` +
        `${(((cpu.user + cpu.system) / 1000 / wall) * 100).toFixed(0)} %; ` +
        `recognition p99 ${Math.round(s.recognitionMs?.p99 ?? NaN)} ms; packets lost ${s.media.packetsLost}; jitter ` +
        `max ${s.media.maxJitterMs.toFixed(1)} ms`,
    );
    for (const f of s.failures.slice(0, 3)) note(`  ${f.count}× ${f.failure}`);
    if (s.failed > 0) break;
    best = n;
  }
} finally {
  await port.close();
  await doug.close();
  await server.close();
}
report('ivr.concurrent_scenarios', best, 'scenarios');
if (best === levels.at(-1)) note(`every level passed: raise SHTOOM_BENCH_IVR_LEVELS to find the limit`);
