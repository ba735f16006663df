/**
 * `UserAgent`: shtoom's SIP user agent for applications and scripts —
 * register, send requests, place and answer calls. A shell: the sans-I/O
 * `SipCore` does the protocol, the edge (`src/net/sip-edge.ts`: sockets and
 * resolver) the I/O, and one `Driver` on the injected clock and timers joins
 * them (one unref'ed timer; no timer keeps the process alive); what is left
 * here is the public API and the handles it gives out.
 *
 * @example
 * import { UserAgent } from 'shtoom';
 *
 * const ua = await UserAgent.create({ listen: '127.0.0.1:0', aor: 'sip:alice@example.com',
 *   credentials: { username: 'alice', password: 'secret' } });
 * const reg = await ua.register();
 * const res = await ua.request('OPTIONS', 'sip:bob@example.com');
 * ua.on('invite', (call) => void call.accept(answerSdp));
 * const dialog = await ua.invite('sip:bob@example.com', { body: offerSdp, contentType: 'application/sdp' }).answered;
 * await dialog.bye();
 * await ua.close();
 */
import type { AccessControl } from '../access/access-control.js';
import type { Socket } from 'node:dgram';
import { realClock, type Clock } from '../../clock/clock.js';
import { realTimers, type TimerHandle, type TimerHost } from '../../clock/timers.js';
import { silentLogger, type Logger } from '../../log/logger.js';
import { Driver } from '../../clock/drive.js';
import { SipEdge } from '../../net/sip-edge.js';
import type { SipTransportFactory } from '../../net/sip-transport.js';
import type { Credentials } from '../auth/digest-client.js';
import type { Dialog as CoreDialog } from '../core/dialog.js';
import type { CoreEvent } from '../core/events.js';
import type { RequestOwner } from '../core/owners.js';
import { SipCore } from '../core/sip-core.js';
import { Registration as CoreRegistration } from '../core/registration.js';
import { contactUri, localEndpoint } from '../core/request-builder.js';
import { SipClosedError, SipUsageError } from '../errors.js';
import type { HeaderInit, SipResponse } from '../message/message.js';
import { formatUri, parseSipUri, parseUri, sipUri, type SipUri, type Uri } from '../message/uri.js';
import { DEFAULT_TIMERS, type SipTimers } from '../transaction/timer-config.js';
import { normalizeListen, type ListenOption } from '../transport/listen.js';
import type { Destination, Endpoint, Source, Transmit, TransportKind } from '../transport/types.js';
import { OutgoingCall, IncomingCall } from './call.js';
import { Dialog, toBytes } from './dialog.js';
import { TypedEmitter, quietPromise } from '../../util/emitter.js';
import { failureOf } from './failure.js';
import { IncomingRequest } from './incoming-request.js';
import type { UaInternals } from './internals.js';
import { Registration } from './registration.js';
import { IncomingRefer, IncomingSubscription, Subscription } from './subscription.js';

export interface UserAgentOptions {
  /**
   * Where to listen: `'127.0.0.1:5060'` (UDP and TCP), `'udp:0.0.0.0:0'`, objects, or a list. Default `0.0.0.0:5060`.
   */
  readonly listen?: string | ListenOption | readonly (string | ListenOption)[];
  /** Our address-of-record (From of our requests, default registration target). */
  readonly aor?: string | SipUri;
  /** Digest credentials: one for any realm, or several with `realm`. */
  readonly credentials?: Credentials | readonly Credentials[];
  readonly log?: Logger;
  /** T1, T2, T4 in ms (RFC 3261 17: 500, 4000, 5000). */
  readonly timers?: Partial<SipTimers>;
  /** User-Agent / Server header (default `shtoom`). */
  readonly userAgent?: string;
  /** Address to advertise in Via and Contact (behind NAT, or when listening on 0.0.0.0). */
  readonly publicAddress?: string;
  /** Send requests outside dialogs through this proxy (a pre-loaded Route). */
  readonly outboundProxy?: string;
  /** Transport for URIs that name none (default udp). */
  readonly transport?: TransportKind;
  /** Answer UDP requests to their source address and port whatever their Via says. */
  readonly forceRport?: boolean;
  readonly maxMessageSize?: number;
  /** Stream (TCP) connections: idle and whole-message deadlines in ms (0: none; default 300 s and 30 s). */
  readonly stream?: { readonly idleMs?: number; readonly messageMs?: number };
  /** Methods accepted (default INVITE ACK BYE CANCEL OPTIONS INFO MESSAGE); others get 405/501. */
  readonly allow?: readonly string[];
  /** Option tags we support (Require of others gets 420). Default `replaces` (RFC 3891). */
  readonly supported?: readonly string[];
  /**
   * Event packages we take SUBSCRIBE for (others: 489 Bad Event), listed in
   * Allow-Events. Default: any package the `subscribe` listener accepts.
   */
  readonly events?: readonly string[];
  /** How long `close()` waits for BYE and un-REGISTER answers (ms, default 2000). */
  readonly closeTimeout?: number;
  /** Testing: a clock, a timer host and transports (e.g. a simulated network). */
  readonly clock?: Clock;
  readonly timerHost?: TimerHost;
  readonly transports?: SipTransportFactory;
  readonly random?: () => number;
  /** Resolve a host name to an IP (default: the system resolver, A/AAAA). */
  readonly resolve?: (host: string) => Promise<string>;
  /** The DNS server for RFC 3263 lookups (NAPTR, SRV, A/AAAA), `IP:PORT` (default: the system's). */
  readonly dnsServer?: string;
  /** Who may use this agent: address lists, per-source limits, digest authentication of callers. */
  readonly access?: AccessControl;
}

