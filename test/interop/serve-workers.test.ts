/**
 * `shtoom serve APP --workers 2` against SIPp with media (docs/workers.md):
 * four SIPp callers, each streaming its own tone, spread over both media
 * workers (`--status` shows two calls on each); each hears its own tone
 * back and no other's (a tshark capture of what reaches each caller). A
 * fifth call asks the app to end its worker from inside (`process.exit()`
 * in a worker ends that thread only): the main thread ends that worker's
 * calls with BYE at once, while the other worker's two calls go on echoing
 * until their callers hang up; the worker is started again.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ToneDetector } from '../../src/audio/dsp/tone-detector.js';
import { ulawEncode } from '../../src/codecs/ulaw.js';
import { ulawSine } from './support/call-sipp.js';
import {
  freeSipPort,
  freeUdpPort,
  isListening,
  requireBinary,
  runShtoom,
  startShtoom,
  stopAllPeers,
  waitFor,
  type Peer,
} from './support/peers.js';
import { receivedPcmu, startCapture } from './support/rtp-tshark.js';
import { SIPP_PCMU_OFFER, startSipp } from './support/sip-sipp.js';

const FREQS = [500, 800, 1100, 1400];
/** How long a surviving caller stays before it hangs up, ms. */
const HOLD_MS = 14_000;

/** The test's app: echo; a call to "die" ends its worker's thread 1.5 s after the answer. */
const APP = `export default async (call) => {
  if (call.to.includes('die')) setTimeout(() => process.exit(7), 1500);
  await call.echo();
};
`;

const HEADERS = `Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
Contact: <sip:sipp@[local_ip]:[local_port]>
Max-Forwards: 70`;

/**
 * A UAC that streams `file` (raw µ-law, looped) once answered, then either
 * gets the server's BYE (and answers it) or, after `holdMs` without one,
 * hangs up itself. Both ways end the call well: the test tells them apart
 * by when SIPp exits.
 */
