/**
 * shtoom on the network as it is, with default settings (no --sip-address,
 * no --rtp-address: a wildcard bind on both families), against real peers
 * on 127.0.0.1 and ::1:
 * - what it advertises is the address it sends from towards the peer —
 *   Via, Contact, From, o= and c= of its INVITE (as SIPp logged them), and
 *   the Contact and c= of serve's 200 OK to a SIPp caller over IPv4 and
 *   IPv6 on `--listen [::]:P`; never another interface's address (before:
 *   the first interface's, 192.0.2.2 here, even towards 127.0.0.1; and the
 *   default bind could not send to ::1 at all);
 * - audio flows both ways over IPv6: against SIPp's RTP echo (`-i ::1`),
 *   with baresip on ::1 calling and called (before, `serve --listen [::1]:P`
 *   answered with c=IN IP6 ::1 and bound RTP on IPv4: no audio either way);
 * - the call's "media to" is the same when answered and in the summary (no
 *   latching moves it).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ToneDetector } from '../../src/audio/dsp/tone-detector.js';
import { readWavFile } from '../../src/audio/formats/wav.js';
import { toMono8k } from '../../src/audio/to-mono-8k.js';
import { Baresip } from './support/call-baresip.js';
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
import { startSipp } from './support/sip-sipp.js';

const QUIET = ['--rtp-clock-realtime', '0'];
type Family = 'IPv4' | 'IPv6';
const LOOP: Record<Family, string> = { IPv4: '127.0.0.1', IPv6: '::1' };
const uriHost = (f: Family) => (f === 'IPv6' ? '[::1]' : '127.0.0.1');
const ipVersion = (f: Family) => (f === 'IPv6' ? 'IP6' : 'IP4');

let dir: string;
let baresip: Baresip | undefined;
beforeAll(() => {
  requireBinary('sipp');
  requireBinary('baresip');
  dir = mkdtempSync(join(tmpdir(), 'shtoom-addresses-'));
});
afterEach(async () => {
  await baresip?.stop();
  baresip = undefined;
  await stopAllPeers();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Seconds during which `freq` sounds in a WAV file. */
function wavTone(file: string, freq: number): number {
  const w = readWavFile(file);
  const det = new ToneDetector([{ name: 'f', freqs: [freq] }]);
  det.process(toMono8k(w.samples, w.format.channels, w.format.sampleRate));
  det.flush();
  let s = 0;
  for (let e = det.pollEvent(); e; e = det.pollEvent()) if (e.type === 'end') s += (e.duration ?? 0) / 8000;
  return s;
}

/** The first message of SIPp's `-trace_msg` log that starts with `startLine`, as header lines. */
function tracedMessage(cwd: string, startLine: RegExp): string[] {
  const log = readdirSync(cwd).find((f) => f.endsWith('_messages.log'));
  if (!log) throw new Error(`no SIPp message log in ${cwd}`);
  const lines = readFileSync(join(cwd, log), 'utf8').split('\n');
  const i = lines.findIndex((l) => startLine.test(l));
  if (i < 0) throw new Error(`SIPp logged no ${startLine}`);
  // The header section, the blank line, then the body up to SIPp's next separator or blank line.
  const out: string[] = [];
  let inBody = false;
  for (const l of lines.slice(i)) {
    if (/^-{5,}/.test(l)) break;
    if (/^\s*$/.test(l)) {
      if (inBody) break;
      inBody = true;
    }
    out.push(l.trim());
  }
  return out;
}

const header = (msg: string[], name: string) => msg.find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));

