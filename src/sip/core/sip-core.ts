/**
 * The SIP user-agent core, client and server in one, sans-I/O: bytes,
 * sources and `now` in; transmits, events and the next deadline out
 * (`pollTransmit`, `pollEvent`, `pollTimeout`). `src/clock/drive.ts` drives it
 * on real sockets; tests drive it in virtual time.
 *
 * Theory of operation, for a received message:
 * 1. Frame it (datagram, or StreamFramer per connection) and parse it. What
 *    cannot be read far enough to answer is dropped and logged.
 * 2. Responses: checked (RFC 4475 3.1.2.5), matched to a client transaction
 *    (17.1.3), else a stray 2xx to INVITE is ACKed again from its dialog.
 * 3. Requests: the top Via is stamped with received/rport (18.2.1, RFC 3581);
 *    a malformed one is answered statelessly (400/505 with a Warning);
 *    retransmissions and non-2xx ACKs go to their server transaction
 *    (17.2.3); a 2xx ACK to its dialog; CANCEL to the INVITE it cancels
 *    (9.2); a new request passes the 8.2 checks (`uas-checks.ts`), gets a
 *    server transaction, and then its dialog (12.2.2) or, outside one, the
 *    core's handling by method.
 * Each datagram or stream is parsed in isolation: a peer's garbage affects
 * only the answer to that garbage.
 */
import { DigestClient } from '../auth/digest-client.js';
import { buildResponse, warningValue } from '../message/build.js';
import type { HeaderInit, SipMessage, SipRequest, SipResponse } from '../message/message.js';
import { findHeaderEnd, parseMessage } from '../message/parse.js';
import { serializeMessage } from '../message/serialize.js';
import { formatUri, type SipUri, type Uri } from '../message/uri.js';
import { checkRequest, checkResponse } from '../message/validate.js';
import { SipStateError, SipUsageError } from '../errors.js';
import { TransactionLayer } from '../transaction/transaction-layer.js';
import { InviteServerTransaction } from '../transaction/invite-server.js';
import type { ServerTransaction } from '../transaction/transaction.js';
import {
  formatEndpoint,
  type Destination,
  type Endpoint,
  type Source,
  type Transmit,
  type TransportKind,
} from '../transport/types.js';
import { DeadlineQueue, type Deadline } from '../../util/deadlines.js';
import { own } from '../../util/strings.js';
import { silentLogger, type Logger } from '../../log/logger.js';
import type { SansIoCore } from '../../clock/drive.js';
import { ClientInvite } from './client-invite.js';
import { agentHeader, resolveCoreConfig, type CoreConfig, type ResolvedConfig } from './config.js';
import type { CoreContext } from './context.js';
import { Dialog, dialogId, type DialogRequestOptions } from './dialog.js';
import type { CoreEvent } from './events.js';
import { IdGenerator } from './ids.js';
import { OutgoingRequest } from './outgoing-request.js';
import type { InviteOwner, RegistrationOwner, RequestOwner } from './owners.js';
import { Registration, type RegistrationOptions } from './registration.js';
import { localEndpoint, nextHop, type RequestTemplate } from './request-builder.js';
import { responseDestination, stampVia } from './response-routing.js';
import { ServerInvite } from './server-invite.js';
import { ServerRequest } from './server-request.js';
import { Subscription, usageKey, type SubscriberOptions } from './subscription.js';
import {
  parseEvent,
  parseSubscriptionState,
  type EventHeader,
  type SubscriptionStateHeader,
} from '../message/event.js';
import { parseNameAddr } from '../message/name-addr.js';
import { parseReplaces } from '../message/replaces.js';
import type { SubscriptionOwner } from './owners.js';
import { connectionKey, StreamConnections, type StreamExpiry } from './stream-connections.js';
import { optionsHeaders, uasCheck } from './uas-checks.js';

const CRLF_CRLF = new Uint8Array([13, 10, 13, 10]);

/** `n` pongs (CRLF each, RFC 5626 3.5.1). */
function pongs(n: number): Uint8Array {
  return Buffer.alloc(2 * n, '\r\n');
}

/** Where to send on the connection a stream message came from. */
function streamDestination(source: Source): Destination {
  return {
    transport: source.transport,
    host: source.remote.address,
    port: source.remote.port,
    connectionId: connectionKey(source),
  };
}

/** Methods sent through their own API (invite, register, subscribe, refer, dialog.bye…), not `request()`. */
const SPECIAL = new Set(['INVITE', 'ACK', 'CANCEL', 'BYE', 'REGISTER', 'SUBSCRIBE', 'REFER']);

/** Seconds a subscription lasts when the SUBSCRIBE names no Expires (RFC 6665 4.2.1.1: the package's default). */
const DEFAULT_SUBSCRIPTION_SECONDS = 3600;

/** Subscription options of `SipCore.subscribe`. */
export interface SubscribeRequestOptions {
  readonly event: string;
  readonly id?: string;
  /** Seconds asked for (default 3600; 0: fetch the state once). */
  readonly expires?: number;
  /** Refresh before it ends (default true). */
  readonly refresh?: boolean;
  /** Accept of the SUBSCRIBE: the body types we read in NOTIFYs. */
  readonly accept?: readonly string[];
  readonly headers?: HeaderInit;
  readonly body?: Uint8Array;
  readonly contentType?: string;
}

export interface RequestOptions {
  readonly headers?: HeaderInit;
  readonly body?: Uint8Array;
  readonly contentType?: string;
  /** From value (default: our AOR with a new tag). */
  readonly from?: string;
  /** To value (default: the target URI). */
  readonly to?: string;
  /** Add our Contact. */
  readonly contact?: boolean;
}

/** A new request on its way through the core (RFC 3261 8.2). */
interface NewRequest {
  readonly req: SipRequest;
  readonly source: Source;
  /** Where its responses go (RFC 3261 18.2.2). */
  readonly dest: Destination;
  readonly now: number;
  /** From tag, Call-ID and CSeq of a request outside dialogs (RFC 3261 8.2.2.2), while it is in progress. */
  readonly mergeKey: string | undefined;
  /** Another request with the same key is in progress (a merged request: 482). */
  readonly merged: boolean;
  readonly onTerminated: (tx: ServerTransaction) => void;
}

