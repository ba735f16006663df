/**
 * A sans-I/O STUN client: any number of Binding transactions over one UDP
 * socket. Inputs: `request(…, now)`, `handleDatagram(bytes, from, now)`,
 * `handleTimeout(now)`. Outputs: `pollTransmit()` (bytes and destination),
 * `pollEvent()` (a success or a failure per request), `pollTimeout()`.
 *
 * What it does with a response is RFC 5389 7.3.3 / 7.3.4 and 10:
 * responses are matched by transaction ID; a FINGERPRINT must be right (the
 * parser checks it); with credentials, a success must carry a valid
 * MESSAGE-INTEGRITY or it is discarded; unknown comprehension-required
 * attributes fail the transaction; 401/438 with long-term credentials and
 * 300 Try Alternate are retried once each, under the same request id.
 */
import { randomBytes as cryptoRandomBytes } from 'node:crypto';
import { Attr, StunMethod, TRANSACTION_ID_LENGTH, attrName } from './constants.js';
import { StunTransactionError } from './errors.js';
import { attr, readAddress, readErrorCode, readMappedAddress, readText, readUnknownAttributes } from './attributes.js';
import { ClientTransaction, DEFAULT_RETRANSMIT, type RetransmitParams } from './client-transaction.js';
import { formatTransportAddress, type TransportAddress } from './ip-address.js';
import { transactionKey, type ParsedStunMessage, type StunAttribute } from './message.js';
import { looksLikeStun, parseStunMessage } from './parse.js';
import { serializeStunMessage } from './serialize.js';
import { longTermKey, shortTermKey, verifyIntegrity } from './integrity.js';

/** Credentials for MESSAGE-INTEGRITY (RFC 5389 10). */
export type StunCredentials =
  | { readonly kind: 'short-term'; readonly username: string; readonly password: string }
  /** Long-term: the first request goes without; REALM and NONCE come from the server's 401. */
  | { readonly kind: 'long-term'; readonly username: string; readonly password: string };

export interface StunClientOptions extends Partial<RetransmitParams> {
  /** SOFTWARE attribute for requests (none when undefined). */
  readonly software?: string;
  /** Add FINGERPRINT to requests (default true: it lets the other side demultiplex). */
  readonly fingerprint?: boolean;
  /** Source of transaction IDs (default: crypto.randomBytes). */
  readonly randomBytes?: (n: number) => Uint8Array;
}

export interface StunRequestOptions extends Partial<RetransmitParams> {
  /** Extra attributes (CHANGE-REQUEST, PRIORITY, …). */
  readonly attributes?: readonly StunAttribute[];
  readonly credentials?: StunCredentials;
}

export interface StunTransmit {
  readonly bytes: Uint8Array;
  readonly to: TransportAddress;
}

export interface StunSuccess {
  readonly type: 'success';
  /** The id `request()` returned. */
  readonly id: string;
  readonly to: TransportAddress;
  /** Where the response came from (differs from `to` after a CHANGE-REQUEST). */
  readonly from: TransportAddress;
  readonly response: ParsedStunMessage;
  /** XOR-MAPPED-ADDRESS, else MAPPED-ADDRESS. */
  readonly mapped: TransportAddress;
  /** ms from the last request sent to the response (Karn: ambiguous after a retransmission). */
  readonly rtt: number;
  /** Requests sent in the transaction that succeeded. */
  readonly attempts: number;
}

export interface StunFailure {
  readonly type: 'failure';
  readonly id: string;
  readonly to: TransportAddress;
  readonly error: StunTransactionError;
  /** The error response, when there was one. */
  readonly response?: ParsedStunMessage;
}

export type StunClientEvent = StunSuccess | StunFailure;

interface Pending {
  /** The request's id: the hex of its first transaction ID. */
  id: string;
  to: TransportAddress;
  readonly options: StunRequestOptions;
  tx: ClientTransaction;
  bytes: Uint8Array;
  key: Uint8Array | undefined;
  /** USERNAME (and REALM, NONCE) the request carries. */
  extra: readonly StunAttribute[];
  authRetries: number;
  redirected: boolean;
}

/**
 * The client core.
 *
 * @example
 * const client = new StunClient({ software: 'shtoom' });
 * const id = client.request({ family: 'IPv4', address: '192.0.2.10', port: 3478 }, {}, clock.now());
 * for (let t; (t = client.pollTransmit()); ) socket.send(t.bytes, t.to.port, t.to.address);
 * // on each datagram: client.handleDatagram(bytes, from, clock.now()); then poll again
 */
export class StunClient {
  private readonly byTid = new Map<string, Pending>();
  private readonly transmits: StunTransmit[] = [];
  private readonly events: StunClientEvent[] = [];
  private readonly params: RetransmitParams;
  private readonly random: (n: number) => Uint8Array;