export interface RequestSendOptions {
  readonly headers?: HeaderInit;
  readonly body?: Uint8Array | string;
  readonly contentType?: string;
  /** Stop waiting after this long (ms); the request then fails with a timeout (408). Default: Timer F (64*T1). */
  readonly timeout?: number;
  /** Stop waiting when this signal aborts; the request then fails as cancelled (487). */
  readonly signal?: AbortSignal;
  readonly from?: string;
  readonly to?: string;
}

export interface InviteOptions {
  readonly body?: Uint8Array | string;
  readonly contentType?: string;
  readonly headers?: HeaderInit;
  readonly from?: string;
  readonly to?: string;
}

export interface SubscribeOptions {
  /** The event package (`message-summary`, `presence`, `dialog`…). */
  readonly event: string;
  /** The Event header's `id` (several subscriptions to one package in one dialog). */
  readonly id?: string;
  /** Seconds asked for (default 3600; 0 fetches the state once). */
  readonly expires?: number;
  /** Refresh before it ends (default true). */
  readonly refresh?: boolean;
  /** The body types we read in NOTIFYs (the SUBSCRIBE's Accept). */
  readonly accept?: readonly string[];
  readonly headers?: HeaderInit;
  readonly body?: Uint8Array | string;
  readonly contentType?: string;
}

export interface RegisterOptions {
  /** Registrar URI (default: the domain of the AOR). */
  readonly registrar?: string | SipUri;
  /** AOR to register (default: the user agent's). */
  readonly aor?: string | SipUri;
  /** Requested expiry in seconds (default 3600). */
  readonly expires?: number;
  /** Keep it fresh (default true). */
  readonly refresh?: boolean;
}

export type UserAgentEvents = {
  /** A new INVITE. Without a listener (and no `incoming()` iterator) it is answered 480. */
  invite: [call: IncomingCall];
  /**
   * A request outside dialogs other than INVITE: MESSAGE (answered 200
   * unless a listener answers or defers it), OPTIONS (already answered)…
   */
  request: [request: IncomingRequest];
  /** A MESSAGE outside dialogs (also emitted as `request`). */
  message: [request: IncomingRequest];
  /**
   * A SUBSCRIBE (RFC 6665): accept it and NOTIFY, or reject it. Without a
   * listener it is answered 489 Bad Event.
   */
  subscribe: [subscription: IncomingSubscription];
  /**
   * A REFER outside dialogs (RFC 3515; a REFER inside a call's dialog is the
   * dialog's `refer` event). Without a listener it is answered 603 Decline.
   */
  refer: [refer: IncomingRefer];
};

export interface LocalAddress {
  readonly transport: TransportKind;
  readonly address: string;
  readonly port: number;
}

function toUri(u: string | Uri, what: string): Uri {
  if (typeof u !== 'string') return u;
  try {
    return parseUri(u.trim());
  } catch (e) {
    throw new SipUsageError(`${what}: ${(e as Error).message}`);
  }
}

function toSipUri(u: string | SipUri, what: string): SipUri {
  const x = toUri(u, what);
  if (x.kind !== 'sip') throw new SipUsageError(`${what}: expected a sip: or sips: URI, got ${x.scheme}:`);
  return x;
}

