/**
 * Registration ends cleanly on every way out, against Kamailio (registrar
 * with digest auth), over IPv4 and IPv6: after each, Kamailio's location
 * table (`kamcmd ul.dump`) no longer holds our Contact, and the exit code is
 * the documented one — 0 when one Ctrl-C or SIGTERM ended it (or it ended
 * by itself), 130 after a second signal (which only hurries: the
 * un-REGISTER, its digest challenge answered, still goes through). SIGHUP
 * (the terminal closed), however often, ends it as one SIGTERM does.
 *
 * Two SIGINTs back to back are how `npx shtoom` gets one Ctrl-C (the
 * terminal's and npm's copy): they count once. A second signal during the
 * un-REGISTER is sent while Kamailio holds it (bob's un-REGISTERs are
 * answered a second late): before, it exited at once, mid un-REGISTER — the
 * binding stayed, exit 130.
 *
 * Every shtoom here binds the default wildcard: the Contact it registers
 * is the address it sends from towards Kamailio (127.0.0.1 or ::1).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { terminate } from './support/call-process.js';
import { freeSipPort, requireBinary, startShtoom, waitFor, type Peer } from './support/peers.js';
import { startKamailio, type Kamailio } from './support/sip-kamailio.js';

const MEDIA = ['--rtp-clock-realtime', '0', '--log-level', 'info'];

let kam: Kamailio;
let echo: Peer;
let echoPort: number;
beforeAll(async () => {
  requireBinary('kamailio');
  requireBinary('kamcmd');
  kam = await startKamailio();
  // A callee for `call --register`, on both families.
  echoPort = await freeSipPort();
  echo = startShtoom(['serve', 'echo', '--listen', `[::]:${echoPort}`, ...MEDIA], { timeoutSec: 600 });
  await waitFor(() => echo.stdout().includes('serving echo'), 'shtoom serve echo', 15_000);
});
afterAll(async () => {
  await echo?.stop();
  await kam?.stop();
});

type Family = 'IPv4' | 'IPv6';
const host = (f: Family) => (f === 'IPv4' ? '127.0.0.1' : '[::1]');
/** alice for one signal; bob (whose un-REGISTERs Kamailio answers late) for a second one during the un-REGISTER. */
type User = 'alice' | 'bob';
const aor = (f: Family, u: User = 'alice') => `sip:${u}@${host(f)}:${kam.port}`;
const account = (f: Family, u: User = 'alice') => ['--aor', aor(f, u), '--password', `${u}pw`];

/** Our Contact at Kamailio: the address we send from towards it (loopback of the family), our port. */
const ours = (f: Family, port: number, u: User) => `sip:${u}@${host(f)}:${port}`;
const held = (f: Family, port: number, u: User) => kam.bindings(u).includes(ours(f, port, u));

async function registeredAt(p: Peer, f: Family, port: number, u: User = 'alice'): Promise<void> {
  await waitFor(() => held(f, port, u) || p.child.exitCode !== null, 'the registration at Kamailio', 20_000);
  expect(held(f, port, u), p.stderr().slice(-2000)).toBe(true);
}

/** The way out: `times` signals, each after the previous one was taken; the last while the un-REGISTER runs. */
async function signal(p: Peer, sig: NodeJS.Signals, times: number): Promise<void> {
  terminate(p, sig);
  if (times < 2) return;
  await waitFor(() => /unregistering/.test(p.stderr()), 'the un-REGISTER under way', 20_000);
  // A second key press, not npx's copy of the first (SIGINTs within 250 ms count once); Kamailio holds the
  // un-REGISTER a second.
  if (sig === 'SIGINT') await new Promise((r) => setTimeout(r, 400));
  terminate(p, sig);
}

async function ended(p: Peer, f: Family, port: number, code: number, u: User = 'alice'): Promise<void> {
  const exit = await p.exited;
  expect(exit, p.stderr().slice(-3000)).toBe(code);
  expect(kam.bindings(u), p.stderr().slice(-3000)).not.toContain(ours(f, port, u));
}