  constructor(private readonly options: StunClientOptions = {}) {
    this.params = {
      rto: options.rto ?? DEFAULT_RETRANSMIT.rto,
      rc: options.rc ?? DEFAULT_RETRANSMIT.rc,
      rm: options.rm ?? DEFAULT_RETRANSMIT.rm,
    };
    this.random = options.randomBytes ?? ((n) => cryptoRandomBytes(n));
  }

  /** Start a Binding request to `to`; returns its id (the hex of its first transaction ID). */
  request(to: TransportAddress, options: StunRequestOptions, now: number): string {
    const key = options.credentials?.kind === 'short-term' ? shortTermKey(options.credentials.password) : undefined;
    const p: Pending = {
      id: '',
      to,
      options,
      tx: undefined as unknown as ClientTransaction,
      bytes: new Uint8Array(0),
      key,
      extra: options.credentials?.kind === 'short-term' ? [attr.username(options.credentials.username)] : [],
      authRetries: 0,
      redirected: false,
    };
    p.id = this.start(p, now);
    return p.id;
  }

  /** Stop a request; it ends with a 'cancelled' failure event. */
  cancel(id: string, now: number): void {
    for (const [tid, p] of this.byTid) {
      if (p.id !== id) continue;
      p.tx.input('cancel', now);
      this.byTid.delete(tid);
      this.events.push({ type: 'failure', id, to: p.to, error: new StunTransactionError('cancelled', 'cancelled') });
    }
  }

  /** Stop every request in progress, without events (the owner has lost interest). */
  cancelAll(now: number): void {
    for (const p of this.byTid.values()) p.tx.input('cancel', now);
    this.byTid.clear();
  }

  /** Requests in progress. */
  get pending(): number {
    return this.byTid.size;
  }

  /**
   * A datagram from the socket. Returns true when it was a STUN response to
   * one of our transactions (consumed), false otherwise (the caller routes it on).
   */
  handleDatagram(bytes: Uint8Array, from: TransportAddress, now: number): boolean {
    if (!looksLikeStun(bytes)) return false;
    const parsed = parseStunMessage(bytes);
    // RFC 5389 7.3: "If any errors are detected, the message is silently discarded."
    if (!parsed.ok) return false;
    const m = parsed.message;
    if (m.class !== 'success' && m.class !== 'error') return false;
    const tid = transactionKey(m.transactionId);
    const p = this.byTid.get(tid);
    if (!p || m.method !== StunMethod.BINDING) return false;
    if (p.key) {
      // RFC 5389 10.1.3 / 10.2.3: a response whose MESSAGE-INTEGRITY fails is discarded as if never
      // received; an error response may come without one (e.g. 401 before the client has a nonce).
      const required = m.class === 'success' || m.integrityOffset !== undefined;
      if (required && !verifyIntegrity(m, p.key)) return true;
    }
    this.byTid.delete(tid);
    if (m.class === 'success') this.onSuccess(p, m, from, now);
    else this.onError(p, m, now);
    return true;
  }

  handleTimeout(now: number): void {
    for (const [tid, p] of this.byTid) {
      p.tx.handleTimeout(now);
      if (p.tx.wantsSend) this.send(p);
      if (p.tx.state === 'timed-out') {
        this.byTid.delete(tid);
        const { rto, rc, rm } = p.tx.params;
        this.events.push({
          type: 'failure',
          id: p.id,
          to: p.to,
          error: new StunTransactionError(
            'timeout',
            `no answer from STUN server ${formatTransportAddress(p.to)} after ${rc} request${rc === 1 ? '' : 's'} ` +
              `(${(totalTimeout(rto, rc, rm) / 1000).toFixed(1)} s)`,
          ),
        });
      }
    }
  }

  pollTransmit(): StunTransmit | undefined {
    return this.transmits.shift();
  }

  pollEvent(): StunClientEvent | undefined {
    return this.events.shift();
  }

  pollTimeout(): number | undefined {
    let at: number | undefined;
    for (const p of this.byTid.values()) if (at === undefined || p.tx.deadline < at) at = p.tx.deadline;
    return at;
  }

  private start(p: Pending, now: number): string {
    const transactionId = this.random(TRANSACTION_ID_LENGTH);
    const attributes: StunAttribute[] = [];
    if (this.options.software !== undefined) attributes.push(attr.software(this.options.software));
    attributes.push(...p.extra, ...(p.options.attributes ?? []));
    p.bytes = serializeStunMessage(
      { method: StunMethod.BINDING, class: 'request', transactionId, attributes },
      { integrityKey: p.key, fingerprint: this.options.fingerprint ?? true },
    );
    p.tx = new ClientTransaction(
      { rto: p.options.rto ?? this.params.rto, rc: p.options.rc ?? this.params.rc, rm: p.options.rm ?? this.params.rm },
      now,
    );
    const tid = transactionKey(transactionId);
    this.byTid.set(tid, p);
    this.send(p);
    return tid;
  }