type Incoming = IncomingCall | IncomingRequest;

export class UserAgent extends TypedEmitter<UserAgentEvents> implements UaInternals {
  readonly core: SipCore;
  readonly log: Logger;
  readonly timers: TimerHost;
  private readonly driver: Driver<Transmit, CoreEvent>;
  private readonly edge: SipEdge;
  private readonly liveDialogs = new Set<Dialog>();
  /** The public handle of each core dialog (made on first use). */
  private readonly dialogHandles = new WeakMap<CoreDialog, Dialog>();
  private readonly calls = new Set<OutgoingCall>();
  private readonly registrations = new Set<Registration>();
  private readonly pendingIncoming = new Set<IncomingCall>();
  /** Subscriptions of either role, until they end (`close()` ends them). */
  private readonly subscriptions = new Set<Subscription | IncomingSubscription>();
  private readonly closeTimeout: number;
  private readonly waiting: ((r: IteratorResult<Incoming>) => void)[] = [];
  private readonly buffered: Incoming[] = [];
  private iterators = 0;
  private closing: Promise<void> | undefined;

  private constructor(opts: UserAgentOptions, edge: SipEdge) {
    super();
    this.log = (opts.log ?? silentLogger).child('sip');
    this.timers = opts.timerHost ?? realTimers;
    this.edge = edge;
    this.closeTimeout = opts.closeTimeout ?? 2000;
    const creds =
      opts.credentials === undefined
        ? []
        : Array.isArray(opts.credentials)
          ? opts.credentials
          : [opts.credentials as Credentials];
    this.core = new SipCore(
      {
        local: { ...edge.local },
        localAddressFor: (host) => edge.localAddressFor(host),
        timers: { ...DEFAULT_TIMERS, ...opts.timers },
        userAgent: opts.userAgent ?? 'shtoom',
        ...(opts.aor ? { aor: toSipUri(opts.aor, 'aor') } : {}),
        credentials: creds,
        ...(opts.allow ? { allow: opts.allow } : {}),
        ...(opts.supported ? { supported: opts.supported } : {}),
        ...(opts.events ? { events: opts.events } : {}),
        ...(opts.transport ? { defaultTransport: opts.transport } : {}),
        ...(opts.maxMessageSize ? { maxMessageSize: opts.maxMessageSize } : {}),
        ...(opts.stream ? { stream: opts.stream } : {}),
        ...(opts.forceRport !== undefined ? { forceRport: opts.forceRport } : {}),
        ...(opts.outboundProxy ? { outboundProxy: toSipUri(opts.outboundProxy, 'outbound proxy') } : {}),
        ...(opts.random ? { random: opts.random } : {}),
        ...(opts.access ? { access: opts.access } : {}),
      },
      this.log,
    );
    // The core's earliest deadline moves on nearly every message (a 100 Trying timer set and cancelled, a 2xx
    // retransmission stopped by its ACK): keep an earlier timer rather than re-arming each time.
    this.driver = new Driver(
      this.core,
      { transmit: (t) => this.edge.transmit(t), event: (e) => this.dispatch(e) },
      opts.clock ?? realClock,
      this.timers,
      {
        keepEarlierTimer: true,
      },
    );
  }

  /** Bind the transports and start the user agent. */
  static async create(opts: UserAgentOptions = {}): Promise<UserAgent> {
    let ua: UserAgent | undefined;
    const edge = await SipEdge.bind(
      {
        listen: normalizeListen(opts.listen),
        ...(opts.publicAddress ? { publicAddress: opts.publicAddress } : {}),
        ...(opts.transports ? { transports: opts.transports } : {}),
        ...(opts.resolve ? { lookup: opts.resolve } : {}),
        ...(opts.dnsServer ? { dnsServer: opts.dnsServer } : {}),
        clock: opts.clock ?? realClock,
        ...(opts.log ? { log: opts.log } : {}),
      },
      {
        message: (b, s) => ua?.received(b, s, false),
        stream: (b, s) => ua?.received(b, s, true),
        opened: (s) => ua?.driver.input((now) => ua!.core.handleConnectionOpened(s, now)),
        closed: (id) => ua?.driver.input(() => ua!.core.handleConnectionClosed(id)),
        failed: (t, e) => ua?.sendFailed(t, e),
      },
    );
    ua = new UserAgent(opts, edge);
    return ua;
  }