/** A FIFO that does not shift arrays (cheap under load). */
class Queue<T> {
  private items: (T | undefined)[] = [];
  private head = 0;
  push(x: T): void {
    this.items.push(x);
  }
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const x = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return x;
  }
  get length(): number {
    return this.items.length - this.head;
  }
}

export class SipCore implements SansIoCore<Transmit, CoreEvent>, CoreContext {
  readonly config: ResolvedConfig;
  /**
   * Out of service, draining before a shutdown: the Retry-After (s) of the
   * 503 that answers an OPTIONS outside a dialog (RFC 3261 21.5.4), so a
   * load balancer that probes with OPTIONS (Kamailio's dispatcher) takes
   * this node out while its calls finish. Undefined: in service.
   */
  outOfService: number | undefined;
  readonly ids: IdGenerator;
  readonly transactions: TransactionLayer;
  readonly digest: DigestClient;
  readonly log: Logger;
  readonly dialogs = new Map<string, Dialog>();
  readonly serverInvites = new Map<string, ServerInvite>();
  readonly registrations = new Set<Registration>();
  readonly pendingSubscriptions = new Map<string, Subscription>();
  private deadlines = new DeadlineQueue();
  private readonly transmits = new Queue<Transmit>();
  private readonly events = new Queue<CoreEvent>();
  private readonly streams: StreamConnections;
  /** Out-of-dialog requests in progress by From tag, Call-ID and CSeq (RFC 3261 8.2.2.2). */
  private readonly merge = new Map<string, string>();
  private readonly outgoing = new Set<OutgoingRequest | ClientInvite>();
  private closed = false;
  /** The config's advertised addresses, ours to change (`advertise`). */
  private readonly local: Partial<Record<TransportKind, Endpoint>>;
  /** Builds the 100 Trying of a request: one function for every INVITE transaction. */
  private readonly tryingFor = (req: SipRequest): SipResponse => this.trying(req);

  constructor(config: CoreConfig, log: Logger = silentLogger) {
    this.config = resolveCoreConfig(config);
    this.local = this.config.local;
    this.ids = new IdGenerator(this.config.random);
    this.log = log;
    this.transactions = new TransactionLayer(
      this.config.timers,
      { schedule: (at, fn) => this.deadlines.schedule(at, fn) },
      (t) => this.transmits.push(t),
    );
    this.digest = new DigestClient(this.config.credentials, () => this.ids.cnonce());
    this.streams = new StreamConnections(
      this.config.stream,
      this.config.maxMessageSize,
      (at, fn) => this.deadlines.schedule(at, fn),
      (source, why) => this.streamExpired(source, why),
    );
  }

  // ---- SansIoCore -------------------------------------------------------

  handleTimeout(now: number): void {
    if (this.closed) return;
    this.deadlines.runDue(now);
  }

  pollTransmit(): Transmit | undefined {
    return this.transmits.shift();
  }

  pollEvent(): CoreEvent | undefined {
    return this.events.shift();
  }

  pollTimeout(): number | undefined {
    return this.closed ? undefined : this.deadlines.next();
  }

  /** Live deadlines (transaction timers, retransmissions, refreshes): 0 when idle. */
  get pendingTimers(): number {
    return this.deadlines.size;
  }

  // ---- CoreContext ------------------------------------------------------

  schedule(at: number, fn: (now: number) => void): Deadline {
    return this.deadlines.schedule(at, fn);
  }

  emit(e: CoreEvent): void {
    if (e.type === 'invite-answered' || e.type === 'invite-failed') this.outgoing.delete(e.invite);
    this.events.push(e);
  }

  sendRaw(msg: SipMessage, destination: Destination, bytes?: Uint8Array): Uint8Array {
    const b = bytes ?? serializeMessage(msg);
    this.transmits.push({ destination, bytes: b, message: msg });
    return b;
  }

  sendKeepAlive(destination: Destination): void {
    this.transmits.push({ destination, bytes: CRLF_CRLF });
  }

  trying(req: SipRequest): SipResponse {
    return buildResponse(req, 100, { headers: agentHeader(this.config, 'Server') });
  }

  // ---- Inputs -----------------------------------------------------------

  /** A datagram (UDP) or a whole message (WebSocket) arrived. */
  handleDatagram(bytes: Uint8Array, source: Source, now: number): void {
    if (this.closed) return;
    // RFC 5626 4.4.1 / 3.5.1: CRLF keep-alives on datagram transports carry nothing to answer.
    if (bytes.every((b) => b === 13 || b === 10)) return;
    // RFC 7983 7: a first byte of 0-3 is STUN, which shares the socket behind a NAT (its owner
    // reads it); a SIP message starts with a letter.
    if (bytes[0]! < 4) return;
    this.handleMessage(bytes, source, true, now);
  }

  /** Bytes arrived on a stream connection (TCP, TLS): frame them and handle every whole message. */
  handleStream(bytes: Uint8Array, source: Source, now: number): void {
    for (const m of this.frameStream(bytes, source, now)) this.handleMessage(m, source, false, now);
  }

  /**
   * Frame stream bytes into whole messages (answering keep-alive pings and
   * framing errors itself) without handling them: a driver that wants the
   * owner to see each message's events before the next message is handled
   * calls `handleStreamMessage` for each, draining in between.
   */
  frameStream(bytes: Uint8Array, source: Source, now: number): Uint8Array[] {
    if (this.closed) return [];
    const items = this.streams.push(bytes, source, now);
    if (!items) return [];
    const out: Uint8Array[] = [];
    let pings = 0;
    for (const item of items) {
      if (item.kind === 'message') out.push(item.bytes);
      else if (item.kind === 'ping') pings++;
      else {
        this.log.debug('stream framing failed; closing the connection', {
          from: formatEndpoint(source.remote),
          error: item.error.message,
        });
        if (item.head) {
          const r = parseMessage(item.head, { datagram: true });
          if (r.message?.type === 'request' && r.message.method !== 'ACK')
            this.replyStateless(r.message, item.error.status ?? 400, item.error.message, source);
        }
        this.closeStream(source);
      }
    }
    // RFC 5626 3.5.1: each ping is answered with a pong (CRLF). Pings read together are answered in one
    // write: a peer that pipelines thousands costs one transmit, not thousands.
    if (pings > 0) this.transmits.push({ destination: streamDestination(source), bytes: pongs(pings) });
    return out;
  }

