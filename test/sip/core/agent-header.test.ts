/**
 * The User-Agent and Server headers: `shtoom` by default, never the exact
 * version unless asked (`{version}` in --sip-user-agent), and none at all
 * when the value is empty. Checked on what goes over the (simulated) wire:
 * requests, their answers, a CANCEL, and a stateless 400.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/log/logger.js';
import { OptionValueError } from '../../../src/options/errors.js';
import { resolveOptions } from '../../../src/options/resolve.js';
import { schema } from '../../../src/options/schema/index.js';
import { userAgentOptionsFrom } from '../../../src/cli/settings.js';
import type { SipTransportFactory } from '../../../src/net/sip-transport.js';
import type { UserAgent } from '../../../src/sip/api/user-agent.js';
import { parseMessage } from '../../../src/sip/message/parse.js';
import { packageInfo } from '../../../src/util/package-info.js';
import { Probe, rawRequest } from '../support/probe.js';
import { simTransports, VirtualWorld } from '../support/sim-ua.js';

let open: UserAgent[] = [];
afterEach(async () => {
  for (const ua of open) await ua.close();
  open = [];
});

/** Every User-Agent and Server value seen on the wire while `a` pings and calls `b` and cancels. */
async function agentsOnTheWire(userAgent: string | undefined): Promise<string[]> {
  const w = new VirtualWorld();
  const seen: string[] = [];
  const base = simTransports(w.net);
  const transports: SipTransportFactory = {
    async bind(spec, h) {
      const t = await base.bind(spec, h);
      return {
        kind: t.kind,
        local: t.local,
        send(x, address) {
          const m = parseMessage(x.bytes, { datagram: true }).message;
          for (const k of ['user-agent', 'server']) for (const f of m?.fields(k) ?? []) seen.push(`${k}: ${f.value}`);
          t.send(x, address);
        },
        close: () => t.close(),
      };
    },
  };
  const opts = { transports, ...(userAgent === undefined ? {} : { userAgent }) };
  const a = await w.ua('10.0.0.1', { aor: 'sip:alice@10.0.0.1', ...opts });
  const b = await w.ua('10.0.0.2', { aor: 'sip:bob@10.0.0.2', ...opts });
  open.push(a, b);
  expect((await w.until(a.request('OPTIONS', 'sip:bob@10.0.0.2'))).status).toBe(200);
  b.on('invite', (call) => call.progress(180));
  const call = a.invite('sip:bob@10.0.0.2');
  await new Promise<void>((resolve) => {
    call.on('progress', () => resolve());
    void w.run(1000);
  });
  call.cancel();
  await w.until(call.answered.catch(() => undefined));
  return seen;
}

describe('User-Agent and Server headers', () => {
  it('say "shtoom" by default, with no version', async () => {
    const seen = await agentsOnTheWire(undefined);
    expect(seen.length).toBeGreaterThanOrEqual(6);
    expect(new Set(seen)).toEqual(new Set(['user-agent: shtoom', 'server: shtoom']));
  });

  it('are left out when the value is empty', async () => {
    expect(await agentsOnTheWire('')).toEqual([]);
    const p = new Probe({ userAgent: '' });
    const [bad] = p.send(rawRequest('OPTIONS', { cseq: 'x OPTIONS' }));
    expect(bad!.status).toBe(400);
    expect(bad!.header('server')).toBeUndefined();
  });

  it('--sip-user-agent: shtoom by default, {version} only when asked, no control characters', () => {
    const ua = (argv?: string) =>
      userAgentOptionsFrom(
        resolveOptions(schema, argv === undefined ? {} : { argv: new Map([['sip.user-agent', argv]]) }),
        silentLogger,
      ).userAgent;
    expect(ua()).toBe('shtoom');
    expect(ua()).not.toContain(packageInfo().version);
    expect(ua('acme-tester/{version} (lab 3)')).toBe(`acme-tester/${packageInfo().version} (lab 3)`);
    expect(ua('')).toBe('');
    expect(() => ua('shtoom\r\nX-Injected: 1')).toThrow(OptionValueError);
  });
});
