import { afterEach, describe, expect, it } from 'vitest';
import { VirtualWorld } from '../support/sim-ua.js';
import type { UserAgent } from '../../../src/sip/api/user-agent.js';
import { SipRequestFailedError, SipAuthError } from '../../../src/sip/errors.js';
import { DigestServer } from '../../../src/sip/auth/digest-server.js';

const SDP = 'v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';

let open: UserAgent[] = [];
afterEach(async () => {
  for (const ua of open) await ua.close();
  open = [];
});

async function pair(w: VirtualWorld) {
  const a = await w.ua('10.0.0.1', { aor: 'sip:alice@10.0.0.1' });
  const b = await w.ua('10.0.0.2', { aor: 'sip:bob@10.0.0.2' });
  open.push(a, b);
  return { a, b };
}

describe('UserAgent in virtual time', () => {
  it('places and answers a call, exchanges INFO DTMF and MESSAGE, and hangs up', async () => {
    const w = new VirtualWorld();
    const { a, b } = await pair(w);
    const digits: string[] = [];
    const texts: string[] = [];
    let calleeEnded: string | undefined;
    b.on('invite', async (call) => {
      call.progress(180);
      const d = await call.accept(SDP);
      d.on('dtmf', (digit) => digits.push(digit));
      d.on('message', (m) => texts.push(m.text));
      d.on('terminated', (reason) => (calleeEnded = reason));
    });
    const call = a.invite('sip:bob@10.0.0.2', { body: SDP });
    const progress: number[] = [];
    call.on('progress', (r) => progress.push(r.status));
    const dialog = await w.until(call.answered);
    expect(progress).toContain(180);
    expect(dialog.state).toBe('confirmed');
    expect((await w.until(dialog.info('Signal=7\r\nDuration=100\r\n', 'application/dtmf-relay'))).status).toBe(200);
    expect((await w.until(dialog.info('#', 'application/dtmf'))).status).toBe(200);
    expect((await w.until(dialog.message('hello'))).status).toBe(200);
    expect(digits).toEqual(['7', '#']);
    expect(texts).toEqual(['hello']);
    const bye = await w.until(dialog.bye());
    expect(bye?.status).toBe(200);
    await w.run(100);
    expect(calleeEnded).toBe('remote-bye');
    expect(await dialog.terminated).toBe('local-bye');
  });

  it('rejects: answered rejects with the status; no listener answers 480', async () => {
    const w = new VirtualWorld();
    const { a, b } = await pair(w);
    const err = await w.until(a.invite('sip:bob@10.0.0.2').answered.catch((e) => e));
    expect(err).toBeInstanceOf(SipRequestFailedError);
    expect((err as SipRequestFailedError).status).toBe(480);
    b.on('invite', (c) => c.reject(486));
    const err2 = await w.until(a.invite('sip:bob@10.0.0.2').answered.catch((e) => e));
    expect((err2 as SipRequestFailedError).status).toBe(486);
    expect((err2 as Error).message).toBe('INVITE sip:bob@10.0.0.2: 486 Busy Here');
  });

  it('cancels a ringing call', async () => {
    const w = new VirtualWorld();
    const { a, b } = await pair(w);
    let cancelled = false;
    b.on('invite', (c) => {
      c.progress(180);
      c.on('cancelled', () => (cancelled = true));
    });
    const call = a.invite('sip:bob@10.0.0.2');
    await w.until(new Promise((r) => call.once('progress', r)));
    call.cancel();
    const err = await w.until(call.answered.catch((e) => e));
    expect((err as SipRequestFailedError).status).toBe(487);
    expect(cancelled).toBe(true);
  });

  it('OPTIONS gets Allow/Accept/Supported; MESSAGE out of dialog reaches the message event', async () => {
    const w = new VirtualWorld();
    const { a, b } = await pair(w);
    const got: string[] = [];
    b.on('message', (m) => got.push(`${m.from.uri.kind === 'sip' ? m.from.uri.user : ''}: ${m.text}`));
    const res = await w.until(a.request('OPTIONS', 'sip:bob@10.0.0.2'));
    expect(res.status).toBe(200);
    expect(res.header('allow')).toContain('INVITE');
    expect((await w.until(a.message('sip:bob@10.0.0.2', 'hi there'))).status).toBe(200);
    expect(got).toEqual(['alice: hi there']);
  });

  it('incoming() iterates new calls and requests', async () => {
    const w = new VirtualWorld();
    const { a, b } = await pair(w);
    const it = b.incoming();
    const pending = a.request('MESSAGE', 'sip:bob@10.0.0.2', { body: 'x', contentType: 'text/plain' });
    const first = await w.until(it.next());
    expect(first.done).toBe(false);
    const req = first.value!;
    expect('method' in req && req.method).toBe('MESSAGE');
    if ('respond' in req) req.respond(202);
    expect((await w.until(pending)).status).toBe(202);
    await it.return!();
  });

  it('a request times out with a 408 error after Timer F (or the given timeout)', async () => {
    const w = new VirtualWorld();
    const a = await w.ua('10.0.0.1');
    open.push(a);
    const t0 = w.scheduler.now();
    const err = await w.until(a.request('OPTIONS', 'sip:nobody@10.0.0.99').catch((e) => e));
    expect(err).toBeInstanceOf(SipRequestFailedError);
    expect((err as SipRequestFailedError).kind).toBe('timeout');
    expect(w.scheduler.now() - t0).toBe(32_000);
    const err2 = await w.until(a.request('OPTIONS', 'sip:nobody@10.0.0.99', { timeout: 2000 }).catch((e) => e));
    expect((err2 as SipRequestFailedError).status).toBe(408);
  });

  it('authenticates a MESSAGE (401 then 200) and reports a wrong password clearly', async () => {
    const w = new VirtualWorld();
    const a = await w.ua('10.0.0.1', { aor: 'sip:alice@10.0.0.1', credentials: { username: 'alice', password: 'pw' } });
    const bad = await w.ua('10.0.0.3', {
      aor: 'sip:alice@10.0.0.3',
      credentials: { username: 'alice', password: 'nope' },
    });
    const b = await w.ua('10.0.0.2');
    open.push(a, b, bad);
    const server = new DigestServer({ realm: 'bob', lookup: (u) => (u === 'alice' ? 'pw' : undefined) });
    b.on('message', (m) => {
      const v = server.verify(m.request, w.scheduler.now());
      if (v.ok) m.respond(200);
      else
        m.respond(401, { headers: server.challenge(w.scheduler.now()).map((c) => ['WWW-Authenticate', c] as const) });
    });
    expect((await w.until(a.message('sip:bob@10.0.0.2', 'secret'))).status).toBe(200);
    const err = await w.until(bad.message('sip:bob@10.0.0.2', 'secret').catch((e) => e));
    expect(err).toBeInstanceOf(SipAuthError);
    expect((err as Error).message).toMatch(/authentication failed for realm "bob": wrong user name or password/);
  });

  it('close() hangs up open calls and leaves nothing pending', async () => {
    const w = new VirtualWorld();
    const { a, b } = await pair(w);
    let ended: string | undefined;
    b.on('invite', async (c) => {
      const d = await c.accept(SDP);
      d.on('terminated', (r) => (ended = r));
    });
    await w.until(a.invite('sip:bob@10.0.0.2', { body: SDP }).answered);
    await w.until(a.close());
    await w.run(1000);
    expect(ended).toBe('remote-bye');
    expect(a.core.pendingTimers).toBe(0);
    await w.until(b.close());
    await w.run(60_000);
    expect(w.scheduler.pending).toBe(0);
  });
});

describe('UserAgent and a failing application handler', () => {
  it('answers 500 when the invite listener throws, and keeps working', async () => {
    const w = new VirtualWorld();
    const { a, b } = await pair(w);
    b.on('invite', () => {
      throw new Error('application bug');
    });
    const err = await w.until(a.invite('sip:bob@10.0.0.2').answered.catch((e) => e));
    expect((err as SipRequestFailedError).status).toBe(500);
    expect((await w.until(a.request('OPTIONS', 'sip:bob@10.0.0.2'))).status).toBe(200);
  });
});