  /** One whole message framed by `frameStream`. */
  handleStreamMessage(bytes: Uint8Array, source: Source, now: number): void {
    if (this.closed) return;
    this.handleMessage(bytes, source, false, now);
  }

  /** A stream connection opened (accepted or connected): its idle deadline starts. */
  handleConnectionOpened(source: Source, now: number): void {
    if (this.closed) return;
    this.streams.opened(source, now);
  }

  handleConnectionClosed(connectionId: string): void {
    this.streams.closed(connectionId);
  }

  /** Stream connections the core knows (open, or closing until the edge reports them closed). */
  get streamConnections(): number {
    return this.streams.size;
  }

  private closeStream(source: Source): void {
    this.streams.close(source);
    this.transmits.push({ destination: streamDestination(source), bytes: new Uint8Array(0), close: true });
  }

  private streamExpired(source: Source, why: StreamExpiry): void {
    const limits = this.config.stream;
    this.log.debug(
      why === 'idle'
        ? `closing an idle ${source.transport} connection (no message or keep-alive for ${limits.idleMs} ms)`
        : `closing a ${source.transport} connection whose message did not arrive whole within ${limits.messageMs} ms`,
      { peer: formatEndpoint(source.remote), connection: connectionKey(source) },
    );
    this.transmits.push({ destination: streamDestination(source), bytes: new Uint8Array(0), close: true });
  }

  /** A transmit with `ref` could not be sent (RFC 3261 8.1.3.1: the transaction reports a 503). */
  handleTransportError(ref: number, error: Error, now: number): void {
    if (this.closed) return;
    this.transactions.transportError(ref, error, now);
  }

  private handleMessage(bytes: Uint8Array, source: Source, datagram: boolean, now: number): void {
    if (bytes.length > this.config.maxMessageSize) {
      const end = findHeaderEnd(bytes);
      const head = parseMessage(bytes.subarray(0, end ? end[1] : bytes.length), { datagram: true });
      if (head.message?.type === 'request' && head.message.method !== 'ACK') {
        this.replyStateless(
          head.message,
          513,
          `message of ${bytes.length} bytes is larger than ${this.config.maxMessageSize}`,
          source,
        );
      }
      return;
    }
    const r = parseMessage(bytes, { datagram });
    if (!r.message) {
      this.log.debug('dropped a message that does not parse', {
        from: `${source.transport}:${formatEndpoint(source.remote)}`,
        error: r.error?.message,
      });
      return;
    }
    if (r.message.type === 'response') this.onResponse(r.message, r.error, source, now);
    else this.onRequest(r.message, r.error, source, now);
  }

  private onResponse(res: SipResponse, error: Error | undefined, source: Source, now: number): void {
    const bad = error ?? checkResponse(res);
    if (bad) {
      this.log.debug('dropped a malformed response', { from: formatEndpoint(source.remote), error: bad.message });
      return;
    }
    const tx = this.transactions.matchResponse(res);
    if (tx) {
      tx.receive(res, now);
      return;
    }
    // RFC 3261 13.2.2.4: a 2xx retransmitted after the INVITE transaction ended still gets its ACK.
    if (res.cseq.method === 'INVITE' && res.status >= 200 && res.status < 300) {
      const d = this.dialogs.get(dialogId(res.callId, res.fromTag ?? '', res.toTag ?? ''));
      if (d?.lastAck && d.lastAck.seq === res.cseq.seq) {
        this.sendRaw(d.lastAck.request, d.lastAck.destination, d.lastAck.bytes);
        return;
      }
    }
    this.log.debug('dropped a response that matches no transaction', { status: res.status, callId: res.callId });
  }

  /**
   * Answer a request that cannot go further (400, 505, 513) without a
   * transaction. When even its Via cannot be read, the answer goes back to
   * where the request came from (the connection, or the UDP source address
   * and port), with the Via copied as received.
   */
  private replyStateless(req: SipRequest, status: number, why: string, source: Source): void {
    let dest: Destination;
    let stamped = req;
    try {
      stamped = stampVia(req, source);
      dest = responseDestination(stamped.topVia, source, this.config.forceRport);
    } catch {
      if (!req.has('via')) {
        this.log.debug('dropped a request without a Via', { from: formatEndpoint(source.remote), error: why });
        return;
      }
      dest = {
        transport: source.transport,
        host: source.remote.address,
        port: source.remote.port,
        ...(source.connectionId !== undefined ? { connectionId: source.connectionId } : {}),
      };
    }
    this.log.debug(`answered ${status} statelessly`, { from: formatEndpoint(source.remote), why });
    const headers: [string, string][] = [
      ...agentHeader(this.config, 'Server'),
      ['Warning', warningValue(this.config.warningAgent, why)],
    ];
    this.sendRaw(buildResponse(stamped, status, { toTag: this.ids.tag(), headers }), dest);
  }

