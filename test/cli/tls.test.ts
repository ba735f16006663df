/**
 * The `[tls]` options on the command line, against a TLS user agent on
 * loopback with certificates the test makes: a bad or missing file is one
 * line and exit 2; `shtoom options` and `shtoom call` over sips: succeed
 * with the right CA and fail with one clear line (exit 1) with a wrong CA
 * or a certificate for another name; `--tls-verify off` warns once.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SecureContext } from 'node:tls';
import { listenWithTls } from '../../src/cli/settings.js';
import { nodeTransportsWith } from '../../src/net/sip-node-transports.js';
import { readTlsFiles, tlsContexts, type TlsContexts } from '../../src/net/tls-settings.js';
import { UserAgent } from '../../src/sip/api/user-agent.js';
import { runCli, tempDir } from '../support/cli.js';
import { makeTestPki, type CertPair, type TestPki } from '../support/test-pki.js';

const BASE = ['--sip-address', '127.0.0.1', '--rtp-address', '127.0.0.1', '--rtp-clock-realtime', '0'];
const ENV = { PATH: process.env.PATH, HOME: '/nonexistent' };

let tmp: { dir: string; cleanup: () => void };
let pki: TestPki;
beforeAll(() => {
  tmp = tempDir('shtoom-cli-tls-');
  pki = makeTestPki(tmp.dir);
});
afterAll(() => tmp.cleanup());

const open: UserAgent[] = [];
afterEach(async () => {
  for (const ua of open.splice(0)) await ua.close();
});

/** A TLS server on loopback showing `pair`; its TLS port. */
async function server(pair: CertPair): Promise<number> {
  const ua = await UserAgent.create({
    listen: ['udp:127.0.0.1:0', 'tls:127.0.0.1:0'],
    transports: nodeTransportsWith({}, tlsContexts(readTlsFiles({ ...pair, ca: pki.ca }))),
  });
  open.push(ua);
  return ua.addresses.find((a) => a.transport === 'tls')!.port;
}

describe('where TLS listens (listenWithTls)', () => {
  const withCert = { server: { cert: '', key: '' }, client: () => ({}) as SecureContext, verify: true } as const;
  const without = { client: () => ({}) as SecureContext, verify: true } as const;
  const ctx = (c: typeof withCert | typeof without): TlsContexts => ({ ...c, requireClientCert: false });
  it('without a certificate: TLS connects out only, sharing the first TCP entry and its port', () => {
    expect(listenWithTls('127.0.0.1:0', ctx(without))).toEqual([
      { transports: ['udp', 'tcp', 'tls'], address: '127.0.0.1', port: 0 },
    ]);
    expect(listenWithTls('udp:127.0.0.1:5070', ctx(without))).toEqual([
      { transports: ['udp'], address: '127.0.0.1', port: 5070 },
    ]);
  });
  it('with one: a listener on --tls-port, 5061, or a free port when the SIP ports are free ones', () => {
    expect(listenWithTls('127.0.0.1:5070', ctx(withCert))).toContainEqual({
      transport: 'tls',
      address: '127.0.0.1',
      port: 5061,
    });
    expect(listenWithTls('127.0.0.1:0', ctx(withCert))).toContainEqual({
      transport: 'tls',
      address: '127.0.0.1',
      port: 0,
    });
    expect(listenWithTls('127.0.0.1:0', ctx(withCert), 7061)).toContainEqual({
      transport: 'tls',
      address: '127.0.0.1',
      port: 7061,
    });
    expect(listenWithTls('127.0.0.1:5070, tls:[::1]:5071', ctx(withCert))).toEqual([
      { transports: ['udp', 'tcp'], address: '127.0.0.1', port: 5070 },
      { transports: ['tls'], address: '::1', port: 5071 },
    ]);
  });
  it('a tls: entry without a certificate, or a bad entry: usage errors', () => {
    expect(() => listenWithTls('tls:127.0.0.1:5061', ctx(without))).toThrow(/needs --tls-cert and --tls-key/);
    expect(() => listenWithTls('127.0.0.1:5070,nonsense', ctx(without))).toThrow(/not an IP address/);
  });
});

