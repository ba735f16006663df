/**
 * RFC 3263 server location against a real DNS server: Debian's dnsmasq on
 * loopback serves a NAPTR record for `sip.test` (SIP+D2T), SRV records for
 * `_sip._tcp.sip.test` (a.sip.test first, b.sip.test second, each on a port
 * of its own) and their A records. `shtoom call sip:echo@sip.test
 * --dns-server …` reaches `serve echo` on the first target; with that one
 * down, the call goes to the second. MUST fail: the same call without the
 * DNS server (the system resolver does not know sip.test).
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  freeSipPort,
  freeUdpPort,
  isListening,
  requireBinary,
  runShtoom,
  startPeer,
  startShtoom,
  stopAllPeers,
  waitFor,
} from './support/peers.js';

const COMMON = ['--sip-address', '127.0.0.1', '--rtp-address', '127.0.0.1', '--rtp-clock-realtime', '0'];

beforeAll(() => {
  requireBinary('dnsmasq');
});
afterEach(async () => stopAllPeers());

async function dnsmasq(first: number, second: number): Promise<number> {
  const port = await freeUdpPort();
  startPeer(
    'dnsmasq',
    [
      '--no-daemon',
      '--conf-file=/dev/null',
      `--port=${port}`,
      '--listen-address=127.0.0.1',
      '--bind-interfaces',
      '--no-resolv',
      '--no-hosts',
      '--pid-file=',
      '--naptr-record=sip.test,10,10,S,SIP+D2T,,_sip._tcp.sip.test',
      `--srv-host=_sip._tcp.sip.test,a.sip.test,${first},10`,
      `--srv-host=_sip._tcp.sip.test,b.sip.test,${second},20`,
      '--host-record=a.sip.test,127.0.0.1',
      '--host-record=b.sip.test,127.0.0.1',
    ],
    { timeoutSec: 60 },
  );
  await waitFor(() => isListening(port, 'udp'), 'dnsmasq');
  return port;
}

async function serve(port: number) {
  const p = startShtoom(['serve', 'echo', '--listen', `tcp:127.0.0.1:${port}`, ...COMMON], { timeoutSec: 60 });
  await waitFor(() => isListening(port, 'tcp'), `shtoom serve echo on ${port}`);
  return p;
}

function call(extra: readonly string[]) {
  return runShtoom(
    ['call', 'sip:echo@sip.test', '--sip-transport', 'tcp', '--duration', '1s', '--json', ...extra, ...COMMON],
    { timeoutSec: 30 },
  );
}

describe('RFC 3263: NAPTR and SRV from dnsmasq', () => {
  it('the call reaches the first SRV target; with it down, the second; without the DNS server, nothing', async () => {
    const [first, second] = [await freeSipPort(), await freeSipPort()];
    const dns = await dnsmasq(first, second);
    const a = await serve(first);
    const b = await serve(second);
    const calls = (p: { stdout(): string; stderr(): string }) =>
      (p.stdout() + p.stderr()).split('\n').filter((l) => /echo: call from /.test(l)).length;
    const toA = await call(['--dns-server', `127.0.0.1:${dns}`]);
    expect(toA.code, toA.stderr).toBe(0);
    expect(JSON.parse(toA.stdout)).toMatchObject({ ok: true, answered: true });
    await waitFor(() => calls(a) === 1, 'the first server to log the call', 5000);
    expect(calls(b)).toBe(0);
    await a.stop();
    const toB = await call(['--dns-server', `127.0.0.1:${dns}`]);
    expect(toB.code, toB.stderr).toBe(0);
    expect(JSON.parse(toB.stdout)).toMatchObject({ ok: true, answered: true });
    await waitFor(() => calls(b) === 1, 'the second server to log the call', 5000);
    const nowhere = await call([]);
    expect(nowhere.code).toBe(1);
    expect(nowhere.stdout + nowhere.stderr).toMatch(/cannot resolve sip\.test/);
  });
});
