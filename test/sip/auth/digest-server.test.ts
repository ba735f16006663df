import { describe, expect, it } from 'vitest';
import { CREDENTIALS_UNQUOTED, formatAuthHeader, parseAuthHeader } from '../../../src/sip/auth/auth-header.js';
import { digestResponse, hashHex, type DigestAlgorithm } from '../../../src/sip/auth/digest.js';
import { DigestServer, type DigestServerOptions } from '../../../src/sip/auth/digest-server.js';
import type { SipRequest } from '../../../src/sip/message/message.js';
import { request } from '../support/messages.js';

/** A nonce from the server's challenge. */
function nonceOf(server: DigestServer, now: number): string {
  return parseAuthHeader(server.challenge(now)[0]!).params.nonce!;
}

/** Sign `req` by hand: credentials computed for `uri` (default: its own Request-URI) with `algorithm`. */
function sign(
  req: SipRequest,
  nonce: string,
  o: { algorithm?: DigestAlgorithm | undefined; uri?: string; password?: string; nc?: number } = {},
): SipRequest {
  const uri = o.uri ?? req.rawUri;
  const algorithm = o.algorithm ?? 'SHA-256';
  const nc = (o.nc ?? 1).toString(16).padStart(8, '0');
  const response = digestResponse({
    algorithm,
    username: 'alice',
    realm: 'shtoom',
    password: o.password ?? 'secret',
    method: req.method,
    uri,
    nonce,
    qop: 'auth',
    nc,
    cnonce: 'c1',
  });
  const value = formatAuthHeader(
    'Digest',
    [
      ['username', 'alice'],
      ['realm', 'shtoom'],
      ['nonce', nonce],
      ['uri', uri],
      ['response', response],
      ['algorithm', 'algorithm' in o && o.algorithm === undefined ? undefined : algorithm],
      ['qop', 'auth'],
      ['nc', nc],
      ['cnonce', 'c1'],
    ],
    CREDENTIALS_UNQUOTED,
  );
  return req.with({ headers: [...req.headers, ['Authorization', value]] });
}

const invite = (uri: string) => request('INVITE').with({ uri });

describe('DigestServer binds the credentials to the Request-URI (RFC 7616 3.4.6)', () => {
  const server = () => new DigestServer({ realm: 'shtoom', lookup: (u) => (u === 'alice' ? 'secret' : undefined) });

  it('accepts credentials computed for the request line', () => {
    const s = server();
    const req = invite('sip:echo@192.0.2.2');
    expect(s.verify(sign(req, nonceOf(s, 0)), 1)).toEqual({ ok: true, username: 'alice' });
  });

  it('refuses a response computed for sip:echo@… on INVITE sip:900123456@… (forbidden: no new challenge helps)', () => {
    const s = server();
    const signed = sign(invite('sip:900123456@192.0.2.2'), nonceOf(s, 0), { uri: 'sip:echo@192.0.2.2' });
    expect(s.verify(signed, 1)).toMatchObject({ ok: false, stale: false, forbidden: true });
    expect(s.verify(signed, 1)).toMatchObject({ reason: expect.stringContaining('not the Request-URI') });
  });

  it('accepts the same URI written differently (RFC 3261 19.1.4 equivalence), not another port or user', () => {
    const s = server();
    const n = nonceOf(s, 0);
    const req = invite('sip:echo@example.COM;transport=udp');
    expect(s.verify(sign(req, n, { uri: 'sip:echo@example.com;transport=UDP' }), 1)).toMatchObject({ ok: true });
    expect(s.verify(sign(req, n, { uri: 'sip:echo@example.com:5080;transport=udp', nc: 2 }), 1)).toMatchObject({
      ok: false,
      forbidden: true,
    });
    expect(s.verify(sign(req, n, { uri: 'sip:Echo@example.com;transport=udp', nc: 3 }), 1)).toMatchObject({
      ok: false,
      forbidden: true,
    });
    expect(s.verify(sign(req, n, { uri: 'garbage', nc: 4 }), 1)).toMatchObject({ ok: false, forbidden: true });
  });
});

describe('DigestServer refuses MD5 when SHA-256 is required', () => {
  const ha1 = (alg: 'MD5' | 'SHA-256') => hashHex(alg, 'alice:shtoom:secret');

  it('a server offering SHA-256 only refuses MD5 answers, and answers naming no algorithm (which mean MD5)', () => {
    const s = new DigestServer({ realm: 'shtoom', lookup: () => 'secret', algorithms: ['SHA-256'] });
    expect(s.challenge(0)).toHaveLength(1);
    const req = invite('sip:echo@192.0.2.2');
    const n = nonceOf(s, 0);
    expect(s.verify(sign(req, n, { algorithm: 'MD5' }), 1)).toMatchObject({ ok: false });
    expect(s.verify(sign(req, n, { algorithm: 'MD5-sess' }), 1)).toMatchObject({ ok: false });
    expect(s.verify(sign(req, n, { algorithm: undefined }), 1)).toMatchObject({ ok: false });
    expect(s.verify(sign(req, n, { algorithm: 'SHA-256' }), 1)).toMatchObject({ ok: true });
  });

  it('a user stored with a SHA-256 HA1 only cannot log in with MD5, though the server offers it', () => {
    const lookup: DigestServerOptions['lookup'] = () => ({ ha1: { 'SHA-256': ha1('SHA-256') } });
    const s = new DigestServer({ realm: 'shtoom', lookup });
    const req = invite('sip:echo@192.0.2.2');
    const n = nonceOf(s, 0);
    expect(s.verify(sign(req, n, { algorithm: 'MD5' }), 1)).toMatchObject({ ok: false, forbidden: true });
    expect(s.verify(sign(req, n, { algorithm: 'SHA-256' }), 1)).toEqual({ ok: true, username: 'alice' });
  });

  it('HA1s verify like the password they hash, for each algorithm and its -sess form; a wrong one fails', () => {
    const s = new DigestServer({
      realm: 'shtoom',
      lookup: () => ({ ha1: { MD5: ha1('MD5').toUpperCase(), 'SHA-256': ha1('SHA-256') } }),
      algorithms: ['SHA-256', 'SHA-256-sess', 'MD5', 'MD5-sess'],
    });
    const req = invite('sip:echo@192.0.2.2');
    const n = nonceOf(s, 0);
    let nc = 1;
    for (const algorithm of ['MD5', 'MD5-sess', 'SHA-256', 'SHA-256-sess'] as const)
      expect(s.verify(sign(req, n, { algorithm, nc: nc++ }), 1)).toMatchObject({ ok: true });
    expect(s.verify(sign(req, n, { algorithm: 'MD5', password: 'wrong', nc: nc++ }), 1)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('wrong response'),
    });
  });
});
