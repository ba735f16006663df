/**
 * Wideband calls with real peers on loopback:
 * - shtoom and baresip (modules g722, opus) call each other in both
 *   directions with G.722 and with Opus; a 6 kHz tone — impossible in any
 *   8 kHz codec — is sent both ways and found by frequency analysis in
 *   shtoom's recording (kept at the call's 16 kHz) and in baresip's sndfile
 *   dump. The control: the same check on a PCMU call finds no 6 kHz tone.
 * - `shtoom smoke` against `shtoom serve echo` with G.722 and with Opus.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Call } from '../../src/app/call.js';
import { Phone } from '../../src/app/phone.js';
import { ToneBin } from '../../src/audio/dsp/tone-bin.js';
import { readWavFile } from '../../src/audio/formats/wav.js';
import { openSink, openSource } from '../../src/audio/open.js';
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

const COMMON = ['--sip-address', '127.0.0.1', '--rtp-address', '127.0.0.1', '--rtp-clock-realtime', '0'];
const TONE = 6000;

let dir: string;
beforeAll(() => {
  requireBinary('baresip');
  dir = mkdtempSync(join(tmpdir(), 'shtoom-wideband-'));
});
let baresip: Baresip | undefined;
afterEach(async () => {
  await baresip?.stop();
  baresip = undefined;
  await stopAllPeers();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Seconds (25 ms blocks) of a WAV file, mixed to mono, in which `freq`
 * sounds at least 10 dB above the rest of the block and at an amplitude of
 * at least 300. A frequency the file's rate cannot hold is never found.
 */
