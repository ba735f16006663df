/**
 * Early media against SIPp (sip-tester) on loopback, with the built CLI: a
 * SIPp UAS answers `shtoom call` with 183 Session Progress and SDP, streams
 * a 1 kHz announcement, then either refuses the call (486, as networks do
 * after an announcement) or answers 200 with the same SDP. The recording
 * must hold the announcement in both cases. And an IVR scenario hears the
 * announcement as a tone before the busy signal.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ulawEncode } from '../../src/codecs/ulaw.js';
import { uasEarlyMedia, ulawSine } from './support/call-sipp.js';
import {
  freeSipPort,
  freeUdpPort,
  isListening,
  requireBinary,
  runShtoom,
  stopAllPeers,
  waitFor,
} from './support/peers.js';
import { startSipp } from './support/sip-sipp.js';
import { wavToneSeconds } from './support/wav-tone.js';

const MEDIA = ['--rtp-address', '127.0.0.1', '--rtp-clock-realtime', '0', '--sip-address', '127.0.0.1'];

let dir: string;
beforeAll(() => {
  requireBinary('sipp');
  dir = mkdtempSync(join(tmpdir(), 'shtoom-early-media-'));
  writeFileSync(
    join(dir, 'announce.ulaw'),
    ulawSine(1000, 2, (pcm) => ulawEncode(pcm)),
  );
});
afterEach(async () => stopAllPeers());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function sippUas(name: string, scenario: string) {
  writeFileSync(join(dir, name), scenario);
  const port = await freeSipPort();
  const media = await freeUdpPort(true);
  const sipp = startSipp(
    [
      '-sf',
      name,
      '-i',
      '127.0.0.1',
      '-p',
      String(port),
      '-mi',
      '127.0.0.1',
      '-mp',
      String(media),
      '-m',
      '1',
      '-timeout',
      '30',
      '-timeout_error',
    ],
    {
      cwd: dir,
      timeoutSec: 40,
    },
  );
  await waitFor(() => isListening(port, 'udp'), 'SIPp UAS');
  return { sipp, port };
}

describe('shtoom call hears early media (183 with SDP)', () => {
  it('records the announcement of a call refused after it: exit 3 (busy)', async () => {
    const { sipp, port } = await sippUas('busy.xml', uasEarlyMedia('announce.ulaw', 2500, 486));
    const rec = join(dir, 'busy.wav');
    const r = await runShtoom(['call', `sip:announce@127.0.0.1:${port}`, '--record', rec, '--json', ...MEDIA], {
      timeoutSec: 30,
    });
    expect(r.code, r.stdout + r.stderr).toBe(3);
    expect(JSON.parse(r.stdout)).toMatchObject({ answered: false, end: { status: 486 } });
    expect(wavToneSeconds(rec, 1000)).toBeGreaterThan(1.5);
    expect(await sipp.exited).toBe(0);
  });

  it('goes on with the same stream when the 200 OK repeats the SDP, and prints the early media line', async () => {
    const { sipp, port } = await sippUas('answer.xml', uasEarlyMedia('announce.ulaw', 1000, 200));
    const rec = join(dir, 'answer.wav');
    const r = await runShtoom(
      ['call', `sip:announce@127.0.0.1:${port}`, '--record', rec, '--duration', '2', ...MEDIA],
      { timeoutSec: 30 },
    );
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^early media \(PCMU, from the 183\)$/m);
    // 2 s of tone: 1 s before the answer, 1 s after it, on one stream.
    expect(wavToneSeconds(rec, 1000)).toBeGreaterThan(1.5);
    expect(await sipp.exited).toBe(0);
  });

  it('an IVR scenario hears the announcement before the call is refused', async () => {
    const { sipp, port } = await sippUas('ivr.xml', uasEarlyMedia('announce.ulaw', 2500, 486));
    writeFileSync(
      join(dir, 'announcement.yaml'),
      `name: announcement before busy
steps:
  - call: sip:announce@127.0.0.1:${port}
  - expect: progress
  - tone: {freq: 1000, min_ms: 1000}
  - expect: busy 486
`,
    );
    const r = await runShtoom(['ivr', join(dir, 'announcement.yaml'), ...MEDIA], { timeoutSec: 30 });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ {2}ok {3}3 tone \(freq=1000, min_ms=1000\)/m);
    expect(r.stdout).toMatch(/^PASS announcement before busy/m);
    expect(await sipp.exited).toBe(0);
  });
});
