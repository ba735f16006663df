/**
 * `shtoom serve echo` and `shtoom call` as separate processes (the built CLI):
 * - the caller is killed with SIGKILL mid-call: its recording is still a
 *   valid WAV that sox reads, holding all but the last second;
 * - peers that misbehave (random datagrams, malformed SIP, requests for
 *   dialogs that do not exist, an INVITE with broken SDP) do not take the
 *   server down: it answers what it can and the next call works.
 */
import { createSocket } from 'node:dgram';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ToneDetector } from '../../src/audio/dsp/tone-detector.js';
import { analyzeAudio } from '../../src/audio/analyze.js';
import { readWavFile } from '../../src/audio/formats/wav.js';
import { toMono8k } from '../../src/audio/to-mono-8k.js';
import { speak } from '../../src/tts/speak.js';
import { terminate } from './support/call-process.js';
import {
  freeSipPort,
  isListening,
  requireBinary,
  runShtoom,
  startShtoom,
  stopAllPeers,
  waitFor,
} from './support/peers.js';

const COMMON = ['--sip-address', '127.0.0.1', '--rtp-address', '127.0.0.1', '--rtp-clock-realtime', '0'];

let dir: string;
beforeAll(() => {
  requireBinary('sox');
  dir = mkdtempSync(join(tmpdir(), 'shtoom-serve-'));
});
afterEach(async () => stopAllPeers());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function serveEcho(extra: string[] = []) {
  const port = await freeSipPort();
  const peer = startShtoom(['serve', 'echo', '--listen', `udp:127.0.0.1:${port}`, ...COMMON, ...extra], {
    timeoutSec: 90,
  });
  await waitFor(() => isListening(port, 'udp'), 'shtoom serve echo');
  return { port, peer };
}

/** An INVITE whose Contact cannot be routed (as the PROTOS c07-sip cases send), from a socket that never ACKs. */
async function hostileInvite(port: number): Promise<{ answers: string[]; close: () => void }> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const local = `127.0.0.1:${s.address().port}`;
  const sdp = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n';
  const invite =
    `INVITE sip:echo@127.0.0.1:${port} SIP/2.0\r\nVia: SIP/2.0/UDP ${local};branch=z9hG4bK-hostile;rport\r\n` +
    `Max-Forwards: 70\r\nFrom: <sip:protos@127.0.0.1>;tag=p1\r\nTo: <sip:echo@127.0.0.1>\r\n` +
    `Call-ID: hostile-${Math.random()}\r\nCSeq: 1 INVITE\r\nContact: <${'a'.repeat(300)}:${'b'.repeat(50)}>\r\n` +
    `Content-Type: application/sdp\r\nContent-Length: ${sdp.length}\r\n\r\n${sdp}`;
  const answers: string[] = [];
  s.on('message', (m) => answers.push(m.toString().split('\r\n')[0]!));
  s.send(Buffer.from(invite), port, '127.0.0.1');
  return { answers, close: () => s.close() };
}

/** A recording (at the call's own rate) as 8 kHz mono, for the 8 kHz analysers. */
function wav8k(file: string): Int16Array {
  const w = readWavFile(file);
  return toMono8k(w.samples, w.format.channels, w.format.sampleRate);
}

describe('shtoom serve and a hostile INVITE', () => {
  it('an unroutable Contact, never ACKed: SIGTERM still ends serve within Timer H and a margin, exit 0', async () => {
    // T1 of 250 ms: Timer H (64*T1) is 16 s instead of 32 s; the 200 OK is still retransmitted until then.
    const echo = await serveEcho(['--sip-t1', '250ms']);
    const hostile = await hostileInvite(echo.port);
    await waitFor(() => hostile.answers.includes('SIP/2.0 200 OK'), 'the 200 OK', 10_000);
    const t0 = Date.now();
    terminate(echo.peer);
    const code = await echo.peer.exited;
    hostile.close();
    expect(code, echo.peer.stderr()).toBe(0);
    expect(Date.now() - t0).toBeLessThan(16_000 + 10_000);
    expect(echo.peer.stderr()).not.toMatch(/unexpected error|internal error/);
    expect(echo.peer.stderr()).not.toMatch(/not answered/);
  }, 90_000);

  it('a second SIGTERM ends it at once (exit 130)', async () => {
    const echo = await serveEcho();
    const hostile = await hostileInvite(echo.port);
    await waitFor(() => hostile.answers.includes('SIP/2.0 200 OK'), 'the 200 OK', 10_000);
    terminate(echo.peer);
    await waitFor(() => echo.peer.stderr().includes('finishing'), 'the first SIGTERM taken', 5000);
    const t0 = Date.now();
    terminate(echo.peer);
    const code = await echo.peer.exited;
    hostile.close();
    expect(code).toBe(130);
    expect(Date.now() - t0).toBeLessThan(3000);
  });
});

