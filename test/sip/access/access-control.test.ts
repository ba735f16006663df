import { afterEach, describe, expect, it } from 'vitest';
import { parseAuthFile } from '../../../src/cli/auth-file.js';
import { UsageError } from '../../../src/errors.js';
import { AccessControl } from '../../../src/sip/access/access-control.js';
import { parseAddressList } from '../../../src/sip/access/address-list.js';
import { parseAuthRules } from '../../../src/sip/access/auth-rules.js';
import type { UserAgent } from '../../../src/sip/api/user-agent.js';
import { hashHex } from '../../../src/sip/auth/digest.js';
import { DigestServer } from '../../../src/sip/auth/digest-server.js';
import { SipAuthError, SipRequestFailedError } from '../../../src/sip/errors.js';
import { Logger } from '../../../src/log/logger.js';
import { request } from '../support/messages.js';
import { VirtualWorld } from '../support/sim-ua.js';

const SDP = 'v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';

/** A logger that keeps its lines. */
function memoryLog(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return { log: new Logger({ write: (r) => void lines.push(r.msg) }, 'debug'), lines };
}

describe('address lists', () => {
  it('match IPv4 and IPv6 addresses and prefixes, and IPv4-mapped IPv6 sources as IPv4', () => {
    const l = parseAddressList('127.0.0.0/8, 192.0.2.7 2001:db8::/32,[::1]', '--allow');
    expect(l.has('127.0.0.2')).toBe(true);
    expect(l.has('192.0.2.7')).toBe(true);
    expect(l.has('192.0.2.8')).toBe(false);
    expect(l.has('2001:db8:1::5')).toBe(true);
    expect(l.has('2001:db9::5')).toBe(false);
    expect(l.has('::1')).toBe(true);
    expect(l.has('::ffff:127.0.0.9')).toBe(true);
    expect(l.has('not-an-ip')).toBe(false);
  });

  it('refuse what is not an address or prefix (a usage error naming the option)', () => {
    expect(() => parseAddressList('10.0.0.0/33', '--deny')).toThrow(UsageError);
    expect(() => parseAddressList('example.com', '--deny')).toThrow(/--deny example.com/);
    expect(() => parseAddressList('::/129', '--allow')).toThrow(/at most \/128/);
  });
});

describe('AccessControl.screen', () => {
  it('ignores denied sources and, with an allow list, all others; deny wins', () => {
    const a = new AccessControl({
      allow: parseAddressList('10.0.0.0/8', '--allow'),
      deny: parseAddressList('10.6.6.6', '--deny'),
    });
    expect(a.screen('10.1.2.3', 0)).toBe(true);
    expect(a.screen('10.6.6.6', 0)).toBe(false);
    expect(a.screen('192.0.2.1', 0)).toBe(false);
    expect(a.stats.refused).toBe(2);
  });

  it('a source over its rate is ignored for the ban time, logged once, then served again', () => {
    const { log, lines } = memoryLog();
    const a = new AccessControl({ requestsPerSecond: 10, banMs: 30_000, log });
    // A burst of 20 (twice the rate) passes; the 21st in the same instant is over.
    let passed = 0;
    for (let i = 0; i < 100; i++) if (a.screen('192.0.2.9', 1000)) passed++;
    expect(passed).toBe(20);
    // Another source is not affected.
    expect(a.screen('192.0.2.10', 1000)).toBe(true);
    // Still banned 29 s later, whatever it sends; one log line for the ban.
    for (let t = 1000; t < 31_000; t += 100) expect(a.screen('192.0.2.9', t)).toBe(false);
    expect(lines.filter((l) => l.includes('ignoring 192.0.2.9'))).toHaveLength(1);
    expect(a.screen('192.0.2.9', 31_000)).toBe(true);
    // A source within its rate is never banned: 10 a second for a minute.
    for (let t = 0; t < 60_000; t += 100) expect(a.screen('192.0.2.11', t)).toBe(true);
  });

  it('counts an IPv6 /64 as one source', () => {
    const a = new AccessControl({ requestsPerSecond: 1 });
    expect(a.screen('2001:db8:0:1::1', 0)).toBe(true);
    expect(a.screen('2001:db8:0:1::2', 0)).toBe(true);
    expect(a.screen('2001:db8:0:1::3', 0)).toBe(false);
    expect(a.screen('2001:db8:0:2::1', 0)).toBe(true);
  });

  it('remembers a bounded number of sources', () => {
    const a = new AccessControl({ requestsPerSecond: 5, maxSources: 100 });
    for (let i = 0; i < 100_000; i++) a.screen(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, i);
    expect((a as unknown as { sources: Map<string, unknown> }).sources.size).toBeLessThanOrEqual(100);
  });
});