  /**
   * A request: what cannot go further is answered statelessly; then a
   * retransmission or an ACK for a non-2xx goes to its transaction, an ACK
   * for a 2xx to its dialog, a CANCEL to its INVITE; a new request passes
   * the RFC 3261 8.2 checks and goes on by method and dialog.
   */
  private onRequest(
    raw: SipRequest,
    error: { message: string; status?: number | undefined } | undefined,
    source: Source,
    now: number,
  ): void {
    // Denied, banned or over its rate: not a word to that source (see access-control.ts).
    if (this.config.access && !this.config.access.screen(source.remote.address, now)) return;
    const bad = error ? undefined : checkRequest(raw);
    if (raw.method === 'ACK' && (error || bad)) {
      this.log.debug('dropped a malformed ACK', { from: formatEndpoint(source.remote) });
      return;
    }
    if (error) return this.replyStateless(raw, error.status ?? 400, error.message, source);
    if (bad) return this.replyStateless(raw, bad.status ?? 400, bad.message, source);
    const req = stampVia(raw, source);
    const dest = responseDestination(req.topVia, source, this.config.forceRport);
    const matched = this.transactions.matchRequest(req);
    if (matched) {
      matched.receive(req, now);
      // An RFC 2543 ACK for our 2xx matches the INVITE transaction itself.
      if (req.method === 'ACK' && matched instanceof InviteServerTransaction && matched.state === 'accepted')
        this.ackFor2xx(req, now);
      return;
    }
    if (req.method === 'ACK') return this.ackFor2xx(req, now);
    if (req.method === 'CANCEL') return this.onCancel(req, source, dest, now);
    const n = this.newRequest(req, source, dest, now);
    const auto = uasCheck(req, this.config, n.merged, source.transport);
    if (auto) return this.answerAutomatically(n, auto);
    const challenge = this.config.access?.authenticate(req, source.remote.address, now);
    if (challenge) return this.answerAutomatically(n, challenge);
    if (req.method === 'INVITE') return req.toTag === undefined ? this.onInvite(n) : this.onReinvite(n);
    if (req.toTag === undefined) return this.onOutOfDialogRequest(n);
    return this.onInDialogRequest(n);
  }

  /** A new request, with its merge key (RFC 3261 8.2.2.2) and what its transaction does when it ends. */
  private newRequest(req: SipRequest, source: Source, dest: Destination, now: number): NewRequest {
    const mergeKey =
      req.toTag === undefined
        ? own(`${req.fromTag ?? ''}|${req.callId}|${req.cseq.seq}|${req.cseq.method}`)
        : undefined;
    return {
      req,
      source,
      dest,
      now,
      mergeKey,
      merged: mergeKey !== undefined && this.merge.has(mergeKey),
      onTerminated: (tx: ServerTransaction) => {
        if (mergeKey !== undefined && this.merge.get(mergeKey) === tx.key) this.merge.delete(mergeKey);
      },
    };
  }

  /** The server transaction of a new non-INVITE request (or of an INVITE answered at once). */
  private serverTransaction(n: NewRequest): ServerTransaction {
    const tx = this.transactions.receiveRequest(n.req, n.dest, { onTerminated: n.onTerminated }, n.now, this.tryingFor);
    if (n.mergeKey !== undefined) this.merge.set(n.mergeKey, tx.key);
    return tx;
  }

  /** The 8.2 checks answered it (405, 420, 482, 415…). */
  private answerAutomatically(n: NewRequest, auto: NonNullable<ReturnType<typeof uasCheck>>): void {
    const tx = this.serverTransaction(n);
    this.log.debug(`answered ${auto.status}`, { method: n.req.method, why: auto.why });
    new ServerRequest(this, n.req, tx, n.source).respond(auto.status, n.now, {
      headers: auto.headers,
      ...(auto.reason ? { reason: auto.reason } : {}),
    });
  }

  /** A new INVITE outside any dialog: a call for the owner (`invite`), with the dialog it replaces, if any. */
  private onInvite(n: NewRequest): void {
    const replaced = this.replacedBy(n.req);
    if (typeof replaced === 'object' && 'status' in replaced) {
      this.log.debug(`answered ${replaced.status}`, { method: 'INVITE', why: replaced.why });
      return this.answerNew(n.req, n.source, n.dest, n.now, replaced.status, n.onTerminated);
    }
    const si = this.serverInvite(n, undefined);
    if (replaced) si.replaces = replaced;
    this.serverInvites.set(si.tx.key, si);
    this.emit({ type: 'invite', invite: si });
  }

  /**
   * RFC 3891 3: the dialog an INVITE's Replaces names, or the answer when
   * it cannot replace it; undefined without Replaces.
   */
  private replacedBy(req: SipRequest): Dialog | { status: number; why: string } | undefined {
    const values = req.fields('replaces');
    if (values.length === 0) return undefined;
    // "If more than one Replaces header field is present in an INVITE ... the UAS MUST reject the request with
    // a 400 (Bad Request) response."
    if (values.length > 1 || values[0]!.value.includes(','))
      return { status: 400, why: 'more than one Replaces header' };
    let r;
    try {
      r = parseReplaces(values[0]!.value);
    } catch (err) {
      return { status: 400, why: (err as Error).message };
    }
    // "the to-tag parameter is compared to the local tag, and the from-tag parameter is compared to the remote
    // tag." No match: "the UAS rejects the INVITE and returns a 481 Call/Transaction Does Not Exist".
    const d = this.dialogs.get(dialogId(r.callId, r.toTag, r.fromTag));
    if (!d || d.state === 'terminated') return { status: 481, why: 'Replaces names no dialog of ours' };
    // "If the Replaces header field matches a dialog which was not created with an INVITE, the UAS MUST reject
    // the new INVITE with a 481".
    if (d.kind !== 'invite') return { status: 481, why: 'Replaces names a dialog not created by INVITE' };
    // "If the Replaces header field matches a confirmed dialog, it checks for the presence of the "early-only"
    // flag ... If the flag is present, the UA rejects the request with a 486 Busy."
    if (d.state === 'confirmed' && r.earlyOnly) return { status: 486, why: 'Replaces early-only a confirmed dialog' };
    // "If the Replaces header field matches an early dialog that was not initiated by this UA, it returns a 481".
    if (d.state === 'early' && d.role === 'uas')
      return { status: 481, why: 'Replaces names an early dialog we answer' };
    return d;
  }

