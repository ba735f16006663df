/**
 * A non-INVITE request we send (RFC 3261 8.1), in or out of a dialog, with
 * digest authentication (RFC 3261 22.2-22.3): a 401 or 407 is answered once
 * per realm with new credentials, a new branch and the next CSeq; a realm
 * challenging again (without stale=true) ends the request with
 * `auth-failed`, never a loop.
 */
import type { SipResponse } from '../message/message.js';
import { noMoreServers, type Destination } from '../transport/types.js';
import type { ClientTransaction, ClientTransactionUser } from '../transaction/transaction.js';
import { realmOfAuthorization } from '../auth/digest-client.js';
import type { CoreContext } from './context.js';
import { buildForDestination, nextServer, type RequestTemplate } from './request-builder.js';
import type { SipRequest } from '../message/message.js';
import type { RequestOwner } from './owners.js';

export type RequestOutcome =
  /** A final response (2xx is success; anything else a refusal). */
  | { readonly kind: 'response'; readonly response: SipResponse }
  /** Timer B/F fired: no final response (acts as 408, RFC 3261 8.1.3.1). */
  | { readonly kind: 'timeout' }
  /** The transport failed (acts as 503, RFC 3261 8.1.3.1). */
  | { readonly kind: 'transport-error'; readonly error: Error }
  /** Credentials refused or missing for a 401/407. */
  | {
      readonly kind: 'auth-failed';
      readonly response: SipResponse;
      readonly reason: 'no-credentials' | 'rejected' | 'unsupported';
      readonly realm?: string;
    }
  /** We cancelled it (INVITE). */
  | { readonly kind: 'cancelled'; readonly response?: SipResponse }
  /** The user agent closed first. */
  | { readonly kind: 'closed' };

/** The status an outcome stands for (timeout 408, transport 503, RFC 3261 8.1.3.1). */
export function outcomeStatus(o: RequestOutcome): number {
  switch (o.kind) {
    case 'response':
    case 'auth-failed':
      return o.response.status;
    case 'timeout':
      return 408;
    case 'transport-error':
      return 503;
    case 'cancelled':
      return o.response?.status ?? 487;
    case 'closed':
      return 503;
  }
}

export interface OutgoingRequestOptions {
  /** The CSeq of the next attempt (out of dialog: counts up from the first; in dialog: the dialog's local sequence). */
  readonly nextSeq: () => number;
  /** The next hop; an error when it cannot be routed (the request then fails at once, as a transport error). */
  readonly destination: Destination | Error;
  /** Called once with the outcome (internal users: registrations, BYE). */
  readonly onDone?: (outcome: RequestOutcome, now: number) => void;
  /** Called for 1xx responses. */
  readonly onProgress?: (res: SipResponse, now: number) => void;
  /** Also emit `request-progress` / `request-done` events for the core's owner. */
  readonly events?: boolean;
  /** Who hears the request's progress and outcome through those events (set before it is sent). */
  readonly owner?: RequestOwner;
}

export class OutgoingRequest implements ClientTransactionUser {
  /** Who hears its progress and outcome (through the core's events). */
  readonly owner: RequestOwner | undefined;
  request!: SipRequest;
  tx: ClientTransaction | undefined;
  done = false;
  /** Realms answered, with the nonce used. */
  private readonly answered = new Map<string, string>();
  private auth: (readonly [string, string])[] = [];
  /** The destination of the current try (another server after a 503 or a timeout, RFC 3263 4.3). */
  private hop: Destination | undefined;
  /** What the server before did (a 503 or a timeout), the outcome when no other server is left. */
  private serverFailure: RequestOutcome | undefined;
  /** The request was too large for UDP and went over TCP instead (RFC 3261 18.1.1). */
  private movedToTcp = false;
  /** That TCP connection failed: the request goes over UDP (once). */
  private keepUdp = false;

  constructor(
    private readonly ctx: CoreContext,
    readonly template: RequestTemplate,
    private readonly opts: OutgoingRequestOptions,
  ) {
    this.owner = opts.owner;
  }

  get method(): string {
    return this.template.method;
  }

  start(now: number): void {
    const hop = this.opts.destination;
    if (hop instanceof Error) return this.finish({ kind: 'transport-error', error: hop }, now);
    this.attempt(now, hop);
  }

  private attempt(now: number, hop: Destination): void {
    this.hop = hop;
    const built = buildForDestination(
      this.ctx.config,
      this.template,
      { cseq: this.opts.nextSeq(), branch: this.ctx.ids.branch(), auth: this.auth },
      hop,
      this.keepUdp,
    );
    this.movedToTcp = built.destination.transport !== hop.transport;
    this.request = built.request;
    this.tx = this.ctx.transactions.sendRequest(built.request, built.destination, this, now);
  }

  onResponse(_tx: ClientTransaction, res: SipResponse, now: number): void {
    if (this.done) return;
    if (res.status < 200) {
      this.opts.onProgress?.(res, now);
      if (this.opts.events) this.ctx.emit({ type: 'request-progress', request: this, response: res });
      return;
    }
    if (res.status === 401 || res.status === 407) {
      const a = this.ctx.digest.answer(this.request, res, this.answered);
      if (!a.ok) {
        this.finish(
          {
            kind: 'auth-failed',
            response: res,
            reason: a.reason,
            ...(a.realm !== undefined ? { realm: a.realm } : {}),
          },
          now,
        );
        return;
      }
      // Keep credentials for realms not challenged this time (a proxy's and the UAS's, RFC 3261 22.3).
      const replaced = new Set(a.realms.keys());
      this.auth = [...this.auth.filter(([, v]) => !replaced.has(realmOfAuthorization(v) ?? '')), ...a.fields];
      for (const [r, n] of a.realms) this.answered.set(r, n);
      if (this.hop) this.attempt(now, this.hop);
      return;
    }
    if (res.status === 503 && this.tryNextServer(now, { kind: 'response', response: res })) return;
    this.finish({ kind: 'response', response: res }, now);
  }

  onTimeout(_tx: ClientTransaction, now: number): void {
    if (this.tryNextServer(now, { kind: 'timeout' })) return;
    this.finish({ kind: 'timeout' }, now);
  }

  /** RFC 3263 4.3: after a 503 or a timeout, the next server the DNS gave, if any is left. */
  private tryNextServer(now: number, failure: RequestOutcome): boolean {
    // Only outside a dialog: inside one, the peer is the dialog's remote target, not a service to fail over.
    if (/;\s*tag=/i.test(this.template.to)) return false;
    const next = this.hop && nextServer(this.hop);
    if (!next) return false;
    this.serverFailure = failure;
    this.attempt(now, next);
    return true;
  }

  onTransportError(_tx: ClientTransaction, error: Error, now: number): void {
    if (this.movedToTcp && this.hop && !this.done) {
      // Too large for UDP, so sent over TCP (RFC 3261 18.1.1), where the peer does not listen: UDP after all.
      this.ctx.log.info(`${this.method} over TCP failed (${error.message}): sent over UDP instead`);
      this.keepUdp = true;
      this.attempt(now, this.hop);
      return;
    }
    if (this.serverFailure && noMoreServers(error)) return this.finish(this.serverFailure, now);
    this.finish({ kind: 'transport-error', error }, now);
  }

  /** End without waiting (user agent closing). */
  abort(now: number): void {
    this.finish({ kind: 'closed' }, now);
  }

  private finish(outcome: RequestOutcome, now: number): void {
    if (this.done) return;
    this.done = true;
    this.opts.onDone?.(outcome, now);
    if (this.opts.events) this.ctx.emit({ type: 'request-done', request: this, outcome });
  }
}