describe('AccessControl.authenticate', () => {
  const digest = () => new DigestServer({ realm: 'shtoom', lookup: (u) => (u === 'alice' ? 'secret' : undefined) });

  it('challenges INVITE, MESSAGE, SUBSCRIBE and REFER without credentials: SHA-256 first, then MD5', () => {
    const a = new AccessControl({ digest: digest() });
    for (const m of ['INVITE', 'MESSAGE', 'SUBSCRIBE', 'REFER']) {
      const r = a.authenticate(request(m), '192.0.2.1', 0);
      expect(r?.status).toBe(401);
      const values = (r!.headers as [string, string][]).map(([n, v]) => `${n}: ${v}`);
      expect(values[0]).toMatch(/^WWW-Authenticate: Digest .*algorithm=SHA-256/);
      expect(values[1]).toMatch(/^WWW-Authenticate: Digest .*algorithm=MD5/);
    }
    expect(a.authenticate(request('OPTIONS'), '192.0.2.1', 0)).toBeUndefined();
    // Inside a dialog (the dialog's INVITE was authenticated): not asked again.
    const refer = request('REFER');
    const inDialog = refer.with({
      headers: refer.headers.map((f) => (f.key === 'to' ? (['To', `${f.value};tag=x`] as const) : f)),
    });
    expect(a.authenticate(inDialog, '192.0.2.1', 0)).toBeUndefined();
    expect(a.stats.failures).toBe(0);
  });

  it('failed authentications ban the source after the limit (per minute)', () => {
    const a = new AccessControl({ digest: digest(), failedAuthPerMinute: 3, banMs: 60_000 });
    const bad = request('INVITE').with({
      headers: [
        ...request('INVITE').headers,
        ['Authorization', 'Digest username="alice", realm="shtoom", nonce="x", uri="sip:bob@192.0.2.2", response="0"'],
      ],
    });
    for (let i = 0; i < 3; i++) {
      expect(a.screen('192.0.2.66', i * 1000)).toBe(true);
      expect(a.authenticate(bad, '192.0.2.66', i * 1000)?.status).toBe(401);
    }
    expect(a.screen('192.0.2.66', 3000)).toBe(false);
    expect(a.banned('192.0.2.66', 61_000)).toBe(true);
    expect(a.screen('192.0.2.66', 63_000)).toBe(true);
    // Back after its ban, the source is banned again at once after 3 more failures, twice as long.
    for (let i = 0; i < 3; i++) a.authenticate(bad, '192.0.2.66', 64_000 + i);
    expect(a.banned('192.0.2.66', 64_003 + 119_000)).toBe(true);
    expect(a.banned('192.0.2.66', 64_003 + 121_000)).toBe(false);
    // … and four times as long the next time.
    for (let i = 0; i < 3; i++) a.authenticate(bad, '192.0.2.66', 200_000 + i);
    expect(a.banned('192.0.2.66', 200_003 + 239_000)).toBe(true);
    expect(a.banned('192.0.2.66', 200_003 + 241_000)).toBe(false);
    // An hour of good behaviour after a ban's end: the next ban is the short one again.
    const later = 200_003 + 240_000 + 3_600_001;
    for (let i = 0; i < 3; i++) a.authenticate(bad, '192.0.2.66', later + i);
    expect(a.banned('192.0.2.66', later + 2 + 59_000)).toBe(true);
    expect(a.banned('192.0.2.66', later + 2 + 61_000)).toBe(false);
    // Failures spread over more than a minute each do not add up.
    const b = new AccessControl({ digest: digest(), failedAuthPerMinute: 3 });
    for (let i = 0; i < 10; i++) b.authenticate(bad, '192.0.2.67', i * 31_000);
    expect(b.banned('192.0.2.67', 310_000)).toBe(false);
  });
});