function toneSecondsIn(file: string, freq: number): { seconds: number; rate: number } {
  const w = readWavFile(file);
  const ch = w.format.channels;
  const rate = w.format.sampleRate;
  const x = new Float64Array(Math.floor(w.samples.length / ch));
  for (let i = 0; i < x.length; i++) {
    let s = 0;
    for (let c = 0; c < ch; c++) s += w.samples[i * ch + c]!;
    x[i] = s / ch;
  }
  if (freq >= rate / 2) return { seconds: 0, rate };
  const n = rate / 40;
  const bin = new ToneBin(freq, rate, n);
  let blocks = 0;
  for (let i = 0; i + n <= x.length; i += n) {
    bin.measure(x, i);
    const a = bin.amplitude();
    let power = 0;
    for (let k = i; k < i + n; k++) power += x[k]! ** 2;
    const rms = Math.sqrt(power / n);
    // A sine of amplitude a has RMS a/√2: the tone is (nearly) all of the block's power.
    if (a >= 300 && (a / Math.SQRT2) ** 2 >= 0.9 * rms ** 2) blocks++;
  }
  return { seconds: blocks / 40, rate };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * How much of a recording must hold the tone: most of the audio that was
 * actually played or sent (`frames` of 20 ms), and never less than half a
 * second. On a machine starved of CPU both peers fall behind their own
 * clocks: in one such run baresip sent 101 packets in a 4 s call (all
 * received, none lost) and shtoom's jitter buffer played 29 of them after
 * the stalls — too little for any fixed share of the call, while every
 * frame played held the tone. The check is on what crossed, not on how
 * well the machine kept time.
 */
const toneFloor = (frames: number, share: number) => Math.max(0.5, (share * frames) / 50);

describe.each([
  ['G722', 'g722', true],
  ['opus', 'opus', true],
  ['PCMU', 'pcmu', false],
] as const)('shtoom and baresip with %s', (codec, id, wide) => {
  // The control (PCMU) must not find the tone: the same check, the opposite answer.
  const expectTone = (file: string, min: number) => {
    const t = toneSecondsIn(file, TONE);
    if (wide) expect(t.seconds, `${TONE} Hz in ${file} (${t.rate} Hz)`).toBeGreaterThan(min);
    else expect(t.seconds, `${TONE} Hz in ${file} (${t.rate} Hz)`).toBe(0);
    return t;
  };

  it(`shtoom calls baresip: ${wide ? 'a 6 kHz tone is heard' : 'no 6 kHz tone can be heard'} both ways`, async () => {
    baresip = await Baresip.start({
      dir: join(dir, `out-${id}`),
      toneHz: TONE,
      codec,
      playRate: 48000,
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
        `tone:${TONE}`,
        '--record',
        rec,
        '--duration',
        '4',
        '--json',
        ...COMMON,
      ],
      { timeoutSec: 40 },
    );
    expect(await shtoom.exited, shtoom.stderr()).toBe(0);
    const out = JSON.parse(shtoom.stdout());
    expect(out).toMatchObject({ ok: true, codec, end: { reason: 'hangup' } });
    await baresip.waitEvent('CALL_CLOSED');
    // shtoom's recording keeps the call's own rate. Of the frames its jitter
    // buffer played, most (Opus settles in its first few hundred ms); of
    // the packets shtoom sent, most in baresip's dump.
    const played: number = out.stats.playout.played;
    expect(played, 'frames played (a 4 s call)').toBeGreaterThan(25);
    expect(expectTone(rec, toneFloor(played, 0.75)).rate).toBe(wide ? 16000 : 8000);
    const dumps = baresip.received();
    expect(dumps).toHaveLength(1);
    expectTone(dumps[0]!, toneFloor(out.stats.sent.packets, 0.6));
  });

  it(`baresip calls shtoom (a Phone): ${wide ? 'a 6 kHz tone is heard' : 'no 6 kHz tone'} both ways`, async () => {
    baresip = await Baresip.start({
      dir: join(dir, `in-${id}`),
      toneHz: TONE,
      codec,
      playRate: 48000,
      rtpBase: await freeUdpPort(true),
    });
    const phone = await Phone.create({
      userAgent: { listen: 'udp:127.0.0.1:0' },
      codecs: wide ? ['g722', 'opus', 'pcmu'] : ['pcmu'],
      media: { address: '127.0.0.1' },
    });
    const rec = join(dir, `phone-${id}.wav`);
    try {
      const incoming = new Promise<Call>((resolve) =>
        phone.on('incoming', (c) => {
          void Promise.all([openSource(`tone:${TONE}`), openSink(`file:${rec}`)]).then(([source, sink]) =>
            c.answer({ source, sink }),
          );
          resolve(c);
        }),
      );
      await baresip.command('dial', `sip:shtoom@127.0.0.1:${phone.ua.localAddress.port}`);
      const call = await incoming;
      expect((await call.answered).codec).toBe(codec);
      await baresip.waitEvent('CALL_ESTABLISHED');
      await sleep(3500);
      await baresip.command('hangup');
      expect((await call.ended).reason).toBe('remote-hangup');
      await baresip.waitEvent('CALL_CLOSED');
      const stats = call.stats()!;
      const played = stats.playout!.played;
      expect(played, 'frames played (a 3.5 s call)').toBeGreaterThan(25);
      expect(expectTone(rec, toneFloor(played, 0.75)).rate).toBe(wide ? 16000 : 8000);
      expectTone(baresip.received()[0]!, toneFloor(stats.sent.packets, 0.6));
    } finally {
      await phone.close();
    }
  });
});

describe('shtoom smoke against shtoom serve echo', () => {
  it.each([
    ['g722', 'G722'],
    ['opus', 'opus'],
  ])('with %s: PASS, the probes back, loss 0', async (id, codec) => {
    const port = await freeSipPort();
    startShtoom(['serve', 'echo', '--listen', `udp:127.0.0.1:${port}`, ...COMMON], { timeoutSec: 60 });
    await waitFor(() => isListening(port, 'udp'), 'shtoom serve echo');
    const r = await runShtoom(
      ['smoke', `sip:echo@127.0.0.1:${port}`, '--codec', id, '--duration', '4s', '--json', ...COMMON],
      { timeoutSec: 40 },
    );
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({
      ok: true,
      call: { answered: true, codec, bandwidth: 'wideband' },
      loss: { roundTripPercent: 0 },
    });
    // G.722 is scored by the wideband E-model; G.113 has no factors for Opus, so no MOS is made up.
    if (id === 'g722') expect(j.mos).toMatchObject({ model: 'G.107.1', ie: 13 });
    else expect(j.mos).toBeUndefined();
    // smoke's own rule: at least half the probes back (Opus, a perceptual codec, may spoil one or two
    // probes' waveform on a loaded machine; G.722 keeps them all).
    expect(j.latency.probesFound).toBeGreaterThanOrEqual(id === 'g722' ? 3 : 2);
  });
});
