import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseAuthHeader } from '../../../src/sip/auth/auth-header.js';
import { digestResponse } from '../../../src/sip/auth/digest.js';
import { challengesOf, DigestClient } from '../../../src/sip/auth/digest-client.js';
import { DigestServer } from '../../../src/sip/auth/digest-server.js';
import { SipParseError } from '../../../src/sip/errors.js';
import { buildResponse } from '../../../src/sip/message/build.js';
import { request } from '../support/messages.js';

describe('digest response (RFC 2617, RFC 7616 examples)', () => {
  it('RFC 2617 3.5: MD5, qop=auth', () => {
    expect(
      digestResponse({
        algorithm: 'MD5',
        username: 'Mufasa',
        realm: 'testrealm@host.com',
        password: 'Circle Of Life',
        method: 'GET',
        uri: '/dir/index.html',
        nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
        qop: 'auth',
        nc: '00000001',
        cnonce: '0a4f113b',
      }),
    ).toBe('6629fae49393a05397450978507c4ef1');
  });

  const rfc7616 = {
    username: 'Mufasa',
    realm: 'http-auth@example.org',
    password: 'Circle of Life',
    method: 'GET',
    uri: '/dir/index.html',
    nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
    qop: 'auth' as const,
    nc: '00000001',
    cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  };

  it('RFC 7616 3.9.1: MD5', () => {
    expect(digestResponse({ ...rfc7616, algorithm: 'MD5' })).toBe('8ca523f5e9506fed4657c9700eebdbec');
  });

  it('RFC 7616 3.9.1: SHA-256', () => {
    expect(digestResponse({ ...rfc7616, algorithm: 'SHA-256' })).toBe(
      '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
    );
  });

  it('the -sess forms hash H(A1) with nonce and cnonce (differs from the plain form)', () => {
    const plain = digestResponse({ ...rfc7616, algorithm: 'SHA-256' });
    const sess = digestResponse({ ...rfc7616, algorithm: 'SHA-256-sess' });
    expect(sess).toMatch(/^[0-9a-f]{64}$/);
    expect(sess).not.toBe(plain);
  });
});

describe('authentication headers', () => {
  it('parses quoted and token values, with commas inside quotes', () => {
    const h = parseAuthHeader('Digest realm="a, b", nonce="n\\"1", qop="auth,auth-int", algorithm=SHA-256, stale=TRUE');
    expect(h.scheme).toBe('Digest');
    expect(h.params).toEqual({
      realm: 'a, b',
      nonce: 'n"1',
      qop: 'auth,auth-int',
      algorithm: 'SHA-256',
      stale: 'TRUE',
    });
  });

  it('rejects garbage with a parse error, never anything else', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        try {
          parseAuthHeader(s);
        } catch (e) {
          expect(e).toBeInstanceOf(SipParseError);
        }
      }),
    );
  });
});

function challenge(server: DigestServer, now: number, stale = false) {
  const r = request('REGISTER');
  return buildResponse(r, server.status, {
    toTag: 'x',
    headers: server.challenge(now, stale).map((c) => [server.challengeHeader, c] as const),
  });
}

