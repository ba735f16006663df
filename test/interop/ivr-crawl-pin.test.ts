/**
 * `shtoom ivr crawl` against an IVR that asks for a PIN, in a real voice
 * (`support/crawl-pin-ivr.mjs`: Asterisk's recorded prompts served by
 * `shtoom serve`): a single key meets silence, so the crawl tries the
 * `--input` strings; 1234# reaches the inner menu, 0000# is refused. The
 * crawl is stopped by `--max-calls` and finished with `--resume`; the map is
 * compared with the app's known shape (prompts named by matching the sound
 * files), and the scenario through the PIN passes with `shtoom ivr`.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PocketsphinxRecogniser } from '../../src/asr/pocketsphinx.js';
import { readWavFile } from '../../src/audio/formats/wav.js';
import { describeMap } from './support/crawl-map.js';
import { freeSipPort, isListening, runShtoom, startShtoom, stopAllPeers, waitFor } from './support/peers.js';

const APP = join(import.meta.dirname, 'support', 'crawl-pin-ivr.mjs');
const LOOPBACK = ['--sip-address', '127.0.0.1', '--rtp-address', '127.0.0.1'];
/** As the other crawl test: the IVR waits 3 s or more for a key and pauses about 1.1 s between prompts. */
const FAST = ['--settle', '1800ms', '--no-key', '6s', '--response', '3s'];
const dir = mkdtempSync(join(tmpdir(), 'shtoom-ivr-crawl-pin-'));
let uri: string;
let IVR: { PROMPTS: Record<string, { file: string; text: string }>; SOUNDS_DIR: string };

beforeAll(async () => {
  await new PocketsphinxRecogniser().check();
  if (!existsSync('/usr/share/asterisk/sounds/en_US_f_Allison'))
    throw new Error('the PIN IVR speaks Asterisk prompts: apt-get install asterisk-core-sounds-en-wav');
  IVR = (await import(APP)) as typeof IVR;
  const port = await freeSipPort();
  const ivr = startShtoom(['serve', APP, '--listen', `127.0.0.1:${port}`, '--rtp-address', '127.0.0.1'], {
    timeoutSec: 150,
  });
  await waitFor(() => isListening(port, 'udp'), `PIN IVR on ${port}`).catch((e: Error) => {
    throw new Error(`${e.message}\n${ivr.stderr()}`);
  });
  uri = `sip:ivr@127.0.0.1:${port}`;
}, 60_000);

afterAll(async () => {
  await stopAllPeers();
  rmSync(dir, { recursive: true, force: true });
});

describe('shtoom ivr crawl: a PIN entry in a real voice', () => {
  it('enters the inputs at the PIN prompt, maps the inner menu across a resume; its scenario passes', async () => {
    const out = join(dir, 'pin');
    const crawlArgs = ['ivr', 'crawl', uri, '--keys', '12', '--input', '1234#,0000#', '--concurrency', '4']
      .concat(FAST)
      .concat(LOOPBACK);
    // Stopped after three calls (the first call and two keys), then resumed from the directory: the
    // map must come out as one crawl's (the app's shape below).
    const first = await runShtoom([...crawlArgs, '--max-calls', '3', '--out', out], { timeoutSec: 90 });
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(first.stdout).toMatch(/3 calls in .*; \d+ probes not made \(limits\)/);
    const stopped = JSON.parse(readFileSync(join(out, 'tree.json'), 'utf8')) as { pending: unknown[] };
    expect(stopped.pending.length).toBeGreaterThan(0);
    const crawl = await runShtoom([...crawlArgs, '--resume', out], { timeoutSec: 120 });
    expect(crawl.code, crawl.stdout + crawl.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'tree.json'), 'utf8'))).toMatchObject({ pending: [] });
    const real = Object.fromEntries(
      Object.entries(IVR.PROMPTS).map(([name, p]) => [
        name,
        readWavFile(join(IVR.SOUNDS_DIR, `${p.file}.wav`)).samples as Int16Array,
      ]),
    );
    const map = await describeMap(out, real);
    expect(map.entry).toBe(' -> menu password');
    expect(map.kinds).toEqual(['inner menu', 'password digits']);
    expect(map.edges).toEqual(
      [
        'password 1 -> silence',
        'password 2 -> silence',
        'password (no key) -> repeat password',
        'password 1234# -> menu inner [thanks]',
        'password 0000# -> repeat password [incorrect]',
        'inner 1 -> hangup [goodbye]',
        'inner 2 -> menu password',
        'inner (no key) -> repeat inner',
      ].sort(),
    );
    const scenarios = readdirSync(join(out, 'scenarios')).sort();
    expect(scenarios).toContain('1234pound-1-hangup.yaml');
    const replay = await runShtoom(['ivr', join(out, 'scenarios', '1234pound-1-hangup.yaml'), ...LOOPBACK], {
      timeoutSec: 60,
    });
    expect(replay.code, replay.stdout + replay.stderr).toBe(0);
    expect(replay.stdout).toMatch(/^PASS crawl: 1234# 1 -> hangup/m);
  }, 200_000);
});
