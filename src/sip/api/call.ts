/**
 * Call setup handles: `OutgoingCall` for an INVITE we send, `IncomingCall`
 * for one we receive (initial INVITE or re-INVITE).
 */
import type { HeaderInit, SipRequest, SipResponse } from '../message/message.js';
import type { NameAddr } from '../message/name-addr.js';
import type { ClientInvite } from '../core/client-invite.js';
import type { Dialog as CoreDialog } from '../core/dialog.js';
import type { RequestOutcome } from '../core/outgoing-request.js';
import type { InviteOwner, ServerInviteOwner } from '../core/owners.js';
import type { ServerInvite } from '../core/server-invite.js';
import type { Source } from '../transport/types.js';
import { SipRequestFailedError, SipStateError } from '../errors.js';
import { LazyOutcome, TypedEmitter } from '../../util/emitter.js';
import { failureOf } from './failure.js';
import type { UaInternals } from './internals.js';
import type { Dialog } from './dialog.js';
import { toBytes } from './dialog.js';

export type OutgoingCallEvents = {
  /** A provisional response (100 Trying, 180 Ringing, 183 Session Progress…), with its early dialog if it made one. */
  progress: [response: SipResponse, early: Dialog | undefined];
  /** A provisional response created an early dialog (one per answering fork). */
  early: [dialog: Dialog];
  answered: [dialog: Dialog, response: SipResponse];
  /** No 2xx: a final refusal, a timeout (408), a transport error (503), credentials refused, or cancelled. */
  failed: [error: Error];
};

/**
 * An INVITE we sent.
 *
 * @example
 * const call = ua.invite('sip:bob@example.com', { body: offer, contentType: 'application/sdp' });
 * call.on('progress', (res) => console.log(res.status, res.reason));
 * try {
 *   const dialog = await call.answered;
 *   await dialog.bye();
 * } catch (e) {
 *   if (e instanceof SipRequestFailedError) console.log('call failed:', e.status);
 * }
 */
export class OutgoingCall extends TypedEmitter<OutgoingCallEvents> implements InviteOwner {
  /** The final 2xx, once answered. */
  response: SipResponse | undefined;
  private readonly result = new LazyOutcome<Dialog>();
  private invite: ClientInvite | undefined;
  /** @internal `cancel()` came before the INVITE was sent (its host name was being resolved): it never will be. */
  cancelledBeforeSent = false;

  /**
   * @internal The handle exists before its INVITE: it is the INVITE's owner
   * from the start (an outcome reported while the INVITE is being sent
   * reaches it), and the INVITE is bound to it once sent.
   */
  constructor(
    private readonly ua: UaInternals,
    private readonly what: string,
    /** Called once with the outcome (the user agent stops tracking the call). */
    private readonly settled: () => void = () => {},
  ) {
    super();
  }

  /** @internal */
  bind(invite: ClientInvite): void {
    this.invite = invite;
  }

  /** @internal the INVITE (after an authentication retry, the retried one). */
  get core(): ClientInvite {
    if (!this.invite) throw new SipStateError(`${this.what}: not sent yet`);
    return this.invite;
  }

  /** Whether the INVITE went out (it waits while its host name is resolved). */
  get sent(): boolean {
    return this.invite !== undefined;
  }

  /** Resolves with the confirmed dialog (ACK sent); rejects with `SipRequestFailedError` (or `SipAuthError`). */
  get answered(): Promise<Dialog> {
    return this.result.promise;
  }

  /** The INVITE as last sent (after an authentication retry, the retried one). */
  get request(): SipRequest {
    return this.core.request;
  }

  get callId(): string {
    return this.core.request.callId;
  }

  /**
   * Cancel the call (RFC 3261 9.1): `answered` rejects with status 487 — unless the callee answered first, then it is
   * ended with BYE.
   */
  cancel(): void {
    if (!this.invite) {
      this.cancelledBeforeSent = true;
      return;
    }
    this.ua.act((now) => this.core.cancel(now));
  }

  /** @internal */
  onProgress(res: SipResponse, early: CoreDialog | undefined): void {
    const d = early ? this.ua.dialog(early) : undefined;
    if (d && !this.seenEarly.has(d)) {
      this.seenEarly.add(d);
      this.emit('early', d);
    }
    this.emit('progress', res, d);
  }
  private readonly seenEarly = new Set<Dialog>();

  /** @internal */
  onAnswered(res: SipResponse, dialog: CoreDialog): void {
    this.settled();
    this.response = res;
    const d = this.ua.dialog(dialog);
    const t = this.invite?.template;
    if (t?.body && t.contentType) d.localBody = { body: t.body, contentType: t.contentType };
    this.emit('answered', d, res);
    this.result.resolve(d);
  }

  /** @internal */
  onFailed(o: RequestOutcome): void {
    this.settled();
    const err = failureOf(this.what, o);
    this.emit('failed', err);
    this.result.reject(err);
  }
}

