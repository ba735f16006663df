/**
 * A request that cannot be sent ends at once with one clear line and the
 * documented exit code (1: a network failure), whatever the command:
 * `shtoom options` and `shtoom call` to a `transport=tls` URI on an agent
 * that listens on UDP and TCP only. Before the handles owned their requests
 * from the start, both waited forever.
 */
import { describe, expect, it } from 'vitest';
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
  it('shtoom options …;transport=tls --timeout 1s: one line, exit 1, at once', async () => {
    const r = await cli(['options', 'sip:bob@127.0.0.1:5999;transport=tls', '--timeout', '1s']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /ERROR.*OPTIONS sip:bob@127\.0\.0\.1:5999;transport=tls: cannot send \(no tls transport: listen on one/,
      ),
    ]);
    expect(r.ms).toBeLessThan(5000);
  });

  it('shtoom call …;transport=tls: the call fails at once, exit 1', async () => {
    const r = await cli(['call', 'sip:bob@127.0.0.1:5999;transport=tls', '--json']);
    expect(r.code, r.stderr).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ ok: false, answered: false, end: { reason: 'failed', status: 503 } });
    expect(j.end.message).toMatch(/^INVITE sip:bob@127\.0\.0\.1:5999;transport=tls: cannot send \(no tls transport/);
    expect(r.ms).toBeLessThan(5000);
  });

  it('shtoom options to a peer that never answers: SIGTERM ends it at once, exit 130', async () => {
    // Nothing answers on port 9 here, and UDP says nothing of it: the ping would wait out its 60 s.
    const r = await cli(['options', 'sip:nobody@127.0.0.1:9', '--timeout', '60s'], 300);
    expect(r.code, r.stderr).toBe(130);
    expect(r.ms).toBeLessThan(5000);
  });
});
