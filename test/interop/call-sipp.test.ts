/**
 * Calls against SIPp (sip-tester) on loopback, with the built CLI:
 * - `shtoom call` → `sipp -sn uas`: a whole call, SIPp counts it successful;
 *   and through a SIPp redirect server (302) to it;
 * - a SIPp UAC streaming PCMU (`rtp_stream`) and playing its RFC 2833
 *   captures → `shtoom serve echo`: a tshark capture shows every packet and
 *   both digits coming back, re-originated under the echo's own SSRC;
 * - the same UAC with a delayed offer (an INVITE without SDP: the offer in
 *   shtoom's 200 OK, SIPp's answer in its ACK): the stream comes back whole.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ulawEncode } from '../../src/codecs/ulaw.js';
import { uacRtpDtmf, uasRedirect, ulawSine } from './support/call-sipp.js';
import { terminate } from './support/call-process.js';
import {
  freeSipPort,
  freeUdpPort,
  isListening,
  requireBinary,
  runShtoom,
  startShtoom,
  stopAllPeers,
  waitFor,
} from './support/peers.js';
import { rtpEvents, rtpStreams, startCapture } from './support/rtp-tshark.js';
import { runSipp, startSipp } from './support/sip-sipp.js';

const PCAPS = ['/usr/share/sip-tester/dtmf_2833_1.pcap', '/usr/share/sip-tester/dtmf_2833_2.pcap'];
const MEDIA = ['--rtp-address', '127.0.0.1', '--rtp-clock-realtime', '0'];

let dir: string;
beforeAll(() => {
  requireBinary('sipp');
  requireBinary('tshark');
  dir = mkdtempSync(join(tmpdir(), 'shtoom-call-sipp-'));
});
afterEach(async () => stopAllPeers());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('shtoom call against sipp -sn uas', () => {
  it('calls, is answered, hangs up after --duration: exit 0 and SIPp counts one successful call', async () => {
    const port = await freeSipPort();
    const sipp = startSipp([
      '-sn',
      'uas',
      '-i',
      '127.0.0.1',
      '-p',
      String(port),
      '-m',
      '1',
      '-timeout',
      '20',
      '-timeout_error',
    ]);
    await waitFor(() => isListening(port, 'udp'), 'SIPp UAS');
    const r = await runShtoom(
      ['call', `sip:service@127.0.0.1:${port}`, '--duration', '1', '--json', '--sip-address', '127.0.0.1', ...MEDIA],
      { timeoutSec: 30 },
    );
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ ok: true, answered: true, codec: 'PCMU', end: { reason: 'hangup' } });
    expect(j.stats.sent.packets).toBeGreaterThan(40);
    expect(await sipp.exited).toBe(0);
    expect(sipp.stdout() + sipp.stderr()).toMatch(/Successful call\s*\|\s*\d+\s*\|\s*1/);
  });
});

describe('shtoom call to a peer that sends no RTP (sipp -sn uas)', () => {
  it('warns 2 s after the answer, says "no audio received"; --require-audio makes it exit 1', async () => {
    const run = async (extra: string[]) => {
      const port = await freeSipPort();
      startSipp(['-sn', 'uas', '-i', '127.0.0.1', '-p', String(port), '-m', '1', '-timeout', '20', '-timeout_error']);
      await waitFor(() => isListening(port, 'udp'), 'SIPp UAS');
      const argv = ['call', `sip:service@127.0.0.1:${port}`, '--duration', '3', '--sip-address', '127.0.0.1'];
      return runShtoom([...argv, ...MEDIA, ...extra], { timeoutSec: 30 });
    };
    const human = await run([]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stderr).toMatch(/no audio received within 2 s of the answer/);
    expect(human.stdout).toMatch(/^ {2}audio {5}no audio received/m);
    const json = await run(['--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, audioReceived: false, warnings: ['no audio received'] });
    const strict = await run(['--json', '--require-audio']);
    expect(strict.code).toBe(1);
    expect(JSON.parse(strict.stdout)).toMatchObject({ ok: false, answered: true, audioReceived: false });
  });
});

describe('shtoom call follows a redirect (302 from a SIPp redirect server to sipp -sn uas)', () => {
  it('prints the redirect, calls the new target, exit 0; both SIPps count their call', async () => {
    const uasPort = await freeSipPort();
    const uas = startSipp([
      '-sn',
      'uas',
      '-i',
      '127.0.0.1',
      '-p',
      String(uasPort),
      '-m',
      '1',
      '-timeout',
      '20',
      '-timeout_error',
    ]);
    await waitFor(() => isListening(uasPort, 'udp'), 'SIPp UAS');
    writeFileSync(join(dir, 'redirect.xml'), uasRedirect(`sip:service@127.0.0.1:${uasPort}`));
    const redirectPort = await freeSipPort();
    const redirect = startSipp(
      [
        '-sf',
        'redirect.xml',
        '-i',
        '127.0.0.1',
        '-p',
        String(redirectPort),
        '-m',
        '1',
        '-timeout',
        '20',
        '-timeout_error',
      ],
      { cwd: dir },
    );
    await waitFor(() => isListening(redirectPort, 'udp'), 'SIPp redirect server');
    const r = await runShtoom(
      ['call', `sip:moved@127.0.0.1:${redirectPort}`, '--duration', '1', '--sip-address', '127.0.0.1', ...MEDIA],
      { timeoutSec: 30 },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`redirected (302) to sip:service@127.0.0.1:${uasPort}`);
    expect(await redirect.exited).toBe(0);
    expect(await uas.exited).toBe(0);
    expect(uas.stdout() + uas.stderr()).toMatch(/Successful call\s*\|\s*\d+\s*\|\s*1/);
  });
});

/**
 * `shtoom serve echo` on fresh ports, a tshark capture of its RTP port and
 * SIPp's, and one call of the SIPp UAC scenario `scenario` (a file in the
 * test's folder) against it. Returns SIPp's run, the PCMU streams each way
 * and what the capture saw.
 */