  /** Where we listen: the first transport's advertised address and real port. */
  get localAddress(): LocalAddress {
    return this.addresses[0]!;
  }

  /** Every transport we listen on. */
  get addresses(): LocalAddress[] {
    return this.edge.bound.map(({ transport, port }) => ({
      transport,
      address: this.core.config.local[transport]!.address,
      port,
    }));
  }

  /**
   * The UDP socket SIP listens on (undefined without UDP, or on a simulated
   * network), so that STUN can learn and keep its NAT mapping: the SIP core
   * drops the STUN answers it also sees as malformed datagrams.
   */
  udpSocket(): Socket | undefined {
    return this.edge.udpSocket();
  }

  /**
   * Advertise another address and port in the Via and Contact of what we
   * send over `transport` from now on (the public mapping STUN found behind
   * a NAT). A registration made before keeps the Contact it was made with:
   * register again to bind the new one.
   */
  advertise(transport: TransportKind, address: string, port: number): void {
    if (!this.edge.has(transport)) throw new SipUsageError(`not listening on ${transport}`);
    this.core.advertise(transport, { address, port });
  }

  /**
   * The address and port we advertise in Via and Contact for a transport
   * (default: the first), towards `host` when given (an IP address, or a
   * name `prepare` resolved): bound to a wildcard address, we advertise the
   * address we send from towards each destination.
   *
   * @example
   * ua.advertised('udp', '127.0.0.1'); // { address: '127.0.0.1', port: 5060 } on a 0.0.0.0 bind
   */
  advertised(transport?: TransportKind, host?: string): Endpoint {
    const kind = transport ?? this.localAddress.transport;
    if (!this.core.config.local[kind]) throw new SipUsageError(`not listening on ${transport}`);
    const local = localEndpoint(this.core.config, kind, host);
    return { address: local.address, port: local.port };
  }

  /** Our Contact URI for a transport (default: the first), towards `host` when given (see `advertised`). */
  contact(transport?: TransportKind, host?: string): string {
    return formatUri(contactUri(this.core.config, transport ?? this.localAddress.transport, host));
  }

  /** Every socket we listen on, with the address it is bound to (`0.0.0.0` and `::` for a wildcard). */
  get sockets(): readonly LocalAddress[] {
    return this.edge.sockets;
  }

  /**
   * Where a request outside dialogs to `uri` goes first (RFC 3261 8.1.2:
   * the outbound proxy, else the URI's host): its transport, host (a name
   * or an IP) and port. Throws `SipUsageError` for a URI that cannot be
   * routed (not sip: or sips:).
   */
  nextHop(uri: string | Uri): Destination {
    const hop = this.core.nextHopOf(toUri(uri, 'URI'));
    if (hop instanceof Error) throw hop;
    return hop;
  }

  /**
   * Resolve the next hop of `uri` (a host name) now, so that what we
   * advertise towards it (`advertised`, Via, Contact, SDP) is the address
   * we send from towards it. Never rejects: a name that does not resolve
   * fails the request sent to it.
   */
  async prepare(uri: string | Uri): Promise<void> {
    let hop: Destination | Error;
    try {
      hop = this.core.nextHopOf(toUri(uri, 'URI'));
    } catch {
      return;
    }
    if (!(hop instanceof Error)) await this.edge.prepare(hop.host);
  }

  /** Whether the next hop of `target` is known (an IP, or a name resolved): a request to it can be built now. */
  private ready(target: Uri): boolean {
    const hop = this.core.nextHopOf(target);
    return hop instanceof Error || this.edge.knows(hop.host);
  }

  /** Our address-of-record (or a URI made of our address when none was given). */
  get aor(): string {
    return formatUri(
      this.core.config.aor ?? sipUri({ user: 'shtoom', host: this.localAddress.address, port: this.localAddress.port }),
    );
  }

  // ---- UaInternals -------------------------------------------------------

  act<T>(fn: (now: number) => T): T {
    if (this.core.isClosed) throw new SipClosedError('the user agent is closed');
    let out!: T;
    this.driver.input((now) => (out = fn(now)));
    return out;
  }

  dialog(d: CoreDialog): Dialog {
    let w = this.dialogHandles.get(d);
    if (w) return w;
    w = new Dialog(this, d);
    this.dialogHandles.set(d, w);
    if (d.state !== 'terminated') this.liveDialogs.add(w);
    return w;
  }

  get iterating(): boolean {
    return this.iterators > 0;
  }

  // ---- Requests ------------------------------------------------------------

