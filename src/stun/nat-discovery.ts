/**
 * NAT behaviour discovery (RFC 5780 4) as a sans-I/O core over two UDP
 * sockets: `primary` carries the mapping tests (and its mapping is the one
 * reported), `filter` — a fresh socket with no other traffic — carries the
 * filtering tests, so no mapping test has opened the filter they probe
 * (RFC 5780 4.4 asks for filtering tests on a mapping of their own).
 *
 * ```
 *  Test I       primary -> server              XOR-MAPPED X1, OTHER-ADDRESS (alt IP:alt port)
 *  Mapping II   primary -> alt IP:server port   X2 = X1 ? endpoint-independent : Mapping III
 *  Mapping III  primary -> alt IP:alt port      X3 = X2 ? address-dependent : address-and-port-dependent
 *  Filtering II   filter -> server, CHANGE-REQUEST(ip, port)  answered ? endpoint-independent
 *  Filtering III  filter -> server, CHANGE-REQUEST(port)      answered ? address-dependent
 *                                                              neither  : address-and-port-dependent
 * ```
 * The two filtering tests run together (their answers come from sources no
 * request of the filter socket went to) and use a shorter retransmission
 * schedule: for them no answer *is* the answer. A server without RFC 5780
 * (no OTHER-ADDRESS) can tell only the mapped address, whether there is a
 * NAT, and whether it kept the port; mapping and filtering stay "unknown".
 */
import { Attr } from './constants.js';
import { attr, readAddress, readText } from './attributes.js';
import {
  StunClient,
  type StunClientEvent,
  type StunClientOptions,
  type StunFailure,
  type StunSuccess,
} from './client.js';
import type { RetransmitParams } from './client-transaction.js';
import type { StunTransactionError } from './errors.js';
import { canonicalIp, sameTransportAddress, type TransportAddress } from './ip-address.js';

export type Behaviour = 'endpoint-independent' | 'address-dependent' | 'address-and-port-dependent' | 'unknown';

/**
 * The classic names (RFC 3489 5) for what RFC 5780 measures: "symmetric"
 * is any mapping that depends on the destination; the cones differ by
 * filtering. `nat` is a NAT whose behaviour the server could not reveal.
 */
export type NatType =
  | 'open-internet'
  | 'firewall'
  | 'full-cone'
  | 'restricted-cone'
  | 'port-restricted-cone'
  | 'symmetric'
  | 'nat'
  | 'unknown';

export type NatSocket = 'primary' | 'filter';

export interface NatTestRecord {
  readonly test: 'binding' | 'mapping-2' | 'mapping-3' | 'filtering-2' | 'filtering-3';
  readonly socket: NatSocket;
  readonly to: TransportAddress;
  readonly outcome: 'response' | 'no-response' | 'error';
  readonly mapped?: TransportAddress;
  readonly from?: TransportAddress;
  readonly detail?: string;
}

export interface NatDiscoveryResult {
  readonly server: TransportAddress;
  /** The primary socket's local address, when the caller knew it. */
  readonly local: TransportAddress | undefined;
  /** The reflexive (public) address of the primary socket. */
  readonly mapped: TransportAddress;
  /** Round-trip time of the first Binding transaction, ms. */
  readonly rtt: number;
  /** Whether the mapped address differs from the local one (undefined when the local one is unknown). */
  readonly natted: boolean | undefined;
  /** Whether the NAT kept the local port. */
  readonly portPreserved: boolean | undefined;
  readonly mapping: Behaviour;
  readonly filtering: Behaviour;
  readonly natType: NatType;
  /** Mapping depends on the destination (undefined when unknown). */
  readonly symmetric: boolean | undefined;
  /** The server supports RFC 5780 (it sent OTHER-ADDRESS or, from RFC 3489, CHANGED-ADDRESS). */
  readonly rfc5780: boolean;
  readonly otherAddress: TransportAddress | undefined;
  readonly responseOrigin: TransportAddress | undefined;
  /** The server's SOFTWARE. */
  readonly software: string | undefined;
  readonly tests: readonly NatTestRecord[];
}

