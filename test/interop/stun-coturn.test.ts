/**
 * `shtoom stun` and the STUN library against coturn on loopback, and the
 * `stun` client of stun-client on the same server: both must report the
 * same reflexive address for the same local port.
 */
import { createSocket, type Socket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StunSocket } from '../../src/net/stun-socket.js';
import { Attr, StunTransactionError, parseStunMessage, readAddress, readText } from '../../src/stun/index.js';
import { freeUdpPort, requireBinary, runShtoom, startPeer, stopAllPeers } from './support/peers.js';
import { startCoturn, type Coturn } from './support/stun-coturn.js';

let coturn: Coturn;
const server = () => ({ family: 'IPv4' as const, address: '127.0.0.1', port: coturn.port });

beforeAll(async () => {
  requireBinary('turnserver');
  requireBinary('stun');
  coturn = await startCoturn({ addresses: ['127.0.0.1'], port: await freeUdpPort() });
});

afterAll(async () => {
  await coturn?.stop();
  await stopAllPeers();
});

describe('shtoom stun against coturn', () => {
  it('prints the mapped address, NAT type and round trip as JSON, exit 0', async () => {
    const local = await freeUdpPort();
    const r = await runShtoom(['stun', `127.0.0.1:${coturn.port}`, '--local-port', String(local), '--json'], {
      timeoutSec: 30,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.mapped).toEqual({ address: '127.0.0.1', port: local, family: 'IPv4' });
    expect(j.local).toEqual({ address: '127.0.0.1', port: local, family: 'IPv4' });
    expect(j.nat.natted).toBe(false);
    expect(j.nat.type).toBe('open-internet');
    expect(j.rfc5780).toBe(false); // one address: coturn cannot answer CHANGE-REQUEST
    expect(j.software).toMatch(/^Coturn/);
    expect(j.rttMs).toBeGreaterThan(0);
    expect(j.rttMs).toBeLessThan(5000);
  });

  it('prints human lines', async () => {
    const r = await runShtoom(['stun', `127.0.0.1:${coturn.port}`, '--color', 'never'], { timeoutSec: 30 });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^public address\s+127\.0\.0\.1:\d+$/m);
    expect(r.stdout).toMatch(/^NAT\s+no NAT/m);
    expect(r.stdout).toMatch(/^round trip\s+\d+\.\d ms$/m);
  });

  it('takes the server from --stun', async () => {
    const r = await runShtoom(['stun', '--stun', `127.0.0.1:${coturn.port}`, '--json'], { timeoutSec: 30 });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).server.port).toBe(coturn.port);
  });

  it('exits 1 with one line when nothing answers', async () => {
    const silent = await freeUdpPort();
    const r = await runShtoom(
      ['stun', `127.0.0.1:${silent}`, '--stun-rto', '50ms', '--stun-rc', '3', '--stun-rm', '4', '--color', 'never'],
      {
        timeoutSec: 30,
      },
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`no answer from STUN server 127.0.0.1:${silent} after 3 requests`);
  });

  it('exits 2 on a bad server argument', async () => {
    const r = await runShtoom(['stun', 'not a host'], { timeoutSec: 30 });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('the library against coturn', () => {
  let sock: Socket;
  beforeAll(async () => {
    sock = createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  });
  afterAll(() => sock.close());

  it('a binding on an existing socket returns that socket’s address, and coturn’s own attributes parse', async () => {
    const stun = new StunSocket(sock, { software: 'shtoom interop' }).listen();
    try {
      const r = await stun.binding(server());
      expect(r.mapped).toEqual({ family: 'IPv4', address: '127.0.0.1', port: sock.address().port });
      expect(r.from).toEqual(server());
      expect(readAddress(r.response, Attr.MAPPED_ADDRESS)).toEqual(r.mapped);
      expect(readAddress(r.response, Attr.RESPONSE_ORIGIN)).toEqual(server());
      expect(readText(r.response, Attr.SOFTWARE)).toMatch(/^Coturn/);
      expect(r.response.hasFingerprint).toBe(true);
    } finally {
      stun.close();
    }
  });

  it(
    'coturn answers an unknown comprehension-required attribute with 420 and UNKNOWN-ATTRIBUTES naming ' + 'it',
    async () => {
      const stun = new StunSocket(sock).listen();
      try {
        const err = await stun
          .binding(server(), { attributes: [{ type: 0x7ffe, value: Uint8Array.of(1, 2, 3, 4) }] })
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect(err).toBeInstanceOf(StunTransactionError);
        const e = err as StunTransactionError;
        expect(e.code).toBe('error-response');
        expect(e.errorCode).toBe(420);
        expect(e.unknownAttributes).toEqual([0x7ffe]);
      } finally {
        stun.close();
      }
    },
  );

  it('keep-alives on the socket report the mapping', async () => {
    const stun = new StunSocket(sock).listen();
    const seen: string[] = [];
    await new Promise<void>((resolve) => {
      const stop = stun.keepAlive(server(), { interval: 100 }, (e) => {
        seen.push(e.type === 'mapping' ? `${e.mapped.port}:${e.changed}` : 'lost');
        if (seen.length === 3) {
          stop();
          resolve();
        }
      });
    });
    stun.close();
    const port = sock.address().port;
    expect(seen).toEqual([`${port}:true`, `${port}:false`, `${port}:false`]);
  });
});

describe('stun-client agrees with shtoom on the same server', () => {
  it('both report 127.0.0.1 and the local port they sent from', async () => {
    const local = await freeUdpPort();
    // stun 0.97 speaks RFC 3489 and prints the MAPPED-ADDRESS coturn gave it with -v.
    const theirs = startPeer('stun', [`127.0.0.1:${coturn.port}`, '-v', '-p', String(local)], { timeoutSec: 20 });
    await theirs.exited;
    const out = theirs.stdout() + theirs.stderr();
    const m = /MappedAddress = ([\d.]+):(\d+)/.exec(out);
    expect(m, out.slice(-1500)).not.toBeNull();
    expect(`${m![1]}:${m![2]}`).toBe(`127.0.0.1:${local}`);
    const ours = await runShtoom(['stun', `127.0.0.1:${coturn.port}`, '--local-port', String(local), '--json'], {
      timeoutSec: 30,
    });
    expect(ours.code).toBe(0);
    const j = JSON.parse(ours.stdout);
    expect(`${j.mapped.address}:${j.mapped.port}`).toBe(`${m![1]}:${m![2]}`);
  });
});

describe('our parser reads what stun-client and coturn say to each other', () => {
  it('every datagram of a stun-client run parses, and the mapping we read is the one stun-client prints', async () => {
    // A relay in this process: stun-client -> relay -> coturn and back, parsing every datagram.
    const front = createSocket('udp4');
    const back = createSocket('udp4');
    await new Promise<void>((r) => front.bind(0, '127.0.0.1', r));
    await new Promise<void>((r) => back.bind(0, '127.0.0.1', r));
    let client: { address: string; port: number } | undefined;
    const seen: {
      dir: 'request' | 'response';
      ok: boolean;
      classic?: boolean;
      mapped?: string | undefined;
      code?: string;
    }[] = [];
    const note = (dir: 'request' | 'response', msg: Buffer) => {
      const r = parseStunMessage(msg, { allowClassic: true });
      if (!r.ok) return seen.push({ dir, ok: false, code: r.error.code });
      const m = readAddress(r.message, Attr.XOR_MAPPED_ADDRESS) ?? readAddress(r.message, Attr.MAPPED_ADDRESS);
      seen.push({ dir, ok: true, classic: r.message.classic, mapped: m && `${m.address}:${m.port}` });
    };
    front.on('message', (msg, rinfo) => {
      client = rinfo;
      note('request', msg);
      back.send(msg, coturn.port, '127.0.0.1');
    });
    back.on('message', (msg) => {
      note('response', msg);
      if (client) front.send(msg, client.port, client.address);
    });
    try {
      const theirs = startPeer('stun', [`127.0.0.1:${front.address().port}`, '-v'], { timeoutSec: 20 });
      await theirs.exited;
      const out = theirs.stdout() + theirs.stderr();
      const printed = /MappedAddress = ([\d.]+:\d+)/.exec(out)?.[1];
      expect(printed, out.slice(-1500)).toBe(`127.0.0.1:${back.address().port}`);
      expect(seen.filter((s) => s.dir === 'request').length).toBeGreaterThan(0);
      expect(seen.filter((s) => s.dir === 'response').length).toBeGreaterThan(0);
      // stun-client 0.97 speaks RFC 3489 (no magic cookie, 128-bit IDs), and coturn answers in kind.
      expect(seen.every((s) => s.classic)).toBe(true);
      expect(seen.filter((s) => !s.ok)).toEqual([]);
      for (const s of seen.filter((x) => x.dir === 'response' && x.mapped)) expect(s.mapped).toBe(printed);
    } finally {
      front.close();
      back.close();
    }
  });
});