describe('shtoom register --stay', () => {
  const cases: [Family, string, NodeJS.Signals, number, number][] = [
    ['IPv4', 'Ctrl-C', 'SIGINT', 1, 0],
    ['IPv6', 'Ctrl-C', 'SIGINT', 1, 0],
    ['IPv4', 'SIGTERM', 'SIGTERM', 1, 0],
    ['IPv6', 'SIGTERM', 'SIGTERM', 1, 0],
    ['IPv4', 'a second SIGTERM during the un-REGISTER', 'SIGTERM', 2, 130],
    ['IPv6', 'a second Ctrl-C during the un-REGISTER', 'SIGINT', 2, 130],
    // The terminal closing: a SIGHUP, and its copy from a parent during the un-REGISTER, which does not hurry.
    ['IPv4', 'SIGHUP twice (the terminal closed)', 'SIGHUP', 2, 0],
  ];
  for (const [f, way, sig, times, code] of cases) {
    it(`${f}, ${way}: the binding is removed, exit ${code}`, async () => {
      const port = await freeSipPort();
      const u: User = times > 1 ? 'bob' : 'alice';
      const p = startShtoom(
        ['register', aor(f, u), '--password', `${u}pw`, '--stay', '--sip-port', String(port), '--log-level', 'info'],
        { timeoutSec: 60 },
      );
      await registeredAt(p, f, port, u);
      await signal(p, sig, times);
      await ended(p, f, port, code, u);
      expect(p.stdout()).toContain(`unregistered ${aor(f, u)}`);
    });
  }

  it(
    'IPv4, one Ctrl-C through npx (two SIGINTs a moment apart): ' + 'counted once, the binding is removed, exit 0',
    async () => {
      const port = await freeSipPort();
      const p = startShtoom(
        ['register', aor('IPv4', 'bob'), '--password', 'bobpw', '--stay', '--sip-port', String(port)],
        {
          timeoutSec: 60,
        },
      );
      await registeredAt(p, 'IPv4', port, 'bob');
      terminate(p, 'SIGINT');
      // npm's copy comes after the terminal's, once the first was taken (a signal not yet taken would merge).
      await waitFor(() => p.stderr().includes('finishing'), 'the first SIGINT taken', 10_000);
      terminate(p, 'SIGINT');
      await ended(p, 'IPv4', port, 0, 'bob');
      expect(p.stderr()).not.toContain('hurrying');
    },
  );
});

describe('shtoom register (without --stay)', () => {
  it('leaves the binding for the expiry it printed: Kamailio still holds it after the exit (0)', async () => {
    const port = await freeSipPort();
    const p = startShtoom(
      ['register', aor('IPv4'), '--password', 'alicepw', '--expires', '120', '--sip-port', String(port)],
      {
        timeoutSec: 30,
      },
    );
    expect(await p.exited, p.stderr()).toBe(0);
    expect(p.stdout()).toMatch(/registered .* for 120 s/);
    expect(kam.bindings('alice')).toContain(ours('IPv4', port, 'alice'));
    // Leave no binding behind for the next tests.
    const off = startShtoom(['register', aor('IPv4'), '--password', 'alicepw', '--unregister', '--sip-port', '0'], {
      timeoutSec: 30,
    });
    expect(await off.exited, off.stderr()).toBe(0);
    expect(kam.bindings('alice')).toEqual([]);
  });
});

describe('shtoom serve --register', () => {
  const cases: [Family, string, number, number][] = [
    ['IPv4', 'SIGTERM', 1, 0],
    ['IPv6', 'SIGTERM', 1, 0],
    ['IPv4', 'a second SIGTERM during the un-REGISTER', 2, 130],
    ['IPv6', 'a second SIGTERM during the un-REGISTER', 2, 130],
  ];
  for (const [f, way, times, code] of cases) {
    it(`${f}, ${way}: the binding is removed, exit ${code}`, async () => {
      const port = await freeSipPort();
      const u: User = times > 1 ? 'bob' : 'alice';
      const p = startShtoom(['serve', 'echo', '--register', ...account(f, u), '--sip-port', String(port), ...MEDIA], {
        timeoutSec: 90,
      });
      await registeredAt(p, f, port, u);
      await signal(p, 'SIGTERM', times);
      await ended(p, f, port, code, u);
    });
  }
});

describe('shtoom call --register', () => {
  const target = (f: Family) => `sip:echo@${host(f)}:${echoPort}`;

  for (const f of ['IPv4', 'IPv6'] as const) {
    it(`${f}, the call ends by itself (--duration): the binding is removed, exit 0`, async () => {
      const port = await freeSipPort();
      const p = startShtoom(
        ['call', target(f), '--register', ...account(f), '--duration', '2', '--sip-port', String(port), ...MEDIA],
        { timeoutSec: 60 },
      );
      await registeredAt(p, f, port);
      await ended(p, f, port, 0);
      expect(p.stdout()).toMatch(/answered by/);
    });
  }

  const signalled: [Family, string, NodeJS.Signals, number, number][] = [
    ['IPv4', 'Ctrl-C once answered', 'SIGINT', 1, 0],
    ['IPv6', 'Ctrl-C once answered', 'SIGINT', 1, 0],
    ['IPv4', 'Ctrl-C once answered, again during the un-REGISTER', 'SIGINT', 2, 130],
    ['IPv6', 'SIGTERM once answered, again during the un-REGISTER', 'SIGTERM', 2, 130],
  ];
  for (const [f, way, sig, times, code] of signalled) {
    it(`${f}, ${way}: the binding is removed, exit ${code}`, async () => {
      const port = await freeSipPort();
      const u: User = times > 1 ? 'bob' : 'alice';
      const p = startShtoom(['call', target(f), '--register', ...account(f, u), '--sip-port', String(port), ...MEDIA], {
        timeoutSec: 60,
      });
      await registeredAt(p, f, port, u);
      await waitFor(() => p.stdout().includes('answered by'), 'the answer', 20_000);
      await signal(p, sig, times);
      await ended(p, f, port, code, u);
    });
  }
});
