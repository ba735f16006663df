/**
 * A request that cannot be sent ends at once with one clear line and the
 * documented exit code (1: a network failure), whatever the command:
 * `shtoom options` and `shtoom call` to a `transport=ws` URI (a transport
 * shtoom does not have: before the handles owned their requests from the
 * start, both waited forever); TLS to a port where nothing listens;
 * `options`, `call` and `register`
 * to a UDP port where nothing listens (the ICMP port unreachable, through a
 * connected socket: before, Timer B or F, 32 s, then exit 4 "no answer").
 */
import { createSocket, type Socket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

const BASE = ['--sip-address', '127.0.0.1', '--rtp-address', '127.0.0.1', '--rtp-clock-realtime', '0'];

async function cli(argv: string[], abortAfterMs?: number) {
  let stdout = '';
  let stderr = '';
  const ac = new AbortController();
  const timer = abortAfterMs !== undefined ? setTimeout(() => ac.abort(new Error('SIGTERM')), abortAfterMs) : undefined;
  const started = performance.now();
  const code = await main([...argv, ...BASE], {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: { PATH: process.env.PATH, HOME: '/nonexistent' },
    signal: ac.signal,
  });
  if (timer) clearTimeout(timer);
  return { code, stdout, stderr, ms: performance.now() - started };
}

describe('a request that cannot be sent', () => {
  it('shtoom options …;transport=ws --timeout 1s: one line, exit 1, at once', async () => {
    const r = await cli(['options', 'sip:bob@127.0.0.1:5999;transport=ws', '--timeout', '1s']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /ERROR.*OPTIONS sip:bob@127\.0\.0\.1:5999;transport=ws: cannot send \(no ws transport: listen on one/,
      ),
    ]);
    expect(r.ms).toBeLessThan(5000);
  });

  it('shtoom call …;transport=ws: the call fails at once, exit 1', async () => {
    const r = await cli(['call', 'sip:bob@127.0.0.1:5999;transport=ws', '--json']);
    expect(r.code, r.stderr).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ ok: false, answered: false, end: { reason: 'failed', status: 503 } });
    expect(j.end.message).toMatch(/^INVITE sip:bob@127\.0\.0\.1:5999;transport=ws: cannot send \(no ws transport/);
    expect(r.ms).toBeLessThan(5000);
  });

  it('--dns-server that is not IP[:PORT]: one line, exit 2; no DNS answering: exit 1', async () => {
    for (const bad of ['dns.example', '127.0.0.1:99999', '127.0.0.1:']) {
      const r = await cli(['options', 'sip:bob@sip.test', '--dns-server', bad]);
      expect(r.code, bad).toBe(2);
      expect(r.stderr.trim().split('\n')).toEqual([
        `shtoom: --dns-server ${JSON.stringify(bad)}: give IP, IP:PORT or [IPv6]:PORT`,
      ]);
    }
    const r = await cli(['options', 'sip:bob@sip.test', '--dns-server', `127.0.0.1:${dead}`, '--timeout', '5s']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/OPTIONS sip:bob@sip\.test: cannot send \(cannot resolve sip\.test: /);
  });

  it('shtoom options sips: to a port where nothing listens: one line, exit 1, at once', async () => {
    const r = await cli(['options', `sips:bob@127.0.0.1:${dead}`, '--timeout', '5s']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`nothing listens on tls:127.0.0.1:${dead} (connection refused)`);
    expect(r.ms).toBeLessThan(5000);
  });

  it('shtoom options to a peer that never answers: SIGTERM ends it at once, exit 130', async () => {
    // Something listens there and never answers: the ping would wait out its 60 s.
    const r = await cli(['options', `sip:nobody@127.0.0.1:${silent.address().port}`, '--timeout', '60s'], 300);
    expect(r.code, r.stderr).toBe(130);
    expect(r.ms).toBeLessThan(5000);
  });
});

describe('a UDP port where nothing listens', () => {
  const commands: Record<string, (port: number) => string[]> = {
    options: (port) => ['options', `sip:nobody@127.0.0.1:${port}`],
    register: (port) => ['register', `sip:alice@127.0.0.1:${port}`, '--password', 'x', '--sip-port', '0'],
    call: (port) => ['call', `sip:bob@127.0.0.1:${port}`],
  };
  for (const [what, argv] of Object.entries(commands)) {
    it(`shtoom ${what}: one line saying nothing listens there, exit 1, well before Timer B/F`, async () => {
      const r = await cli(argv(dead));
      expect(r.code, r.stderr).toBe(1);
      const errors = r.stderr.split('\n').filter((l) => / ERROR /.test(l));
      // A failed call is said once, by its summary on stdout (no log line repeating it); the others log it.
      const said = what === 'call' ? r.stdout.split('\n').filter((l) => /^call failed: /.test(l)) : errors;
      expect(errors).toHaveLength(what === 'call' ? 0 : 1);
      expect(said).toHaveLength(1);
      expect(said[0]).toContain(`nothing listens on udp:127.0.0.1:${dead} (ICMP port unreachable)`);
      expect(r.ms).toBeLessThan(10_000);
    });
  }

  it('over IPv6 too, with the default bind: shtoom options sip:[::1]:PORT', async () => {
    let stderr = '';
    const code = await main(['options', `sip:[::1]:${dead}`, '--log-level', 'error'], {
      stdout: { write: () => true },
      stderr: { write: (s: string) => void (stderr += s) },
      env: { PATH: process.env.PATH, HOME: '/nonexistent' },
    });
    expect(code, stderr).toBe(1);
    expect(stderr).toContain(`nothing listens on udp:[::1]:${dead} (ICMP port unreachable)`);
  });
});

/** A port nothing listens on, on 127.0.0.1 and ::1; and a socket that takes requests and never answers. */
let dead = 0;
let silent: Socket;
beforeAll(async () => {
  silent = createSocket('udp4');
  await new Promise<void>((r) => silent.bind(0, '127.0.0.1', () => r()));
  dead = await deadPort();
});
afterAll(() => new Promise<void>((r) => silent.close(() => r())));

async function deadPort(): Promise<number> {
  const bind = (type: 'udp4' | 'udp6', port: number) =>
    new Promise<number>((resolve) => {
      const s = createSocket(type);
      s.once('error', () => resolve(0));
      s.bind(port, type === 'udp4' ? '127.0.0.1' : '::1', () => {
        const p = s.address().port;
        s.close(() => resolve(p));
      });
    });
  for (let i = 0; i < 20; i++) {
    const port = await bind('udp4', 0);
    if ((await bind('udp6', port)) === port) return port;
  }
  throw new Error('no port free on both 127.0.0.1 and ::1');
}
