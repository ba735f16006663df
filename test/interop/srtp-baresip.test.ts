/**
 * SRTP with SDES keys against baresip's `srtp` module with
 * `mediaenc=srtp-mand` (RTP/SAVP, a=crypto), and shtoom against itself:
 * - shtoom calls baresip: tones both ways (in shtoom's recording and in
 *   baresip's dump), RFC 4733 DTMF both ways, and tshark's capture of the
 *   call's RTP holds no plain audio (the payloads decoded as G.711 carry
 *   neither tone); a plain call checked the same way finds both tones
 *   (the check can fail);
 * - shtoom calls baresip offering one suite only, for each of the other
 *   three suites (AES_CM_128_HMAC_SHA1_32, AEAD_AES_128_GCM and
 *   AEAD_AES_256_GCM): tones both ways, nothing fails authentication;
 * - `--srtp optional` (RTP/AVP with a=crypto) calling baresip with
 *   `mediaenc=srtp` (SRTP) and without (plain RTP): tones both ways;
 * - baresip calls shtoom (library `Phone`): tones and DTMF both ways;
 * - a wrong key (a relay in the test changes the key of baresip's answer on
 *   its way to shtoom): every packet from baresip fails authentication,
 *   shtoom reports it, and its recording holds no tone (the audio check
 *   fails, as it must);
 * - `shtoom smoke --srtp mandatory` against `shtoom serve echo --srtp mandatory`.
 * Keys go over UDP signalling here: `--srtp-allow-insecure-keys`.
 */
import { spawnSync } from 'node:child_process';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Call } from '../../src/app/call.js';
import type { DtmfReceived } from '../../src/app/call-types.js';
import { Phone } from '../../src/app/phone.js';
import { openSource } from '../../src/audio/open.js';
import { ulawDecode } from '../../src/codecs/ulaw.js';
import { Baresip } from './support/call-baresip.js';
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
import { startCapture } from './support/rtp-tshark.js';
import { toneSeconds, wavToneSeconds } from './support/wav-tone.js';

const COMMON = ['--sip-address', '127.0.0.1', '--rtp-address', '127.0.0.1', '--rtp-clock-realtime', '0'];
const SRTP = ['--srtp', 'mandatory', '--srtp-allow-insecure-keys'];

let dir: string;
beforeAll(() => {
  requireBinary('baresip');
  requireBinary('tshark');
  dir = mkdtempSync(join(tmpdir(), 'shtoom-srtp-'));
});
let baresip: Baresip | undefined;
afterEach(async () => {
  await baresip?.stop();
  baresip = undefined;
  await stopAllPeers();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The RTP payloads (payload type 0) sent to (`to`) or from (`from`) the
 * capture's ports, in capture order, decoded as G.711 μ-law: plain PCMU of
 * a tone decodes to the tone; SRTP to noise.
 */
function wireAudio(file: string, ports: readonly number[], way: 'to' | 'from'): { packets: number; audio: Int16Array } {
  const field = way === 'to' ? 'udp.dstport' : 'udp.srcport';
  const args = [
    '-r',
    file,
    ...ports.flatMap((p) => ['-d', `udp.port==${p},rtp`]),
    '-Y',
    `rtp.p_type == 0 && (${ports.map((p) => `${field} == ${p}`).join(' || ')})`,
    '-T',
    'fields',
    '-e',
    'rtp.payload',
  ];
  const r = spawnSync('timeout', ['60', requireBinary('tshark'), ...args], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`tshark failed (${r.status}): ${r.stderr}`);
  const chunks = r.stdout
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => ulawDecode(Uint8Array.from(Buffer.from(l.trim().replace(/:/g, ''), 'hex'))));
  const audio = new Int16Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    audio.set(c, at);
    at += c.length;
  }
  return { packets: chunks.length, audio };
}

/**
 * A SIP relay on UDP that hands shtoom's requests to baresip and baresip's
 * responses back (both peers use rport), changing one character of the
 * `inline:` key of any SDP answer on the way back: shtoom then checks
 * baresip's packets with the wrong key.
 */
class KeyTamperingRelay {
  private client: RemoteInfo | undefined;
  tampered = 0;