  /** An INVITE inside a dialog (RFC 3261 14.2): a re-INVITE for the dialog's owner (`dialog-reinvite`). */
  private onReinvite(n: NewRequest): void {
    const { req, source, dest, now, onTerminated } = n;
    const dialog = this.liveDialog(req);
    if (!dialog) return this.answerNew(req, source, dest, now, 481, onTerminated);
    if (!this.inDialogSeq(dialog, req, source, dest, now, onTerminated)) return;
    if (dialog.outgoingInvite || dialog.incomingInvite || dialog.awaitingAck) {
      // RFC 3261 14.2: "A UAS that receives an INVITE on a dialog while an INVITE it had sent on that dialog is
      // in progress MUST return a 491 (Request Pending)"; one still answering an earlier INVITE "MUST return a
      // 500 (Server Internal Error) and MUST include a Retry-After header field with a randomly chosen value
      // of between 0 and 10 seconds".
      if (dialog.outgoingInvite) return this.answerNew(req, source, dest, now, 491, onTerminated);
      return this.answerNew(req, source, dest, now, 500, onTerminated, [['Retry-After', String(this.ids.below(11))]]);
    }
    const si = this.serverInvite(n, dialog);
    dialog.incomingInvite = si;
    this.emit({ type: 'dialog-reinvite', dialog, invite: si });
  }

  /** The INVITE server transaction and the `ServerInvite` that answers through it. */
  private serverInvite(n: NewRequest, dialog: Dialog | undefined): ServerInvite {
    // The transaction calls its user until Timer L (64*T1 after a 2xx), but the ServerInvite needs those
    // calls only until its final response is out (from then on both would do nothing): it lets go then, so
    // the transaction does not keep a finished call (request, dialog, the application's handles) alive.
    // The callbacks close over `ended`, not `n`: `n` holds the request, which would then live until Timer L.
    let user: ServerInvite | undefined;
    const ended = n.onTerminated;
    const tx = this.transactions.receiveRequest(
      n.req,
      n.dest,
      {
        onTransportError: (t, e, now) => user?.onTransportError(t, e, now),
        onTerminated: (t) => {
          ended(t);
          user?.onTerminated();
        },
      },
      n.now,
      this.tryingFor,
    );
    if (!(tx instanceof InviteServerTransaction))
      throw new SipStateError(`INVITE ${n.req.callId}: not an INVITE transaction`);
    if (n.mergeKey !== undefined) this.merge.set(n.mergeKey, tx.key);
    const si = new ServerInvite(this, n.req, tx, n.source, dialog, () => (user = undefined));
    user = si;
    return si;
  }

  /** A request other than INVITE inside a dialog (BYE, INFO, MESSAGE, OPTIONS…). */
  private onInDialogRequest(n: NewRequest): void {
    const { req, source, dest, now, onTerminated } = n;
    const tx = this.serverTransaction(n);
    const dialog = this.liveDialog(req);
    if (!dialog && req.method === 'NOTIFY') return this.onNotifyFirst(new ServerRequest(this, req, tx, source), now);
    // RFC 3261 12.2.2: "If the UAS wishes to reject the request because it does not wish to recreate the
    // dialog, it MUST respond to the request with a 481 (Call/Transaction Does Not Exist) status code".
    if (!dialog) return void new ServerRequest(this, req, tx, source).respond(481, now);
    const sr = new ServerRequest(this, req, tx, source, dialog);
    if (!this.inDialogSeq(dialog, req, source, dest, now, onTerminated, sr)) return;
    if (req.method === 'BYE') {
      // RFC 3261 15.1.2: "the UAS core ... SHOULD generate a 2xx response to the BYE ... the UAS MUST still
      // respond to any pending requests received for that dialog" (487 to a pending INVITE: Dialog.terminate).
      sr.respond(200, now);
      dialog.terminate('remote-bye', now, undefined, true, req);
      return;
    }
    if (req.method === 'SUBSCRIBE' || req.method === 'NOTIFY') {
      // RFC 6665 4.1.2.1, 4.2.2: both are target refresh requests.
      const c = req.contacts;
      if (c !== '*' && c.length > 0) dialog.remoteTarget = c[0]!.uri;
      return req.method === 'NOTIFY' ? this.onNotify(sr, dialog, now) : this.onSubscribe(sr, dialog, now);
    }
    if (req.method === 'REFER') return this.onRefer(sr, dialog, now);
    if (req.method === 'OPTIONS') sr.respond(200, now, { headers: optionsHeaders(this.config) });
    this.emit({ type: 'dialog-request', dialog, request: sr });
  }

  /** A request other than INVITE outside any dialog (OPTIONS, MESSAGE, another allowed method). */
  private onOutOfDialogRequest(n: NewRequest): void {
    const { req, source, now } = n;
    const sr = new ServerRequest(this, req, this.serverTransaction(n), source);
    if (req.method === 'OPTIONS' && this.outOfService !== undefined) {
      sr.respond(503, now, { headers: [['Retry-After', String(this.outOfService)]] });
    } else if (req.method === 'OPTIONS') {
      // RFC 3261 11.2: answer as for an INVITE, listing what we allow, accept and support.
      sr.respond(200, now, { headers: optionsHeaders(this.config) });
    } else if (req.method === 'BYE' || req.method === 'INFO' || req.method === 'NOTIFY') {
      // These only make sense inside a dialog (RFC 3261 15, RFC 6086 4.2, RFC 6665 4.1.3: a NOTIFY always
      // carries the To tag of the SUBSCRIBE's dialog).
      sr.respond(481, now);
      return;
    } else if (req.method === 'SUBSCRIBE') {
      return this.onSubscribe(sr, undefined, now);
    } else if (req.method === 'REFER') {
      return this.onRefer(sr, undefined, now);
    }
    this.emit({ type: 'request', request: sr });
  }

  /** The Event of a SUBSCRIBE or NOTIFY; answers 400 (none, or unreadable) or 489 (a package we do not take). */
  private eventOf(sr: ServerRequest, now: number): EventHeader | undefined {
    const values = sr.request.headerValues('event');
    // RFC 6665 8.2.1: "Each subscription and notification MUST contain exactly one Event header field".
    if (values.length !== 1) {
      sr.respond(400, now, {
        reason: values.length === 0 ? 'Missing Event Header' : 'More Than One Event Header',
        headers: [['Warning', warningValue(this.config.warningAgent, `${sr.method} needs exactly one Event header`)]],
      });
      return undefined;
    }
    let ev: EventHeader;
    try {
      ev = parseEvent(values[0]!);
    } catch (err) {
      sr.respond(400, now, { headers: [['Warning', warningValue(this.config.warningAgent, (err as Error).message)]] });
      return undefined;
    }
    const events = this.config.events;
    // RFC 6665 4.2.1.1: "If the notifier does not support the event package ... it MUST respond with a 489 (Bad
    // Event) response" — and list what it does support in Allow-Events (8.2.2).
    if (sr.method === 'SUBSCRIBE' && events && !events.includes(ev.package)) {
      sr.respond(489, now, { headers: [['Allow-Events', events.join(', ')]] });
      return undefined;
    }
    return ev;
  }