describe('TLS options', () => {
  it('a missing or bad certificate file, or a key without its certificate: one line, exit 2', async () => {
    const missing = await runCli(['options', 'sips:b@127.0.0.1', '--tls-ca', join(tmp.dir, 'nope.pem'), ...BASE], ENV);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toContain(`--tls-ca ${join(tmp.dir, 'nope.pem')}: cannot read it (ENOENT)`);
    const junk = join(tmp.dir, 'junk.pem');
    writeFileSync(junk, 'not a certificate\n');
    const bad = await runCli(['options', 'sips:b@127.0.0.1', '--tls-cert', junk, '--tls-key', junk, ...BASE], ENV);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`--tls-cert ${junk}: not a PEM file`);
    const mismatch = await runCli(
      ['options', 'sips:b@127.0.0.1', '--tls-cert', pki.server.cert, '--tls-key', pki.client.key, ...BASE],
      ENV,
    );
    expect(mismatch.code).toBe(2);
    expect(mismatch.stderr).toMatch(/--tls-cert\/--tls-key: .*mismatch/);
    const half = await runCli(['options', 'sips:b@127.0.0.1', '--tls-cert', pki.server.cert, ...BASE], ENV);
    expect(half.code).toBe(2);
    expect(half.stderr).toContain('--tls-cert: give --tls-cert and --tls-key');
  });

  it('serve --listen tls:… without a certificate: exit 2', async () => {
    const r = await runCli(['serve', 'echo', '--listen', 'tls:127.0.0.1:0', ...BASE], ENV);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('a TLS listener needs --tls-cert and --tls-key');
  });

  it('options over sips: with the right CA: 200; with another CA or for another name: one line, exit 1', async () => {
    const port = await server(pki.server);
    const ok = await runCli(['options', `sips:b@127.0.0.1:${port}`, '--tls-ca', pki.ca, '--json', ...BASE], ENV);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: 1, pings: [{ status: 200 }] });
    const wrongCa = await runCli(['options', `sips:b@127.0.0.1:${port}`, '--tls-ca', pki.otherCa, ...BASE], ENV);
    expect(wrongCa.code).toBe(1);
    expect(wrongCa.stderr.trim().split('\n')).toEqual([
      expect.stringContaining(`TLS with 127.0.0.1:${port}: certificate signed by an unknown CA`),
    ]);
    const other = await server(pki.wrongName);
    const wrongName = await runCli(['options', `sips:b@127.0.0.1:${other}`, '--tls-ca', pki.ca, ...BASE], ENV);
    expect(wrongName.code).toBe(1);
    expect(wrongName.stderr).toContain(
      `TLS with 127.0.0.1:${other}: host name mismatch: the certificate is for DNS:other.example, not 127.0.0.1`,
    );
    const off = await runCli(
      ['options', `sips:b@127.0.0.1:${other}`, '--tls-ca', pki.otherCa, '--tls-verify', 'off', ...BASE],
      ENV,
    );
    expect(off.code, off.stderr).toBe(0);
    expect(off.stderr.split('\n').filter((l) => /--tls-verify off/.test(l))).toHaveLength(1);
  });

  it('--tls-crl: a revoked server certificate is refused with that reason; not without the CRL', async () => {
    const port = await server(pki.server);
    const revoking = pki.crl([pki.server], 'crl-server');
    const args = (crl?: string) => [
      'options',
      `sips:b@127.0.0.1:${port}`,
      '--tls-ca',
      pki.ca,
      ...(crl ? ['--tls-crl', crl] : []),
      ...BASE,
    ];
    const revoked = await runCli(args(revoking), ENV);
    expect(revoked.code).toBe(1);
    expect(revoked.stderr.trim().split('\n')).toEqual([
      expect.stringContaining(`TLS with 127.0.0.1:${port}: certificate revoked (CERT_REVOKED, by --tls-crl)`),
    ]);
    // The controls: no CRL, and a CRL from the same CA that revokes another certificate.
    expect((await runCli(args(), ENV)).code).toBe(0);
    expect((await runCli(args(pki.crl([pki.client], 'crl-client')), ENV)).code).toBe(0);
    // A file without a CRL: one line, exit 2.
    const bad = await runCli(args(pki.ca), ENV);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`--tls-crl ${pki.ca}: holds no CRL`);
  });

  it('--tls-crl on a server that requires client certificates refuses a revoked client', async () => {
    const crl = pki.crl([pki.client], 'crl-client-only');
    const ua = await UserAgent.create({
      listen: ['udp:127.0.0.1:0', 'tls:127.0.0.1:0'],
      transports: nodeTransportsWith(
        {},
        tlsContexts(readTlsFiles({ ...pki.server, ca: pki.ca, crl, requireClientCert: true })),
      ),
    });
    open.push(ua);
    const port = ua.addresses.find((a) => a.transport === 'tls')!.port;
    const as = (pair: CertPair) => [
      'options',
      `sips:b@127.0.0.1:${port}`,
      '--tls-ca',
      pki.ca,
      '--tls-client-cert',
      pair.cert,
      '--tls-client-key',
      pair.key,
      '--timeout',
      '2s',
      '--count',
      '1',
      ...BASE,
    ];
    expect((await runCli(as(pki.client), ENV)).code).toBe(1);
    // The control: the server certificate (also a client one, not revoked) is let in.
    const ok = await runCli(as(pki.server), ENV);
    expect(ok.code, ok.stderr).toBe(0);
  });

  it('call sips: with a wrong CA: the call fails with the reason, exit 1', async () => {
    const port = await server(pki.server);
    const r = await runCli(['call', `sips:b@127.0.0.1:${port}`, '--tls-ca', pki.otherCa, '--json', ...BASE], ENV);
    expect(r.code, r.stderr).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ ok: false, answered: false, end: { reason: 'failed', status: 503 } });
    expect(j.end.message).toContain(`TLS with 127.0.0.1:${port}: certificate signed by an unknown CA`);
  });
});

