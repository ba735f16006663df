/**
 * shtoom ↔ baresip on loopback, both directions, with G.711 and with GSM:
 * audio both ways checked by tone detection (a different frequency each
 * way: in shtoom's recording and in baresip's sndfile dump), RFC 4733 DTMF
 * both ways with the digits checked.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Call } from '../../src/app/call.js';
import type { DtmfReceived } from '../../src/app/call-types.js';
import { Phone } from '../../src/app/phone.js';
import { ToneDetector } from '../../src/audio/dsp/tone-detector.js';
import { readWavFile } from '../../src/audio/formats/wav.js';
import { toMono8k } from '../../src/audio/to-mono-8k.js';
import { openSource } from '../../src/audio/open.js';
import { Baresip } from './support/call-baresip.js';
import { freeUdpPort, requireBinary, startShtoom, stopAllPeers } from './support/peers.js';

let dir: string;
beforeAll(() => {
  requireBinary('baresip');
  dir = mkdtempSync(join(tmpdir(), 'shtoom-baresip-'));
});
let baresip: Baresip | undefined;
afterEach(async () => {
  await baresip?.stop();
  baresip = undefined;
  await stopAllPeers();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Seconds during which `freq` sounds in 8 kHz audio. */
function toneSeconds(samples: Int16Array, freq: number): number {
  const det = new ToneDetector([{ name: 'f', freqs: [freq] }]);
  det.process(samples);
  det.flush();
  let s = 0;
  for (let e = det.pollEvent(); e; e = det.pollEvent()) if (e.type === 'end') s += (e.duration ?? 0) / 8000;
  return s;
}

function wavTone(file: string, freq: number): number {
  const w = readWavFile(file);
  return toneSeconds(toMono8k(w.samples, w.format.channels, w.format.sampleRate), freq);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each([
  ['PCMU', 'pcmu'],
  ['GSM', 'gsm'],
] as const)('shtoom and baresip with %s', (codec, id) => {
  it('shtoom calls baresip (auto-answer): tones both ways, DTMF both ways', async () => {
    baresip = await Baresip.start({
      dir: join(dir, `out-${id}`),
      toneHz: 1000,
      codec,
      rtpBase: await freeUdpPort(true),
    });
    const rec = join(dir, `rec-${id}.wav`);
    const shtoom = startShtoom(
      [
        'call',
        `sip:alice@127.0.0.1:${baresip.sipPort}`,
        '--codec',
        id,
        '--play',
        'tone:600',
        '--record',
        rec,
        '--dtmf',
        '159',
        '--dtmf-delay',
        '1s',
        '--duration',
        '5',
        '--json',
        '--sip-address',
        '127.0.0.1',
        '--rtp-address',
        '127.0.0.1',
        '--rtp-clock-realtime',
        '0',
      ],
      { timeoutSec: 40 },
    );
    await baresip.waitEvent('CALL_ESTABLISHED');
    await sleep(1500);
    await baresip.command('sndcode', '3');
    await sleep(400);
    await baresip.command('sndcode', '7');
    expect(await shtoom.exited, shtoom.stderr()).toBe(0);
    const j = JSON.parse(shtoom.stdout());
    expect(j).toMatchObject({ ok: true, codec, end: { reason: 'hangup' }, dtmf: { sent: '159' } });
    expect(j.dtmf.received.map((d: DtmfReceived) => `${d.how}:${d.digit}`)).toEqual(['rfc4733:3', 'rfc4733:7']);
    await baresip.waitEvent('CALL_CLOSED');
    expect(baresip.digits()).toBe('159');
    // What each side heard: the other's tone for most of the 5 s (less the DTMF time), never its own.
    expect(wavTone(rec, 1000)).toBeGreaterThan(3.5);
    expect(wavTone(rec, 600)).toBe(0);
    const dumps = baresip.received();
    expect(dumps).toHaveLength(1);
    expect(wavTone(dumps[0]!, 600)).toBeGreaterThan(3);
  });

  it('baresip calls shtoom (library Phone): tones both ways, DTMF both ways, baresip hangs up', async () => {
    baresip = await Baresip.start({
      dir: join(dir, `in-${id}`),
      toneHz: 1200,
      codec,
      rtpBase: await freeUdpPort(true),
    });
    const phone = await Phone.create({
      userAgent: { listen: 'udp:127.0.0.1:0' },
      codecs: [id],
      media: { address: '127.0.0.1' },
    });
    try {
      const frames: Int16Array[] = [];
      const got: DtmfReceived[] = [];
      const incoming = new Promise<Call>((resolve) =>
        phone.on('incoming', (c) => {
          c.on('dtmf', (d) => got.push(d));
          c.ring();
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
      expect((await call.answered).codec).toBe(codec);
      await baresip.waitEvent('CALL_ESTABLISHED');
      await sleep(1000);
      await call.sendDtmf('42');
      await baresip.command('sndcode', '8');
      await sleep(2000);
      await baresip.command('hangup');
      const end = await call.ended;
      expect(end.reason).toBe('remote-hangup');
      expect(got.map((d) => `${d.how}:${d.digit}`)).toEqual(['rfc4733:8']);
      expect(baresip.digits()).toBe('42');
      const heard = new Int16Array(frames.length * 160);
      for (const [i, f] of frames.entries()) heard.set(f, i * 160);
      expect(toneSeconds(heard, 1200)).toBeGreaterThan(2.2);
      await baresip.waitEvent('CALL_CLOSED');
      expect(wavTone(baresip.received()[0]!, 1700)).toBeGreaterThan(2.2);
    } finally {
      await phone.close();
    }
  });
});