  /**
   * Send a request outside any dialog (OPTIONS, MESSAGE, …) and resolve with
   * its final response, whatever the status. Rejects when no final response
   * came (timeout 408, transport error 503) or credentials were refused.
   */
  request(method: string, uri: string | Uri, opts: RequestSendOptions = {}): Promise<SipResponse> {
    const target = toUri(uri, 'request URI');
    // A host name is resolved first: what the request advertises (Via, Contact, From) depends on the address.
    if (!this.ready(target)) return this.prepare(target).then(() => this.requestNow(method, target, opts));
    return this.requestNow(method, target, opts);
  }

  private requestNow(method: string, target: Uri, opts: RequestSendOptions): Promise<SipResponse> {
    const body = toBytes(opts.body);
    const what = `${method} ${formatUri(target)}`;
    const p = quietPromise<SipResponse>();
    const signal = opts.signal;
    let timer: TimerHandle | undefined;
    let stoppedBy: 'timeout' | 'signal' | undefined;
    const onAbort = () => stop('signal');
    // The owner exists before the request is sent: an outcome reported during the send (a transport that
    // fails at once) reaches it.
    const owner: RequestOwner = {
      onDone: (o) => {
        if (timer !== undefined) this.timers.clearTimer(timer);
        signal?.removeEventListener('abort', onAbort);
        if (o.kind === 'response') p.resolve(o.response);
        else if (stoppedBy === 'timeout') p.reject(failureOf(what, { kind: 'timeout' }));
        else if (stoppedBy === 'signal') p.reject(failureOf(what, { kind: 'cancelled' }));
        else p.reject(failureOf(what, o));
      },
    };
    const req = this.act((now) =>
      this.core.request(
        method,
        target,
        {
          ...(opts.headers ? { headers: opts.headers } : {}),
          ...(body ? { body } : {}),
          ...(opts.contentType ? { contentType: opts.contentType } : {}),
          ...(opts.from ? { from: opts.from } : {}),
          ...(opts.to ? { to: opts.to } : {}),
        },
        now,
        owner,
      ),
    );
    const stop = (why: 'timeout' | 'signal') => {
      if (req.done || this.core.isClosed) return;
      stoppedBy = why;
      this.act((now) => req.abort(now));
    };
    if (!req.done) {
      if (opts.timeout !== undefined) timer = this.timers.setTimer(opts.timeout, () => stop('timeout'));
      if (signal?.aborted) stop('signal');
      else signal?.addEventListener('abort', onAbort, { once: true });
    }
    return p.promise;
  }

  /** Send a MESSAGE (RFC 3428) and resolve with the final response. */
  message(uri: string | Uri, text: string, contentType = 'text/plain'): Promise<SipResponse> {
    return this.request('MESSAGE', uri, { body: text, contentType });
  }

  /**
   * Place a call: send an INVITE. The returned handle emits progress and
   * resolves `answered` with the confirmed dialog.
   */
  invite(uri: string | Uri, opts: InviteOptions = {}): OutgoingCall {
    const target = toUri(uri, 'INVITE URI');
    const body = toBytes(opts.body);
    // The handle owns the INVITE before it is sent: an outcome reported during the send reaches it.
    const call: OutgoingCall = new OutgoingCall(this, `INVITE ${formatUri(target)}`, () => this.calls.delete(call));
    this.calls.add(call);
    const send = () => this.sendInvite(call, target, body, opts);
    if (this.ready(target)) send();
    else {
      // A host name is resolved first (what the INVITE advertises depends on the address); the call is sent
      // then, unless it was cancelled or the user agent closed meanwhile.
      void this.prepare(target).then(() => {
        if (call.cancelledBeforeSent) call.onFailed({ kind: 'cancelled' });
        else if (this.core.isClosed) call.onFailed({ kind: 'closed' });
        else {
          try {
            send();
          } catch (err) {
            call.onFailed({ kind: 'transport-error', error: err as Error });
          }
        }
      });
    }
    return call;
  }

  private sendInvite(call: OutgoingCall, target: Uri, body: Uint8Array | undefined, opts: InviteOptions): void {
    try {
      const ci = this.act((now) =>
        this.core.invite(
          target,
          {
            ...(opts.headers ? { headers: opts.headers } : {}),
            ...(body ? { body, contentType: opts.contentType ?? 'application/sdp' } : {}),
            ...(opts.from ? { from: opts.from } : {}),
            ...(opts.to ? { to: opts.to } : {}),
          },
          now,
          call,
        ),
      );
      call.bind(ci);
    } catch (err) {
      this.calls.delete(call);
      throw err;
    }
  }