  private constructor(
    private readonly socket: Socket,
    serverPort: number,
  ) {
    socket.on('message', (msg, from) => {
      if (from.port !== serverPort) {
        this.client = from;
        socket.send(msg, serverPort, '127.0.0.1');
        return;
      }
      const c = this.client;
      if (!c) return;
      const text = msg.toString('latin1');
      const changed = text.replace(/inline:(.)/, (_m, ch: string) => `inline:${ch === 'A' ? 'B' : 'A'}`);
      if (changed !== text) this.tampered++;
      socket.send(Buffer.from(changed, 'latin1'), c.port, c.address);
    });
  }

  static async start(serverPort: number): Promise<KeyTamperingRelay> {
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    return new KeyTamperingRelay(s, serverPort);
  }

  get port(): number {
    return this.socket.address().port;
  }

  close(): void {
    this.socket.close();
  }
}

function callArgs(uri: string, rec: string, extra: string[] = []): string[] {
  return [
    'call',
    uri,
    '--codec',
    'pcmu',
    '--play',
    'tone:600',
    '--record',
    rec,
    '--duration',
    '5',
    '--json',
    ...SRTP,
    ...COMMON,
    ...extra,
  ];
}

describe('SRTP (SDES) with baresip, mediaenc=srtp-mand', () => {
  it('shtoom calls baresip: tones and DTMF both ways, no plain audio on the wire', async () => {
    baresip = await Baresip.start({
      dir: join(dir, 'out'),
      toneHz: 1000,
      codec: 'PCMU',
      rtpBase: await freeUdpPort(true),
      mediaenc: 'srtp-mand',
    });
    const pcap = join(dir, 'out.pcap');
    const capture = await startCapture(pcap, baresip.rtpPorts, 60);
    const rec = join(dir, 'rec-out.wav');
    const shtoom = startShtoom(
      callArgs(`sip:alice@127.0.0.1:${baresip.sipPort}`, rec, ['--dtmf', '159', '--dtmf-delay', '1s']),
      { timeoutSec: 40 },
    );
    await baresip.waitEvent('CALL_ESTABLISHED');
    await sleep(1500);
    await baresip.command('sndcode', '3');
    await sleep(400);
    await baresip.command('sndcode', '7');
    expect(await shtoom.exited, shtoom.stderr()).toBe(0);
    await capture.stop();
    const j = JSON.parse(shtoom.stdout());
    expect(j).toMatchObject({ ok: true, codec: 'PCMU', end: { reason: 'hangup' }, dtmf: { sent: '159' } });
    expect(j.warnings).toBeUndefined();
    expect(j.dtmf.received.map((d: DtmfReceived) => `${d.how}:${d.digit}`)).toEqual(['rfc4733:3', 'rfc4733:7']);
    expect(j.stats.srtp.authFailed).toBe(0);
    expect(j.stats.srtp.received.rtp.ok).toBeGreaterThan(150);
    await baresip.waitEvent('CALL_CLOSED');
    expect(baresip.digits()).toBe('159');
    expect(wavToneSeconds(rec, 1000)).toBeGreaterThan(3.5);
    expect(wavToneSeconds(baresip.received()[0]!, 600)).toBeGreaterThan(3);
    // On the wire: hundreds of packets each way, and neither tone in their payloads.
    const out = wireAudio(pcap, baresip.rtpPorts, 'to');
    const back = wireAudio(pcap, baresip.rtpPorts, 'from');
    expect(out.packets).toBeGreaterThan(150);
    expect(back.packets).toBeGreaterThan(150);
    expect(toneSeconds(out.audio, 600)).toBeLessThan(0.2);
    expect(toneSeconds(back.audio, 1000)).toBeLessThan(0.2);
  });

  it.each(['AES_CM_128_HMAC_SHA1_32', 'AEAD_AES_128_GCM', 'AEAD_AES_256_GCM'])(
    'shtoom calls baresip with %s only: tones both ways, every packet authenticated',
    async (suite) => {
      baresip = await Baresip.start({
        dir: join(dir, `suite-${suite}`),
        toneHz: 1000,
        codec: 'PCMU',
        rtpBase: await freeUdpPort(true),
        mediaenc: 'srtp-mand',
      });
      const rec = join(dir, `rec-${suite}.wav`);
      // Long enough for the peer's first RTCP report (its interval is 5 s).
      const short = suite === 'AES_CM_128_HMAC_SHA1_32';
      const r = await runShtoom(
        callArgs(`sip:alice@127.0.0.1:${baresip.sipPort}`, rec, [
          '--duration',
          short ? '8' : '3',
          '--srtp-suites',
          suite,
        ]),
        { timeoutSec: 40 },
      );
      expect(r.code, r.stderr).toBe(0);
      const j = JSON.parse(r.stdout);
      expect(j.stats.srtp, JSON.stringify(j.stats.srtp)).toMatchObject({ suite, authFailed: 0 });
      // baresip (libre) tags its SRTCP with the SRTP tag's 32 bits in this suite, where RFC 4568 asks 80:
      // every such report is authenticated with them, none fails.
      if (short) expect(j.stats.srtp.rtcpShortTags, JSON.stringify(j.stats.srtp)).toBeGreaterThan(0);
      if (short) expect(j.stats.srtp.received.rtcp.ok).toBe(j.stats.srtp.rtcpShortTags);
      await baresip.waitEvent('CALL_CLOSED');
      expect(wavToneSeconds(rec, 1000)).toBeGreaterThan(2);
      expect(wavToneSeconds(baresip.received()[0]!, 600)).toBeGreaterThan(2);
    },
  );

  it.each([
    ['mediaenc=srtp (it answers our RTP/AVP a=crypto): SRTP', 'srtp', true],
    ['no mediaenc (it answers without a=crypto): plain RTP', undefined, false],
  ] as const)('--srtp optional calling baresip with %s, tones both ways', async (_what, mediaenc, used) => {
    baresip = await Baresip.start({
      dir: join(dir, `optional-${mediaenc ?? 'none'}`),
      toneHz: 1000,
      codec: 'PCMU',
      rtpBase: await freeUdpPort(true),
      ...(mediaenc ? { mediaenc } : {}),
    });
    const rec = join(dir, `rec-optional-${mediaenc ?? 'none'}.wav`);
    const args = callArgs(`sip:alice@127.0.0.1:${baresip.sipPort}`, rec, ['--duration', '3']);
    const r = await runShtoom(
      args.map((a) => (a === 'mandatory' ? 'optional' : a)),
      { timeoutSec: 40 },
    );
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    if (used) expect(j.stats.srtp).toMatchObject({ authFailed: 0 });
    else expect(j.stats.srtp).toBeUndefined();
    await baresip.waitEvent('CALL_CLOSED');
    expect(wavToneSeconds(rec, 1000)).toBeGreaterThan(2);
    expect(wavToneSeconds(baresip.received()[0]!, 600)).toBeGreaterThan(2);
  });

  it('control: the same wire check finds the tones in a plain RTP call (the check can fail)', async () => {
    baresip = await Baresip.start({
      dir: join(dir, 'plain'),
      toneHz: 1000,
      codec: 'PCMU',
      rtpBase: await freeUdpPort(true),
    });
    const pcap = join(dir, 'plain.pcap');
    const capture = await startCapture(pcap, baresip.rtpPorts, 60);
    const args = callArgs(`sip:alice@127.0.0.1:${baresip.sipPort}`, join(dir, 'rec-plain.wav'), ['--duration', '4']);
    const r = await runShtoom(
      args.filter((a) => !SRTP.includes(a)),
      { timeoutSec: 40 },
    );
    expect(r.code, r.stderr).toBe(0);
    await capture.stop();
    expect(toneSeconds(wireAudio(pcap, baresip.rtpPorts, 'to').audio, 600)).toBeGreaterThan(1.5);
    expect(toneSeconds(wireAudio(pcap, baresip.rtpPorts, 'from').audio, 1000)).toBeGreaterThan(1.5);
  });

  it('baresip calls shtoom (library Phone): tones and DTMF both ways', async () => {
    baresip = await Baresip.start({
      dir: join(dir, 'in'),
      toneHz: 1200,
      codec: 'PCMU',
      rtpBase: await freeUdpPort(true),
      mediaenc: 'srtp-mand',
    });
    const phone = await Phone.create({
      userAgent: { listen: 'udp:127.0.0.1:0' },
      codecs: ['pcmu'],
      media: {
        address: '127.0.0.1',
        srtp: { mode: 'mandatory', suites: ['AES_CM_128_HMAC_SHA1_80'], allowInsecureKeys: true },
      },
    });
    try {
      const frames: Int16Array[] = [];
      const got: DtmfReceived[] = [];
      const incoming = new Promise<Call>((resolve) =>
        phone.on('incoming', (c) => {
          c.on('dtmf', (d) => got.push(d));
          void openSource('tone:1700').then((source) =>
            c.answer({
              source,
              sink: { uri: 'capture:', write: (f) => void frames.push(f.slice()), close: async () => {} },
            }),
          );
          resolve(c);
        }),
      );
      await baresip.command('dial', `sip:shtoom@127.0.0.1:${phone.ua.localAddress.port}`);
      const call = await incoming;
      await call.answered;
      await baresip.waitEvent('CALL_ESTABLISHED');
      await sleep(1000);
      await call.sendDtmf('42');
      await baresip.command('sndcode', '8');
      await sleep(2000);
      const srtp = call.stats()!.srtp!;
      await baresip.command('hangup');
      expect((await call.ended).reason).toBe('remote-hangup');
      expect(srtp).toMatchObject({ suite: 'AES_CM_128_HMAC_SHA1_80', authFailed: 0 });
      expect(got.map((d) => `${d.how}:${d.digit}`)).toEqual(['rfc4733:8']);
      expect(baresip.digits()).toBe('42');
      const heard = new Int16Array(frames.length * 160);
      for (const [i, f] of frames.entries()) heard.set(f, i * 160);
      expect(toneSeconds(heard, 1200)).toBeGreaterThan(2.2);
      await baresip.waitEvent('CALL_CLOSED');
      expect(wavToneSeconds(baresip.received()[0]!, 1700)).toBeGreaterThan(2.2);
    } finally {
      await phone.close();
    }
  });

  it('a wrong key: every packet from baresip fails authentication, reported, and no tone is heard', async () => {
    baresip = await Baresip.start({
      dir: join(dir, 'wrong'),
      toneHz: 1000,
      codec: 'PCMU',
      rtpBase: await freeUdpPort(true),
      mediaenc: 'srtp-mand',
    });
    const relay = await KeyTamperingRelay.start(baresip.sipPort);
    try {
      const rec = join(dir, 'rec-wrong.wav');
      const r = await runShtoom(callArgs(`sip:alice@127.0.0.1:${relay.port}`, rec, ['--duration', '4']), {
        timeoutSec: 40,
      });
      expect(relay.tampered).toBeGreaterThan(0);
      const j = JSON.parse(r.stdout);
      expect(j.answered).toBe(true);
      expect(j.stats.srtp.authFailed).toBeGreaterThan(100);
      expect(j.stats.srtp.received.rtp.ok).toBe(0);
      expect(j.stats.received.packets).toBe(0);
      expect(j.warnings).toContain(`SRTP authentication failed: ${j.stats.srtp.authFailed} packets`);
      expect(r.stderr).toMatch(/failed authentication/);
      // The audio check of the first test, here: it fails (nothing was played, not even noise).
      expect(wavToneSeconds(rec, 1000)).toBe(0);
    } finally {
      relay.close();
    }
  });
});

