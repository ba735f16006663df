/**
 * RFC 3263 server location against a real DNS server: Debian's dnsmasq on
 * loopback serves a NAPTR record for `sip.test` (SIP+D2T), SRV records for
 * `_sip._tcp.sip.test` (a.sip.test first, b.sip.test second, each on a port
 * of its own) and their A records. `shtoom call sip:echo@sip.test
 * --dns-server …` reaches `serve echo` on the first target; with that one
 * down, the call goes to the second, and when it answers 503 (SIPp) too
 * (RFC 3263 4.3). MUST fail: the same call without the
 * DNS server (the system resolver does not know sip.test).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Netns } from './support/netns.js';
import { SippDir, startSipp } from './support/sip-sipp.js';
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

/** UAS: every INVITE is answered 503 (a server out of capacity), and its ACK taken. */
const UAS_503 = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="uas answers 503">
  <recv request="INVITE"/>
  <send><![CDATA[
SIP/2.0 503 Service Unavailable
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
  <recv request="ACK"/>
</scenario>
`;

let sippDir: SippDir;
beforeAll(() => {
  requireBinary('dnsmasq');
  requireBinary('sipp');
  sippDir = new SippDir();
});
afterEach(async () => stopAllPeers());
afterAll(() => sippDir.cleanup());

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
    // RFC 3263 4.3: the first target answers 503 (SIPp): the INVITE goes on to the second.
    const sipp = startSipp(
      ['-sf', sippDir.write('uas-503.xml', UAS_503), '-t', 't1', '-i', '127.0.0.1', '-p', String(first), '-m', '1'],
      { timeoutSec: 30 },
    );
    await waitFor(() => isListening(first, 'tcp'), 'SIPp answering 503 on the first target');
    const past503 = await call(['--dns-server', `127.0.0.1:${dns}`]);
    expect(past503.code, past503.stderr).toBe(0);
    expect(await sipp.exited).toBe(0);
    await waitFor(() => calls(b) === 2, 'the second server to log the call after the 503', 5000);
    const nowhere = await call([]);
    expect(nowhere.code).toBe(1);
    expect(nowhere.stdout + nowhere.stderr).toMatch(/cannot resolve sip\.test/);
  });

  it('with no DNS reachable, a name in /etc/hosts still resolves (no NAPTR or SRV needed)', async () => {
    // A namespace with only loopback: the system's name server is unreachable, as on an isolated lab host.
    const host = Netns.create('nodns');
    try {
      const r = await host.shtoom(['options', 'sip:localhost', '--sip-port', '0', '--timeout', '5s'], {
        timeoutSec: 30,
      });
      // Nothing listens on localhost:5060 in there: the answer names the address, not a DNS failure.
      expect(r.stdout + r.stderr).not.toMatch(/cannot resolve/);
      expect(r.stdout + r.stderr).toMatch(/127\.0\.0\.1:5060/);
    } finally {
      host.destroy();
    }
  });
});