async function sippCallsEcho(scenario: string, capture: string) {
  const sipPort = await freeSipPort();
  const echoRtp = await freeUdpPort(true);
  const sippMedia = await freeUdpPort(true);
  const serve = startShtoom(
    [
      'serve',
      'echo',
      '--listen',
      `udp:127.0.0.1:${sipPort}`,
      ...MEDIA,
      '--rtp-port-min',
      String(echoRtp),
      '--rtp-port-max',
      String(echoRtp + 1),
    ],
    { timeoutSec: 60 },
  );
  await waitFor(() => isListening(sipPort, 'udp'), 'shtoom serve echo');
  const cap = await startCapture(join(dir, capture), [echoRtp, sippMedia]);
  const r = await runSipp(
    [
      '-sf',
      scenario,
      `127.0.0.1:${sipPort}`,
      '-s',
      'echo',
      '-i',
      '127.0.0.1',
      '-mi',
      '127.0.0.1',
      '-p',
      String(await freeSipPort()),
      '-mp',
      String(sippMedia),
      '-m',
      '1',
      '-timeout',
      '30',
      '-timeout_error',
      '-trace_err',
    ],
    { cwd: dir, timeoutSec: 40 },
  );
  await new Promise((res) => setTimeout(res, 300));
  await cap.stop();
  const streams = rtpStreams(cap.file, [echoRtp, sippMedia]);
  const toEcho = streams.find((s) => s.srcPort === sippMedia && s.dstPort === echoRtp && s.payload.includes('711'));
  const fromEcho = streams.find((s) => s.srcPort === echoRtp && s.dstPort === sippMedia && s.payload.includes('711'));
  return { r, serve, toEcho, fromEcho, events: () => rtpEvents(cap.file, [echoRtp, sippMedia]), echoRtp, sippMedia };
}