describe('--auth-rules', () => {
  const digest = () => new DigestServer({ realm: 'shtoom', lookup: (u) => (u === 'alice' ? 'secret' : undefined) });
  const to = (user: string) => {
    const r = request('INVITE');
    return r.with({ uri: user === '' ? 'sip:192.0.2.2' : `sip:${user}@192.0.2.2` });
  };

  it('the first matching rule decides; a URI no rule matches needs credentials', () => {
    const rules = parseAuthRules('voicemail:auth, room-*:open, 1??:open', '--auth-rules');
    expect(rules.needsAuth('voicemail')).toBe(true);
    expect(rules.needsAuth('room-42')).toBe(false);
    expect(rules.needsAuth('ROOM-7')).toBe(false);
    expect(rules.needsAuth('100')).toBe(false);
    expect(rules.needsAuth('1000')).toBe(true);
    expect(rules.needsAuth('echo')).toBe(true);
    expect(rules.needsAuth(undefined)).toBe(true);
    const all = parseAuthRules('voicemail:auth,*:open', '--auth-rules');
    expect(all.needsAuth('voicemail')).toBe(true);
    expect(all.needsAuth('200')).toBe(false);
    expect(all.needsAuth(undefined)).toBe(false);
    // A dot is a dot, not a wildcard.
    expect(parseAuthRules('a.b:open', '--auth-rules').needsAuth('axb')).toBe(true);
  });

  it('an open URI is let through without a challenge; the others are still challenged', () => {
    const a = new AccessControl({ digest: digest(), rules: parseAuthRules('voicemail:auth,*:open', '--auth-rules') });
    expect(a.authenticate(to('100'), '192.0.2.1', 0)).toBeUndefined();
    expect(a.authenticate(to('voicemail'), '192.0.2.1', 0)?.status).toBe(401);
    const closed = new AccessControl({ digest: digest(), rules: parseAuthRules('room-*:open', '--auth-rules') });
    expect(closed.authenticate(to('room-1'), '192.0.2.1', 0)).toBeUndefined();
    expect(closed.authenticate(to('100'), '192.0.2.1', 0)?.status).toBe(401);
    expect(a.stats.open).toBe(1);
    expect(closed.stats.challenges).toBe(1);
  });

  it('refuses rules it cannot read, naming the option', () => {
    expect(() => parseAuthRules('voicemail', '--auth-rules')).toThrow(UsageError);
    expect(() => parseAuthRules('voicemail:maybe', '--auth-rules')).toThrow(/--auth-rules "voicemail:maybe"/);
    expect(() => parseAuthRules(':open', '--auth-rules')).toThrow(/PATTERN:auth or PATTERN:open/);
    expect(() => parseAuthRules(' , ', '--auth-rules')).toThrow(/no rules/);
  });
});

describe('serve-side authentication in a SIP core (virtual time)', () => {
  let open: UserAgent[] = [];
  afterEach(async () => {
    for (const ua of open) await ua.close();
    open = [];
  });

  it('a caller with the right password calls; a wrong one is refused, then its source is ignored', async () => {
    const w = new VirtualWorld();
    const access = new AccessControl({ digest: digest(), failedAuthPerMinute: 2 });
    const server = await w.ua('10.0.0.2', { access });
    const good = await w.ua('10.0.0.1', { credentials: { username: 'alice', password: 'secret' } });
    const bad = await w.ua('10.0.0.3', { credentials: { username: 'alice', password: 'guess' } });
    open.push(server, good, bad);
    const callers: string[] = [];
    server.on('invite', (call) => {
      callers.push(call.request.header('from') ?? '');
      void call.accept(SDP);
    });
    const dialog = await w.until(good.invite('sip:echo@10.0.0.2', { body: SDP }).answered);
    expect(callers).toHaveLength(1);
    await w.until(dialog.bye());
    for (let i = 0; i < 2; i++) {
      const err = await w.until(bad.invite('sip:echo@10.0.0.2', { body: SDP }).answered.catch((e) => e));
      expect(err).toBeInstanceOf(SipAuthError);
    }
    // Banned now: the next INVITE gets no answer at all (a timeout, 408).
    const err = await w.until(bad.invite('sip:echo@10.0.0.2', { body: SDP }).answered.catch((e) => e));
    expect(err).toBeInstanceOf(SipRequestFailedError);
    expect((err as SipRequestFailedError).status).toBe(408);
    expect(callers).toHaveLength(1);
    expect(access.stats.bans).toBe(1);
  });

  function digest() {
    return new DigestServer({ realm: 'shtoom', lookup: (u) => (u === 'alice' ? 'secret' : undefined) });
  }
});

describe('the --auth file', () => {
  it('reads users with passwords or HA1s; a user with a SHA-256 HA1 only has no MD5', () => {
    const sha = hashHex('SHA-256', 'bob:lab:pw');
    const f = parseAuthFile(
      `realm = lab\n[alice]\npassword = secret\n; a comment\n[bob]\nha1-sha256 = ${sha}\n`,
      'u.ini',
    );
    expect(f.realm).toBe('lab');
    expect(f.users.get('alice')).toEqual({ password: 'secret' });
    expect(f.users.get('bob')).toEqual({ ha1: { 'SHA-256': sha } });
  });

  it('refuses what cannot work, naming the line', () => {
    expect(() => parseAuthFile('[alice]\nha1-md5 = 123\n', 'u.ini')).toThrow(/u.ini:2: ha1-md5 must be 32 hex digits/);
    expect(() => parseAuthFile('[alice]\n', 'u.ini')).toThrow(/alice has no password/);
    expect(() => parseAuthFile('[alice]\npasword = x\n', 'u.ini')).toThrow(/u.ini:2: unknown key pasword/);
    expect(() => parseAuthFile('user = x\n', 'u.ini')).toThrow(UsageError);
    expect(() => parseAuthFile('', 'u.ini')).toThrow(/no users/);
  });
});