export interface NatDiscoveryTransmit {
  readonly socket: NatSocket;
  readonly bytes: Uint8Array;
  readonly to: TransportAddress;
}

export type NatDiscoveryEvent =
  | { readonly type: 'test'; readonly record: NatTestRecord }
  | { readonly type: 'done'; readonly result: NatDiscoveryResult }
  | { readonly type: 'failed'; readonly error: StunTransactionError };

export interface NatDiscoveryOptions extends StunClientOptions {
  /** Local address of the primary socket (for "is there a NAT" and "was the port kept"). */
  readonly local?: TransportAddress | undefined;
  /** Retransmissions of the filtering tests (default: the client's RTO, Rc 3, Rm 4). */
  readonly filterRetransmit?: Partial<RetransmitParams>;
}

type Test = NatTestRecord['test'];

/**
 * The discovery core.
 *
 * @example
 * const d = new NatDiscovery(server, { local, software: 'shtoom' });
 * d.start(clock.now());
 * // drain d.pollTransmit() to the socket it names; feed replies with
 * // d.handleDatagram('primary' | 'filter', bytes, from, clock.now()) until a 'done' event.
 */
export class NatDiscovery {
  private readonly clients: Record<NatSocket, StunClient>;
  private readonly transmits: NatDiscoveryTransmit[] = [];
  private readonly events: NatDiscoveryEvent[] = [];
  private readonly tests: NatTestRecord[] = [];
  private readonly inFlight = new Map<string, { test: Test; socket: NatSocket; to: TransportAddress }>();
  private readonly filterParams: Partial<RetransmitParams>;
  private first: StunSuccess | undefined;
  private x2: TransportAddress | undefined;
  private mapping: Behaviour | undefined;
  private filtering: Behaviour | undefined;
  private filterAnswers: Partial<Record<Test, boolean>> = {};
  private finished = false;

  constructor(
    readonly server: TransportAddress,
    private readonly options: NatDiscoveryOptions = {},
  ) {
    this.clients = { primary: new StunClient(options), filter: new StunClient(options) };
    this.filterParams = {
      ...(options.rto !== undefined && { rto: options.rto }),
      rc: 3,
      rm: 4,
      ...options.filterRetransmit,
    };
  }

  start(now: number): void {
    this.send('binding', 'primary', this.server, {}, now);
  }

  get done(): boolean {
    return this.finished;
  }

  /** A datagram that arrived on one of the two sockets; true when it was ours. */
  handleDatagram(socket: NatSocket, bytes: Uint8Array, from: TransportAddress, now: number): boolean {
    const used = this.clients[socket].handleDatagram(bytes, from, now);
    this.pump(now);
    return used;
  }

  handleTimeout(now: number): void {
    this.clients.primary.handleTimeout(now);
    this.clients.filter.handleTimeout(now);
    this.pump(now);
  }

  pollTransmit(): NatDiscoveryTransmit | undefined {
    return this.transmits.shift();
  }

  pollEvent(): NatDiscoveryEvent | undefined {
    return this.events.shift();
  }

  pollTimeout(): number | undefined {
    const a = this.clients.primary.pollTimeout();
    const b = this.clients.filter.pollTimeout();
    return a === undefined ? b : b === undefined ? a : Math.min(a, b);
  }

  private send(
    test: Test,
    socket: NatSocket,
    to: TransportAddress,
    extra: { changeIp?: boolean; changePort?: boolean },
    now: number,
  ) {
    const change = extra.changeIp || extra.changePort;
    const id = this.clients[socket].request(
      to,
      {
        attributes: change ? [attr.changeRequest({ changeIp: !!extra.changeIp, changePort: !!extra.changePort })] : [],
        ...(socket === 'filter' ? this.filterParams : {}),
      },
      now,
    );
    this.inFlight.set(`${socket}:${id}`, { test, socket, to });
    this.pump(now);
  }

