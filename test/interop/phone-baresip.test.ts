/**
 * `shtoom phone --control` against baresip 1.0 on loopback, driven as a
 * script drives it (commands on stdin, JSON events on stdout), asserting on
 * content: tones by frequency in what each side recorded (the phone's
 * `--output`, baresip's sndfile dumps), digits, SIP events and statuses.
 *
 * - baresip calls the phone, the phone answers: audio and DTMF both ways;
 * - the phone calls baresip and hangs up;
 * - hold and resume both ways: the re-INVITE's direction and baresip's
 *   answer, no RTP from the held side, hold music heard by baresip;
 * - baresip transfers the phone to a second baresip (the phone follows the
 *   REFER and hears the second one);
 * - the phone transfers baresip blind and attended to a third baresip
 *   (baresip ends up talking to it);
 * - a three-way conference on the phone: each baresip hears the other;
 * - MESSAGE both ways.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Baresip } from './support/call-baresip.js';
import { freeUdpPort, requireBinary, stopAllPeers, waitFor } from './support/peers.js';
import { ControlPhone } from './support/phone-control.js';
import { receivedPcmu, startCapture } from './support/rtp-tshark.js';
import { presence, wavPresence, wavToneSeconds } from './support/wav-tone.js';

let dir: string;
let n = 0;
const peers: { stop(): Promise<unknown> }[] = [];
beforeAll(() => {
  requireBinary('baresip');
  requireBinary('tshark');
  dir = mkdtempSync(join(tmpdir(), 'shtoom-phone-baresip-'));
});
afterEach(async () => {
  // Phones first (they BYE), then baresips.
  for (const p of peers.splice(0).reverse()) await p.stop().catch(() => {});
  await stopAllPeers();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function baresip(toneHz: number, o: Partial<Parameters<typeof Baresip.start>[0]> = {}): Promise<Baresip> {
  const b = await Baresip.start({
    dir: join(dir, `b${++n}`),
    toneHz,
    codec: 'PCMU',
    rtpBase: await freeUdpPort(true),
    ...o,
  });
  peers.push(b);
  return b;
}

async function phone(args: string[] = []): Promise<ControlPhone> {
  const p = await ControlPhone.start(args);
  peers.unshift(p);
  return p;
}

/** baresip's dumps of what it received, one per call, in the order the calls began. */
function dumps(b: Baresip): string[] {
  return readdirSync(b.recDir)
    .filter((f) => f.endsWith('-dec.wav'))
    .sort()
    .map((f) => join(b.recDir, f));
}

/** Wait until baresip has closed `count` calls (its dumps are then complete). */
async function closed(b: Baresip, count = 1): Promise<void> {
  await waitFor(
    () => b.events.filter((e) => e.type === 'CALL_CLOSED').length >= count,
    `baresip to close ${count} call(s)`,
  );
}

