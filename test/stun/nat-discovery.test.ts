/**
 * NAT behaviour discovery against an in-memory NAT of each RFC 4787 kind
 * and an in-memory RFC 5780 server with two addresses, in virtual time.
 */
import { describe, expect, it } from 'vitest';
import { Driver } from '../../src/clock/drive.js';
import { VirtualScheduler } from '../../src/sim/scheduler.js';
import {
  Attr,
  NatDiscovery,
  StunMethod,
  attr,
  describeNat,
  natTypeOf,
  parseStunMessage,
  readChangeRequest,
  serializeStunMessage,
  type Behaviour,
  type NatDiscoveryEvent,
  type NatDiscoveryResult,
  type NatSocket,
  type TransportAddress,
} from '../../src/stun/index.js';
import { A } from './fake-server.js';

const S1 = '198.51.100.2';
const S2 = '198.51.100.3';
const P1 = 3478;
const P2 = 3479;
const PUBLIC_IP = '203.0.113.1';
const LOCAL: Record<NatSocket, TransportAddress> = { primary: A('10.0.0.2', 5000), filter: A('10.0.0.2', 5001) };

type Kind = Exclude<Behaviour, 'unknown'>;

/** A NAT with a given mapping and filtering behaviour (RFC 4787 4.1, 5). */
class Nat {
  private next = 50000;
  private readonly maps = new Map<string, number>();
  private readonly sentTo = new Map<number, Set<string>>();
  private readonly owner = new Map<number, NatSocket>();
  constructor(
    readonly mapping: Kind | 'none',
    readonly filtering: Kind,
    readonly preservePorts = false,
  ) {}

  out(socket: NatSocket, to: TransportAddress): TransportAddress {
    if (this.mapping === 'none') return LOCAL[socket];
    const src = LOCAL[socket];
    const key =
      this.mapping === 'endpoint-independent'
        ? `${src.port}`
        : this.mapping === 'address-dependent'
          ? `${src.port}>${to.address}`
          : `${src.port}>${to.address}:${to.port}`;
    let port = this.maps.get(key);
    if (port === undefined) {
      port = this.preservePorts && !this.owner.has(src.port) ? src.port : this.next++;
      this.maps.set(key, port);
      this.owner.set(port, socket);
    }
    if (!this.sentTo.has(port)) this.sentTo.set(port, new Set());
    this.sentTo.get(port)!.add(`${to.address}:${to.port}`).add(to.address);
    return A(PUBLIC_IP, port);
  }

  /** Which local socket an inbound datagram from `from` to public `port` reaches, if any. */
  in(port: number, from: TransportAddress): NatSocket | undefined {
    if (this.mapping === 'none') return (Object.keys(LOCAL) as NatSocket[]).find((s) => LOCAL[s].port === port);
    const seen = this.sentTo.get(port);
    const socket = this.owner.get(port);
    if (!seen || !socket) return undefined;
    if (this.filtering === 'endpoint-independent') return socket;
    if (this.filtering === 'address-dependent') return seen.has(from.address) ? socket : undefined;
    return seen.has(`${from.address}:${from.port}`) ? socket : undefined;
  }
}

/** An RFC 5780 server on S1/S2 x P1/P2; `rfc5780: false` makes it a plain one on S1:P1. */
function serverAnswer(req: Uint8Array, at: TransportAddress, src: TransportAddress, rfc5780: boolean) {
  const r = parseStunMessage(req);
  if (!r.ok || r.message.class !== 'request') return undefined;
  const tid = r.message.transactionId;
  const change = readChangeRequest(r.message) ?? { changeIp: false, changePort: false };
  if (!rfc5780 && (change.changeIp || change.changePort)) return undefined;
  const from = A(
    change.changeIp ? (at.address === S1 ? S2 : S1) : at.address,
    change.changePort ? (at.port === P1 ? P2 : P1) : at.port,
  );
  const attributes = [
    attr.xorMappedAddress(src, tid),
    attr.address(Attr.RESPONSE_ORIGIN, from),
    attr.software('model'),
  ];
  if (rfc5780)
    attributes.push(attr.address(Attr.OTHER_ADDRESS, A(at.address === S1 ? S2 : S1, at.port === P1 ? P2 : P1)));
  const bytes = serializeStunMessage(
    { method: StunMethod.BINDING, class: 'success', transactionId: tid, attributes },
    { fingerprint: true },
  );
  return { bytes, from };
}

