/**
 * The transaction layer: creates transactions, matches incoming messages to
 * them (RFC 3261 17.1.3 and 17.2.3), and is the host they run in (one
 * deadline queue, one send function, per-instance timer values).
 */
import type { SipRequest, SipResponse } from '../message/message.js';
import { formatVia, MAGIC_COOKIE, sentByOf, branchOf } from '../message/via.js';
import type { Destination, Transmit } from '../transport/types.js';
import { own } from '../../util/strings.js';
import type { Deadline } from '../../util/deadlines.js';
import { InviteClientTransaction } from './invite-client.js';
import { InviteServerTransaction } from './invite-server.js';
import { NonInviteClientTransaction } from './non-invite-client.js';
import { NonInviteServerTransaction } from './non-invite-server.js';
import type { SipTimers } from './timer-config.js';
import {
  ClientTransaction,
  ServerTransaction,
  type Transaction,
  type ClientTransactionUser,
  type ServerTransactionUser,
  type TransactionHost,
} from './transaction.js';

/** RFC 3261 17.1.3: a response matches the client transaction with its top Via branch and CSeq method. */
export function clientKey(branch: string, method: string): string {
  return `${branch}|${method}`;
}

/**
 * RFC 3261 17.2.3: the server transaction of a request. With a magic-cookie
 * branch: branch, sent-by and method (ACK counts as INVITE). Otherwise the
 * RFC 2543 rules: Request-URI, tags, Call-ID, CSeq number and top Via.
 * `asMethod` looks up another method's transaction (CANCEL → INVITE).
 */
export function serverKey(req: SipRequest, asMethod?: string): string {
  const via = req.topVia;
  const branch = branchOf(via);
  const method = asMethod ?? (req.method === 'ACK' ? 'INVITE' : req.method);
  if (branch?.startsWith(MAGIC_COOKIE)) return `${branch}|${sentByOf(via)}|${method}`;
  // RFC 2543 matching: the To tag is left out for INVITE/ACK (the ACK carries the tag of our response).
  const toTag = method === 'INVITE' ? '' : (req.toTag ?? '');
  return `2543|${method}|${req.rawUri}|${toTag}|${req.fromTag ?? ''}|${req.callId}|${req.cseq.seq}|${formatVia(via)}`;
}

export class TransactionLayer implements TransactionHost {
  readonly client = new Map<string, ClientTransaction>();
  readonly server = new Map<string, ServerTransaction>();
  private readonly byRef = new Map<number, Transaction>();

  constructor(
    readonly timers: SipTimers,
    private readonly deadlines: { schedule(at: number, fn: (now: number) => void): Deadline },
    private readonly out: (t: Transmit) => void,
  ) {}

  schedule(at: number, fn: (now: number) => void): Deadline {
    return this.deadlines.schedule(at, fn);
  }

  send(destination: Destination, bytes: Uint8Array, message: SipRequest | SipResponse, ref: number): void {
    this.out({ destination, bytes, message, ref });
  }

  removed(tx: Transaction): void {
    this.byRef.delete(tx.ref);
    if (tx instanceof ClientTransaction) {
      if (this.client.get(tx.key) === tx) this.client.delete(tx.key);
    } else if (this.server.get(tx.key) === tx) this.server.delete(tx.key);
  }

  /** Create and start a client transaction for `req` (its top Via carries a fresh branch). */
  sendRequest(req: SipRequest, destination: Destination, tu: ClientTransactionUser, now: number): ClientTransaction {
    const key = clientKey(branchOf(req.topVia) ?? '', req.method);
    const tx =
      req.method === 'INVITE'
        ? new InviteClientTransaction(this, key, req, destination, tu)
        : new NonInviteClientTransaction(this, key, req, destination, tu);
    this.client.set(key, tx);
    this.byRef.set(tx.ref, tx);
    tx.start(now);
    return tx;
  }

  /** The client transaction a response belongs to (RFC 3261 17.1.3). */
  matchResponse(res: SipResponse): ClientTransaction | undefined {
    const branch = branchOf(res.topVia);
    if (branch === undefined) return undefined;
    return this.client.get(clientKey(branch, res.cseq.method));
  }

  /** The server transaction of a request (retransmission, or ACK for a non-2xx), if any. */
  matchRequest(req: SipRequest): ServerTransaction | undefined {
    return this.server.get(this.keyOf(req));
  }

  /** The key of the request looked up last (a new request is matched, then given its transaction). */
  private last: { readonly req: SipRequest; readonly key: string } | undefined;

  private keyOf(req: SipRequest): string {
    if (this.last?.req !== req) this.last = { req, key: serverKey(req) };
    return this.last.key;
  }

  /** RFC 3261 9.2: the INVITE server transaction a CANCEL targets. */
  matchCancelled(cancel: SipRequest): InviteServerTransaction | undefined {
    const tx = this.server.get(serverKey(cancel, 'INVITE'));
    return tx instanceof InviteServerTransaction ? tx : undefined;
  }

  /** Create a server transaction for a new request; the caller answers through it. */
  receiveRequest(
    req: SipRequest,
    responseDestination: Destination,
    tu: ServerTransactionUser,
    now: number,
    trying: (req: SipRequest) => SipResponse,
  ): ServerTransaction {
    // Stored for as long as the transaction lingers: a copy that keeps no message text alive.
    const key = own(this.keyOf(req));
    const tx =
      req.method === 'INVITE'
        ? new InviteServerTransaction(this, key, req, responseDestination, tu, now, trying)
        : new NonInviteServerTransaction(this, key, req, responseDestination, tu);
    this.server.set(key, tx);
    this.byRef.set(tx.ref, tx);
    return tx;
  }

  /** A transmit with `ref` failed: RFC 3261 17.1.4 / 17.2.4, the transaction informs its TU. */
  transportError(ref: number, error: Error, now: number): boolean {
    const tx = this.byRef.get(ref);
    if (!tx) return false;
    if (tx instanceof ClientTransaction || tx instanceof ServerTransaction) tx.transportError(error, now);
    return true;
  }

  /** Stop every transaction (user agent closing). */
  clear(): void {
    this.last = undefined;
    for (const tx of [...this.byRef.values()]) tx.abort();
    this.client.clear();
    this.server.clear();
    this.byRef.clear();
  }

  get size(): number {
    return this.client.size + this.server.size;
  }
}