describe('shtoom smoke --srtp mandatory against shtoom serve echo --srtp mandatory', () => {
  it('passes, with the srtp check', async () => {
    const port = await freeSipPort();
    startShtoom(['serve', 'echo', '--listen', `udp:127.0.0.1:${port}`, ...SRTP, ...COMMON], { timeoutSec: 90 });
    await waitFor(() => isListening(port, 'udp'), 'shtoom serve echo');
    const r = await runShtoom(
      ['smoke', `sip:echo@127.0.0.1:${port}`, '--duration', '4s', '--json', ...SRTP, ...COMMON],
      {
        timeoutSec: 40,
      },
    );
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.ok).toBe(true);
    expect(j.checks).toContainEqual(expect.objectContaining({ name: 'srtp', ok: true }));
    const check = j.checks.find((k: { name: string }) => k.name === 'srtp');
    expect(check.message).toMatch(/^SRTP AES_CM_128_HMAC_SHA1_80: \d+ packets authenticated$/);
    // And a plain smoke against the mandatory echo is refused with 488.
    const plain = await runShtoom(['smoke', `sip:echo@127.0.0.1:${port}`, '--duration', '2s', '--json', ...COMMON], {
      timeoutSec: 40,
    });
    expect(plain.code).not.toBe(0);
    expect(plain.stdout).toMatch(/488/);
  });
});
