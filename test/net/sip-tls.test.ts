/**
 * SIP over TLS on real loopback sockets, with certificates the test makes:
 * requests over `transport=tls` and `sips:`, the peer's certificate and
 * host name verified (an unknown CA and a host name mismatch are clear
 * errors naming the peer), `verify: false`, mutual TLS, connection reuse,
 * and what a listener does with connections that never finish a handshake
 * or speak plain SIP to it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { nodeTransportsWith } from '../../src/net/sip-node-transports.js';
import type { SipTcpOptions } from '../../src/net/sip-tcp.js';
import { readTlsFiles, tlsContexts, type TlsFiles } from '../../src/net/tls-settings.js';
import { UserAgent, type UserAgentOptions } from '../../src/sip/api/user-agent.js';
import { formatUri } from '../../src/sip/message/uri.js';
import { makeTestPki, type TestPki } from '../support/test-pki.js';

let dir: string;
let pki: TestPki;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'shtoom-tls-'));
  pki = makeTestPki(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const open: UserAgent[] = [];
afterEach(async () => {
  for (const ua of open.splice(0)) await ua.close();
});

async function ua(
  listen: NonNullable<UserAgentOptions['listen']>,
  files: TlsFiles,
  more: Partial<UserAgentOptions> = {},
  tcp: SipTcpOptions = {},
): Promise<UserAgent> {
  const u = await UserAgent.create({
    listen,
    transports: nodeTransportsWith(tcp, tlsContexts(readTlsFiles(files))),
    ...more,
  });
  open.push(u);
  return u;
}

/** A server listening on TLS (and UDP/TCP) with the good certificate, and the TLS port. */
async function server(
  files: Partial<TlsFiles> = {},
  tcp: SipTcpOptions = {},
): Promise<{ ua: UserAgent; port: number }> {
  const s = await ua(
    ['127.0.0.1:0', 'tls:127.0.0.1:0'],
    { cert: pki.server.cert, key: pki.server.key, ca: pki.ca, ...files },
    {},
    tcp,
  );
  return { ua: s, port: s.addresses.find((a) => a.transport === 'tls')!.port };
}

/** A client whose TLS only connects out (no certificate of its own), trusting `ca`. */
function client(files: Partial<TlsFiles> = {}, more: Partial<UserAgentOptions> = {}): Promise<UserAgent> {
  return ua({ transports: ['udp', 'tcp', 'tls'], address: '127.0.0.1', port: 0 }, { ca: pki.ca, ...files }, more);
}