describe('shtoom phone --control with baresip', () => {
  it('baresip calls the phone, which answers by command: audio and DTMF both ways, baresip hangs up', async () => {
    const b = await baresip(1000);
    const heard = join(dir, 'in.wav');
    const p = await phone(['--input', 'tone:600', '--output', heard]);
    await b.command('dial', `sip:phone@127.0.0.1:${p.port}`);
    const inc = await p.next('incoming');
    expect(inc).toMatchObject({ call: 1, from: expect.stringContaining('sip:alice@127.0.0.1') });
    p.send('answer 1');
    expect(await p.next('answered')).toEqual({ event: 'answered', call: 1, codec: 'PCMU' });
    await b.waitEvent('CALL_ESTABLISHED');
    await sleep(1500);
    p.send('dtmf 1 15');
    await b.command('sndcode', '9');
    expect(await p.next('dtmf')).toMatchObject({ call: 1, digit: '9', how: 'rfc4733' });
    await sleep(2000);
    await b.command('hangup');
    expect(await p.next('ended')).toMatchObject({ call: 1, reason: 'remote-hangup' });
    await closed(b);
    expect(b.digits()).toBe('15');
    expect(await p.quit()).toBe(0);
    // Each side heard the other's tone, never its own.
    expect(wavToneSeconds(heard, 1000)).toBeGreaterThan(2.5);
    expect(wavToneSeconds(heard, 600)).toBe(0);
    expect(wavPresence(dumps(b)[0]!, 600)).toBeGreaterThan(2.5);
  });

  it('the phone calls baresip and hangs up: BYE, both ended', async () => {
    const b = await baresip(1000);
    const heard = join(dir, 'out.wav');
    const p = await phone(['--input', 'tone:600', '--output', heard]);
    p.send(`dial sip:alice@127.0.0.1:${b.sipPort}`);
    expect(await p.next('calling')).toEqual({ event: 'calling', call: 1, to: `sip:alice@127.0.0.1:${b.sipPort}` });
    expect(await p.next('ringing')).toMatchObject({ call: 1, status: 180 });
    await p.next('answered');
    await sleep(3000);
    p.send('hangup 1');
    expect(await p.next('ended')).toMatchObject({ call: 1, reason: 'hangup' });
    await closed(b);
    expect(await p.quit()).toBe(0);
    expect(wavToneSeconds(heard, 1000)).toBeGreaterThan(2);
    expect(wavPresence(dumps(b)[0]!, 600)).toBeGreaterThan(2);
  });

  it(
    'hold and resume both ways: re-INVITE a=sendonly answered a=recvonly; the held side sends no RTP; hold ' + 'music',
    async () => {
      const b = await baresip(1000);
      const p = await phone(['--input', 'tone:600', '--hold-music', 'tone:300', '--log-level', 'trace']);
      // What baresip receives, on the wire (its own recording stops at a re-INVITE).
      const cap = await startCapture(join(dir, 'hold.pcap'), b.rtpPorts, 90);
      p.send(`dial sip:alice@127.0.0.1:${b.sipPort}`);
      await p.next('answered');
      await sleep(1500);
      // The phone holds baresip.
      p.send('hold 1');
      expect(await p.next('held')).toEqual({ event: 'held', call: 1, by: 'local' });
      await sleep(500);
      const h0 = (await p.calls())[0]!.packets as { sent: number; received: number };
      await sleep(2000);
      const h1 = (await p.calls())[0]!.packets as { sent: number; received: number };
      // baresip, held, sends nothing; we go on sending (hold music).
      expect(h1.received - h0.received).toBeLessThan(3);
      expect(h1.sent - h0.sent).toBeGreaterThan(80);
      p.send('resume 1');
      expect(await p.next('resumed')).toEqual({ event: 'resumed', call: 1, by: 'local' });
      await sleep(1500);
      const r1 = (await p.calls())[0]!.packets as { sent: number; received: number };
      expect(r1.received - h1.received).toBeGreaterThan(50);
      // baresip holds the phone: the phone, held, sends nothing.
      await b.command('hold');
      expect(await p.next('held', (e) => e.by === 'remote')).toEqual({ event: 'held', call: 1, by: 'remote' });
      await sleep(500);
      const b0 = (await p.calls())[0]!;
      expect(b0).toMatchObject({ state: 'held', heldBy: ['remote'] });
      await sleep(2000);
      const b1 = (await p.calls())[0]!;
      expect((b1.packets as { sent: number }).sent - (b0.packets as { sent: number }).sent).toBeLessThan(3);
      await b.command('resume');
      expect(await p.next('resumed', (e) => e.by === 'remote')).toMatchObject({ call: 1 });
      p.send('hangup 1');
      await p.next('ended');
      await closed(b);
      expect(await p.quit()).toBe(0);
      // What baresip saw of our hold, in the SIP trace: our re-INVITE offered sendonly, its 200 answered recvonly;
      // its own hold offered sendonly (or inactive) and we answered recvonly (or inactive).
      const trace = p.peer.stderr();
      const messages = trace.split(/\n(?=\S)/);
      const sent = messages.filter((m) => /TRACE sip: sent/.test(m));
      const received = messages.filter((m) => /TRACE sip: received/.test(m));
      expect(sent.some((m) => /INVITE sip:/.test(m) && /a=sendonly/.test(m))).toBe(true);
      expect(received.some((m) => /SIP\/2\.0 200/.test(m) && /CSeq: \d+ INVITE/.test(m) && /a=recvonly/.test(m))).toBe(
        true,
      );
      expect(received.some((m) => /INVITE sip:/.test(m) && /a=(sendonly|inactive)/.test(m))).toBe(true);
      // baresip got our hold music while held (and the microphone otherwise).
      await cap.stop();
      const wire = receivedPcmu(cap.file, b.rtpPorts);
      expect(presence(wire, 300)).toBeGreaterThan(1.5);
      expect(presence(wire, 600)).toBeGreaterThan(2.5);
    },
  );

  it('baresip transfers the phone to a second baresip: the phone follows the REFER and hears it', async () => {
    const a = await baresip(1000);
    const c = await baresip(1500);
    const heard = join(dir, 'xfer.wav');
    const p = await phone(['--input', 'tone:600', '--output', heard, '--auto-accept-transfer']);
    await a.command('dial', `sip:phone@127.0.0.1:${p.port}`);
    await p.next('incoming');
    p.send('answer');
    await p.next('answered');
    await sleep(1500);
    await a.command('transfer', `sip:alice@127.0.0.1:${c.sipPort}`);
    expect(await p.next('transfer-requested')).toEqual({
      event: 'transfer-requested',
      call: 1,
      target: `sip:alice@127.0.0.1:${c.sipPort}`,
      attended: false,
    });
    expect(await p.next('calling')).toMatchObject({ call: 2, to: `sip:alice@127.0.0.1:${c.sipPort}` });
    await p.next('answered', (e) => e.call === 2);
    expect(await p.next('transferred')).toEqual({ event: 'transferred', call: 1, to: 2 });
    expect(await p.next('ended', (e) => e.call === 1)).toMatchObject({ reason: 'transferred' });
    await a.waitEvent('CALL_CLOSED', (e) => e.param === 'Call transfered');
    await sleep(2500);
    p.send('hangup 2');
    await p.next('ended', (e) => e.call === 2);
    await closed(c);
    expect(await p.quit()).toBe(0);
    // The phone heard the first baresip, then the second; the second heard the phone.
    expect(wavToneSeconds(heard, 1000)).toBeGreaterThan(1);
    // (over a second of the 2.5 s: on a loaded machine the new call's first moments may go to its setup)
    expect(wavToneSeconds(heard, 1500)).toBeGreaterThan(1);
    expect(wavPresence(dumps(c)[0]!, 600)).toBeGreaterThan(1);
  });

  it('the phone transfers baresip blind to a third baresip: baresip ends up talking to it', async () => {
    const a = await baresip(1000);
    const c = await baresip(1500);
    const p = await phone(['--input', 'tone:600']);
    p.send(`dial sip:alice@127.0.0.1:${a.sipPort}`);
    await p.next('answered');
    await sleep(1200);
    p.send(`transfer 1 sip:alice@127.0.0.1:${c.sipPort}`);
    expect(await p.next('transferred')).toEqual({
      event: 'transferred',
      call: 1,
      target: `sip:alice@127.0.0.1:${c.sipPort}`,
    });
    expect(await p.next('ended')).toMatchObject({ call: 1, reason: 'transferred' });
    // baresip followed the REFER and talks to the third one.
    await a.waitEvent('TRANSFER');
    await a.waitEvent('CALL_ESTABLISHED', (e) => String(e.param).includes(`:${c.sipPort}`));
    await sleep(2500);
    await a.command('hangup');
    await closed(c);
    expect(await p.quit()).toBe(0);
    expect(wavToneSeconds(dumps(c)[0]!, 1000)).toBeGreaterThan(1.5);
    expect(wavToneSeconds(dumps(a).at(-1)!, 1500)).toBeGreaterThan(1.5);
  });

  it(
    'the phone transfers baresip attended to a third baresip (REFER with Replaces): both calls end, they ' + 'talk',
    async () => {
      const a = await baresip(1000);
      const c = await baresip(1500);
      const p = await phone(['--input', 'tone:600']);
      p.send(`dial sip:alice@127.0.0.1:${a.sipPort}`);
      await p.next('answered', (e) => e.call === 1);
      await sleep(1200);
      p.send(`dial sip:alice@127.0.0.1:${c.sipPort}`);
      expect(await p.next('held')).toEqual({ event: 'held', call: 1, by: 'local' });
      await p.next('answered', (e) => e.call === 2);
      await sleep(1200);
      p.send('attended 1 2');
      expect(await p.next('transferred', (e) => e.call === 1)).toMatchObject({
        target: expect.stringContaining(`:${c.sipPort}`),
      });
      await p.next('ended', (e) => e.call === 1);
      expect(await p.next('ended', (e) => e.call === 2)).toMatchObject({ reason: 'transferred' });
      // baresip's INVITE carries the Refer-To (with its Replaces) as it took it.
      const t = await a.waitEvent('TRANSFER');
      expect(String(t.param)).toMatch(/Replaces=/);
      await a.waitEvent('CALL_ESTABLISHED', (e) => String(e.param).includes(`:${c.sipPort}`));
      await sleep(2500);
      await a.command('hangup');
      await closed(c, 2);
      expect(await p.quit()).toBe(0);
      expect(wavToneSeconds(dumps(c).at(-1)!, 1000)).toBeGreaterThan(1.5);
      expect(wavToneSeconds(dumps(a).at(-1)!, 1500)).toBeGreaterThan(1.5);
      expect(p.all('error')).toEqual([]);
    },
  );

  it('a three-way conference on the phone: each baresip hears the other and the phone', async () => {
    const a = await baresip(1000);
    const c = await baresip(1500);
    const heard = join(dir, 'conf.wav');
    const p = await phone(['--input', 'tone:600', '--output', heard]);
    // What each baresip receives, on the wire (its own recording stops at the re-INVITEs of hold and resume).
    const cap = await startCapture(join(dir, 'conf.pcap'), [...a.rtpPorts, ...c.rtpPorts], 90);
    p.send(`dial sip:alice@127.0.0.1:${a.sipPort}`);
    await p.next('answered', (e) => e.call === 1);
    await sleep(1200);
    p.send(`dial sip:alice@127.0.0.1:${c.sipPort}`);
    await p.next('answered', (e) => e.call === 2);
    await sleep(500);
    p.send('conference');
    expect(await p.next('conference')).toEqual({ event: 'conference', calls: [1, 2] });
    await p.next('resumed', (e) => e.call === 1);
    expect((await p.calls()).map((x) => [x.call, x.conference])).toEqual([
      [1, true],
      [2, true],
    ]);
    await sleep(4000);
    p.send('quit');
    expect(await p.peer.exited).toBe(0);
    await closed(a);
    await closed(c);
    await cap.stop();
    // a gets c's tone and the phone's; c gets a's and the phone's; the phone hears both.
    const atA = receivedPcmu(cap.file, a.rtpPorts);
    const atC = receivedPcmu(cap.file, c.rtpPorts);
    expect(presence(atA, 1500)).toBeGreaterThan(3);
    expect(presence(atA, 600)).toBeGreaterThan(3);
    expect(presence(atC, 1000)).toBeGreaterThan(3);
    expect(presence(atC, 600)).toBeGreaterThan(3);
    expect(wavPresence(heard, 1000)).toBeGreaterThan(3);
    expect(wavPresence(heard, 1500)).toBeGreaterThan(3);
    // Nobody gets its own tone back.
    expect(presence(atA, 1000)).toBeLessThan(0.3);
    expect(presence(atC, 1500)).toBeLessThan(0.3);
  });

  it('MESSAGE both ways', async () => {
    const p = await phone();
    const b = await baresip(1000, { stdio: true, contacts: [`"phone" <sip:phone@127.0.0.1:${p.port}>`] });
    p.send(`message sip:alice@127.0.0.1:${b.sipPort} hello baresip, from shtoom`);
    await waitFor(() => b.peer.stderr().includes('"hello baresip, from shtoom"'), 'baresip to print the MESSAGE');
    expect(b.peer.stderr()).toMatch(/sip:shtoom@127\.0\.0\.1: "hello baresip, from shtoom"/);
    await b.command('message', 'hi shtoom, from baresip');
    expect(await p.next('message')).toEqual({
      event: 'message',
      from: expect.stringContaining(`sip:alice@127.0.0.1:${b.sipPort}`),
      text: 'hi shtoom, from baresip',
      contentType: 'text/plain',
    });
    expect(await p.quit()).toBe(0);
  });
});
