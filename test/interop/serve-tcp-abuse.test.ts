/**
 * `shtoom serve echo` (the built CLI) against TCP clients that abuse it
 * (`support/tcp-abuser.py`, Debian's python3), on loopback and in a network
 * namespace of the test's own:
 * - a client with a 1 KB receive buffer that never reads, sending CRLF CRLF
 *   keep-alives or pipelined OPTIONS as fast as it can: serve's memory stays
 *   flat (it reached 1 GB in 20 s before), the client is cut off, and calls
 *   over UDP and TCP go on meanwhile;
 * - 20 connections trickling an INVITE a byte a second are all closed at
 *   the message deadline (30 s by default; 12 s here);
 * - connections over the per-source limit are refused with one log line
 *   naming TCP, and another source still gets its answer;
 * - a header section over 64 KB is answered 513 before the close;
 * - a peer that vanishes (its packets dropped) is found by TCP keep-alive.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { Netns } from './support/netns.js';
import {
  freeSipPort,
  isListening,
  requireBinary,
  runShtoom,
  startPeer,
  startShtoom,
  stopAllPeers,
  waitFor,
  type Peer,
} from './support/peers.js';

const ABUSER = join(dirname(fileURLToPath(import.meta.url)), 'support', 'tcp-abuser.py');
const COMMON = ['--sip-address', '127.0.0.1', '--rtp-address', '127.0.0.1', '--rtp-clock-realtime', '0'];

afterEach(async () => stopAllPeers());

async function serveEcho(extra: string[] = []): Promise<{ port: number; peer: Peer }> {
  const port = await freeSipPort();
  const peer = startShtoom(['serve', 'echo', '--listen', `127.0.0.1:${port}`, ...COMMON, ...extra], {
    timeoutSec: 170,
  });
  await waitFor(() => isListening(port, 'tcp') && isListening(port, 'udp'), 'shtoom serve echo');
  return { port, peer };
}

/** The node process under `timeout`: the one whose memory counts. */
function nodePid(peer: Peer): number {
  const children = readFileSync(`/proc/${peer.pid}/task/${peer.pid}/children`, 'utf8').trim().split(/\s+/);
  return Number(children[0]);
}

function rssMb(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]) / 1024;
}

function abuser(args: string[], timeoutSec = 120): Peer {
  requireBinary('python3');
  return startPeer('python3', [ABUSER, ...args], { timeoutSec });
}

async function result<T>(p: Peer): Promise<T> {
  const code = await p.exited;
  expect(code, p.stderr()).toBe(0);
  return JSON.parse(p.stdout().trim().split('\n').pop()!) as T;
}

