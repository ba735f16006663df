/**
 * Two shtoom phones through Kamailio (registrar and record-routing proxy,
 * digest authentication on REGISTER and INVITE): `shtoom serve echo`
 * registers as alice; `shtoom call` registers as bob and calls alice by her
 * address-of-record. The call goes through (401/407 answered with digest),
 * audio and DTMF come back from the echo, BYE follows the Record-Route.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKamailio, type Kamailio } from './support/sip-kamailio.js';
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
import { wavToneSeconds as toneSeconds } from './support/wav-tone.js';

const COMMON = ['--sip-address', '127.0.0.1', '--rtp-address', '127.0.0.1', '--rtp-clock-realtime', '0'];

let dir: string;
let kam: Kamailio;
beforeAll(async () => {
  requireBinary('kamailio');
  dir = mkdtempSync(join(tmpdir(), 'shtoom-kamailio-'));
  kam = await startKamailio();
});
afterAll(async () => {
  await kam?.stop();
  await stopAllPeers();
  rmSync(dir, { recursive: true, force: true });
});

describe('two shtoom phones through Kamailio with digest auth', () => {
  it(
    'alice (serve echo) and bob (call) register; ' + 'bob calls alice by AOR; audio and DTMF come back; exit 0',
    async () => {
      const registrar = `sip:127.0.0.1:${kam.port}`;
      const alicePort = await freeSipPort();
      const alice = startShtoom(
        [
          'serve',
          'echo',
          '--listen',
          `udp:127.0.0.1:${alicePort}`,
          '--register',
          '--aor',
          'sip:alice@127.0.0.1',
          '--password',
          'alicepw',
          '--registrar',
          registrar,
          ...COMMON,
        ],
        { timeoutSec: 90 },
      );
      await waitFor(
        () => alice.stderr().includes('registered sip:alice@127.0.0.1') || alice.child.exitCode !== null,
        'alice to register',
        20_000,
      );
      expect(alice.child.exitCode, alice.stderr()).toBeNull();
      expect(isListening(alicePort, 'udp')).toBe(true);

      const rec = join(dir, 'bob.wav');
      const bob = await runShtoom(
        [
          'call',
          `sip:alice@127.0.0.1:${kam.port}`,
          '--register',
          '--aor',
          'sip:bob@127.0.0.1',
          '--password',
          'bobpw',
          '--registrar',
          registrar,
          '--play',
          'tone:800',
          '--record',
          rec,
          '--dtmf',
          '5',
          '--dtmf-delay',
          '800ms',
          '--duration',
          '3',
          '--json',
          ...COMMON,
        ],
        { timeoutSec: 40 },
      );
      expect(bob.code, bob.stderr).toBe(0);
      const j = JSON.parse(bob.stdout);
      expect(j).toMatchObject({
        ok: true,
        answered: true,
        codec: 'G722',
        end: { reason: 'hangup' },
        dtmf: { sent: '5' },
      });
      expect(j.dtmf.received.map((d: { digit: string; how: string }) => `${d.how}:${d.digit}`)).toEqual(['rfc4733:5']);
      expect(bob.stderr).toMatch(/registered sip:bob@127\.0\.0\.1/);
      expect(toneSeconds(rec, 800)).toBeGreaterThan(2);

      // A caller without credentials is refused by the proxy's challenge: rejected, exit 5.
      const anon = await runShtoom(
        ['call', `sip:alice@127.0.0.1:${kam.port}`, '--aor', 'sip:bob@127.0.0.1', '--json', ...COMMON],
        { timeoutSec: 30 },
      );
      expect(anon.code).toBe(5);
      expect(JSON.parse(anon.stdout)).toMatchObject({ answered: false, end: { status: 407 } });
      // A user Kamailio does not know: 403 Unknown user.
      const stranger = await runShtoom(
        [
          'call',
          `sip:alice@127.0.0.1:${kam.port}`,
          '--aor',
          'sip:carol@127.0.0.1',
          '--password',
          'x',
          '--json',
          ...COMMON,
        ],
        { timeoutSec: 30 },
      );
      expect(stranger.code).toBe(5);
      expect(JSON.parse(stranger.stdout)).toMatchObject({ end: { status: 403 } });

      // alice unregisters on SIGTERM: a call to her AOR then finds nobody (404).
      terminate(alice);
      expect(await alice.exited).toBe(0);
      const after = await runShtoom(
        [
          'call',
          `sip:alice@127.0.0.1:${kam.port}`,
          '--aor',
          'sip:bob@127.0.0.1',
          '--password',
          'bobpw',
          '--json',
          ...COMMON,
        ],
        { timeoutSec: 30 },
      );
      expect(after.code).toBe(5);
      expect(JSON.parse(after.stdout)).toMatchObject({ end: { status: 404 } });
    },
  );
});