  /** Move transmits and events of both clients up, and act on the events. */
  private pump(now: number): void {
    for (const socket of ['primary', 'filter'] as const) {
      const c = this.clients[socket];
      for (let t = c.pollTransmit(); t; t = c.pollTransmit()) this.transmits.push({ socket, ...t });
      for (let e = c.pollEvent(); e; e = c.pollEvent()) this.onEvent(socket, e, now);
    }
  }

  private onEvent(socket: NatSocket, e: StunClientEvent, now: number): void {
    const key = `${socket}:${e.id}`;
    const t = this.inFlight.get(key);
    if (!t || this.finished) return;
    this.inFlight.delete(key);
    const record: NatTestRecord =
      e.type === 'success'
        ? { test: t.test, socket, to: t.to, outcome: 'response', mapped: e.mapped, from: e.from }
        : {
            test: t.test,
            socket,
            to: t.to,
            outcome: e.error.code === 'timeout' ? 'no-response' : 'error',
            detail: e.error.message,
          };
    this.tests.push(record);
    this.events.push({ type: 'test', record });
    switch (t.test) {
      case 'binding':
        return this.afterBinding(e, now);
      case 'mapping-2':
        return this.afterMapping2(e, now);
      case 'mapping-3':
        return this.afterMapping3(e);
      default:
        return this.afterFiltering(t.test, e);
    }
  }

  private afterBinding(e: StunClientEvent, now: number): void {
    if (e.type === 'failure') return this.fail(e);
    this.first = e;
    const other = this.otherAddress();
    if (!other) {
      this.mapping = 'unknown';
      this.filtering = 'unknown';
      return this.maybeFinish();
    }
    // RFC 5780 4.3: "the client performs test II by sending a Binding Request to the alternate
    // address, but primary port"; RFC 5780 4.4: filtering test II asks for both a changed IP and
    // port, test III for a changed port only.
    this.send('mapping-2', 'primary', { ...other, port: this.server.port }, {}, now);
    this.send('filtering-2', 'filter', this.server, { changeIp: true, changePort: true }, now);
    this.send('filtering-3', 'filter', this.server, { changePort: true }, now);
  }

  private afterMapping2(e: StunClientEvent, now: number): void {
    if (e.type === 'failure') {
      this.mapping = 'unknown';
      return this.maybeFinish();
    }
    this.x2 = e.mapped;
    // RFC 5780 4.3: "If the XOR-MAPPED-ADDRESS in the Binding Response is the same as test I's
    // XOR-MAPPED-ADDRESS, the NAT currently has Endpoint-Independent Mapping."
    if (sameTransportAddress(e.mapped, this.first!.mapped)) {
      this.mapping = 'endpoint-independent';
      return this.maybeFinish();
    }
    // "If not, test III is performed: the client sends a Binding Request to the alternate address
    // and port."
    this.send('mapping-3', 'primary', this.otherAddress()!, {}, now);
  }

  private afterMapping3(e: StunClientEvent): void {
    // "If the XOR-MAPPED-ADDRESS matches test II's, the NAT currently has Address-Dependent
    // Mapping; if not, it has Address and Port-Dependent Mapping."
    if (e.type === 'failure') this.mapping = 'unknown';
    else this.mapping = sameTransportAddress(e.mapped, this.x2!) ? 'address-dependent' : 'address-and-port-dependent';
    this.maybeFinish();
  }