  /**
   * Subscribe to an event package (RFC 6665): the handle's `accepted`
   * resolves with the 2xx, each NOTIFY is a `notify` event, and it refreshes
   * itself until `unsubscribe()` (or `close()`).
   */
  subscribe(uri: string | Uri, opts: SubscribeOptions): Subscription {
    const target = toUri(uri, 'SUBSCRIBE URI');
    const body = toBytes(opts.body);
    const sub: Subscription = new Subscription(this, `SUBSCRIBE ${formatUri(target)} (${opts.event})`, () =>
      this.subscriptions.delete(sub),
    );
    this.subscriptions.add(sub);
    try {
      const core = this.act((now) =>
        this.core.subscribe(
          target,
          {
            event: opts.event,
            ...(opts.id ? { id: opts.id } : {}),
            ...(opts.expires !== undefined ? { expires: opts.expires } : {}),
            ...(opts.refresh !== undefined ? { refresh: opts.refresh } : {}),
            ...(opts.accept ? { accept: opts.accept } : {}),
            ...(opts.headers ? { headers: opts.headers } : {}),
            ...(body ? { body, contentType: opts.contentType ?? 'text/plain' } : {}),
          },
          now,
          sub,
        ),
      );
      sub.bind(core);
    } catch (err) {
      this.subscriptions.delete(sub);
      throw err;
    }
    return sub;
  }

  /** @internal a subscription of a dialog's REFER, tracked until it ends. */
  track(sub: Subscription | IncomingSubscription): () => void {
    this.subscriptions.add(sub);
    return () => this.subscriptions.delete(sub);
  }

  /**
   * Register (RFC 3261 10): resolves once the registrar accepted us, with
   * the granted expiry and bindings; the registration then refreshes itself
   * until `unregister()` or `close()`.
   */
  register(opts: RegisterOptions = {}): Promise<Registration> {
    const { registrar } = this.registrationTarget(opts);
    if (!this.ready(registrar)) return this.prepare(registrar).then(() => this.registerNow(opts));
    return this.registerNow(opts);
  }

  private registerNow(opts: RegisterOptions): Promise<Registration> {
    const { registrar, aor: aorUri } = this.registrationTarget(opts);
    // The handle owns the registration before the first REGISTER is sent (a failure during the send reaches it).
    const reg: Registration = new Registration(this, { registrar, aor: aorUri }, () => this.registrations.delete(reg));
    this.registrations.add(reg);
    reg.first.promise.catch(() => this.registrations.delete(reg));
    const core = this.act((now) =>
      this.core.register(
        {
          registrar,
          aor: aorUri,
          ...(opts.expires !== undefined ? { expires: opts.expires } : {}),
          ...(opts.refresh !== undefined ? { refresh: opts.refresh } : {}),
        },
        now,
        reg,
      ),
    );
    reg.bind(core);
    return reg.first.promise;
  }

  /**
   * Remove bindings without registering first: our Contact, or with `all`
   * every binding of the AOR (`Contact: *`, RFC 3261 10.2.2).
   */
  async unregister(opts: RegisterOptions & { all?: boolean } = {}): Promise<void> {
    const { registrar, aor } = this.registrationTarget(opts);
    if (!this.ready(registrar)) await this.prepare(registrar);
    const reg = new Registration(this, { registrar, aor });
    reg.bind(new CoreRegistration(this.core, { registrar, aor, refresh: false }, reg));
    return reg.unregister({ all: opts.all ?? false });
  }

  private registrationTarget(opts: RegisterOptions): { registrar: SipUri; aor: SipUri } {
    const aor = opts.aor ? toSipUri(opts.aor, 'AOR') : this.core.config.aor;
    if (!aor) throw new SipUsageError('registration needs an address-of-record (aor)');
    const registrar = opts.registrar
      ? toSipUri(opts.registrar, 'registrar')
      : sipUri({
          scheme: aor.scheme,
          host: aor.host,
          ...(aor.port !== undefined ? { port: aor.port } : {}),
          params: aor.params.filter(([n]) => n.toLowerCase() === 'transport'),
        });
    return { registrar, aor };
  }

