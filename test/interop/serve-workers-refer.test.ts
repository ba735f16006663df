/**
 * Transfers (REFER) of calls on media workers (`shtoom serve FILE.js
 * --workers 2`, docs/workers.md) with baresip:
 * - the app in the worker answers, plays a tone, and transfers the caller
 *   (baresip) to a second baresip: baresip follows the REFER, the two
 *   baresips hear each other, the server's call ends `transferred`;
 * - baresip transfers its call with the app: the REFER reaches the app in
 *   its worker, which declines it (486), and baresip hears the refusal;
 * - the app follows baresip's REFER from its worker: the worker places the
 *   call to a second baresip (the main thread sends the INVITE), which hears
 *   the app's 700 Hz tone; the NOTIFY says 200 and baresip's call closes
 *   transferred. When the second baresip refuses (486), the NOTIFY carries
 *   486 and the call with the app is left as it was.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Baresip } from './support/call-baresip.js';
import {
  freeSipPort,
  freeUdpPort,
  isListening,
  requireBinary,
  SHTOOM_BIN,
  startShtoom,
  stopAllPeers,
  waitFor,
} from './support/peers.js';
import { wavToneSeconds } from './support/wav-tone.js';

const COMMON = ['--sip-address', '127.0.0.1', '--rtp-address', '127.0.0.1', '--rtp-clock-realtime', '0'];

let dir: string;
const baresips: Baresip[] = [];
beforeAll(() => {
  requireBinary('baresip');
  dir = mkdtempSync(join(tmpdir(), 'shtoom-workers-refer-'));
});
afterEach(async () => {
  await Promise.all(baresips.splice(0).map((b) => b.stop()));
  await stopAllPeers();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function baresip(toneHz: number, name: string, answer: 'auto' | 'manual' = 'auto'): Promise<Baresip> {
  const b = await Baresip.start({
    dir: join(dir, name),
    toneHz,
    codec: 'PCMU',
    rtpBase: await freeUdpPort(true),
    ...(answer === 'manual'
      ? { account: '<sip:bob@127.0.0.1:{port};transport=udp>;regint=0;answermode=manual;audio_codecs=PCMU' }
      : {}),
  });
  baresips.push(b);
  return b;
}

/** baresip's dumps of what it received, one per call, in the order the calls began. */
function dumps(b: Baresip): string[] {
  return readdirSync(b.recDir)
    .filter((f) => f.endsWith('-dec.wav'))
    .sort()
    .map((f) => join(b.recDir, f));
}

async function serve(app: string): Promise<{ port: number; peer: ReturnType<typeof startShtoom> }> {
  const file = join(dir, `app-${Date.now()}.mjs`);
  writeFileSync(file, app);
  const port = await freeSipPort();
  const peer = startShtoom(
    ['serve', file, '--listen', `udp:127.0.0.1:${port}`, '--workers', '2', '--log-level', 'info', ...COMMON],
    { timeoutSec: 90 },
  );
  await waitFor(() => /serving /.test(peer.stdout()) || peer.child.exitCode !== null, 'shtoom serve', 30_000);
  if (peer.child.exitCode !== null) throw new Error(`serve exited: ${peer.stderr()}`);
  expect(isListening(port, 'udp')).toBe(true);
  return { port, peer };
}

