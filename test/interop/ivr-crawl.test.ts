/**
 * `shtoom ivr crawl` on real calls over loopback, the built CLI against two
 * IVRs served by `shtoom serve`: the demo IVR (its top menu) and a small IVR
 * of another shape written for this test as a doug app file
 * (`support/crawl-test-ivr.mjs`: a sub-menu with a loop back on `*`, an
 * invalid key that repeats the menu, a branch that hangs up, a REFER
 * transfer). The maps found are compared with the known structures, the
 * scenarios the crawls wrote pass with `shtoom ivr`, and against a copy of
 * the test IVR whose billing menu says something else the scenario through
 * that menu fails.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PocketsphinxRecogniser } from '../../src/asr/pocketsphinx.js';
import { DEMO_PROMPTS } from '../../src/harness/sim/demo-ivr.js';
import { describeMap, type Tree } from './support/crawl-map.js';
import { audioPlayers, launchChromium } from './support/ivr-browser.js';
import {
  freeSipPort,
  isListening,
  requireBinary,
  runShtoom,
  startShtoom,
  stopAllPeers,
  waitFor,
} from './support/peers.js';

const APP = join(import.meta.dirname, 'support', 'crawl-test-ivr.mjs');
const LOOPBACK = ['--sip-address', '127.0.0.1', '--rtp-address', '127.0.0.1'];
const dir = mkdtempSync(join(tmpdir(), 'shtoom-ivr-crawl-'));
const CHANGED = join(dir, 'changed');
let demoUri: string;
let testUri: string;
let changedUri: string;

/** The test IVR's prompts (the app file's own list). */
let TEST_PROMPTS: Record<string, string>;

beforeAll(async () => {
  requireBinary('flite');
  await new PocketsphinxRecogniser().check();
  TEST_PROMPTS = ((await import(APP)) as { PROMPTS: Record<string, string> }).PROMPTS;
  const [demoPort, testPort, changedPort] = [await freeSipPort(), await freeSipPort(), await freeSipPort()];
  const demo = startShtoom(['serve', 'ivr-demo', '--listen', `127.0.0.1:${demoPort}`, '--rtp-address', '127.0.0.1'], {
    timeoutSec: 240,
  });
  const test = startShtoom(['serve', APP, '--listen', `127.0.0.1:${testPort}`, '--rtp-address', '127.0.0.1'], {
    timeoutSec: 240,
    env: { ...process.env, SHTOOM_TEST_IVR_CHANGED: join(dir, 'never') },
  });
  // The same IVR with its billing menu changed, beside it.
  writeFileSync(CHANGED, '');
  const changed = startShtoom(['serve', APP, '--listen', `127.0.0.1:${changedPort}`, '--rtp-address', '127.0.0.1'], {
    timeoutSec: 240,
    env: { ...process.env, SHTOOM_TEST_IVR_CHANGED: CHANGED },
  });
  await waitFor(() => isListening(demoPort, 'udp'), `ivr-demo on ${demoPort}`).catch((e: Error) => {
    throw new Error(`${e.message}\n${demo.stderr()}`);
  });
  await waitFor(() => isListening(testPort, 'udp'), `test IVR on ${testPort}`).catch((e: Error) => {
    throw new Error(`${e.message}\n${test.stderr()}`);
  });
  await waitFor(() => isListening(changedPort, 'udp'), `changed test IVR on ${changedPort}`).catch((e: Error) => {
    throw new Error(`${e.message}\n${changed.stderr()}`);
  });
  demoUri = `sip:ivr@127.0.0.1:${demoPort}`;
  changedUri = `sip:ivr@127.0.0.1:${changedPort}`;
  testUri = `sip:ivr@127.0.0.1:${testPort}`;
}, 60_000);