describe('SIP over TLS on loopback', () => {
  it('OPTIONS and MESSAGE over transport=tls and sips:, Via SIP/2.0/TLS, sips: Contact, one connection', async () => {
    const { ua: b, port } = await server();
    const a = await client();
    const got: string[] = [];
    const vias: string[] = [];
    const sources = new Set<number>();
    b.on('message', (m) => {
      got.push(`${m.source.transport} ${m.text}`);
      sources.add(m.source.remote.port);
    });
    b.on('request', (r) => vias.push(r.request.header('via')!));
    expect((await a.request('OPTIONS', `sip:b@127.0.0.1:${port};transport=tls`)).status).toBe(200);
    expect((await a.message(`sip:b@127.0.0.1:${port};transport=tls`, 'one')).status).toBe(200);
    expect((await a.message(`sips:b@127.0.0.1:${port}`, 'two')).status).toBe(200);
    expect(got).toEqual(['tls one', 'tls two']);
    // The outgoing-only TLS transport advertises the port of its listen entry (UDP's and TCP's).
    const aPort = a.localAddress.port;
    expect(vias[0]).toMatch(new RegExp(`^SIP/2\\.0/TLS 127\\.0\\.0\\.1:${aPort};`));
    // Connection reuse: every request went over the one TLS connection.
    expect(sources.size).toBe(1);
    // Only listening transports are listed.
    expect(a.addresses.map((x) => x.transport)).toEqual(['udp', 'tcp']);
    expect(b.addresses.map((x) => x.transport)).toEqual(['udp', 'tcp', 'tls']);
  });

  it('the server answers a sips: INVITE with a sips: Contact; the dialog is over TLS both ways', async () => {
    const { ua: b, port } = await server();
    const a = await client();
    const seen: string[] = [];
    b.on('invite', (call) => {
      seen.push(`${call.source.transport} ${call.request.header('contact')}`);
      void call.accept();
    });
    const call = a.invite(`sips:b@127.0.0.1:${port}`);
    const dialog = await call.answered;
    expect(seen).toEqual([`tls <sips:127.0.0.1:${a.localAddress.port}>`]);
    expect(formatUri(dialog.remoteTarget)).toBe(`sips:127.0.0.1:${port}`);
    await dialog.bye();
  });

  it('a certificate from a CA we do not trust: the request fails naming the peer and the reason', async () => {
    const { port } = await server({ cert: pki.otherServer.cert, key: pki.otherServer.key });
    const a = await client();
    await expect(a.request('OPTIONS', `sips:b@127.0.0.1:${port}`)).rejects.toThrow(
      new RegExp(`cannot send \\(TLS with 127\\.0\\.0\\.1:${port}: certificate signed by an unknown CA \\(`),
    );
  });

  it('a certificate for another name: host name mismatch, for an IP and for a name', async () => {
    const { port } = await server({ cert: pki.wrongName.cert, key: pki.wrongName.key });
    const a = await client({}, { resolve: async () => '127.0.0.1' });
    await expect(a.request('OPTIONS', `sips:b@127.0.0.1:${port}`)).rejects.toThrow(
      `TLS with 127.0.0.1:${port}: host name mismatch: the certificate is for DNS:other.example, not 127.0.0.1`,
    );
    await expect(a.request('OPTIONS', `sips:b@sip.test:${port}`)).rejects.toThrow(
      `TLS with sip.test (127.0.0.1:${port}): host name mismatch: ` +
        'the certificate is for DNS:other.example, not sip.test',
    );
  });

  it('verify off accepts an unknown CA and another name', async () => {
    const { port } = await server({ cert: pki.wrongName.cert, key: pki.wrongName.key });
    const a = await client({ ca: pki.otherCa, verify: false });
    expect((await a.request('OPTIONS', `sips:b@127.0.0.1:${port}`)).status).toBe(200);
  });

  it('mutual TLS: a server requiring a client certificate refuses a client without one, takes one with', async () => {
    const { port } = await server({ requireClientCert: true });
    const anonymous = await client();
    await expect(anonymous.request('OPTIONS', `sips:b@127.0.0.1:${port}`)).rejects.toThrow(/TLS with 127\.0\.0\.1/);
    const strangers = await client({ clientCert: pki.otherServer.cert, clientKey: pki.otherServer.key });
    await expect(strangers.request('OPTIONS', `sips:b@127.0.0.1:${port}`)).rejects.toThrow(/TLS with 127\.0\.0\.1/);
    const known = await client({ clientCert: pki.client.cert, clientKey: pki.client.key });
    expect((await known.request('OPTIONS', `sips:b@127.0.0.1:${port}`)).status).toBe(200);
  });

  it('takes TLS 1.2 and 1.3 clients; SIP over a TLS 1.2 connection is answered', async () => {
    const { port } = await server();
    const ca = readFileSync(pki.ca, 'utf8');
    for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
      const answer = await new Promise<string>((resolve, reject) => {
        const s = tlsConnect({ host: '127.0.0.1', port, ca, minVersion: version, maxVersion: version }, () => {
          expect(s.getProtocol()).toBe(version);
          s.write(
            `OPTIONS sip:b@127.0.0.1:${port} SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:9;branch=z9hG4bK${version}\r\n` +
              'From: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:b@127.0.0.1>\r\nCall-ID: tls-version\r\n' +
              'CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n',
          );
        });
        s.on('data', (d: Buffer) => {
          resolve(d.toString().split('\r\n')[0]!);
          s.destroy();
        });
        s.on('error', reject);
      });
      expect(answer).toBe('SIP/2.0 200 OK');
    }
  });

  it('closes a connection whose handshake does not finish, and one that speaks plain SIP', async () => {
    const { port } = await server({}, { stallMs: 1000 });
    const closed = (send?: string) =>
      new Promise<number>((resolve) => {
        const t0 = Date.now();
        const s = connect(port, '127.0.0.1', () => {
          if (send) s.write(send);
        });
        s.on('data', () => {});
        s.on('error', () => {});
        s.on('close', () => resolve(Date.now() - t0));
      });
    const silent = closed();
    const plain = closed('OPTIONS sip:b@127.0.0.1 SIP/2.0\r\nContent-Length: 0\r\n\r\n');
    expect(await plain).toBeLessThan(20_000);
    expect(await silent).toBeGreaterThanOrEqual(900);
  });

  it('counts accepted TLS connections per source, before any handshake', async () => {
    const { ua: b, port } = await server({}, { maxConnectionsPerSource: 1 });
    const first = connect(port, '127.0.0.1');
    await new Promise((r) => first.once('connect', r));
    // The second from the same source is closed at once, whatever it would send.
    const second = connect(port, '127.0.0.1');
    second.on('error', () => {});
    await new Promise((r) => second.once('close', r));
    first.destroy();
    // Once the first is gone, a real client gets through.
    const a = await client();
    for (let i = 0; i < 50; i++) {
      try {
        expect((await a.request('OPTIONS', `sips:b@127.0.0.1:${port}`)).status).toBe(200);
        break;
      } catch (err) {
        if (i === 49) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    // A TLS connection that was used and closed is released too: another client gets through after it.
    await a.close();
    const again = await client();
    for (let i = 0; i < 50; i++) {
      try {
        expect((await again.request('OPTIONS', `sips:b@127.0.0.1:${port}`)).status).toBe(200);
        break;
      } catch (err) {
        if (i === 49) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    expect(b.addresses).toHaveLength(3);
  });
});
