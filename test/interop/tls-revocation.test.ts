/**
 * Certificate revocation (`--tls-crl`) with the built CLI: `shtoom serve
 * echo` listening on TLS only with a certificate its CA has revoked (a CRL
 * made by the test with `openssl ca`); `shtoom call sips:` given that CRL
 * refuses the server with one line naming the reason and never calls; the
 * same call without the CRL (the control) is answered and completes; and a
 * server with `--tls-require-client-cert --tls-crl` refuses a revoked
 * client, where the same client is served without the CRL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTestPki, type TestPki } from '../support/test-pki.js';
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
let pki: TestPki;
beforeAll(() => {
  requireBinary('openssl');
  dir = mkdtempSync(join(tmpdir(), 'shtoom-crl-'));
  pki = makeTestPki(dir);
});
afterEach(async () => stopAllPeers());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function serveTls(extra: readonly string[] = []): Promise<{ port: number; stop: () => Promise<void> }> {
  const port = await freeSipPort();
  const serve = startShtoom(
    [
      'serve',
      'echo',
      '--listen',
      `tls:127.0.0.1:${port}`,
      '--tls-cert',
      pki.server.cert,
      '--tls-key',
      pki.server.key,
      '--tls-ca',
      pki.ca,
      ...extra,
      ...COMMON,
    ],
    { timeoutSec: 60 },
  );
  await waitFor(() => isListening(port, 'tcp'), 'shtoom serve echo on TLS');
  return {
    port,
    stop: async () => {
      await serve.stop();
    },
  };
}

function call(port: number, extra: readonly string[]) {
  return runShtoom(
    ['call', `sips:echo@127.0.0.1:${port}`, '--tls-ca', pki.ca, '--duration', '1s', '--json', ...extra, ...COMMON],
    { timeoutSec: 30 },
  );
}

describe('--tls-crl with shtoom serve and shtoom call over TLS', () => {
  it('a revoked server certificate: the call is refused naming the reason; without the CRL it completes', async () => {
    const s = await serveTls();
    const revoked = await call(s.port, ['--tls-crl', pki.crl([pki.server], 'revokes-server')]);
    expect(revoked.code, revoked.stderr).toBe(1);
    const j = JSON.parse(revoked.stdout);
    expect(j).toMatchObject({ ok: false, answered: false });
    expect(j.end.message).toContain(`TLS with 127.0.0.1:${s.port}: certificate revoked (CERT_REVOKED, by --tls-crl)`);
    const plain = await call(s.port, []);
    expect(plain.code, plain.stderr).toBe(0);
    expect(JSON.parse(plain.stdout)).toMatchObject({ ok: true, answered: true });
    await s.stop();
  });

  it('serve --tls-require-client-cert --tls-crl refuses a revoked client, served without the CRL', async () => {
    const client = ['--tls-client-cert', pki.client.cert, '--tls-client-key', pki.client.key];
    const strict = await serveTls(['--tls-require-client-cert', '--tls-crl', pki.crl([pki.client], 'revokes-client')]);
    const refused = await call(strict.port, client);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout)).toMatchObject({ ok: false, answered: false });
    await strict.stop();
    const open = await serveTls(['--tls-require-client-cert']);
    const served = await call(open.port, client);
    expect(served.code, served.stderr).toBe(0);
    await open.stop();
  });
});