describe('SIPp UAC with RTP and RFC 2833 → shtoom serve echo', () => {
  it('every audio packet and both digits come back, re-originated; SIPp counts a successful call', async () => {
    writeFileSync(
      join(dir, 'tone.ulaw'),
      ulawSine(600, 3, (pcm) => ulawEncode(pcm)),
    );
    writeFileSync(join(dir, 'uac.xml'), uacRtpDtmf('tone.ulaw', PCAPS, 3300, 1000));
    const {
      r,
      serve,
      toEcho,
      fromEcho,
      events: captured,
      echoRtp,
      sippMedia,
    } = await sippCallsEcho('uac.xml', 'echo.pcapng');
    expect(r.code, r.stdout.slice(-1500)).toBe(0);
    expect(r.successful).toBe(1);
    expect(toEcho!.packets).toBe(150);
    // The digits come back as RFC 4733 events, under the echo's SSRC, on one timestamp each.
    const events = captured();
    const back = events.filter((e) => e.srcPort === echoRtp);
    // SIPp's captures repeat the end packet under one sequence number: the echo returns each distinct packet once.
    const distinctIn = new Set(events.filter((e) => e.srcPort === sippMedia).map((e) => e.seq)).size;
    expect(back).toHaveLength(distinctIn);
    // One stream back: the 150 audio packets and the events, all under the echo's own SSRC, nothing lost.
    expect(fromEcho!.packets).toBe(toEcho!.packets + back.length);
    expect(fromEcho!.lost).toBe(0);
    expect(fromEcho!.ssrc).not.toBe(toEcho!.ssrc);
    expect([...new Set(back.map((e) => e.event))]).toEqual([1, 2]);
    for (const ev of [1, 2]) {
      const pkts = back.filter((e) => e.event === ev);
      expect(new Set(pkts.map((e) => e.timestamp)).size).toBe(1);
      expect(pkts.some((e) => e.end)).toBe(true);
      expect(pkts.filter((e) => e.marker)).toHaveLength(1);
    }
    const seqs = back.map((e) => e.seq);
    expect(new Set(seqs).size).toBe(seqs.length);

    terminate(serve);
    expect(await serve.exited).toBe(0);
    expect(serve.stderr()).toMatch(
      /INFO {2}echo: call from "sipp" <sip:sipp@127\.0\.0\.1:\d+> \[[^\]]+\]: PCMU, \d+\.\d s, 1[5-7]\d packets in \(0\.0 % lost\)/,
    );
  });
});

describe('SIPp UAC with a delayed offer (no SDP in the INVITE) → shtoom serve echo', () => {
  it('offers in the 200 OK, takes the answer from the ACK, and echoes the whole stream', async () => {
    writeFileSync(
      join(dir, 'tone2.ulaw'),
      ulawSine(700, 2, (pcm) => ulawEncode(pcm)),
    );
    writeFileSync(join(dir, 'uac-delayed.xml'), uacRtpDtmf('tone2.ulaw', [], 2300, 300, true));
    const { r, serve, toEcho, fromEcho } = await sippCallsEcho('uac-delayed.xml', 'delayed.pcapng');
    // SIPp checked that the 200 OK carried an audio offer (a failed check fails the call).
    expect(r.code, r.stdout.slice(-1500)).toBe(0);
    expect(r.successful).toBe(1);
    expect(toEcho!.packets).toBe(100);
    expect(fromEcho!.packets).toBe(100);
    expect(fromEcho!.lost).toBe(0);
    terminate(serve);
    expect(await serve.exited).toBe(0);
    expect(serve.stderr()).toMatch(
      /INFO {2}echo: call from "sipp" <sip:sipp@127\.0\.0\.1:\d+> \[[^\]]+\]: PCMU, \d+\.\d s, 10\d packets in \(0\.0 % lost\)/,
    );
  });
});
