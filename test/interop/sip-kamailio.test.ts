/**
 * shtoom against Kamailio (registrar + record-routing proxy with digest
 * auth) on loopback: `shtoom register` over UDP and TCP (401 then 200),
 * refresh with 423 Min-Expires, unregister, a wrong password, and a call
 * from one shtoom UA to another through the proxy with Record-Route.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserAgent } from '../../src/sip/api/user-agent.js';
import { terminate } from './support/call-process.js';
import { deadUdpPort, requireBinary, runShtoom, silentUdpPeer, startShtoom, waitFor } from './support/peers.js';
import { startKamailio, type Kamailio } from './support/sip-kamailio.js';
import { sdpAnswer } from './support/sip-uas.js';

let kam: Kamailio;
beforeAll(async () => {
  requireBinary('kamailio');
  kam = await startKamailio({ minExpires: 5 });
});
afterAll(async () => kam?.stop());

describe('shtoom register against Kamailio', () => {
  it('registers over UDP: 401 then 200, prints the granted expiry and bindings (--json)', async () => {
    const r = await runShtoom(
      [
        'register',
        `sip:alice@127.0.0.1:${kam.port}`,
        '--password',
        'alicepw',
        '--expires',
        '120',
        '--sip-address',
        '127.0.0.1',
        '--sip-port',
        '0',
        '--json',
        '--log-level',
        'trace',
      ],
      { timeoutSec: 30 },
    );
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.expires).toBe(120);
    expect(out.bindings.map((b: { uri: string }) => b.uri)).toContain(out.contact);
    // The trace shows the challenge and the answer.
    expect(r.stderr).toMatch(/SIP\/2\.0 401 Unauthorized[\s\S]*Authorization: Digest[\s\S]*SIP\/2\.0 200 OK/);
  });

  it('registers over TCP (registrar URI with transport=tcp)', async () => {
    const r = await runShtoom(
      [
        'register',
        `sip:alice@127.0.0.1:${kam.port}`,
        '--registrar',
        `sip:127.0.0.1:${kam.port};transport=tcp`,
        '--password',
        'alicepw',
        '--expires',
        '60',
        '--sip-address',
        '127.0.0.1',
        '--sip-port',
        '0',
        '--json',
        '--log-level',
        'trace',
      ],
      { timeoutSec: 30 },
    );
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    expect(JSON.parse(r.stdout).contact).toMatch(/transport=tcp/);
    expect(r.stderr).toMatch(/sent \d+ bytes to tcp:127\.0\.0\.1:\d+/);
    expect(r.stderr).toMatch(/received \d+ bytes from tcp:[\s\S]*SIP\/2\.0 200 OK/);
  });

  it('a wrong password fails with one clear line and exit 5, after exactly two REGISTERs', async () => {
    const r = await runShtoom(
      [
        'register',
        `sip:alice@127.0.0.1:${kam.port}`,
        '--password',
        'wrong',
        '--sip-address',
        '127.0.0.1',
        '--sip-port',
        '0',
        '--log-level',
        'trace',
      ],
      { timeoutSec: 30 },
    );
    expect(r.code).toBe(5);
    const errors = r.stderr.split('\n').filter((l) => /ERROR/.test(l));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /authentication failed for realm "127\.0\.0\.1": wrong user name or password \(401 Unauthorized\)/,
    );
    // Trace lines print each message indented below the line that says where it went.
    expect((r.stderr.match(/^\s+REGISTER sip:/gm) ?? []).length).toBe(2);
  });

  it('an unknown user gets 403: exit 5 and the status in the line', async () => {
    const r = await runShtoom(
      [
        'register',
        `sip:mallory@127.0.0.1:${kam.port}`,
        '--password',
        'x',
        '--sip-address',
        '127.0.0.1',
        '--sip-port',
        '0',
      ],
      { timeoutSec: 30 },
    );
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/403 Unknown user/);
  });

  it('no registrar answering: exit 4 with a timeout line (T1 shortened to keep it quick)', async () => {
    const silent = await silentUdpPeer();
    const r = await runShtoom(
      [
        'register',
        `sip:alice@127.0.0.1:${silent.port}`,
        '--password',
        'x',
        '--sip-t1',
        '50ms',
        '--sip-address',
        '127.0.0.1',
        '--sip-port',
        '0',
      ],
      { timeoutSec: 30 },
    );
    await silent.close();
    expect(r.code).toBe(4);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    const at = `127\\.0\\.0\\.1:${silent.port}`;
    expect(r.stderr).toMatch(new RegExp(`REGISTER sip:alice@${at} at sip:${at}: no response \\(timeout\\)`));
  });

  it('nothing listening where the registrar should be: exit 1 at once, with a line saying so', async () => {
    const dead = await deadUdpPort();
    const r = await runShtoom(['register', `sip:alice@127.0.0.1:${dead}`, '--password', 'x', '--sip-port', '0'], {
      timeoutSec: 30,
    });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`nothing listens on udp:127.0.0.1:${dead} (ICMP port unreachable)`);
  });

  it('--unregister removes every binding (Contact: *)', async () => {
    const r = await runShtoom(
      [
        'register',
        `sip:alice@127.0.0.1:${kam.port}`,
        '--password',
        'alicepw',
        '--unregister',
        '--sip-address',
        '127.0.0.1',
        '--sip-port',
        '0',
        '--json',
      ],
      { timeoutSec: 30 },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).unregistered).toBe(true);
  });
});

describe('shtoom register --stay and shtoom options against Kamailio', () => {
  it('--stay keeps the registration fresh until SIGTERM, then unregisters and exits 0', async () => {
    const p = startShtoom(
      [
        'register',
        `sip:bob@127.0.0.1:${kam.port}`,
        '--password',
        'bobpw',
        '--expires',
        '6',
        '--stay',
        '--sip-address',
        '127.0.0.1',
        '--sip-port',
        '0',
        '--log-level',
        'info',
      ],
      { timeoutSec: 40 },
    );
    await waitFor(() => p.stdout().includes('registered'), 'the first registration', 10_000);
    expect(p.stdout()).toMatch(/registered sip:bob@127\.0\.0\.1:\d+ at sip:127\.0\.0\.1:\d+ for 6 s/);
    await waitFor(() => /refreshed: 6 s/.test(p.stderr()), 'a refresh (at 3 s)', 10_000);
    // SIGTERM to shtoom itself, not to the `timeout` wrapper (which would pass it on twice: quit at once).
    terminate(p);
    expect(await p.exited).toBe(0);
    expect(p.stdout()).toContain(`unregistered sip:bob@127.0.0.1:${kam.port}`);
  });

  it('shtoom options pings Kamailio: 200, round-trip time, exit 0 (--count 3 --json)', async () => {
    const r = await runShtoom(
      [
        'options',
        `sip:127.0.0.1:${kam.port}`,
        '--count',
        '3',
        '--interval',
        '50ms',
        '--sip-address',
        '127.0.0.1',
        '--json',
      ],
      { timeoutSec: 30 },
    );
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.sent).toBe(3);
    expect(out.ok).toBe(3);
    expect(out.pings[0].status).toBe(200);
    expect(out.pings[0].reason).toBe('Keepalive');
    expect(out.pings[0].rttMs).toBeGreaterThan(0);
  });

  it('shtoom options prints the status line for humans, and exits 4 on no answer', async () => {
    const ok = await runShtoom(['options', `sip:127.0.0.1:${kam.port}`, '--sip-address', '127.0.0.1'], {
      timeoutSec: 30,
    });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^1: 200 Keepalive from sip:127\.0\.0\.1:\d+ in [\d.]+ ms/);
    const silent = await silentUdpPeer();
    const none = await runShtoom(
      ['options', `sip:127.0.0.1:${silent.port}`, '--timeout', '300ms', '--sip-address', '127.0.0.1'],
      { timeoutSec: 30 },
    );
    await silent.close();
    expect(none.code).toBe(4);
    expect(none.stderr.trim().split('\n')).toHaveLength(1);
    expect(none.stderr).toContain(`OPTIONS sip:127.0.0.1:${silent.port}: no response (timeout)`);
  });
});

describe('shtoom user agents through Kamailio', () => {
  it('follows 423 Min-Expires, refreshes before expiry, and unregisters', async () => {
    const ua = await UserAgent.create({
      listen: 'udp:127.0.0.1:0',
      aor: `sip:alice@127.0.0.1:${kam.port}`,
      credentials: { username: 'alice', password: 'alicepw' },
    });
    try {
      const reg = await ua.register({ expires: 2 });
      expect(reg.expires).toBe(5); // asked 2, got 423 Min-Expires: 5, asked 5
      const refreshed = await new Promise<number>((resolve) => reg.once('refreshed', (e) => resolve(e)));
      expect(refreshed).toBe(5);
      await reg.unregister();
      expect(reg.registered).toBe(false);
    } finally {
      await ua.close();
    }
  });

  for (const transport of ['udp', 'tcp'] as const) {
    it(`calls from one registered UA to another through the proxy with Record-Route (${transport})`, async () => {
      const proxy = `sip:127.0.0.1:${kam.port};transport=${transport}`;
      const bob = await UserAgent.create({
        listen: `${transport}:127.0.0.1:0`,
        aor: `sip:bob@127.0.0.1:${kam.port}`,
        credentials: { username: 'bob', password: 'bobpw' },
      });
      const alice = await UserAgent.create({
        listen: `${transport}:127.0.0.1:0`,
        aor: `sip:alice@127.0.0.1:${kam.port}`,
        credentials: { username: 'alice', password: 'alicepw' },
        transport,
      });
      try {
        await bob.register({ registrar: proxy, expires: 60 });
        let bobEnded: string | undefined;
        let bobRoutes: readonly string[] = [];
        bob.on('invite', async (call) => {
          const d = await call.accept(sdpAnswer('127.0.0.1'));
          bobRoutes = d.routeSet;
          d.on('terminated', (reason) => (bobEnded = reason));
        });
        const call = alice.invite(`sip:bob@127.0.0.1:${kam.port};transport=${transport}`, {
          body: sdpAnswer('127.0.0.1', 40002),
        });
        const dialog = await call.answered;
        // The INVITE was challenged by the proxy (407) and retried with credentials.
        expect(call.request.has('proxy-authorization')).toBe(true);
        expect(dialog.routeSet.length).toBeGreaterThan(0);
        expect(dialog.routeSet[0]).toContain(`127.0.0.1:${kam.port}`);
        await new Promise((r) => setTimeout(r, 100));
        expect(bobRoutes.length).toBeGreaterThan(0);
        const bye = await dialog.bye();
        expect(bye?.status).toBe(200);
        await new Promise((r) => setTimeout(r, 100));
        expect(bobEnded).toBe('remote-bye');
      } finally {
        await alice.close();
        await bob.close();
      }
    });
  }
});