  /**
   * A new SUBSCRIBE (outside dialogs, or a new usage of a dialog) for the
   * owner to accept or reject; a refresh of one of ours (notifier) in a
   * dialog goes to its subscription.
   */
  private onSubscribe(sr: ServerRequest, dialog: Dialog | undefined, now: number): void {
    const ev = this.eventOf(sr, now);
    if (!ev) return;
    const existing = dialog?.usages?.get(usageKey(ev.package, ev.id));
    if (existing instanceof Subscription && existing.role === 'notifier') return existing.handleRefresh(sr, now);
    if (existing) {
      sr.respond(481, now);
      return;
    }
    const sub = new Subscription(this, 'notifier', ev.package, ev.id, undefined, undefined, sr);
    if (dialog) sub.dialog = dialog;
    this.emit({ type: 'subscribe', subscription: sub, request: sr, ...(dialog ? { dialog } : {}) });
  }

  /**
   * A REFER (RFC 3515): exactly one readable Refer-To, or 400 (2.4.1); then
   * the owner accepts (202, the implicit subscription, NOTIFY 100 Trying)
   * or rejects it. Its subscription is told apart by the REFER's CSeq (2.4.6).
   */
  private onRefer(sr: ServerRequest, dialog: Dialog | undefined, now: number): void {
    const values = sr.request.headerValues('refer-to');
    // RFC 3515 2.4.1: "A REFER request MUST contain exactly one Refer-To header field value. If more than one
    // Refer-To header field value is present, the recipient MUST respond with a 400" (and so without one).
    if (values.length !== 1) {
      sr.respond(400, now, {
        reason: values.length === 0 ? 'Missing Refer-To' : 'More Than One Refer-To',
        headers: [['Warning', warningValue(this.config.warningAgent, 'REFER needs exactly one Refer-To value')]],
      });
      return;
    }
    let referTo;
    try {
      referTo = parseNameAddr(values[0]!, 'Refer-To');
    } catch (err) {
      sr.respond(400, now, { headers: [['Warning', warningValue(this.config.warningAgent, (err as Error).message)]] });
      return;
    }
    const sub = new Subscription(this, 'notifier', 'refer', String(sr.request.cseq.seq), undefined, undefined, sr);
    if (dialog) sub.dialog = dialog;
    this.emit({ type: 'refer', subscription: sub, request: sr, referTo, ...(dialog ? { dialog } : {}) });
  }

  /** A NOTIFY in a dialog: to the subscription it is for (RFC 6665 4.1.3), else 481. */
  private onNotify(sr: ServerRequest, dialog: Dialog, now: number): void {
    const ev = this.eventOf(sr, now);
    if (!ev) return;
    const sub = this.subscriptionFor(dialog, ev);
    // "If the NOTIFY request contains an Event header field with an event package ... that does not match any
    // subscription, the subscriber ... MUST respond with a 481".
    if (!sub) {
      sr.respond(481, now, { reason: 'Subscription Does Not Exist' });
      return;
    }
    const state = this.notifyState(sr, now);
    if (!state) return;
    sr.respond(200, now);
    sub.handleNotify(sr.request, state, now);
  }

  /** The Subscription-State of a NOTIFY; answers 400 when it has none or it cannot be read. */
  private notifyState(sr: ServerRequest, now: number): SubscriptionStateHeader | undefined {
    const stateValue = sr.request.header('subscription-state');
    try {
      if (stateValue === undefined) throw new Error('NOTIFY needs a Subscription-State header (RFC 6665 8.2.3)');
      return parseSubscriptionState(stateValue);
    } catch (err) {
      sr.respond(400, now, { headers: [['Warning', warningValue(this.config.warningAgent, (err as Error).message)]] });
      return undefined;
    }
  }

  /**
   * RFC 6665 4.1.2.4: a NOTIFY that comes before the 2xx to our SUBSCRIBE
   * (or REFER outside dialogs) makes the dialog, "as if the 2xx had come" —
   * once it is known to be one (its Event and Subscription-State read).
   */
  private onNotifyFirst(sr: ServerRequest, now: number): void {
    const req = sr.request;
    const sub = this.pendingSubscriptions.get(`${req.callId}|${req.toTag ?? ''}`);
    const ours = sub?.request?.request;
    if (!sub || !ours || sub.dialog || req.fromTag === undefined) return void sr.respond(481, now);
    const ev = this.eventOf(sr, now);
    if (!ev) return;
    if (ev.package !== sub.event) return void sr.respond(481, now, { reason: 'Subscription Does Not Exist' });
    const state = this.notifyState(sr, now);
    if (!state) return;
    const d = Dialog.fromNotify(this, ours, req, sr.source.transport);
    d.remoteSeq = req.cseq.seq;
    this.dialogs.set(d.id, d);
    sub.attach(d);
    sr.respond(200, now);
    sub.handleNotify(req, state, now);
  }

  /**
   * Our subscription a NOTIFY's Event names: by package and id; a REFER's
   * NOTIFY without id (RFC 3515 2.4.6 allows it for the first REFER) or
   * whose id is the CSeq of a REFER retried with credentials goes to our
   * one REFER subscription of the dialog.
   */
  private subscriptionFor(dialog: Dialog, ev: EventHeader): Subscription | undefined {
    const exact = dialog.usages?.get(usageKey(ev.package, ev.id));
    if (exact instanceof Subscription && exact.role === 'subscriber') return exact;
    if (ev.package !== 'refer') return undefined;
    const refers = [...(dialog.usages?.values() ?? [])].filter(
      (u): u is Subscription => u instanceof Subscription && u.role === 'subscriber' && u.isRefer,
    );
    return refers.length === 1 ? refers[0] : undefined;
  }