function discover(nat: Nat, opts: { rfc5780?: boolean; dropAlternate?: boolean } = {}): NatDiscoveryResult {
  const s = new VirtualScheduler();
  const d = new NatDiscovery(A(S1, P1), { local: LOCAL.primary, rto: 100 });
  const events: NatDiscoveryEvent[] = [];
  let driver!: Driver<{ socket: NatSocket; bytes: Uint8Array; to: TransportAddress }, NatDiscoveryEvent>;
  driver = new Driver(
    d,
    {
      transmit: (t) => {
        if (opts.dropAlternate && t.to.address === S2) return;
        if (![S1, S2].includes(t.to.address) || ![P1, P2].includes(t.to.port)) return; // nobody there
        const src = nat.out(t.socket, t.to);
        const reply = serverAnswer(t.bytes, t.to, src, opts.rfc5780 ?? true);
        if (!reply) return;
        const socket = nat.in(src.port, reply.from);
        if (socket) s.after(1, () => driver.input((now) => d.handleDatagram(socket, reply.bytes, reply.from, now)));
      },
      event: (e) => events.push(e),
    },
    s.clock,
    s,
  );
  driver.input((now) => d.start(now));
  s.runUntilIdle();
  expect(s.pending).toBe(0);
  const done = events.find((e) => e.type === 'done');
  if (done?.type !== 'done') throw new Error(`no result: ${JSON.stringify(events.filter((e) => e.type === 'failed'))}`);
  return done.result;
}

const KINDS: Kind[] = ['endpoint-independent', 'address-dependent', 'address-and-port-dependent'];

describe('RFC 5780 discovery against every mapping x filtering combination', () => {
  for (const mapping of KINDS) {
    for (const filtering of KINDS) {
      it(`mapping ${mapping}, filtering ${filtering}`, () => {
        const r = discover(new Nat(mapping, filtering));
        expect(r.mapping).toBe(mapping);
        expect(r.filtering).toBe(filtering);
        expect(r.natted).toBe(true);
        expect(r.mapped.address).toBe(PUBLIC_IP);
        expect(r.symmetric).toBe(mapping !== 'endpoint-independent');
        expect(r.natType).toBe(natTypeOf(true, mapping, filtering));
        expect(r.rfc5780).toBe(true);
        expect(r.otherAddress).toEqual(A(S2, P2));
        expect(r.responseOrigin).toEqual(A(S1, P1));
        expect(r.software).toBe('model');
      });
    }
  }

  it('names the classic types', () => {
    expect(natTypeOf(true, 'endpoint-independent', 'endpoint-independent')).toBe('full-cone');
    expect(natTypeOf(true, 'endpoint-independent', 'address-dependent')).toBe('restricted-cone');
    expect(natTypeOf(true, 'endpoint-independent', 'address-and-port-dependent')).toBe('port-restricted-cone');
    expect(natTypeOf(true, 'address-and-port-dependent', 'address-and-port-dependent')).toBe('symmetric');
    expect(natTypeOf(false, 'endpoint-independent', 'endpoint-independent')).toBe('open-internet');
    expect(natTypeOf(false, 'endpoint-independent', 'address-and-port-dependent')).toBe('firewall');
    expect(natTypeOf(true, 'unknown', 'unknown')).toBe('nat');
    expect(natTypeOf(undefined, 'unknown', 'unknown')).toBe('unknown');
  });

  it('sees port preservation and no NAT', () => {
    const kept = discover(new Nat('endpoint-independent', 'address-and-port-dependent', true));
    expect(kept.portPreserved).toBe(true);
    expect(describeNat(kept)).toContain('port preserved');
    const open = discover(new Nat('none', 'endpoint-independent'));
    expect(open.natted).toBe(false);
    expect(open.natType).toBe('open-internet');
  });
});

describe('without RFC 5780', () => {
  it('reports the mapping and that behaviour is unknown', () => {
    const r = discover(new Nat('endpoint-independent', 'endpoint-independent'), { rfc5780: false });
    expect(r.rfc5780).toBe(false);
    expect(r.mapping).toBe('unknown');
    expect(r.filtering).toBe('unknown');
    expect(r.natType).toBe('nat');
    expect(r.tests.map((t) => t.test)).toEqual(['binding']);
    expect(describeNat(r)).toContain('does not support RFC 5780');
  });

  it('an unreachable alternate address leaves the mapping unknown but still measures filtering', () => {
    const r = discover(new Nat('endpoint-independent', 'address-and-port-dependent'), { dropAlternate: true });
    expect(r.mapping).toBe('unknown');
    expect(r.filtering).toBe('address-and-port-dependent');
  });
});

describe('failure', () => {
  it('fails with a timeout when the server never answers', () => {
    const s = new VirtualScheduler();
    const d = new NatDiscovery(A(S1, P1), { rto: 100, rc: 2, rm: 2 });
    const events: NatDiscoveryEvent[] = [];
    const driver = new Driver(d, { transmit: () => {}, event: (e) => events.push(e) }, s.clock, s);
    driver.input((now) => d.start(now));
    s.runUntilIdle();
    const last = events[events.length - 1]!;
    expect(last.type === 'failed' && last.error.code).toBe('timeout');
    expect(s.now()).toBe(300);
  });
});
