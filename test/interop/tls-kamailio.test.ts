/**
 * Kamailio's TLS module (kamailio-tls-modules) as registrar and proxy, with
 * certificates the test makes: `shtoom serve echo` registers over TLS
 * (a sips: registrar, so a sips: Contact on its own TLS listener, which
 * Kamailio connects to and verifies), and a second shtoom calls it by its
 * AOR through Kamailio over TLS, hearing its tone echoed. MUST fail: the
 * caller trusting another CA gets one line naming Kamailio and the reason.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestPki, type TestPki } from '../support/test-pki.js';
import {
  freeSipPort,
  isListening,
  requireBinary,
  runShtoom,
  startShtoom,
  stopAllPeers,
  waitFor,
  type Peer,
} from './support/peers.js';
import { startKamailio, type Kamailio } from './support/sip-kamailio.js';
import { plainSipFrames, startTcpCapture, tlsClientHellos } from './support/tls-wire.js';
import { wavToneSeconds } from './support/wav-tone.js';

const BASE = ['--sip-address', '127.0.0.1', '--rtp-address', '127.0.0.1', '--rtp-clock-realtime', '0'];

let dir: string;
let pki: TestPki;
let kamailio: Kamailio | undefined;
beforeAll(async () => {
  requireBinary('kamailio');
  requireBinary('openssl');
  requireBinary('tshark');
  dir = mkdtempSync(join(tmpdir(), 'shtoom-tls-kamailio-'));
  pki = makeTestPki(dir);
  kamailio = await startKamailio({ tls: { cert: pki.server.cert, key: pki.server.key, ca: pki.ca } });
});
afterAll(async () => {
  await kamailio?.stop();
  await stopAllPeers();
  rmSync(dir, { recursive: true, force: true });
});

/** `shtoom serve echo` as alice, registered over TLS; resolves once Kamailio holds its binding. */
async function registeredAlice(k: Kamailio, tls: number): Promise<Peer> {
  const sip = await freeSipPort();
  const serve = startShtoom(
    [
      'serve',
      'echo',
      '--listen',
      `127.0.0.1:${sip},tls:127.0.0.1:${tls}`,
      '--tls-cert',
      pki.server.cert,
      '--tls-key',
      pki.server.key,
      '--tls-ca',
      pki.ca,
      '--register',
      '--aor',
      'sip:alice@127.0.0.1',
      '--password',
      'alicepw',
      '--registrar',
      `sips:127.0.0.1:${k.tlsPort}`,
      ...BASE,
    ],
    { timeoutSec: 120 },
  );
  await waitFor(
    () => k.bindings('alice').length > 0 || serve.child.exitCode !== null,
    'alice registered over TLS',
    20_000,
  ).catch((e) => {
    throw new Error(`${(e as Error).message}\n${serve.stderr()}\n${k.peer.stderr().slice(-2000)}`);
  });
  expect(serve.child.exitCode, serve.stderr()).toBeNull();
  expect(isListening(tls, 'tcp')).toBe(true);
  // A sips: registrar: the Contact bound is a sips: URI on alice's TLS listener.
  expect(k.bindings('alice')).toEqual([`sips:alice@127.0.0.1:${tls}`]);
  return serve;
}

describe('shtoom over TLS through Kamailio', () => {
  it('registers over TLS, and a second shtoom calls it through Kamailio over TLS: the echo comes back', async () => {
    const k = kamailio!;
    const tls = await freeSipPort();
    // Everything on the TLS ports is TLS: no SIP in clear text (tshark).
    const wire = [k.tlsPort!, tls];
    const capture = await startTcpCapture(join(dir, 'tls.pcap'), wire);
    const alice = await registeredAlice(k, tls);
    try {
      const rec = join(dir, 'bob.wav');
      const r = await runShtoom(
        [
          'call',
          `sips:alice@127.0.0.1:${k.tlsPort}`,
          '--aor',
          'sip:bob@127.0.0.1',
          '--password',
          'bobpw',
          '--tls-ca',
          pki.ca,
          '--play',
          'tone:700',
          '--record',
          rec,
          '--duration',
          '4',
          '--json',
          ...BASE,
        ],
        { timeoutSec: 60 },
      );
      expect(r.code, `${r.stderr}\n${r.stdout}\n${alice.stderr()}`).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, end: { reason: 'hangup' } });
      // The echo of our own tone, through a call set up over TLS end to end.
      expect(wavToneSeconds(rec, 700)).toBeGreaterThan(2);
    } finally {
      await alice.stop(40_000);
      await capture.stop();
    }
    // alice to Kamailio (REGISTER), bob to Kamailio (INVITE), and Kamailio to alice unless it reuses the first.
    expect(tlsClientHellos(capture.file, wire)).toBeGreaterThanOrEqual(2);
    expect(plainSipFrames(capture.file, wire)).toBe(0);
  });

  it('MUST fail: a caller trusting another CA — one line naming Kamailio and the reason', async () => {
    const k = kamailio!;
    const r = await runShtoom(
      ['call', `sips:alice@127.0.0.1:${k.tlsPort}`, '--tls-ca', pki.otherCa, '--json', ...BASE],
      { timeoutSec: 60 },
    );
    expect(r.code, r.stderr).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ ok: false, answered: false, end: { reason: 'failed', status: 503 } });
    expect(j.end.message).toContain(`TLS with 127.0.0.1:${k.tlsPort}: certificate signed by an unknown CA`);
  });
});