afterAll(async () => {
  await stopAllPeers();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * The crawl's waits for these IVRs: each waits 3 s or more for a key and
 * pauses about 1.1–1.2 s between two prompts (docs/ivr.md: the window between
 * --prompt-gap and --settle).
 */
const FAST = ['--settle', '1800ms', '--no-key', '6s', '--response', '3s'];

describe('shtoom ivr crawl against shtoom serve', () => {
  it('maps two IVRs, draws the map, writes scenarios that pass, and --compare finds what changed', async () => {
    const demoOut = join(dir, 'demo');
    const testOut = join(dir, 'test');
    const crawlTest = ['ivr', 'crawl', '--keys', '12*', '--concurrency', '6', ...FAST, ...LOOPBACK];
    // The --compare runs below: four calls at once (a menu's three keys and its "no key" together).
    const again = ['ivr', 'crawl', '--keys', '12*', '--concurrency', '4', ...FAST, ...LOOPBACK];
    // Two chains at once: the demo IVR crawled and its scenario replayed; the test IVR crawled, then its
    // scenarios replayed and the IVR crawled again with --compare (two crawls in a row: the longer chain).
    const demoChain = async () => {
      const demo = await runShtoom(
        // Its "no key" and its 9 at once (two calls after the first): the longer chain no longer.
        ['ivr', 'crawl', demoUri, '--keys', '9', '--depth', '1', '--concurrency', '2', '--out', demoOut].concat(
          FAST,
          LOOPBACK,
        ),
        { timeoutSec: 120 },
      );
      expect(demo.code, demo.stdout + demo.stderr).toBe(0);
      const demoMap = await describeMap(demoOut, DEMO_PROMPTS);
      expect(demoMap.entry).toBe('welcome -> menu menu');
      expect(demoMap.edges).toEqual(['menu (no key) -> repeat menu', 'menu 9 -> hangup [goodbye]']);
      expect(readdirSync(join(demoOut, 'scenarios'))).toEqual(['9-hangup.yaml']);
      const replay = await runShtoom(['ivr', join(demoOut, 'scenarios'), ...LOOPBACK], { timeoutSec: 60 });
      expect(replay.code, replay.stdout + replay.stderr).toBe(0);
      expect(replay.stdout.match(/^PASS /gm)).toHaveLength(1);
    };
    const testChain = async () => {
      const test = await runShtoom([...crawlTest, testUri, '--out', testOut], { timeoutSec: 120 });
      expect(test.code, test.stdout + test.stderr).toBe(0);
      const { changedBilling: _, ...testPrompts } = TEST_PROMPTS;
      const testMap = await describeMap(testOut, testPrompts);
      expect(testMap.entry).toBe(' -> menu main');
      expect(testMap.edges).toEqual(
        [
          'main 1 -> menu billing',
          'main 2 -> transfer [transferring] sip:agent@127.0.0.1:9',
          'main * -> repeat main [invalid]',
          'main (no key) -> repeat main',
          'billing 1 -> hangup [bill goodbye]',
          'billing 2 -> repeat billing [invalid]',
          'billing * -> menu main',
          'billing (no key) -> repeat billing',
        ].sort(),
      );
      expect(readdirSync(join(testOut, 'scenarios')).sort()).toEqual(['1-1-hangup.yaml', '2-transfer.yaml']);
      const billing = readFileSync(join(testOut, 'scenarios', '1-1-hangup.yaml'), 'utf8');
      expect(billing).toMatch(/press: "1"[\s\S]*press: "1"[\s\S]*expect: hangup/);
      expect(billing).not.toMatch(/^prompts:/m);

      // At once: the scenarios replayed against the IVR they were written
      // from, and the test IVR crawled again with --compare against its map:
      // its changed copy (the billing menu says something else, the main
      // menu's 2 is gone) and the IVR itself (nothing changed).
      const junit = join(dir, 'compare.xml');
      const [replay, changed, same] = await Promise.all([
        runShtoom(['ivr', join(testOut, 'scenarios'), '--concurrency', '2', ...LOOPBACK], { timeoutSec: 90 }),
        runShtoom([...again, changedUri, '--compare', testOut, '--junit', junit], { timeoutSec: 120 }),
        runShtoom([...again, testUri, '--compare', testOut], { timeoutSec: 120 }),
      ]);
      expect(replay.code, replay.stdout + replay.stderr).toBe(0);
      expect(replay.stdout.match(/^PASS /gm)).toHaveLength(2);
      expect(changed.code, changed.stdout + changed.stderr).toBe(1);
      expect(changed.stdout).toMatch(/^PROMPT CHANGED at 1: /m);
      expect(changed.stdout).toMatch(/^KEY REMOVED at first menu, key 2: was transfer sip:agent@127\.0\.0\.1:9/m);
      expect(changed.stdout, changed.stdout).toMatch(/^2 change\(s\) against /m);
      const xml = readFileSync(junit, 'utf8');
      expect(xml).toMatch(/<testsuites tests="3" failures="2"/);
      expect(same.code, same.stdout + same.stderr).toBe(0);
      expect(same.stdout, same.stdout).toMatch(/^no change against /m);
    };
    await Promise.all([demoChain(), testChain()]);
    await checkMapPage(testOut);
  }, 300_000);
});

/** The crawl's index.html in Chromium: every menu of tree.json drawn, every player loads its WAV. */
async function checkMapPage(out: string): Promise<void> {
  const tree = JSON.parse(readFileSync(join(out, 'tree.json'), 'utf8')) as Tree;
  const browser = await launchChromium();
  try {
    const tab = await browser.context.newPage();
    const errors: string[] = [];
    tab.on('pageerror', (e) => errors.push(e.message));
    // Offline: nothing but the file and the WAVs beside it may be asked for.
    const fetched: string[] = [];
    tab.on('request', (r) => fetched.push(r.url()));
    await tab.goto(pathToFileURL(join(out, 'index.html')).href, { waitUntil: 'load' });
    expect(await tab.title()).toBe('shtoom IVR map');
    const drawn = await tab
      .locator('svg.map g.node')
      .evaluateAll((els) => els.map((e) => (e as unknown as { dataset: { node: string } }).dataset.node));
    expect(drawn.sort()).toEqual(tree.nodes.map((n) => n.id).sort());
    // Each key that leads to another menu is a labelled line (main 1 -> billing, billing * -> main).
    expect(await tab.locator('svg.map g.edge').count()).toBe(tree.edges.filter((e) => e.outcome === 'menu').length);
    const audio = await audioPlayers(tab);
    // A player per menu card and per prompt.
    expect(audio).toHaveLength(tree.nodes.length + tree.prompts.length);
    for (const a of audio) {
      expect(a.error, a.src!).toBe(0);
      expect(a.ready, a.src!).toBeGreaterThanOrEqual(1);
      expect(a.duration, a.src!).toBeGreaterThan(0.5);
    }
    expect(fetched.every((u) => u.startsWith('file:'))).toBe(true);
    expect(errors).toEqual([]);
  } finally {
    await browser.close();
  }
}