  private afterFiltering(test: Test, e: StunClientEvent): void {
    this.filterAnswers[test] = e.type === 'success';
    const a2 = this.filterAnswers['filtering-2'];
    const a3 = this.filterAnswers['filtering-3'];
    // RFC 5780 4.4: "If the client receives a response [to test II], the NAT currently has
    // Endpoint-Independent Filtering"; else a response to test III means Address-Dependent
    // Filtering, and none means Address and Port-Dependent Filtering.
    if (a2 === true) this.filtering = 'endpoint-independent';
    else if (a2 === false && a3 !== undefined) this.filtering = a3 ? 'address-dependent' : 'address-and-port-dependent';
    else return;
    this.clients.filter.cancelAll(0);
    this.maybeFinish();
  }

  private otherAddress(): TransportAddress | undefined {
    const r = this.first!.response;
    return readAddress(r, Attr.OTHER_ADDRESS) ?? readAddress(r, Attr.CHANGED_ADDRESS);
  }

  private fail(e: StunFailure): void {
    this.finished = true;
    this.events.push({ type: 'failed', error: e.error });
  }

  private maybeFinish(): void {
    if (this.finished || !this.first || this.mapping === undefined || this.filtering === undefined) return;
    this.finished = true;
    this.clients.primary.cancelAll(0);
    this.clients.filter.cancelAll(0);
    const first = this.first;
    const local = this.options.local;
    const mapped = first.mapped;
    const natted = local
      ? !(canonicalIp(local.address) === canonicalIp(mapped.address) && local.port === mapped.port)
      : undefined;
    const mapping = this.mapping;
    const filtering = this.filtering;
    this.events.push({
      type: 'done',
      result: {
        server: this.server,
        local,
        mapped,
        rtt: first.rtt,
        natted,
        portPreserved: local ? local.port === mapped.port : undefined,
        mapping,
        filtering,
        natType: natTypeOf(natted, mapping, filtering),
        symmetric: mapping === 'unknown' ? undefined : mapping !== 'endpoint-independent',
        rfc5780: this.otherAddress() !== undefined,
        otherAddress: this.otherAddress(),
        responseOrigin:
          readAddress(first.response, Attr.RESPONSE_ORIGIN) ?? readAddress(first.response, Attr.SOURCE_ADDRESS),
        software: readText(first.response, Attr.SOFTWARE),
        tests: [...this.tests],
      },
    });
  }
}

/** The classic name of a measured behaviour. */
export function natTypeOf(natted: boolean | undefined, mapping: Behaviour, filtering: Behaviour): NatType {
  if (natted === false)
    return filtering === 'endpoint-independent' || filtering === 'unknown' ? 'open-internet' : 'firewall';
  if (mapping === 'address-dependent' || mapping === 'address-and-port-dependent') return 'symmetric';
  if (mapping === 'endpoint-independent') {
    if (filtering === 'endpoint-independent') return 'full-cone';
    if (filtering === 'address-dependent') return 'restricted-cone';
    if (filtering === 'address-and-port-dependent') return 'port-restricted-cone';
  }
  return natted === true ? 'nat' : 'unknown';
}

/** One line describing a result, e.g. "port-restricted cone NAT (mapping endpoint-independent, …)". */
export function describeNat(r: NatDiscoveryResult): string {
  const names: Record<NatType, string> = {
    'open-internet': 'no NAT (open internet)',
    firewall: 'no NAT, but a firewall filters inbound traffic',
    'full-cone': 'full-cone NAT',
    'restricted-cone': 'restricted-cone NAT',
    'port-restricted-cone': 'port-restricted cone NAT',
    symmetric: 'symmetric NAT',
    nat: 'NAT of unknown behaviour',
    unknown: 'unknown',
  };
  const parts: string[] = [];
  if (r.mapping !== 'unknown') parts.push(`mapping ${r.mapping}`);
  if (r.filtering !== 'unknown') parts.push(`filtering ${r.filtering}`);
  if (r.natted && r.portPreserved !== undefined) parts.push(r.portPreserved ? 'port preserved' : 'port changed');
  if (!r.rfc5780) parts.push('behaviour not tested: the server does not support RFC 5780');
  return parts.length ? `${names[r.natType]} (${parts.join(', ')})` : names[r.natType];
}