  /** The confirmed or early dialog a request with a To tag belongs to. */
  private liveDialog(req: SipRequest): Dialog | undefined {
    const d = this.dialogs.get(dialogId(req.callId, req.toTag ?? '', req.fromTag ?? ''));
    return d && d.state !== 'terminated' ? d : undefined;
  }

  /**
   * RFC 3261 12.2.2: "If the remote sequence number was not empty, but the
   * sequence number of the request is lower than the remote sequence number,
   * the request is out of order and MUST be rejected with a 500".
   */
  private inDialogSeq(
    dialog: Dialog,
    req: SipRequest,
    source: Source,
    dest: Destination,
    now: number,
    onTerminated: (tx: ServerTransaction) => void,
    sr?: ServerRequest,
  ): boolean {
    const seq = req.cseq.seq;
    if (dialog.remoteSeq !== undefined && seq < dialog.remoteSeq) {
      if (sr) sr.respond(500, now, { reason: 'Out of Order' });
      else this.answerNew(req, source, dest, now, 500, onTerminated, [], 'Out of Order');
      return false;
    }
    dialog.remoteSeq = seq;
    return true;
  }

  private answerNew(
    req: SipRequest,
    source: Source,
    dest: Destination,
    now: number,
    status: number,
    onTerminated: (tx: ServerTransaction) => void,
    headers: HeaderInit = [],
    reason?: string,
  ): void {
    const tx = this.transactions.receiveRequest(req, dest, { onTerminated }, now, this.tryingFor);
    new ServerRequest(this, req, tx, source).respond(status, now, { headers, ...(reason ? { reason } : {}) });
  }

  private ackFor2xx(ack: SipRequest, now: number): void {
    const d = this.dialogs.get(dialogId(ack.callId, ack.toTag ?? '', ack.fromTag ?? ''));
    const si = d?.awaitingAck;
    if (si?.final && si.request.cseq.seq === ack.cseq.seq) {
      si.acked(ack, now);
      return;
    }
    this.log.trace('ACK matches nothing waiting for one', { callId: ack.callId });
  }

  private onCancel(cancel: SipRequest, source: Source, dest: Destination, now: number): void {
    const inviteTx = this.transactions.matchCancelled(cancel);
    const tx = this.transactions.receiveRequest(cancel, dest, {}, now, this.tryingFor);
    const si = inviteTx ? this.serverInvites.get(inviteTx.key) : undefined;
    // RFC 3261 9.2: "If the UAS did not find a matching transaction for the CANCEL according to the procedure
    // above, it SHOULD respond to the CANCEL with a 481". Otherwise "the response to the CANCEL request is a
    // 200 (OK)" — with the To tag of our responses to the INVITE.
    if (!inviteTx) {
      new ServerRequest(this, cancel, tx, source).respond(481, now);
      return;
    }
    new ServerRequest(this, cancel, tx, source, undefined, si?.toTag).respond(200, now);
    si?.cancel(cancel, now);
  }

  // ---- Commands ---------------------------------------------------------

  private checkOpen(): void {
    if (this.closed) throw new SipStateError('the SIP core is closed');
  }

  /** Our AOR, or a URI made of the address we advertise towards `host` when there is none. */
  private localUri(host: string | undefined): SipUri {
    return (
      this.config.aor ?? {
        kind: 'sip',
        scheme: 'sip',
        user: 'shtoom',
        host: localEndpoint(this.config, this.config.defaultTransport, host).address,
        params: [],
        headers: [],
      }
    );
  }

  /** The routes of a request outside dialogs (the outbound proxy). */
  private outOfDialogRoutes(): string[] {
    return this.config.outboundProxy ? [`<${formatUri(this.config.outboundProxy)}>`] : [];
  }

  /**
   * The next hop of a request outside dialogs to `target` (RFC 3261 8.1.2:
   * the outbound proxy, else the target itself); an error when it cannot be
   * routed.
   */
  nextHopOf(target: Uri): Destination | Error {
    try {
      return nextHop(target, this.outOfDialogRoutes(), this.config);
    } catch (err) {
      return err as Error;
    }
  }

  private outOfDialog(method: string, target: Uri, opts: RequestOptions): RequestTemplate {
    const routes = this.outOfDialogRoutes();
    const hop = opts.from === undefined && !this.config.aor ? this.nextHopOf(target) : undefined;
    const host = hop instanceof Error ? undefined : hop?.host;
    return {
      method,
      uri: target,
      from: opts.from ?? `<${formatUri(this.localUri(host))}>;tag=${this.ids.tag()}`,
      to: opts.to ?? `<${formatUri(target)}>`,
      callId: this.ids.callId(),
      routes,
      ...(opts.contact ? { contact: true } : {}),
      ...(opts.headers ? { headers: opts.headers } : {}),
      ...(opts.body ? { body: opts.body } : {}),
      ...(opts.contentType ? { contentType: opts.contentType } : {}),
    };
  }

  /**
   * Send a request outside any dialog (OPTIONS, MESSAGE, SUBSCRIBE…); the
   * outcome comes as `request-done`, to `owner` among others.
   */
  request(method: string, target: Uri, opts: RequestOptions, now: number, owner?: RequestOwner): OutgoingRequest {
    this.checkOpen();
    // Methods are case-sensitive (RFC 3261 7.1): sent as given.
    if (SPECIAL.has(method.toUpperCase()))
      throw new SipUsageError(`send ${method} with its own API (invite, register, dialog.bye), not request()`);
    const t = this.outOfDialog(method, target, opts);
    let seq = this.ids.initialSeq() - 1;
    const req = new OutgoingRequest(this, t, {
      nextSeq: () => ++seq,
      destination: nextHop(t.uri, t.routes, this.config),
      events: true,
      onDone: () => this.outgoing.delete(req),
      ...(owner ? { owner } : {}),
    });
    this.outgoing.add(req);
    req.start(now);
    return req;
  }