function uacStreamUntilBye(file: string, holdMs: number): string {
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="shtoom workers interop: stream until a BYE">
  <send retrans="500"><![CDATA[
INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
${HEADERS.replace('[peer_tag_param]', '')}
CSeq: 1 INVITE
Content-Type: application/sdp
Content-Length: [len]

${SIPP_PCMU_OFFER}

]]></send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="200" rtd="true"/>
  <send><![CDATA[
ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
${HEADERS}
CSeq: 1 ACK
Content-Length: 0

]]>
    <action><exec rtp_stream="${file},-1,0"/></action>
  </send>
  <recv request="BYE" timeout="${holdMs}" ontimeout="1"/>
  <send next="2"><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
  <label id="1"/>
  <send retrans="500"><![CDATA[
BYE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
${HEADERS}
CSeq: 2 BYE
Content-Length: 0

]]></send>
  <recv response="200" crlf="true"/>
  <label id="2"/>
</scenario>
`;
}

/** Seconds of `freq` in `pcm`. */
function toneSeconds(pcm: Int16Array, freq: number): number {
  const det = new ToneDetector([{ name: String(freq), freqs: [freq] }]);
  det.process(pcm);
  det.flush();
  let samples = 0;
  for (let e = det.pollEvent(); e; e = det.pollEvent()) if (e.type === 'end') samples += e.duration ?? 0;
  return samples / 8000;
}

let dir: string;
beforeAll(() => {
  requireBinary('sipp');
  requireBinary('tshark');
  dir = mkdtempSync(join(tmpdir(), 'shtoom-workers-'));
});
afterEach(async () => stopAllPeers());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Caller {
  readonly freq: number;
  readonly media: number;
  readonly peer: Peer;
  readonly started: number;
  exitedAfterMs?: number;
}

describe('shtoom serve --workers 2 with SIPp callers', () => {
  it('calls spread over both workers, each echoed; a dead worker ends its calls, the others go on', async () => {
    writeFileSync(join(dir, 'app.mjs'), APP);
    const sipPort = await freeSipPort();
    const statusFile = join(dir, 'status.json');
    const serve = startShtoom(
      [
        'serve',
        join(dir, 'app.mjs'),
        '--workers',
        '2',
        '--listen',
        `udp:127.0.0.1:${sipPort}`,
        '--rtp-address',
        '127.0.0.1',
        '--rtp-clock-realtime',
        '0',
        '--status-file',
        statusFile,
      ],
      { timeoutSec: 90 },
    );
    await waitFor(() => serve.stdout().includes('2 media workers'), 'shtoom serve --workers 2', 30_000);
    expect(isListening(sipPort, 'udp')).toBe(true);
    const status = async () => {
      const r = await runShtoom(['serve', 'echo', '--status', '--status-file', statusFile, '--json']);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as { workers: { calls: number; state: string; restarts: number }[] };
    };

    const medias = await Promise.all([...FREQS, 0].map(() => freeUdpPort(true)));
    const cap = await startCapture(join(dir, 'echo.pcapng'), medias, 70);
    const sippPorts = await Promise.all(medias.map(() => freeSipPort()));
    const sipp = (service: string, scenario: string, media: number): Peer =>
      startSipp(
        [
          '-sf',
          scenario,
          `127.0.0.1:${sipPort}`,
          '-s',
          service,
          '-i',
          '127.0.0.1',
          '-mi',
          '127.0.0.1',
          '-p',
          String(sippPorts[medias.indexOf(media)]),
          '-mp',
          String(media),
          '-m',
          '1',
          '-timeout',
          '40',
          '-timeout_error',
        ],
        { cwd: dir, timeoutSec: 50 },
      );
    const callers: Caller[] = [];
    for (const [i, freq] of FREQS.entries()) {
      writeFileSync(
        join(dir, `tone${freq}.ulaw`),
        ulawSine(freq, 1, (pcm) => ulawEncode(pcm)),
      );
      writeFileSync(join(dir, `uac${freq}.xml`), uacStreamUntilBye(`tone${freq}.ulaw`, HOLD_MS));
      const c: Caller = {
        freq,
        media: medias[i]!,
        peer: sipp('echo', `uac${freq}.xml`, medias[i]!),
        started: Date.now(),
      };
      void c.peer.exited.then(() => (c.exitedAfterMs = Date.now() - c.started));
      callers.push(c);
    }
    // Both workers hold two calls each (fewest calls first).
    let spread: number[] = [];
    await waitFor(
      async () => {
        spread = (await status()).workers.map((w) => w.calls);
        return spread.reduce((a, b) => a + b, 0) === 4;
      },
      'four calls on the workers',
      20_000,
    );
    expect(spread).toEqual([2, 2]);

    // The fifth call goes to worker 0 (a tie: the first) and ends that worker from inside.
    writeFileSync(
      join(dir, 'tone300.ulaw'),
      ulawSine(300, 1, (pcm) => ulawEncode(pcm)),
    );
    writeFileSync(join(dir, 'uacdie.xml'), uacStreamUntilBye('tone300.ulaw', 20_000));
    const dieStarted = Date.now();
    const die = sipp('die', 'uacdie.xml', medias[4]!);
    expect(await die.exited).toBe(0);
    // The server's BYE came with the worker's death, long before the caller would have hung up.
    expect(Date.now() - dieStarted).toBeLessThan(10_000);
    await waitFor(
      () => /worker 0 died \(exit code 7\): ending its 3 call\(s\) with BYE/.test(serve.stderr()),
      'the death',
    );

    const codes = await Promise.all(callers.map((c) => c.peer.exited));
    expect(codes).toEqual([0, 0, 0, 0]);
    await cap.stop();
    // Worker 0 was started again; the server is whole.
    const after = await status();
    expect(after.workers.map((w) => w.state)).toEqual(['ready', 'ready']);
    expect(after.workers[0]!.restarts).toBe(1);

    const ended = callers.filter((c) => (c.exitedAfterMs ?? 0) < HOLD_MS - 3000);
    const stayed = callers.filter((c) => (c.exitedAfterMs ?? 0) >= HOLD_MS);
    expect(ended).toHaveLength(2);
    expect(stayed).toHaveLength(2);
    for (const c of callers) {
      const back = receivedPcmu(join(dir, 'echo.pcapng'), [c.media]);
      const own = toneSeconds(back, c.freq);
      // Control: what a caller hears is its own tone, never another caller's.
      for (const f of FREQS.filter((f) => f !== c.freq)) expect(toneSeconds(back, f)).toBeLessThan(0.2);
      if (stayed.includes(c)) expect(own, `${c.freq} Hz, on the surviving worker`).toBeGreaterThan(8);
      else {
        expect(own, `${c.freq} Hz, on the worker that died`).toBeGreaterThan(0.5);
        expect(own).toBeLessThan(HOLD_MS / 1000 - 3);
      }
    }
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
  }, 90_000);
});
