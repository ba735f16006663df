/**
 * shtoom ↔ baresip over TLS on loopback, both directions, with certificates
 * the test makes: `shtoom call sips:…` to baresip's TLS port (tones both
 * ways), baresip dialling `shtoom serve echo` on its TLS listener (the
 * server listens on nothing else; baresip hears its own tone back); and the calls that MUST fail: baresip's
 * certificate checked against another CA, and a certificate for another
 * name, each one clear line naming the peer and the reason, baresip never
 * rung; and SRTP with keys over TLS (no insecure-keys flag) to baresip's
 * mandatory SRTP, refused at once over UDP.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTestPki, type TestPki } from '../support/test-pki.js';
import { Baresip } from './support/call-baresip.js';
import { wavToneSeconds } from './support/wav-tone.js';
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

const BASE = ['--sip-address', '127.0.0.1', '--rtp-address', '127.0.0.1', '--rtp-clock-realtime', '0'];

let dir: string;
let pki: TestPki;
beforeAll(() => {
  requireBinary('baresip');
  requireBinary('openssl');
  dir = mkdtempSync(join(tmpdir(), 'shtoom-tls-baresip-'));
  pki = makeTestPki(dir);
});
let baresip: Baresip | undefined;
afterEach(async () => {
  await baresip?.stop();
  baresip = undefined;
  await stopAllPeers();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function startBaresip(name: string, certificate: string, toneHz: number): Promise<Baresip> {
  const b = await Baresip.start({
    dir: join(dir, name),
    toneHz,
    codec: 'PCMU',
    rtpBase: await freeUdpPort(true),
    tlsCertificate: certificate,
    tlsCa: pki.ca,
  });
  // baresip listens for TLS on its SIP port + 1.
  await waitFor(() => isListening(b.sipPort + 1, 'tcp'), 'baresip TLS');
  return b;
}

describe('shtoom and baresip over TLS', () => {
  it('shtoom calls baresip at sips: (its TLS port): answered, tones both ways', async () => {
    baresip = await startBaresip('out', pki.combined(pki.server, 'baresip'), 1000);
    const rec = join(dir, 'out.wav');
    const r = await runShtoom(
      [
        'call',
        `sips:alice@127.0.0.1:${baresip.sipPort + 1}`,
        '--tls-ca',
        pki.ca,
        '--codec',
        'pcmu',
        '--play',
        'tone:600',
        '--record',
        rec,
        '--duration',
        '4',
        '--json',
        ...BASE,
      ],
      { timeoutSec: 60 },
    );
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, codec: 'PCMU', end: { reason: 'hangup' } });
    await baresip.waitEvent('CALL_CLOSED');
    expect(wavToneSeconds(rec, 1000)).toBeGreaterThan(2.5);
    const dumps = baresip.received();
    expect(dumps).toHaveLength(1);
    expect(wavToneSeconds(dumps[0]!, 600)).toBeGreaterThan(2.5);
  });

  it('SRTP keys over TLS, as by default (no --srtp-allow-insecure-keys): mandatory SRTP with baresip', async () => {
    baresip = await Baresip.start({
      dir: join(dir, 'srtp'),
      toneHz: 1000,
      codec: 'PCMU',
      rtpBase: await freeUdpPort(true),
      tlsCertificate: pki.combined(pki.server, 'baresip-srtp'),
      tlsCa: pki.ca,
      mediaenc: 'srtp-mand',
    });
    await waitFor(() => isListening(baresip!.sipPort + 1, 'tcp'), 'baresip TLS');
    const rec = join(dir, 'srtp.wav');
    const args = ['--codec', 'pcmu', '--play', 'tone:600', '--duration', '4', '--json', '--srtp', 'mandatory'];
    // Over UDP the keys would go in clear: refused before any INVITE, one line.
    const plain = await runShtoom(['call', `sip:alice@127.0.0.1:${baresip.sipPort}`, ...args, ...BASE], {
      timeoutSec: 30,
    });
    expect(plain.code, plain.stderr).not.toBe(0);
    expect(plain.stderr + plain.stdout).toMatch(/SRTP is mandatory but its keys would go over udp signalling/);
    expect(baresip.events.some((e) => JSON.stringify(e).includes('CALL_INCOMING'))).toBe(false);
    const r = await runShtoom(
      ['call', `sips:alice@127.0.0.1:${baresip.sipPort + 1}`, '--tls-ca', pki.ca, ...args, '--record', rec, ...BASE],
      { timeoutSec: 60 },
    );
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ ok: true, codec: 'PCMU', end: { reason: 'hangup' } });
    expect(j.stats.srtp).toMatchObject({ authFailed: 0 });
    expect(j.stats.srtp.received.rtp.ok).toBeGreaterThan(150);
    await baresip.waitEvent('CALL_CLOSED');
    expect(wavToneSeconds(rec, 1000)).toBeGreaterThan(2.5);
    expect(wavToneSeconds(baresip.received()[0]!, 600)).toBeGreaterThan(2.5);
  });

  it('baresip calls shtoom serve echo on its TLS listener: baresip hears its own tone back', async () => {
    baresip = await startBaresip('in', pki.combined(pki.server, 'baresip-in'), 1300);
    const tls = await freeSipPort();
    const serve = startShtoom(
      [
        'serve',
        'echo',
        // TLS only: the call can come in no other way.
        '--listen',
        `tls:127.0.0.1:${tls}`,
        '--tls-cert',
        pki.server.cert,
        '--tls-key',
        pki.server.key,
        '--tls-ca',
        pki.ca,
        ...BASE,
      ],
      { timeoutSec: 90 },
    );
    await waitFor(() => isListening(tls, 'tcp') || serve.child.exitCode !== null, 'shtoom serve on TLS');
    expect(serve.child.exitCode, serve.stderr()).toBeNull();
    const b = baresip;
    // baresip 1.0 dials sip: URIs only (it writes sips: as sip:sips:…): transport=tls says TLS.
    await b.command('dial', `sip:echo@127.0.0.1:${tls};transport=tls`);
    await b.waitEvent('CALL_ESTABLISHED').catch((e) => {
      throw new Error(
        `${(e as Error).message}\nbaresip: ${JSON.stringify(b.events)}\n${b.peer.stdout().slice(-3000)}\n` +
          `shtoom: ${serve.stderr().slice(-3000)}`,
      );
    });
    await new Promise((r) => setTimeout(r, 3000));
    await baresip.command('hangup');
    await baresip.waitEvent('CALL_CLOSED');
    const dumps = baresip.received();
    expect(dumps).toHaveLength(1);
    expect(wavToneSeconds(dumps[0]!, 1300)).toBeGreaterThan(1.5);
    await serve.stop(40_000);
  });

  it('MUST fail: baresip checked against another CA — one line naming baresip and the reason, never rung', async () => {
    baresip = await startBaresip('wrong-ca', pki.combined(pki.server, 'baresip-ca'), 1000);
    const port = baresip.sipPort + 1;
    const r = await runShtoom(['call', `sips:alice@127.0.0.1:${port}`, '--tls-ca', pki.otherCa, '--json', ...BASE], {
      timeoutSec: 60,
    });
    expect(r.code, r.stderr).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ ok: false, answered: false, end: { reason: 'failed', status: 503 } });
    expect(j.end.message).toContain(`TLS with 127.0.0.1:${port}: certificate signed by an unknown CA`);
    expect(baresip.events.some((e) => e.type === 'CALL_INCOMING')).toBe(false);
  });

  it('MUST fail: a certificate for another name — host name mismatch, never rung', async () => {
    baresip = await startBaresip('wrong-name', pki.combined(pki.wrongName, 'baresip-name'), 1000);
    const port = baresip.sipPort + 1;
    const r = await runShtoom(['call', `sips:alice@127.0.0.1:${port}`, '--tls-ca', pki.ca, '--json', ...BASE], {
      timeoutSec: 60,
    });
    expect(r.code, r.stderr).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.end.message).toContain(
      `TLS with 127.0.0.1:${port}: host name mismatch: the certificate is for DNS:other.example, not 127.0.0.1`,
    );
    expect(baresip.events.some((e) => e.type === 'CALL_INCOMING')).toBe(false);
  });
});