  /**
   * New INVITEs and requests as an async iterator (the alternative to the
   * `invite` and `request` events). While one iterates, nothing is answered
   * by default: answer each item.
   */
  incoming(): AsyncIterableIterator<Incoming> {
    this.iterators++;
    let done = false;
    const finish = (): IteratorResult<Incoming> => {
      if (!done) {
        done = true;
        this.iterators--;
      }
      return { done: true, value: undefined };
    };
    const it: AsyncIterableIterator<Incoming> = {
      next: () => {
        if (done) return Promise.resolve({ done: true, value: undefined });
        const x = this.buffered.shift();
        if (x) return Promise.resolve({ done: false, value: x });
        if (this.core.isClosed) return Promise.resolve(finish());
        return new Promise((resolve) => this.waiting.push((r) => resolve(r.done ? finish() : r)));
      },
      return: () => Promise.resolve(finish()),
      [Symbol.asyncIterator]: () => it,
    };
    return it;
  }

  /**
   * Close: BYE every confirmed dialog, cancel calls in progress, reject
   * unanswered INVITEs (503), unregister, then stop every timer and close the
   * sockets. Waits at most `closeTimeout` ms for the answers. With `hurry`
   * (or after `hurry()`), it waits only for the un-REGISTERs: the BYEs and
   * CANCELs still go out.
   */
  close(opts: { readonly hurry?: boolean } = {}): Promise<void> {
    if (opts.hurry) this.hurry();
    return (this.closing ??= this.doClose());
  }

  /** Stop waiting for BYE and CANCEL answers while closing; un-REGISTERs are still waited for. */
  hurry(): void {
    this.hurried.resolve();
  }
  private readonly hurried = quietPromise<void>();

  private async doClose(): Promise<void> {
    if (this.core.isClosed) return;
    const waits: Promise<unknown>[] = [];
    const unregistering: Promise<unknown>[] = [];
    for (const c of this.pendingIncoming) {
      if (!c.answered) {
        try {
          c.reject(503, 'Service Unavailable');
        } catch {
          /* already answered */
        }
      }
    }
    for (const call of this.calls) {
      waits.push(
        call.answered.then(
          (d) => d.bye(),
          () => undefined,
        ),
      );
      call.cancel();
    }
    for (const s of this.subscriptions) {
      try {
        if (s instanceof Subscription) waits.push(s.unsubscribe());
        else if (s.state === 'init') s.reject(480, 'Temporarily Unavailable');
        else waits.push(s.terminate('deactivated'));
      } catch {
        /* already over */
      }
    }
    for (const d of this.liveDialogs) if (d.state === 'confirmed') waits.push(d.bye().catch(() => undefined));
    // A registration that may still be held (a refresh under way, or one that failed) is removed too.
    for (const r of this.registrations) if (r.active) unregistering.push(r.unregister().catch(() => undefined));
    if (waits.length + unregistering.length > 0) {
      let timer: ReturnType<TimerHost['setTimer']> | undefined;
      await Promise.race([
        Promise.all([...waits, ...unregistering]),
        this.hurried.promise.then(() => Promise.all(unregistering)),
        new Promise<void>((resolve) => (timer = this.timers.setTimer(this.closeTimeout, resolve))),
      ]);
      if (timer) this.timers.clearTimer(timer);
    }
    this.driver.input((now) => this.core.shutdown(now));
    this.driver.close();
    for (const w of this.waiting.splice(0)) w({ done: true, value: undefined });
    await this.edge.close();
    this.liveDialogs.clear();
    this.calls.clear();
    this.registrations.clear();
    this.pendingIncoming.clear();
    this.subscriptions.clear();
  }

  // ---- Edge ----------------------------------------------------------------

  private received(bytes: Uint8Array, source: Source, stream: boolean): void {
    if (!stream) {
      this.driver.input((now) => this.core.handleDatagram(bytes, source, now));
      return;
    }
    // One message at a time, so the events of each (and the answers they lead to) come before the next.
    let messages: Uint8Array[] = [];
    this.driver.input((now) => (messages = this.core.frameStream(bytes, source, now)));
    for (const m of messages) this.driver.input((now) => this.core.handleStreamMessage(m, source, now));
  }

  /** A transmit failed at the edge: its transaction hears it (RFC 3261 8.1.3.1), even inside the send. */
  private sendFailed(t: Transmit, error: Error): void {
    if (t.ref !== undefined && !this.core.isClosed)
      this.driver.input((now) => this.core.handleTransportError(t.ref!, error, now));
  }

