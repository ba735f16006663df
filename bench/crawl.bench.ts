/**
 * `ivr crawl` on the demo IVR over real calls on loopback: the demo served
 * by the built CLI (`shtoom serve ivr-demo`, its own process: served from
 * this one, its media shared the event loop with the crawler's matching and
 * the recordings suffered), the crawler placing its probe calls through the
 * harness's `PhonePort`. Needs `npm run build`. Figures: the menus found against the truth (the
 * demo's main, support and PIN menus), spurious menus (one menu taken for
 * two), edges, calls used and wall time. Keys and concurrency:
 * SHTOOM_BENCH_CRAWL_KEYS (default 0123*9), SHTOOM_BENCH_CRAWL_CONCURRENCY
 * (default 4); PIN inputs 1234# and 0000#. SHTOOM_BENCH_CRAWL_OUT=DIR writes the
 * map there as `ivr crawl --out` does (tree.json, prompts/), to read what was found.
 */
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import { crawl } from '../src/harness/crawl/crawler.js';
import { writeCrawl } from '../src/harness/crawl/output.js';
import { DEFAULT_TIMING } from '../src/harness/crawl/probe.js';
import { comparePrompts } from '../src/harness/crawl/prompt-library.js';
import { PhonePort } from '../src/harness/phone/phone-port.js';
import { DEMO_PROMPTS } from '../src/harness/sim/demo-ivr.js';
import { speak } from '../src/tts/speak.js';
import { note, report } from './lib/report.js';

const keys = process.env.SHTOOM_BENCH_CRAWL_KEYS ?? '0123*9';
const concurrency = Number(process.env.SHTOOM_BENCH_CRAWL_CONCURRENCY ?? 4);
const sipPort = await new Promise<number>((resolve) => {
  const s = createSocket('udp4');
  s.bind(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => resolve(p));
  });
});
const cli = join(import.meta.dirname, '..', 'dist', 'bin', 'shtoom.js');
const server = spawn(
  'timeout',
  ['900', process.execPath, cli, 'serve', 'ivr-demo', '--listen', `127.0.0.1:${sipPort}`, '--rtp-address', '127.0.0.1'],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
await new Promise<void>((resolve, reject) => {
  const t = setTimeout(() => reject(new Error('shtoom serve ivr-demo did not start in 30 s')), 30_000);
  server.stdout.on('data', (d: Buffer) => {
    if (/serving ivr-demo/.test(d.toString())) {
      clearTimeout(t);
      resolve();
    }
  });
});
const port = await PhonePort.create({ userAgent: { listen: 'udp:127.0.0.1:0' }, media: { address: '127.0.0.1' } });
const uri = `sip:ivr@127.0.0.1:${sipPort}`;
note(`crawling ${uri} with keys ${keys}, ${concurrency} calls at once`);
const started = performance.now();
const map = await crawl(
  {
    uri,
    dtmfMode: 'rfc4733',
    timing: DEFAULT_TIMING,
    limits: { keys: [...keys], inputs: ['1234#', '0000#'], maxDepth: 4, maxCalls: 200 },
    concurrency,
    onProbe: (line) => note(line),
  },
  port.env(),
);
const wallS = (performance.now() - started) / 1000;
await port.close();
server.kill('SIGTERM');
const out = process.env.SHTOOM_BENCH_CRAWL_OUT;
if (out) writeCrawl(map, out, { dtmfMode: 'rfc4733', timing: DEFAULT_TIMING });

// Which of the demo's menus each node is: its prompt against flite's rendering of the menu texts.
const truth = { menu: DEMO_PROMPTS.menu, support: DEMO_PROMPTS.support, pin: DEMO_PROMPTS.pin };
const found = new Map<string, number>();
for (const n of map.nodes) {
  const p = map.prompts.find((x) => x.id === n.prompt)!;
  for (const [name, text] of Object.entries(truth)) {
    if (comparePrompts(p.samples, p.speechMs, await speak(text), p.speechMs).score >= 0.8)
      found.set(name, (found.get(name) ?? 0) + 1);
  }
}
note(
  `menus: ${[...found].map(([k, v]) => `${k}×${v}`).join(', ')}; ${map.edges.length} edges; ${map.unexplored} unmade`,
);
report('crawl.menus_found', found.size, 'menus');
report('crawl.menus_truth', Object.keys(truth).length, 'menus');
report('crawl.menus_spurious', map.nodes.length - found.size, 'menus');
report('crawl.edges', map.edges.length, 'edges');
report('crawl.prompts', map.prompts.length, 'prompts');
report('crawl.calls', map.callsUsed, 'calls');
report('crawl.wall_time', wallS, 's');
process.exit(0);