describe('digest client against the digest server', () => {
  const lookup = (u: string) => (u === 'alice' ? 'secret' : undefined);

  it('answers a challenge with the strongest algorithm, and the server accepts it once', () => {
    const server = new DigestServer({ realm: 'shtoom', lookup });
    const client = new DigestClient([{ username: 'alice', password: 'secret' }], () => 'cn1');
    const req = request('REGISTER');
    const res = challenge(server, 0);
    expect(challengesOf(res).map((c) => c.algorithm)).toEqual(['SHA-256']);
    const a = client.answer(req, res, new Map());
    expect(a.ok).toBe(true);
    if (!a.ok) return;
    expect(a.fields[0]![1]).toMatch(/algorithm=SHA-256.*qop=auth, nc=00000001/);
    const signed = req.with({ headers: [...req.headers, ...a.fields] });
    expect(server.verify(signed, 1000)).toEqual({ ok: true, username: 'alice' });
    // The same nonce-count again is a replay.
    expect(server.verify(signed, 1001)).toMatchObject({
      ok: false,
      stale: false,
      reason: expect.stringContaining('replay'),
    });
  });

  it('a second use of the nonce with a higher nc is accepted', () => {
    const server = new DigestServer({ realm: 'shtoom', lookup });
    const client = new DigestClient([{ username: 'alice', password: 'secret' }], () => 'cn');
    const res = challenge(server, 0);
    for (let i = 0; i < 3; i++) {
      const req = request('MESSAGE', `z9hG4bK-${i}`, 10 + i);
      const a = client.answer(req, res, new Map());
      if (!a.ok) throw new Error('no answer');
      expect(server.verify(req.with({ headers: [...req.headers, ...a.fields] }), 10)).toMatchObject({ ok: true });
    }
  });

  it('a wrong password is refused; the client does not try the same realm twice without stale', () => {
    const server = new DigestServer({ realm: 'shtoom', lookup });
    const client = new DigestClient([{ username: 'alice', password: 'wrong' }], () => 'cn');
    const req = request('REGISTER');
    const a = client.answer(req, challenge(server, 0), new Map());
    if (!a.ok) throw new Error('no answer');
    expect(server.verify(req.with({ headers: [...req.headers, ...a.fields] }), 5)).toMatchObject({
      ok: false,
      stale: false,
    });
    const again = client.answer(req, challenge(server, 5), a.realms);
    expect(again).toEqual({ ok: false, reason: 'rejected', realm: 'shtoom' });
  });

  it('an expired nonce is stale; the client retries a stale challenge without asking again', () => {
    const server = new DigestServer({ realm: 'shtoom', lookup, nonceLifetime: 1000 });
    const client = new DigestClient([{ username: 'alice', password: 'secret' }], () => 'cn');
    const req = request('REGISTER');
    const a = client.answer(req, challenge(server, 0), new Map());
    if (!a.ok) throw new Error('no answer');
    expect(server.verify(req.with({ headers: [...req.headers, ...a.fields] }), 5000)).toMatchObject({
      ok: false,
      stale: true,
    });
    const retry = client.answer(req, challenge(server, 5000, true), a.realms);
    expect(retry.ok).toBe(true);
  });

  it('reports missing credentials for an unknown realm, and picks per-realm credentials', () => {
    const server = new DigestServer({ realm: 'other', lookup });
    const client = new DigestClient([{ username: 'alice', password: 'secret', realm: 'shtoom' }], () => 'cn');
    expect(client.answer(request('REGISTER'), challenge(server, 0), new Map())).toEqual({
      ok: false,
      reason: 'no-credentials',
      realm: 'other',
    });
    expect(client.find('shtoom')?.username).toBe('alice');
  });

  it('a nonce the server did not sign is refused', () => {
    const server = new DigestServer({ realm: 'shtoom', lookup });
    const other = new DigestServer({ realm: 'shtoom', lookup });
    const client = new DigestClient([{ username: 'alice', password: 'secret' }], () => 'cn');
    const req = request('REGISTER');
    const a = client.answer(req, challenge(other, 0), new Map());
    if (!a.ok) throw new Error('no answer');
    expect(server.verify(req.with({ headers: [...req.headers, ...a.fields] }), 1)).toMatchObject({
      ok: false,
      reason: 'not our nonce',
    });
  });

  it('MD5-only servers and proxies (407 / Proxy-Authorization) work the same way', () => {
    const server = new DigestServer({ realm: 'proxy', lookup, algorithms: ['MD5-sess'], proxy: true });
    const client = new DigestClient([{ username: 'alice', password: 'secret' }], () => 'cn');
    const req = request('INVITE');
    const res = challenge(server, 0);
    expect(res.status).toBe(407);
    const a = client.answer(req, res, new Map());
    if (!a.ok) throw new Error('no answer');
    expect(a.fields[0]![0]).toBe('Proxy-Authorization');
    expect(server.verify(req.with({ headers: [...req.headers, ...a.fields] }), 1)).toEqual({
      ok: true,
      username: 'alice',
    });
  });
});
