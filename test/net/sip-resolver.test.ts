/**
 * The resolver's RFC 3263 side on a fake DNS and a manual clock: answers
 * kept a minute, a target that failed goes last for 30 s, errors name the
 * host.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock/clock.js';
import type { SipDns } from '../../src/net/sip-locate.js';
import { SipResolver } from '../../src/net/sip-resolver.js';

function dns(): SipDns & { queries: number } {
  const d = {
    queries: 0,
    naptr: async () => [],
    srv: async (name: string) => {
      d.queries++;
      return name === '_sip._tcp.example.com'
        ? [
            { priority: 1, weight: 0, port: 5071, name: 'a.example.com' },
            { priority: 2, weight: 0, port: 5072, name: 'b.example.com' },
          ]
        : [];
    },
    addresses: async (name: string) => {
      if (name === 'a.example.com') return ['192.0.2.1'];
      if (name === 'b.example.com') return ['192.0.2.2'];
      throw Object.assign(new Error('no A or AAAA record'), { code: 'ENODATA' });
    },
  };
  return d;
}

const q = { host: 'example.com', transport: 'tcp', naptr: true } as const;
const where = (ts: { address: string; port: number }[]) => ts.map((t) => `${t.address}:${t.port}`);

describe('SipResolver.locate', () => {
  it('keeps an answer a minute; a target marked down goes last for 30 s', async () => {
    const clock = new ManualClock();
    const d = dns();
    const r = new SipResolver(async () => '192.0.2.99', clock, d);
    expect(where(await r.locate(q))).toEqual(['192.0.2.1:5071', '192.0.2.2:5072']);
    r.markDown('192.0.2.1', 5071);
    expect(where(await r.locate(q))).toEqual(['192.0.2.2:5072', '192.0.2.1:5071']);
    expect(d.queries).toBe(1);
    clock.advance(30_001);
    expect(where(await r.locate(q))).toEqual(['192.0.2.1:5071', '192.0.2.2:5072']);
    clock.advance(30_000);
    await r.locate(q);
    expect(d.queries).toBe(2);
  });

  it('a name with no record at all: one line naming it', async () => {
    const r = new SipResolver(async () => '192.0.2.99', new ManualClock(), dns());
    await expect(r.locate({ ...q, host: 'nothing.example' })).rejects.toThrow(/^cannot resolve nothing\.example: /);
  });
});
