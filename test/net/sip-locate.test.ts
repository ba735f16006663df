/**
 * RFC 3263 server location against a fake DNS (no sockets): NAPTR records
 * of our transport's service in order, SRV by priority and weight, the
 * host's A/AAAA records when there is no SRV, a port that skips both, and
 * what each lookup asked for.
 */
import { describe, expect, it } from 'vitest';
import { locateSipServer, orderSrv, type NaptrRecord, type SipDns, type SrvRecord } from '../../src/net/sip-locate.js';

/** A DNS from tables; `asked` lists each query as `TYPE name`. */
function fakeDns(t: {
  naptr?: Record<string, NaptrRecord[]>;
  srv?: Record<string, SrvRecord[]>;
  a?: Record<string, string[]>;
}): SipDns & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    naptr: async (n) => {
      asked.push(`NAPTR ${n}`);
      return t.naptr?.[n] ?? [];
    },
    srv: async (n) => {
      asked.push(`SRV ${n}`);
      return t.srv?.[n] ?? [];
    },
    addresses: async (n) => {
      asked.push(`A ${n}`);
      const a = t.a?.[n];
      if (!a) throw Object.assign(new Error('no A or AAAA record'), { code: 'ENODATA' });
      return a;
    },
  };
}

const srv = (priority: number, weight: number, port: number, name: string): SrvRecord => ({
  priority,
  weight,
  port,
  name,
});
const naptr = (order: number, preference: number, service: string, replacement: string): NaptrRecord => ({
  order,
  preference,
  flags: 's',
  service,
  replacement,
});
const where = (ts: { address: string; port: number }[]) => ts.map((t) => `${t.address}:${t.port}`);

describe('locateSipServer', () => {
  it('NAPTR picks the SRV name of our transport (order, then preference); SRV gives targets and ports', async () => {
    const dns = fakeDns({
      naptr: {
        'example.com': [
          naptr(20, 10, 'SIP+D2U', '_sip._udp.example.com'),
          naptr(10, 20, 'SIP+D2T', '_sip._tcp.second.example.com'),
          naptr(10, 10, 'SIP+D2T', '_sip._tcp.example.com'),
          naptr(10, 5, 'SIPS+D2T', '_sips._tcp.example.com'),
        ],
      },
      srv: {
        '_sip._tcp.example.com': [srv(20, 0, 5072, 'b.example.com'), srv(10, 0, 5071, 'a.example.com')],
        '_sip._tcp.second.example.com': [srv(10, 0, 5073, 'c.example.com')],
      },
      a: {
        'a.example.com': ['192.0.2.1'],
        'b.example.com': ['192.0.2.2', '2001:db8::2'],
        'c.example.com': ['192.0.2.3'],
      },
    });
    const ts = await locateSipServer(dns, { host: 'example.com', transport: 'tcp', naptr: true });
    expect(where(ts)).toEqual(['192.0.2.1:5071', '192.0.2.2:5072', '2001:db8::2:5072', '192.0.2.3:5073']);
    expect(ts[0]!.how).toBe('NAPTR example.com SIP+D2T → SRV _sip._tcp.example.com → a.example.com:5071');
    expect(dns.asked.slice(0, 2)).toEqual(['NAPTR example.com', 'SRV _sip._tcp.example.com']);
  });

  it('without NAPTR (or when the URI names a transport): SRV _sip._udp, _sip._tcp, _sips._tcp', async () => {
    const dns = fakeDns({
      srv: {
        '_sip._udp.example.com': [srv(0, 0, 5080, 'u.example.com')],
        '_sip._tcp.example.com': [srv(0, 0, 5081, 't.example.com')],
        '_sips._tcp.example.com': [srv(0, 0, 5082, 's.example.com')],
      },
      a: { 'u.example.com': ['192.0.2.10'], 't.example.com': ['192.0.2.11'], 's.example.com': ['192.0.2.12'] },
    });
    const at = async (transport: 'udp' | 'tcp' | 'tls', n: boolean) =>
      where(await locateSipServer(dns, { host: 'example.com', transport, naptr: n }));
    expect(await at('udp', true)).toEqual(['192.0.2.10:5080']);
    expect(await at('tcp', false)).toEqual(['192.0.2.11:5081']);
    expect(await at('tls', false)).toEqual(['192.0.2.12:5082']);
    expect(dns.asked).toEqual([
      'NAPTR example.com',
      'SRV _sip._udp.example.com',
      'A u.example.com',
      'SRV _sip._tcp.example.com',
      'A t.example.com',
      'SRV _sips._tcp.example.com',
      'A s.example.com',
    ]);
  });

  it("no SRV record: the host's A/AAAA on the default port; a port in the URI skips NAPTR and SRV", async () => {
    const dns = fakeDns({ a: { 'pbx.example.com': ['192.0.2.5'] } });
    expect(where(await locateSipServer(dns, { host: 'pbx.example.com', transport: 'tls', naptr: true }))).toEqual([
      '192.0.2.5:5061',
    ]);
    dns.asked.length = 0;
    const ts = await locateSipServer(dns, { host: 'pbx.example.com', transport: 'udp', port: 5090, naptr: true });
    expect(where(ts)).toEqual(['192.0.2.5:5090']);
    expect(dns.asked).toEqual(['A pbx.example.com']);
    expect(where(await locateSipServer(dns, { host: '192.0.2.9', transport: 'udp', naptr: true }))).toEqual([
      '192.0.2.9:5060',
    ]);
  });

  it('a target without an address is skipped; none rejects naming the host; "." is no service', async () => {
    const dns = fakeDns({
      srv: {
        '_sip._udp.example.com': [srv(1, 0, 5060, 'gone.example.com'), srv(2, 0, 5062, 'ok.example.com')],
        '_sip._udp.none.example': [srv(0, 0, 5060, '.')],
      },
      a: { 'ok.example.com': ['192.0.2.7'] },
    });
    expect(where(await locateSipServer(dns, { host: 'example.com', transport: 'udp', naptr: false }))).toEqual([
      '192.0.2.7:5062',
    ]);
    await expect(locateSipServer(dns, { host: 'none.example', transport: 'udp', naptr: false })).rejects.toThrow(
      /cannot resolve none\.example/,
    );
  });
});

describe('orderSrv (RFC 2782)', () => {
  it('by priority; within one, weighted: the heavier record comes first about as often as it weighs', () => {
    const recs = [srv(10, 90, 1, 'heavy'), srv(10, 10, 2, 'light'), srv(5, 0, 3, 'first')];
    let state = 42;
    const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    let heavyFirst = 0;
    for (let i = 0; i < 1000; i++) {
      const o = orderSrv(recs, random).map((r) => r.name);
      expect(o[0]).toBe('first');
      if (o[1] === 'heavy') heavyFirst++;
    }
    expect(heavyFirst).toBeGreaterThan(800);
    expect(heavyFirst).toBeLessThan(960);
  });
});