describe('shtoom serve echo with shtoom call', () => {
  it('a caller killed with SIGKILL leaves a recording sox plays, missing at most the last second', async () => {
    const echo = await serveEcho();
    const rec = join(dir, 'killed.wav');
    const caller = startShtoom(
      ['call', `sip:echo@127.0.0.1:${echo.port}`, '--play', 'tone:1000', '--record', rec, ...COMMON],
      { timeoutSec: 60 },
    );
    // When the answer's line arrives (the data event, not the next poll: a poll can come 100 ms late,
    // and the recording is held to the time from the answer).
    let answeredAt = 0;
    const onData = () => {
      if (answeredAt === 0 && caller.stdout().includes('answered by')) answeredAt = Date.now();
    };
    caller.child.stdout!.on('data', onData); // after the peer's own listener: stdout() has the chunk
    await waitFor(() => answeredAt > 0, 'the answer', 15_000);
    await new Promise((r) => setTimeout(r, 3500));
    const heldMs = Date.now() - answeredAt;
    caller.child.kill('SIGKILL');
    await caller.exited;
    const soxi = spawnSync('soxi', ['-D', rec], { encoding: 'utf8' });
    expect(soxi.status, soxi.stderr).toBe(0);
    const seconds = Number(soxi.stdout.trim());
    expect(seconds).toBeGreaterThan(heldMs / 1000 - 1.2);
    expect(seconds).toBeLessThanOrEqual(heldMs / 1000 + 0.1);
    // The header is true: the samples sox counts are there, and they hold the echoed tone.
    const det = new ToneDetector([{ name: 'f', freqs: [1000] }]);
    det.process(wav8k(rec)); // the recording keeps the call's rate (16 kHz: G.722 by default)
    det.flush();
    let tone = 0;
    for (let e = det.pollEvent(); e; e = det.pollEvent()) if (e.type === 'end') tone += (e.duration ?? 0) / 8000;
    expect(tone).toBeGreaterThan(seconds - 0.6);
    terminate(echo.peer);
    expect(await echo.peer.exited).toBe(0);
  });

  it('serve announce --say speaks through the TTS engine (flite), then hangs up', async () => {
    requireBinary('flite');
    const text = 'Hello from shtoom. This is the announcement. Goodbye.';
    const port = await freeSipPort();
    const peer = startShtoom(['serve', 'announce', '--say', text, '--listen', `udp:127.0.0.1:${port}`, ...COMMON], {
      timeoutSec: 60,
    });
    await waitFor(() => isListening(port, 'udp'), 'shtoom serve announce');
    const rec = join(dir, 'announce.wav');
    const r = await runShtoom(['call', `sip:hello@127.0.0.1:${port}`, '--record', rec, '--json', ...COMMON], {
      timeoutSec: 40,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).end.reason).toBe('remote-hangup');
    const expected = (await speak(text, { engine: 'flite' })).length / 8000;
    const heard = analyzeAudio(wav8k(rec));
    const first = heard.speech[0]!;
    const last = heard.speech.at(-1)!;
    // The whole announcement came through: speech from its first word to its last, as long as the rendering.
    expect(last.end - first.start).toBeGreaterThan(expected * 0.8);
    expect(last.end - first.start).toBeLessThan(expected * 1.2);
    terminate(peer);
    expect(await peer.exited).toBe(0);
  });

  it('survives misbehaving peers and keeps serving', async () => {
    const echo = await serveEcho();
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    const send = (b: Buffer | string) =>
      new Promise<void>((r) => s.send(typeof b === 'string' ? Buffer.from(b) : b, echo.port, '127.0.0.1', () => r()));
    const local = `127.0.0.1:${s.address().port}`;
    const req = (method: string, extra: string, body = '') =>
      `${method} sip:echo@127.0.0.1:${echo.port} SIP/2.0\r\nVia: SIP/2.0/UDP ` +
      `${local};branch=z9hG4bK${Math.random().toString(16).slice(2)};rport\r\nMax-Forwards: 70\r\n` +
      `From: <sip:evil@127.0.0.1>;tag=e1\r\nTo: <sip:echo@127.0.0.1>${extra}\r\nCall-ID: ` +
      `${Math.random()}@evil\r\nCSeq: 1 ${method}\r\nContact: <sip:evil@${local}>\r\n` +
      (body ? `Content-Type: application/sdp\r\n` : '') +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    const answers: string[] = [];
    s.on('message', (m) => answers.push(m.toString().split('\r\n')[0]!));
    for (let i = 0; i < 100; i++)
      await send(Buffer.from(Array.from({ length: 1 + ((i * 37) % 1400) }, (_, k) => (k * 131 + i * 7) & 0xff)));
    await send('INVITE sip:x SIP/2.0\r\nVia: nonsense\r\n\r\n');
    await send(req('INVITE', '', 'v=0\r\nthis is not SDP\r\n'));
    await send(
      req(
        'INVITE',
        '',
        'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP ' +
          '18\r\na=rtpmap:18 G729/8000\r\n',
      ),
    );
    await send(req('BYE', ';tag=nosuch'));
    await send(req('INFO', ';tag=nosuch', ''));
    await send('SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:1;branch=z9hG4bKnone\r\nCSeq: 1 INVITE\r\n\r\n');
    await send(`OPTIONS sip:echo@127.0.0.1 SIP/2.0\r\n${'X-Long: a'.repeat(70_000)}\r\n\r\n`);
    const seen = () =>
      answers.includes('SIP/2.0 400 Bad SDP') &&
      answers.includes('SIP/2.0 488 Not Acceptable Here') &&
      answers.filter((a) => a.startsWith('SIP/2.0 481')).length === 2;
    await waitFor(seen, 'answers to the malformed requests', 10_000);
    s.close();
    expect(answers).toContain('SIP/2.0 400 Bad SDP');
    expect(answers).toContain('SIP/2.0 488 Not Acceptable Here');
    expect(answers.filter((a) => a.startsWith('SIP/2.0 481'))).toHaveLength(2);
    expect(echo.peer.child.exitCode).toBeNull();
    // Still serving: a real call goes through.
    const r = await runShtoom(['smoke', `sip:echo@127.0.0.1:${echo.port}`, '--duration', '3s', '--json', ...COMMON], {
      timeoutSec: 40,
    });
    expect(r.code, r.stderr).toBe(0);
    terminate(echo.peer);
    expect(await echo.peer.exited, echo.peer.stderr()).toBe(0);
    expect(echo.peer.stderr()).not.toMatch(/unexpected error|internal error/);
  });
});
