/**
 * Every request ends with an outcome, whatever fails and whenever
 * (RFC 3261 8.1.3.1: a transport error acts as a 503): a transport missing
 * for the URI's `transport=`, a send that throws, a transport that reports
 * the failure from inside the send, or a tick later. Each handle owns its
 * request before the request is sent, so no outcome is lost.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { SipTransportFactory, SipTransportHandlers } from '../../../src/net/sip-transport.js';
import type { UserAgent } from '../../../src/sip/api/user-agent.js';
import { SipRequestFailedError } from '../../../src/sip/errors.js';
import type { Transmit } from '../../../src/sip/transport/types.js';
import type { SimNetwork } from '../../../src/sim/network.js';
import type { VirtualScheduler } from '../../../src/sim/scheduler.js';
import { VirtualWorld } from '../support/sim-ua.js';

type Mode = 'throw' | 'sync' | 'async';

/** UDP on the simulated network whose sends fail, in `mode`, while `failing.on` is set. */
function failingTransports(
  net: SimNetwork,
  scheduler: VirtualScheduler,
  mode: Mode,
  failing: { on: boolean },
): SipTransportFactory {
  return {
    async bind(spec, h: SipTransportHandlers) {
      const sock = net.bind(spec.address, spec.port, (data, from) =>
        h.message(data, { transport: 'udp', remote: { address: from.address, port: from.port }, local: sock.local }),
      );
      const fail = (t: Transmit) => {
        const err = new Error(`send failed (${mode})`);
        if (mode === 'throw') throw err;
        if (mode === 'sync') h.failed(t, err);
        else scheduler.after(5, () => h.failed(t, err));
      };
      return {
        kind: 'udp' as const,
        local: sock.local,
        send: (t: Transmit, address: string) => {
          if (failing.on) return fail(t);
          if (t.bytes.length) sock.send(t.bytes, { address, port: t.destination.port });
        },
        close: async () => sock.close(),
      };
    },
  };
}

let open: { w: VirtualWorld; uas: UserAgent[] } | undefined;
afterEach(async () => {
  // Closing waits (in virtual time) for the answers to its BYEs and un-REGISTERs.
  if (open) await open.w.until(Promise.all(open.uas.map((ua) => ua.close())));
  open = undefined;
});

/** Alice's transport fails as `mode` says (from the start, unless `failing.on` is cleared); Bob's works. */
async function world(mode: Mode, failing = { on: true }) {
  const w = new VirtualWorld();
  const a = await w.ua('10.0.0.1', {
    aor: 'sip:alice@10.0.0.1',
    transports: failingTransports(w.net, w.scheduler, mode, failing),
  });
  const b = await w.ua('10.0.0.2', { aor: 'sip:bob@10.0.0.2' });
  open = { w, uas: [a, b] };
  return { w, a, b, failing };
}

/** The rejection of `p` within `limitMs` of virtual time (Timer F/B is 32 s: an outcome must come long before). */
async function failure(w: VirtualWorld, p: Promise<unknown>, limitMs = 1000): Promise<SipRequestFailedError> {
  const start = w.scheduler.now();
  const err = await w.until(
    p.then(
      () => undefined,
      (e: unknown) => e,
    ),
    limitMs,
  );
  expect(err).toBeInstanceOf(SipRequestFailedError);
  expect(w.scheduler.now() - start).toBeLessThan(limitMs);
  return err as SipRequestFailedError;
}

describe('a transport that fails inside the send', () => {
  for (const mode of ['throw', 'sync', 'async'] as const) {
    const how = mode === 'throw' ? 'the send throws' : mode === 'sync' ? 'reported at once' : 'reported later';
    describe(`(${how})`, () => {
      it('ends OPTIONS, INVITE and REGISTER at once with a transport error (503)', async () => {
        const { w, a } = await world(mode);
        const opt = await failure(w, a.request('OPTIONS', 'sip:bob@10.0.0.2'));
        expect(opt).toMatchObject({ status: 503, kind: 'transport' });
        expect(opt.message).toMatch(
          new RegExp(`^OPTIONS sip:bob@10\\.0\\.0\\.2: cannot send \\(send failed \\(${mode}\\)\\)`),
        );
        const inv = await failure(w, a.invite('sip:bob@10.0.0.2').answered);
        expect(inv).toMatchObject({ status: 503, kind: 'transport' });
        const reg = await failure(w, a.register({ registrar: 'sip:10.0.0.2' }));
        expect(reg).toMatchObject({ status: 503, kind: 'transport' });
      });

      it('ends requests inside a dialog the same way: re-INVITE, INFO, and BYE still ends the dialog', async () => {
        const { w, a, b, failing } = await world(mode, { on: false });
        b.on('invite', (c) => void c.accept('v=0\r\n'));
        const dialog = await w.until(a.invite('sip:bob@10.0.0.2').answered);
        failing.on = true;
        expect(await failure(w, dialog.reinvite('v=0\r\n'))).toMatchObject({ status: 503, kind: 'transport' });
        expect(await failure(w, dialog.info('Signal=1\r\n', 'application/dtmf-relay'))).toMatchObject({
          status: 503,
          kind: 'transport',
        });
        expect(await w.until(dialog.bye(), 1000)).toBeUndefined();
        expect(dialog.state).toBe('terminated');
      });
    });
  }

  it('ends a request for a transport we do not listen on (transport=tls) at once', async () => {
    const { w, a } = await world('sync', { on: false });
    const err = await failure(w, a.request('OPTIONS', 'sip:bob@10.0.0.2:5999;transport=tls'));
    expect(err.kind).toBe('transport');
    expect(err.message).toBe(
      'OPTIONS sip:bob@10.0.0.2:5999;transport=tls: cannot send (no tls transport: listen on one to send over it)',
    );
    const inv = await failure(w, a.invite('sip:bob@10.0.0.2:5999;transport=tls').answered);
    expect(inv.message).toMatch(/^INVITE sip:bob@10\.0\.0\.2:5999;transport=tls: cannot send \(no tls transport/);
  });

  it('ends a request at its own timeout, or when its signal aborts, though nothing answers', async () => {
    const { w, a } = await world('sync', { on: false });
    const t0 = w.scheduler.now();
    const timedOut = await failure(w, a.request('OPTIONS', 'sip:nobody@10.0.0.9', { timeout: 1000 }), 2000);
    expect(timedOut).toMatchObject({ status: 408, kind: 'timeout' });
    expect(w.scheduler.now() - t0).toBe(1000);
    const ac = new AbortController();
    w.scheduler.after(300, () => ac.abort());
    const aborted = await failure(w, a.request('OPTIONS', 'sip:nobody@10.0.0.9', { signal: ac.signal }), 2000);
    expect(aborted).toMatchObject({ status: 487 });
    expect(aborted.message).toBe('OPTIONS sip:nobody@10.0.0.9: cancelled');
  });
});