describe.each(['IPv4', 'IPv6'] as const)('shtoom call with default settings to SIPp over %s', (f) => {
  it('advertises the loopback it sends from in Via, Contact, From and SDP; audio both ways (RTP echo)', async () => {
    const cwd = mkdtempSync(join(dir, `uac-${f}-`));
    const port = await freeSipPort();
    const rtp = await freeUdpPort(true);
    const sipp = startSipp(
      ['-sn', 'uas', '-i', LOOP[f], '-p', String(port), '-mi', LOOP[f], '-mp', String(rtp), '-rtp_echo'].concat([
        '-m',
        '1',
        '-timeout',
        '30',
        '-timeout_error',
        '-trace_msg',
      ]),
      { cwd },
    );
    await waitFor(() => isListening(port, 'udp'), 'SIPp UAS');
    const rec = join(cwd, 'rec.wav');
    const r = await runShtoom(
      ['call', `sip:service@${uriHost(f)}:${port}`, '--duration', '3', '--play', 'tone:700', '--record', rec, ...QUIET],
      { timeoutSec: 40 },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(await sipp.exited, sipp.stdout().slice(-2000)).toBe(0);
    const invite = tracedMessage(cwd, /^INVITE sip:/);
    const at = uriHost(f);
    expect(header(invite, 'Via')).toMatch(new RegExp(`^Via: SIP/2\\.0/UDP ${esc(at)}:\\d+;`));
    expect(header(invite, 'Contact')).toMatch(new RegExp(`^Contact: <sip:${esc(at)}:\\d+>$`));
    expect(header(invite, 'From')).toMatch(new RegExp(`^From: <sip:shtoom@${esc(at)}>;tag=`));
    expect(invite).toContain(`c=IN ${ipVersion(f)} ${LOOP[f]}`);
    expect(invite.find((l) => l.startsWith('o='))).toMatch(new RegExp(` IN ${ipVersion(f)} ${esc(LOOP[f])}$`));
    // The media address, when answered and in the summary: SIPp's, unmoved.
    const media = `${at}:${rtp}`;
    expect(r.stdout).toContain(`PCMU, media to ${media}\n`);
    expect(r.stdout).toMatch(new RegExp(`codec {5}PCMU, media to ${esc(media)}\\n`));
    // SIPp sent our own tone back: it reached SIPp and came back.
    expect(wavTone(rec, 700)).toBeGreaterThan(2);
  });
});

describe.each(['IPv4', 'IPv6'] as const)('shtoom serve echo --listen [::]:P called by SIPp over %s', (f) => {
  it('answers with the address the caller reached, in Contact and SDP', async () => {
    const cwd = mkdtempSync(join(dir, `uas-${f}-`));
    const port = await freeSipPort();
    const echo = startShtoom(['serve', 'echo', '--listen', `[::]:${port}`, ...QUIET], { timeoutSec: 60 });
    await waitFor(() => echo.stdout().includes('serving echo'), 'shtoom serve echo', 15_000);
    // Both families, one port.
    expect(echo.stdout()).toContain(`udp 0.0.0.0:${port} and [::]:${port}`);
    const rtp = await freeUdpPort(true);
    const sipp = startSipp(
      [`${uriHost(f)}:${port}`, '-sn', 'uac', '-i', LOOP[f], '-p', String(await freeSipPort())].concat([
        '-mi',
        LOOP[f],
        '-mp',
        String(rtp),
        '-m',
        '1',
        '-d',
        '500',
        '-timeout',
        '30',
        '-timeout_error',
        '-trace_msg',
      ]),
      { cwd },
    );
    expect(await sipp.exited, sipp.stdout().slice(-2000)).toBe(0);
    terminate(echo);
    expect(await echo.exited).toBe(0);
    const ok = tracedMessage(cwd, /^SIP\/2\.0 200 OK/);
    expect(header(ok, 'Contact')).toBe(`Contact: <sip:${uriHost(f)}:${port}>`);
    expect(ok).toContain(`c=IN ${ipVersion(f)} ${LOOP[f]}`);
  });
});

describe('IPv6 with baresip on ::1', () => {
  it('shtoom call (default settings) to baresip: tones both ways', async () => {
    baresip = await Baresip.start({
      dir: join(dir, 'bs-out'),
      toneHz: 1000,
      codec: 'PCMU',
      rtpBase: await freeUdpPort(true),
      host: '::1',
    });
    const rec = join(dir, 'bs-out.wav');
    const r = await runShtoom(
      [
        'call',
        `sip:alice@[::1]:${baresip.sipPort}`,
        '--play',
        'tone:600',
        '--record',
        rec,
        '--duration',
        '4',
        '--json',
      ].concat(QUIET),
      { timeoutSec: 40 },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).peer).toMatch(/^\[::1\]:\d+$/);
    await baresip.waitEvent('CALL_CLOSED');
    expect(wavTone(rec, 1000)).toBeGreaterThan(2.5);
    expect(wavTone(baresip.received()[0]!, 600)).toBeGreaterThan(2.5);
  });

  it('baresip calls shtoom serve echo --listen [::1]:P: RTP on IPv6, baresip hears its own tone back', async () => {
    baresip = await Baresip.start({
      dir: join(dir, 'bs-in'),
      toneHz: 1300,
      codec: 'PCMU',
      rtpBase: await freeUdpPort(true),
      host: '::1',
    });
    const port = await freeSipPort();
    const echo = startShtoom(['serve', 'echo', '--listen', `[::1]:${port}`, ...QUIET], { timeoutSec: 60 });
    await waitFor(() => echo.stdout().includes('serving echo'), 'shtoom serve echo', 15_000);
    await baresip.command('dial', `sip:echo@[::1]:${port}`);
    await baresip.waitEvent('CALL_ESTABLISHED');
    await baresip.waitEvent('CALL_RTPESTAB', () => true, 10_000);
    await new Promise((r) => setTimeout(r, 3000));
    await baresip.command('hangup');
    await baresip.waitEvent('CALL_CLOSED');
    terminate(echo);
    expect(await echo.exited).toBe(0);
    expect(wavTone(baresip.received()[0]!, 1300)).toBeGreaterThan(2);
  });
});

function esc(s: string): string {
  return s.replace(/[.[\]]/g, (c) => `\\${c}`);
}