describe('REFER on media workers, with baresip', () => {
  it("the app in a worker moves baresip to another: it follows, they talk, the call ends 'transferred'", async () => {
    const a = await baresip(1000, 'a');
    const c = await baresip(1500, 'c');
    const outcome = join(dir, 'outcome.txt');
    const server = await serve(`import { writeFileSync } from 'node:fs';
export default async (call) => {
  await call.answer();
  await call.play('tone:600', { timeoutMs: 2000 });
  await call.transfer('sip:alice@127.0.0.1:${c.sipPort}');
  writeFileSync(${JSON.stringify(outcome)}, (await call.call.ended).reason);
};
`);
    await a.command('dial', `sip:app@127.0.0.1:${server.port}`);
    await a.waitEvent('TRANSFER', () => true, 20_000);
    await a.waitEvent('CALL_ESTABLISHED', (e) => String(e.param).includes(`:${c.sipPort}`), 20_000);
    await waitFor(() => existsSync(outcome), "the app's call ends", 15_000);
    expect(readFileSync(outcome, 'utf8')).toBe('transferred');
    await waitFor(() => /ended: transferred/.test(server.peer.stderr()), "the server's log line", 5000);
    await new Promise((r) => setTimeout(r, 2500));
    await a.command('hangup');
    await waitFor(() => c.events.some((e) => e.type === 'CALL_CLOSED'), 'the second baresip hangs up');
    await waitFor(() => a.events.filter((e) => e.type === 'CALL_CLOSED').length >= 2, 'both of the first one’s calls');
    const [before, after] = dumps(a);
    expect(wavToneSeconds(before!, 600), 'baresip heard the app first').toBeGreaterThan(1);
    expect(wavToneSeconds(after!, 1500), 'then the second baresip').toBeGreaterThan(1.5);
    expect(wavToneSeconds(dumps(c)[0]!, 1000), 'which heard the first').toBeGreaterThan(1.5);
  }, 60_000);

  it('baresip transfers its call with the app: the REFER reaches the app in its worker, 486 goes back', async () => {
    const a = await baresip(1000, 'a2');
    const asked = join(dir, 'asked.txt');
    const server = await serve(`import { writeFileSync } from 'node:fs';
export default async (call) => {
  call.call.on('transfer-requested', (t) => {
    writeFileSync(${JSON.stringify(asked)}, t.target);
    t.reject(486, 'Busy Here');
  });
  await call.echo();
};
`);
    await a.command('dial', `sip:app@127.0.0.1:${server.port}`);
    await a.waitEvent('CALL_ESTABLISHED', () => true, 20_000);
    await new Promise((r) => setTimeout(r, 1000));
    await a.command('transfer', 'sip:bob@127.0.0.1:5999');
    await waitFor(() => existsSync(asked), 'the REFER in the app', 15_000);
    expect(readFileSync(asked, 'utf8')).toBe('sip:bob@127.0.0.1:5999');
    // The refusal crossed back: baresip reports the transfer failed with the app's status. (baresip then
    // hangs up its side of a call it transferred, whatever the outcome: the same on one thread.)
    await a.waitEvent('TRANSFER_FAILED', (e) => String(e.param).startsWith('486'), 10_000);
    await waitFor(() => /ended: remote-hangup/.test(server.peer.stderr()), "the server's log line", 10_000);
  }, 60_000);

  /** An app that follows the caller's transfers: it calls the target from its worker and plays it a 700 Hz tone. */
  function follower(out: string): string {
    const lib = pathToFileURL(join(SHTOOM_BIN, '..', '..', 'src', 'index.js')).href;
    return `import { appendFileSync } from 'node:fs';
import { audio } from ${JSON.stringify(lib)};
const note = (line) => appendFileSync(${JSON.stringify(out)}, line + '\\n');
export default async (call) => {
  call.call.on('transfer-requested', async (t) => {
    note('asked ' + t.target);
    const next = t.accept({ source: await audio.openSource('tone:700') });
    next.answered.then(() => note('answered'), () => {});
    next.ended.then((e) => note('followed ' + e.reason + (e.status ? ' ' + e.status : '')));
  });
  call.call.ended.then((e) => note('original ' + e.reason));
  await call.echo();
};
`;
  }
  const notes = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : []);

  it('baresip transfers the app to a second baresip: the worker calls it, it hears the app, NOTIFY 200', async () => {
    const a = await baresip(1000, 'a3');
    const b = await baresip(1500, 'b3');
    const out = join(dir, 'follow.txt');
    const server = await serve(follower(out));
    await a.command('dial', `sip:app@127.0.0.1:${server.port}`);
    await a.waitEvent('CALL_ESTABLISHED', () => true, 20_000);
    await a.command('transfer', `sip:alice@127.0.0.1:${b.sipPort}`);
    await b.waitEvent('CALL_ESTABLISHED', () => true, 20_000);
    await waitFor(() => notes(out).includes('answered'), "the app's new call is answered", 10_000);
    // The referrer heard of the success (NOTIFY 200: baresip closes its call "transfered") and left: the app's
    // first call ends transferred.
    await a.waitEvent('CALL_CLOSED', (e) => /transfer/i.test(String(e.param)), 10_000);
    await waitFor(() => notes(out).includes('original transferred'), 'the original call ends transferred', 15_000);
    await new Promise((r) => setTimeout(r, 2500));
    await b.command('hangup');
    await waitFor(() => notes(out).some((l) => l.startsWith('followed ')), 'the followed call ends', 10_000);
    expect(notes(out)[0]).toBe(`asked sip:alice@127.0.0.1:${b.sipPort}`);
    expect(notes(out)).toContain('followed remote-hangup');
    expect(wavToneSeconds(dumps(b)[0]!, 700), 'the second baresip heard the app').toBeGreaterThan(1.5);
    await waitFor(() => /ended: transferred/.test(server.peer.stderr()), "the server's log line", 5000);
  }, 60_000);

  it('the second baresip refuses (486): the NOTIFY carries 486, the call with the app goes on', async () => {
    const a = await baresip(1000, 'a4');
    const b = await baresip(1500, 'b4', 'manual');
    const out = join(dir, 'refused.txt');
    const server = await serve(follower(out));
    await a.command('dial', `sip:app@127.0.0.1:${server.port}`);
    await a.waitEvent('CALL_ESTABLISHED', () => true, 20_000);
    await a.command('transfer', `sip:bob@127.0.0.1:${b.sipPort}`);
    await b.waitEvent('CALL_INCOMING', () => true, 20_000);
    await b.command('hangup');
    await waitFor(() => notes(out).some((l) => l.startsWith('followed ')), "the app's new call ends", 10_000);
    expect(notes(out)).toContain('followed busy 486');
    // The REFER was accepted (202): the 486 reached baresip in the NOTIFY's sipfrag.
    expect(notes(out)[0]).toBe(`asked sip:bob@127.0.0.1:${b.sipPort}`);
    await a.waitEvent('TRANSFER_FAILED', (e) => String(e.param).startsWith('486'), 10_000);
    // The call with the app was not touched by the refusal: it ends when baresip hangs up (it does after a
    // failed transfer of its own, as on one thread), not before, and not as failed.
    await waitFor(() => notes(out).some((l) => l.startsWith('original ')), 'the original call ends', 10_000);
    expect(notes(out)).toContain('original remote-hangup');
    expect(a.events.filter((e) => e.type === 'CALL_CLOSED').length).toBeLessThanOrEqual(1);
    expect(server.peer.stderr()).not.toMatch(/unexpected error|died/);
  }, 60_000);
});