describe('shtoom serve over TCP, against abusive clients', () => {
  for (const mode of ['ping', 'options'] as const) {
    const what = mode === 'ping' ? 'keep-alives' : 'pipelined OPTIONS';
    it(`a client that never reads (${what}): memory stays bounded, it is cut off, calls go on`, async () => {
      const serve = await serveEcho(['--sip-tcp-message-timeout', '8s']);
      const pid = nodePid(serve.peer);
      const before = rssMb(pid);
      // 60 s to be cut off: the server must first fill its socket's send buffer with answers, at the pace
      // it parses what the client sends (seconds when idle; on a loaded machine 25 s did not always suffice).
      const attack = abuser(['nonreader', '127.0.0.1', String(serve.port), mode, '60']);
      let peak = before;
      const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 250);
      let r: { sent: number; ended: string; at: number };
      try {
        // Calls over both transports while the attack runs.
        for (const transport of ['tcp', 'udp']) {
          const call = await runShtoom(
            [
              'call',
              `sip:echo@127.0.0.1:${serve.port};transport=${transport}`,
              '--play',
              'tone:440',
              '--duration',
              '2',
              ...COMMON,
            ],
            { timeoutSec: 60 },
          );
          expect(call.code, `${transport} call during the attack: ${call.stderr}`).toBe(0);
        }
        r = await result<{ sent: number; ended: string; at: number }>(attack);
      } finally {
        clearInterval(sampler);
      }
      peak = Math.max(peak, rssMb(pid));
      expect(peak - before, `RSS ${before.toFixed(0)} MB before, ${peak.toFixed(0)} MB at most`).toBeLessThan(100);
      // Cut off once it left our answers unread for the message timeout (8 s), before its 60 s are up.
      expect(r.ended).toBe('reset');
      expect(r.at).toBeLessThan(58);
      expect(serve.peer.stderr()).toMatch(/TCP: closed the connection with 127\.0\.0\.1:\d+: it has not read/);
      await serve.peer.stop();
    });
  }

  it('20 connections trickling an INVITE a byte a second are all closed at the message deadline', async () => {
    // 12 s instead of the default 30 s (the default's value is a unit test's): the same deadline, sooner.
    const serve = await serveEcho(['--sip-tcp-message-timeout', '12s']);
    const r = await result<{ closed: (number | null)[] }>(
      abuser(['trickle', '127.0.0.1', String(serve.port), '20', '25']),
    );
    expect(r.closed).toHaveLength(20);
    for (const at of r.closed) {
      expect(at).not.toBeNull();
      expect(at!).toBeGreaterThanOrEqual(11);
      expect(at!).toBeLessThanOrEqual(15);
    }
    await serve.peer.stop();
  });

  it('connections over the per-source limit are refused with one log line; another source is answered', async () => {
    const serve = await serveEcho(['--sip-tcp-max-connections-per-source', '40']);
    const held = abuser(['hold', '127.0.0.1', String(serve.port), '50', '127.0.0.1']);
    await waitFor(() => held.stdout().includes('kept'), 'the held connections', 30_000);
    expect(JSON.parse(held.stdout().trim())).toEqual({ kept: 40, refused: 10 });
    const other = await result<{ status: string | null }>(
      abuser(['options', '127.0.0.1', String(serve.port), '127.0.0.2']),
    );
    expect(other.status).toBe('SIP/2.0 200 OK');
    const lines = serve.peer
      .stderr()
      .split('\n')
      .filter((l) => l.includes('TCP connection limit reached'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/40 TCP connections are open from 127\.0\.0\.1 \(--sip-tcp-max-connections-per-source\)/);
    expect(serve.peer.stderr()).not.toMatch(/RTP port/);
    held.child.stdin!.end();
    await held.exited;
    await serve.peer.stop();
  });

  it('a header section over 64 KB is answered 513 Message Too Large, then the connection is closed', async () => {
    const serve = await serveEcho();
    const r = await result<{ status: string | null; closed: boolean }>(
      abuser(['bighead', '127.0.0.1', String(serve.port), '70000']),
    );
    expect(r.status).toBe('SIP/2.0 513 Message Too Large');
    expect(r.closed).toBe(true);
    await serve.peer.stop();
  });

  it('a peer that vanishes (its packets dropped) is found by TCP keep-alive and its connection closed', async () => {
    requireBinary('iptables');
    const ns = Netns.create('k');
    try {
      const port = 5070;
      const serve = ns.startShtoom(
        ['serve', 'echo', '--listen', `tcp:127.0.0.1:${port}`, ...COMMON, '--sip-tcp-keepalive', '2s'],
        { timeoutSec: 120 },
      );
      const established = (): number =>
        ns.exec('ss', '-Htn', 'state', 'established', `( sport = :${port} )`).trim().split('\n').filter(Boolean).length;
      await waitFor(() => ns.exec('ss', '-Hltn', `( sport = :${port} )`).trim() !== '', 'serve in the namespace');
      const client = ns.start('python3', [ABUSER, 'idle', '127.0.0.1', String(port)], { timeoutSec: 120 });
      await waitFor(() => client.stdout().includes('status'), 'the idle client');
      const hello = JSON.parse(client.stdout().trim()) as { port: number; status: string };
      expect(hello.status).toBe('SIP/2.0 200 OK');
      expect(established()).toBe(1);
      // The client's host vanishes: nothing reaches it, nothing comes from it.
      ns.exec('iptables', '-A', 'INPUT', '-p', 'tcp', '--sport', String(hello.port), '-j', 'DROP');
      ns.exec('iptables', '-A', 'INPUT', '-p', 'tcp', '--dport', String(hello.port), '-j', 'DROP');
      const start = Date.now();
      await waitFor(() => established() === 0, 'the server to drop the dead connection', 40_000);
      // 2 s of silence, then ten probes a second apart (the idle timeout, 5 minutes, played no part).
      expect(Date.now() - start).toBeLessThan(25_000);
      client.child.stdin!.end();
      await client.stop();
      await serve.stop();
    } finally {
      ns.destroy();
    }
  });
});