describe('sips: only over TLS (RFC 3261 26.2.2)', () => {
  /** A UDP and a TCP socket on one loopback port, counting what reaches them. */
  async function listener() {
    const { createSocket } = await import('node:dgram');
    const { createServer } = await import('node:net');
    let received = 0;
    const udp = createSocket('udp4').on('message', () => received++);
    await new Promise<void>((r) => udp.bind(0, '127.0.0.1', r));
    const port = udp.address().port;
    const tcp = createServer((s) => {
      received++;
      s.destroy();
    });
    await new Promise<void>((r) => tcp.listen(port, '127.0.0.1', r));
    return {
      port,
      received: () => received,
      close: () => {
        udp.close();
        tcp.close();
      },
    };
  }

  it('a sips: request the user sends over UDP or TCP is one line, exit 2, and nothing is sent', async () => {
    const l = await listener();
    try {
      const p = l.port;
      const asked = [
        ['call', `sips:bob@127.0.0.1:${p}`, '--sip-transport', 'udp'],
        ['options', `sips:127.0.0.1:${p}`, '--sip-transport', 'tcp'],
        ['smoke', `sips:bob@127.0.0.1:${p};transport=udp`],
        ['call', `sip:bob@127.0.0.1:${p}`, '--sip-outbound-proxy', `sips:127.0.0.1:${p};transport=udp;lr`],
        ['register', `sips:alice@127.0.0.1:${p}`, '--sip-transport', 'udp'],
      ];
      for (const argv of asked) {
        const r = await runCli([...argv, ...BASE], ENV);
        expect(r.code, argv.join(' ')).toBe(2);
        expect(r.stderr.trim().split('\n')).toHaveLength(1);
        expect(r.stderr).toMatch(
          /a sips: request goes over TLS on every hop \(RFC 3261 26\.2\.2\), not (over|transport=)/,
        );
      }
      expect(l.received()).toBe(0);
      // The control: the same request to a sip: URI goes out over UDP (and times out: nobody answers).
      const plain = await runCli(
        ['options', `sip:127.0.0.1:${p}`, '--sip-transport', 'udp', '--timeout', '1s', '--count', '1', ...BASE],
        ENV,
      );
      expect(plain.code).not.toBe(2);
      expect(l.received()).toBeGreaterThan(0);
    } finally {
      l.close();
    }
  });
});