export interface AcceptOptions {
  readonly status?: number;
  readonly headers?: HeaderInit;
  readonly reason?: string;
}

export type IncomingCallEvents = {
  /** The caller cancelled before we answered (487 already sent). */
  cancelled: [cancel: SipRequest];
};

/**
 * An INVITE we received. Answer it with `progress`, then `accept` or `reject`.
 *
 * @example
 * ua.on('invite', async (call) => {
 *   call.progress(180);
 *   const dialog = await call.accept(answerSdp, 'application/sdp');
 *   dialog.on('bye', () => console.log('caller hung up'));
 * });
 */
export class IncomingCall extends TypedEmitter<IncomingCallEvents> implements ServerInviteOwner {
  private readonly acked = new LazyOutcome<Dialog>();
  private acceptCalled = false;

  /** @internal the handle becomes the INVITE's owner as it is made (on the core's event announcing it). */
  constructor(
    private readonly ua: UaInternals,
    /** @internal */ readonly core: ServerInvite,
    /** The dialog of a re-INVITE (undefined for a new call). */
    readonly dialog?: Dialog,
    private readonly settled: () => void = () => {},
  ) {
    super();
    core.owner = this;
  }

  get request(): SipRequest {
    return this.core.request;
  }
  get from(): NameAddr {
    return this.core.request.from;
  }
  get to(): NameAddr {
    return this.core.request.to;
  }
  get callId(): string {
    return this.core.request.callId;
  }
  /** Where the INVITE came from (transport, the caller's address and port, ours). */
  get source(): Source {
    return this.core.source;
  }
  /** The offer (usually SDP), possibly empty. */
  get body(): Uint8Array {
    return this.core.request.body;
  }
  get contentType(): string | undefined {
    return this.core.request.contentType;
  }
  get cancelled(): boolean {
    return this.core.state === 'cancelled';
  }
  /**
   * The dialog this INVITE replaces (RFC 3891 Replaces, matched by the
   * stack): answer it, then end that one (the stack does not).
   */
  get replaces(): Dialog | undefined {
    const d = this.core.replaces;
    return d ? this.ua.dialog(d) : undefined;
  }
  /** Whether a final response went out. */
  get answered(): boolean {
    return this.core.finalSent;
  }

  /** Send a provisional response: 180 Ringing by default, 183 with early media SDP… */
  progress(status = 180, body?: Uint8Array | string, contentType = 'application/sdp', headers?: HeaderInit): void {
    const b = toBytes(body);
    this.ua.act((now) =>
      this.core.progress(status, now, { ...(b ? { body: b, contentType } : {}), ...(headers ? { headers } : {}) }),
    );
  }

  /**
   * Answer 200 (or another 2xx) with a body, and resolve with the dialog
   * once the caller's ACK arrives. Rejects if no ACK comes in 64*T1 (the
   * call is then ended with BYE).
   */
  accept(body?: Uint8Array | string, contentType = 'application/sdp', opts: AcceptOptions = {}): Promise<Dialog> {
    if (this.acceptCalled) throw new SipStateError('accept() called twice');
    this.acceptCalled = true;
    const b = toBytes(body);
    const core = this.ua.act((now) =>
      this.core.accept(now, {
        ...(b ? { body: b, contentType } : {}),
        ...(opts.headers ? { headers: opts.headers } : {}),
        ...(opts.status ? { status: opts.status } : {}),
        ...(opts.reason ? { reason: opts.reason } : {}),
      }),
    );
    const d = this.ua.dialog(core);
    if (b) d.localBody = { body: b, contentType };
    if (this.core.state === 'confirmed') this.acked.resolve(d);
    return this.acked.promise;
  }

  /** Refuse the call: 486 Busy Here by default; any 3xx-6xx with a reason and headers (e.g. a Warning). */
  reject(status = 486, reason?: string, headers?: HeaderInit): void {
    this.ua.act((now) =>
      this.core.reject(status, now, { ...(reason ? { reason } : {}), ...(headers ? { headers } : {}) }),
    );
    this.settled();
    this.acked.reject(new SipRequestFailedError(`rejected with ${status}`, status, reason ?? '', undefined, 'status'));
  }

  /** @internal */
  onAcked(dialog: CoreDialog): void {
    this.settled();
    this.acked.resolve(this.ua.dialog(dialog));
  }

  /** @internal */
  onUnacked(): void {
    this.settled();
    this.acked.reject(
      new SipRequestFailedError(
        'no ACK for our 2xx: the call was ended with BYE',
        408,
        'Request Timeout',
        undefined,
        'timeout',
      ),
    );
  }

  /** @internal */
  onCancelled(cancel: SipRequest): void {
    this.settled();
    this.emit('cancelled', cancel);
    this.acked.reject(
      new SipRequestFailedError('the caller cancelled', 487, 'Request Terminated', undefined, 'status'),
    );
  }
}