  private offer(x: Incoming): boolean {
    if (this.iterators === 0) return false;
    const w = this.waiting.shift();
    if (w) w({ done: false, value: x });
    else this.buffered.push(x);
    return true;
  }

  private dispatch(e: CoreEvent): void {
    try {
      this.dispatchUnsafe(e);
    } catch (err) {
      // A listener threw: that is the application's bug, not a reason to stop the stack.
      this.log.error(`a ${e.type} listener threw: ${(err as Error).message}`);
    }
  }

  private dispatchUnsafe(e: CoreEvent): void {
    switch (e.type) {
      case 'invite': {
        const call: IncomingCall = new IncomingCall(this, e.invite, undefined, () => this.pendingIncoming.delete(call));
        this.pendingIncoming.add(call);
        const iterated = this.offer(call);
        if (this.listenerCount('invite') > 0) {
          try {
            this.emit('invite', call);
          } catch (err) {
            // The application's handler failed: the caller still gets an answer.
            if (!call.answered) call.reject(500, 'Server Internal Error');
            throw err;
          }
        } else if (!iterated && !call.answered) call.reject(480, 'Temporarily Unavailable');
        return;
      }
      case 'invite-cancelled':
        e.invite.owner?.onCancelled(e.request);
        return;
      case 'invite-unacked':
        e.invite.owner?.onUnacked();
        return;
      case 'request': {
        const req = new IncomingRequest(this, e.request);
        const iterated = this.offer(req);
        if (req.method === 'MESSAGE') this.emit('message', req);
        this.emit('request', req);
        if (!iterated && req.wantsDefault) req.respond(req.method === 'MESSAGE' ? 200 : 501);
        return;
      }
      case 'request-progress':
        e.request.owner?.onProgress?.(e.response);
        return;
      case 'request-done':
        e.request.owner?.onDone(e.outcome);
        return;
      case 'invite-progress':
        e.invite.owner?.onProgress(e.response, e.dialog);
        return;
      case 'invite-answered':
        e.invite.owner?.onAnswered(e.response, e.dialog);
        return;
      case 'invite-failed':
        e.invite.owner?.onFailed(e.outcome);
        return;
      case 'dialog-acked':
        this.dialog(e.dialog)._acked(e.request);
        e.invite.owner?.onAcked(e.dialog, e.request);
        return;
      case 'dialog-request':
        this.dialog(e.dialog)._request(e.request);
        return;
      case 'dialog-reinvite':
        this.dialog(e.dialog)._reinvite(e.invite);
        return;
      case 'dialog-terminated': {
        const d = this.dialogHandles.get(e.dialog);
        if (d) {
          this.liveDialogs.delete(d);
          d._terminated(e.reason, e.response, e.request);
        }
        return;
      }
      case 'registration':
        e.registration.owner?.onState(e.state);
        return;
      case 'subscription':
        e.subscription.owner?.onChange(e.change);
        return;
      case 'subscribe': {
        const callDialog = e.dialog?.kind === 'invite' ? this.dialog(e.dialog) : undefined;
        const sub: IncomingSubscription = new IncomingSubscription(this, e.subscription, callDialog, () =>
          this.subscriptions.delete(sub),
        );
        this.subscriptions.add(sub);
        if (this.listenerCount('subscribe') > 0) this.emit('subscribe', sub);
        // RFC 6665 4.2.1.1: a package nobody serves is a 489.
        if (!sub.answered && !sub.deferred) sub.reject(489, 'Bad Event');
        return;
      }
      case 'refer': {
        const callDialog = e.dialog?.kind === 'invite' ? this.dialog(e.dialog) : undefined;
        const refer: IncomingRefer = new IncomingRefer(this, e.subscription, callDialog, e.referTo, () =>
          this.subscriptions.delete(refer),
        );
        this.subscriptions.add(refer);
        // In a dialog nobody listens to yet (the ACK's awaiter is about to), the dialog holds it a moment.
        const held = callDialog ? callDialog._refer(refer) : false;
        if (!callDialog && this.listenerCount('refer') > 0) this.emit('refer', refer);
        // RFC 3515 2.4.2: a REFER nobody takes up is declined.
        if (!held && !refer.answered && !refer.deferred) refer.reject(603, 'Decline');
        return;
      }
    }
  }
}

/** Parse a SIP URI given on the command line or in options (throws `SipUsageError`). */
export function sipUriArg(text: string, what: string): SipUri {
  return toSipUri(text, what);
}

export { parseSipUri };