  /**
   * Subscribe (RFC 6665 4.1.2): a SUBSCRIBE outside any dialog; the
   * subscription refreshes itself until `unsubscribe`, and `owner` hears
   * its acceptance, each NOTIFY and its end.
   */
  subscribe(target: Uri, opts: SubscribeRequestOptions, now: number, owner?: SubscriptionOwner): Subscription {
    this.checkOpen();
    const expires = opts.expires ?? DEFAULT_SUBSCRIPTION_SECONDS;
    const tag = this.ids.tag();
    const extra: HeaderInit = [
      ...(opts.accept && opts.accept.length > 0 ? [['Accept', opts.accept.join(', ')] as [string, string]] : []),
      ...(opts.headers ?? []),
    ];
    const sopts: SubscriberOptions = {
      event: opts.event,
      ...(opts.id ? { id: opts.id } : {}),
      expires,
      refresh: opts.refresh ?? true,
      headers: extra,
    };
    const sub = new Subscription(this, 'subscriber', opts.event.toLowerCase(), opts.id, owner, sopts);
    const hop = this.config.aor ? undefined : this.nextHopOf(target);
    const host = hop instanceof Error ? undefined : hop?.host;
    const t = this.outOfDialog('SUBSCRIBE', target, {
      from: `<${formatUri(this.localUri(host))}>;tag=${tag}`,
      contact: true,
      headers: [['Event', sub.eventHeader], ['Expires', String(expires)], ...extra],
      ...(opts.body ? { body: opts.body } : {}),
      ...(opts.contentType ? { contentType: opts.contentType } : {}),
    });
    sub.pendingKey = `${t.callId}|${tag}`;
    this.pendingSubscriptions.set(sub.pendingKey, sub);
    let seq = this.ids.initialSeq() - 1;
    const req: OutgoingRequest = new OutgoingRequest(this, t, {
      nextSeq: () => ++seq,
      destination: nextHop(t.uri, t.routes, this.config),
      onDone: (o, t2) => {
        this.outgoing.delete(req);
        this.pendingSubscriptions.delete(`${t.callId}|${tag}`);
        sub.requestDone(o, t2);
      },
    });
    this.outgoing.add(req);
    sub.sent(req, now);
    req.start(now);
    return sub;
  }

  /**
   * Send REFER in a dialog (RFC 3515): `referTo` is the Refer-To value
   * (`<sip:carol@example.com>`, or one with `?Replaces=…`, RFC 3891). Its
   * implicit subscription tells `owner` the referred request's progress.
   */
  refer(
    dialog: Dialog,
    referTo: string,
    opts: { readonly headers?: HeaderInit },
    now: number,
    owner?: SubscriptionOwner,
  ): Subscription {
    this.checkOpen();
    if (dialog.state !== 'confirmed') throw new SipStateError(`REFER on a ${dialog.state} dialog ${dialog.id}`);
    const sub = new Subscription(this, 'subscriber', 'refer', undefined, owner, {
      event: 'refer',
      expires: 0,
      refresh: false,
    });
    // Attached before it is sent: a NOTIFY may overtake the 202 (RFC 6665 4.1.2.4).
    sub.attach(dialog, String(dialog.localSeq + 1));
    const req = dialog.request('REFER', { headers: [['Refer-To', referTo], ...(opts.headers ?? [])] }, now, (o, t) =>
      sub.requestDone(o, t),
    );
    sub.sent(req, now);
    return sub;
  }

  /** Send an INVITE outside any dialog; `owner` hears its progress and outcome. */
  invite(target: Uri, opts: RequestOptions, now: number, owner?: InviteOwner): ClientInvite {
    this.checkOpen();
    const t = { ...this.outOfDialog('INVITE', target, opts), contact: true };
    const hop = nextHop(t.uri, t.routes, this.config);
    const ci = new ClientInvite(this, t, undefined, this.ids.initialSeq(), hop, owner);
    this.outgoing.add(ci);
    ci.start(now);
    return ci;
  }

  /**
   * Send a re-INVITE in a confirmed dialog (RFC 3261 14.1); a 491 is retried
   * once after the glare timer unless `glareRetry` is false.
   */
  reinvite(
    dialog: Dialog,
    opts: DialogRequestOptions,
    now: number,
    owner?: InviteOwner,
    glareRetry = true,
  ): ClientInvite {
    this.checkOpen();
    if (dialog.state !== 'confirmed') throw new SipStateError(`re-INVITE on a ${dialog.state} dialog ${dialog.id}`);
    if (dialog.outgoingInvite || dialog.incomingInvite || dialog.awaitingAck) {
      throw new SipStateError(
        `re-INVITE on dialog ${dialog.id}: another INVITE transaction is in progress (RFC 3261 14.1)`,
      );
    }
    const { template, hop } = dialog.route('INVITE', opts);
    const ci = new ClientInvite(this, template, dialog, dialog.nextSeq(), hop, owner, glareRetry);
    ci.start(now);
    return ci;
  }

  /** Register our Contact with a registrar; `owner` hears its states. */
  register(opts: RegistrationOptions, now: number, owner?: RegistrationOwner): Registration {
    this.checkOpen();
    const r = new Registration(this, opts, owner);
    this.registrations.add(r);
    r.register(now);
    return r;
  }

  /**
   * Advertise another address and port in the Via and Contact of what we
   * send over `transport` from now on (a NAT's public mapping).
   */
  advertise(transport: TransportKind, endpoint: Endpoint): void {
    if (!this.config.local[transport]) throw new SipUsageError(`not listening on ${transport}`);
    this.local[transport] = { address: endpoint.address, port: endpoint.port };
    // Whoever set it knows better than the routes (a NAT's public mapping): the same towards everyone.
    this.config.pinned.add(transport);
  }

  /** Stop everything at once: every transaction, timer and registration refresh (no messages sent). */
  shutdown(now: number): void {
    if (this.closed) return;
    for (const r of this.registrations) r.stop(now);
    for (const o of this.outgoing) o.abort(now);
    this.closed = true;
    this.transactions.clear();
    this.deadlines = new DeadlineQueue();
    this.dialogs.clear();
    this.serverInvites.clear();
    this.streams.clear();
    this.merge.clear();
    this.outgoing.clear();
    this.pendingSubscriptions.clear();
  }

  get isClosed(): boolean {
    return this.closed;
  }
}
