/**
 * `shtoom stun` in-process against a small STUN responder on loopback built
 * from shtoom's own codec (the real-server cases are in test/interop).
 */
import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Attr,
  StunMethod,
  attr,
  parseStunMessage,
  serializeStunMessage,
  type StunAttribute,
} from '../../src/stun/index.js';
import { main } from '../../src/cli/main.js';
import { runCli } from '../support/cli.js';

const open: Socket[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

/** A responder on `host` that answers every request with `attributes(tid, from)` in a `cls` response. */
async function responder(
  host: string,
  cls: 'success' | 'error',
  attributes: (tid: Uint8Array, from: { address: string; port: number }) => StunAttribute[],
): Promise<number> {
  const s = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  open.push(s);
  s.on('message', (msg, rinfo) => {
    const r = parseStunMessage(msg);
    if (!r.ok || r.message.class !== 'request') return;
    const tid = r.message.transactionId;
    const bytes = serializeStunMessage(
      { method: StunMethod.BINDING, class: cls, transactionId: tid, attributes: attributes(tid, rinfo) },
      { fingerprint: true },
    );
    s.send(bytes, rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => s.bind(0, host, r));
  return s.address().port;
}

describe('shtoom stun', () => {
  it(
    'to a server that does not answer: a live line on a terminal says which request and how long it ' + 'waits',
    async () => {
      const silent = createSocket('udp4');
      open.push(silent);
      await new Promise<void>((r) => silent.bind(0, '127.0.0.1', r));
      const port = silent.address().port;
      let stdout = '';
      let stderr = '';
      const code = await main(
        ['stun', `127.0.0.1:${port}`, '--stun-rto', '200ms', '--stun-rc', '4', '--stun-rm', '4', '--color', 'never'],
        {
          stdout: { write: (s: string) => (stdout += s), isTTY: true },
          stderr: { write: (s: string) => (stderr += s) },
          env: {},
        },
      );
      expect(code).toBe(1);
      // Rc requests, RTO doubling (0, 0.2, 0.6, 1.4 s), then Rm × RTO: 2.2 s in all.
      expect(stdout).toMatch(
        new RegExp(`127\\.0\\.0\\.1:${port}: no answer yet, request [2-4] of 4, \\d\\.\\d s of at most 2\\.2 s`),
      );
      // The line is cleared before the one error line.
      expect(stdout.endsWith('\r\x1b[K')).toBe(true);
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stderr).toContain(`no answer from STUN server 127.0.0.1:${port} after 4 requests (2.2 s)`);
    },
  );

  it('says at --log-level debug how long it will wait; draws nothing when not on a terminal', async () => {
    const silent = createSocket('udp4');
    open.push(silent);
    await new Promise<void>((r) => silent.bind(0, '127.0.0.1', r));
    const port = silent.address().port;
    const r = await runCli([
      'stun',
      `127.0.0.1:${port}`,
      '--stun-rto',
      '100ms',
      '--stun-rc',
      '2',
      '--stun-rm',
      '2',
      '--log-level',
      'debug',
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`asking 127.0.0.1:${port}; without an answer, giving up after 2 requests (0.3 s)`);
  });

  it('exits 1 with one line when the server answers with an error', async () => {
    const port = await responder('127.0.0.1', 'error', () => [attr.errorCode(500, 'Server Error')]);
    const r = await runCli(['stun', `127.0.0.1:${port}`, '--color', 'never']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`STUN server 127.0.0.1:${port} answered 500 Server Error`);
  });

  it('reports an IPv6 mapping from XOR-MAPPED-ADDRESS', async () => {
    const port = await responder('::1', 'success', (tid, from) => [
      attr.xorMappedAddress({ family: 'IPv6', address: from.address, port: from.port }, tid),
    ]);
    const r = await runCli(['stun', `[::1]:${port}`, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.mapped.family).toBe('IPv6');
    expect(j.mapped.address).toBe('::1');
    expect(j.mapped.port).toBe(j.local.port);
    expect(j.nat.type).toBe('open-internet');
  });

  it('sees a NAT when the server reports another address', async () => {
    const port = await responder('127.0.0.1', 'success', (tid) => [
      attr.xorMappedAddress({ family: 'IPv4', address: '203.0.113.7', port: 61000 }, tid),
      attr.address(Attr.MAPPED_ADDRESS, { family: 'IPv4', address: '203.0.113.7', port: 61000 }),
    ]);
    const r = await runCli(['stun', `127.0.0.1:${port}`, '--color', 'never']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^public address\s+203\.0\.113\.7:61000$/m);
    expect(r.stdout).toMatch(/^NAT\s+NAT of unknown behaviour \(port changed, behaviour not tested/m);
  });

  it('needs a server, and rejects a malformed one with exit 2', async () => {
    const none = await runCli(['stun']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('name a STUN server');
    const bad = await runCli(['stun', 'host:99999']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('the stun options are in the schema with their defaults', async () => {
    const r = await runCli(['config', 'show', '--json'], { HOME: '/nonexistent' });
    const o = JSON.parse(r.stdout).options;
    expect(o['stun.server'].value).toBeNull();
    expect(o['stun.server'].flag).toBe('--stun');
    expect(o['stun.keepalive'].value).toBe(25_000);
    expect([o['stun.rto'].value, o['stun.rc'].value, o['stun.rm'].value]).toEqual([500, 7, 16]);
  });
});
