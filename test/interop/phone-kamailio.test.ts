/**
 * The phone and baresip both registered through Kamailio with digest
 * (alice is baresip, bob is `shtoom phone --control`): calls both ways by
 * user name (the phone dials `alice` through its account's domain), audio
 * checked by tone, a MESSAGE through the proxy, and the phone's
 * unregistration when it quits.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Baresip } from './support/call-baresip.js';
import { freeUdpPort, requireBinary, stopAllPeers, waitFor } from './support/peers.js';
import { ControlPhone } from './support/phone-control.js';
import { startKamailio, type Kamailio } from './support/sip-kamailio.js';
import { wavPresence, wavToneSeconds } from './support/wav-tone.js';

let dir: string;
let kamailio: Kamailio | undefined;
beforeAll(async () => {
  requireBinary('baresip');
  requireBinary('kamailio');
  dir = mkdtempSync(join(tmpdir(), 'shtoom-phone-kamailio-'));
  kamailio = await startKamailio();
});
afterAll(async () => {
  await kamailio?.stop();
  await stopAllPeers();
  rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('shtoom phone and baresip registered through Kamailio (digest)', () => {
  it('register, call each other by user name, exchange a MESSAGE, unregister', async () => {
    const k = kamailio!;
    const b = await Baresip.start({
      dir: join(dir, 'alice'),
      toneHz: 1000,
      codec: 'PCMU',
      rtpBase: await freeUdpPort(true),
      stdio: true,
      account:
        `<sip:alice@127.0.0.1:${k.port};transport=udp>;auth_pass=alicepw;regint=300;` +
        'answermode=auto;audio_codecs=PCMU',
    });
    const heard = join(dir, 'bob.wav');
    const p = await ControlPhone.start([
      '--register',
      '--aor',
      `sip:bob@127.0.0.1:${k.port}`,
      '--password',
      'bobpw',
      '--input',
      'tone:600',
      '--output',
      heard,
    ]);
    try {
      // baresip may register before its control socket is connected (its REGISTER_OK event then goes
      // unseen): the registrar's location table says it.
      await waitFor(() => k.bindings('alice').length > 0, 'alice registered at Kamailio', 15_000);
      expect(await p.next('registered')).toMatchObject({
        aor: `sip:bob@127.0.0.1:${k.port}`,
        registrar: `sip:127.0.0.1:${k.port}`,
        expires: expect.any(Number),
      });
      // The phone dials alice by user name: through its account's domain, the proxy (407, digest) and her binding.
      p.send('dial alice');
      expect(await p.next('calling')).toMatchObject({ call: 1, to: `sip:alice@127.0.0.1:${k.port}` });
      expect(await p.next('answered')).toMatchObject({ call: 1, codec: 'PCMU' });
      await b.waitEvent('CALL_ESTABLISHED');
      await sleep(2500);
      p.send('hangup 1');
      await p.next('ended', (e) => e.call === 1);
      await waitFor(() => b.events.some((e) => e.type === 'CALL_CLOSED'), 'baresip to close the call');
      // alice calls bob (baresip authenticates at the proxy); the phone answers by command.
      await b.command('dial', `sip:bob@127.0.0.1:${k.port}`);
      const inc = await p.next('incoming');
      expect(inc).toMatchObject({ call: 2, from: expect.stringContaining('sip:alice@127.0.0.1') });
      p.send('answer 2');
      await p.next('answered', (e) => e.call === 2);
      await sleep(2500);
      await b.command('hangup');
      expect(await p.next('ended', (e) => e.call === 2)).toMatchObject({ reason: 'remote-hangup' });
      // A MESSAGE to alice through the proxy.
      p.send('message alice hello through the proxy');
      await waitFor(() => b.peer.stderr().includes('"hello through the proxy"'), 'baresip to print the MESSAGE');
      expect(p.all('error')).toEqual([]);
      expect(await p.quit()).toBe(0);
      expect(p.all('unregistered')).toEqual([{ event: 'unregistered', aor: `sip:bob@127.0.0.1:${k.port}` }]);
      // Audio both ways on both calls: the phone heard alice's tone, alice heard the phone's.
      expect(wavToneSeconds(heard, 1000)).toBeGreaterThan(4);
      const dumps = readdirSync(b.recDir)
        .filter((f) => f.endsWith('-dec.wav'))
        .sort()
        .map((f) => join(b.recDir, f));
      expect(dumps).toHaveLength(2);
      for (const d of dumps) expect(wavPresence(d, 600)).toBeGreaterThan(1.5);
    } finally {
      await p.stop();
      await b.stop();
    }
  });
});