  private send(p: Pending): void {
    p.tx.wantsSend = false;
    this.transmits.push({ bytes: p.bytes, to: p.to });
  }

  private onSuccess(p: Pending, m: ParsedStunMessage, from: TransportAddress, now: number): void {
    const fail = (msg: string, unknown: readonly number[] = []) => {
      p.tx.input('reject', now);
      this.events.push({
        type: 'failure',
        id: p.id,
        to: p.to,
        response: m,
        error: new StunTransactionError('bad-response', msg, undefined, undefined, unknown),
      });
    };
    // RFC 5389 7.3.3: "If the success response contains unknown comprehension-required attributes,
    // the response is discarded and the transaction is considered to have failed."
    if (m.unknownRequired.length) {
      return fail(
        `the response has unknown comprehension-required attributes ${m.unknownRequired.map(attrName).join(', ')}`,
        m.unknownRequired,
      );
    }
    const mapped = readMappedAddress(m);
    if (!mapped) return fail('the Binding response has no XOR-MAPPED-ADDRESS or MAPPED-ADDRESS');
    p.tx.input('accept', now);
    this.events.push({
      type: 'success',
      id: p.id,
      to: p.to,
      from,
      response: m,
      mapped,
      rtt: now - p.tx.lastSentAt,
      attempts: p.tx.sent,
    });
  }

  private onError(p: Pending, m: ParsedStunMessage, now: number): void {
    const ec = readErrorCode(m);
    // RFC 5389 7.3.4: "If the error response contains unknown comprehension-required attributes, or
    // if the error response does not contain an ERROR-CODE attribute, then the transaction is simply
    // considered to have failed."
    if (m.unknownRequired.length || !ec) {
      p.tx.input('reject', now);
      const why = ec ? 'unknown comprehension-required attributes' : 'no ERROR-CODE';
      this.events.push({
        type: 'failure',
        id: p.id,
        to: p.to,
        response: m,
        error: new StunTransactionError(
          'bad-response',
          `an error response with ${why}`,
          undefined,
          undefined,
          m.unknownRequired,
        ),
      });
      return;
    }
    p.tx.input('reject', now);
    const creds = p.options.credentials;
    const realm = readText(m, Attr.REALM);
    const nonce = readText(m, Attr.NONCE);
    // RFC 5389 10.2.3: on 401 with REALM and NONCE, "the client SHOULD retry the request" with
    // USERNAME, REALM, NONCE and MESSAGE-INTEGRITY; on 438 "the client SHOULD retry the request,
    // using the new NONCE".
    if (
      (ec.code === 401 || ec.code === 438) &&
      creds?.kind === 'long-term' &&
      realm !== undefined &&
      nonce !== undefined &&
      p.authRetries < 2
    ) {
      p.authRetries++;
      p.key = longTermKey(creds.username, realm, creds.password);
      p.extra = [attr.username(creds.username), attr.realm(realm), attr.nonce(nonce)];
      this.start(p, now);
      return;
    }
    // RFC 5389 11: "the client SHOULD attempt a new transaction to the server indicated in the
    // ALTERNATE-SERVER attribute".
    const alternate = ec.code === 300 ? readAddress(m, Attr.ALTERNATE_SERVER) : undefined;
    if (alternate && !p.redirected) {
      p.redirected = true;
      p.to = alternate;
      this.start(p, now);
      return;
    }
    const unknown = ec.code === 420 ? readUnknownAttributes(m) : [];
    const detail = unknown.length ? ` (${unknown.map(attrName).join(', ')})` : '';
    this.events.push({
      type: 'failure',
      id: p.id,
      to: p.to,
      response: m,
      error: new StunTransactionError(
        'error-response',
        `STUN server ${formatTransportAddress(p.to)} answered ${ec.code} ${ec.reason}${detail}`.trimEnd(),
        ec.code,
        ec.reason,
        unknown,
      ),
    });
  }
}

/** When a transaction with these parameters gives up, in ms after its first request. */
export function totalTimeout(rto: number, rc: number, rm: number): number {
  // Sends at 0, RTO, 3 RTO, 7 RTO, … : the Rc-th at (2^(Rc-1) - 1) RTO, then Rm × RTO.
  return (2 ** (rc - 1) - 1) * rto + rm * rto;
}
