/**
 * An INVITE we received (RFC 3261 13.3): the UAS side of a call setup or of
 * a re-INVITE. The owner answers it with provisional responses (`progress`),
 * then `accept` (2xx) or `reject` (300-699).
 *
 * A 2xx is retransmitted by us — the transaction user — starting at T1 and
 * doubling up to T2 until the ACK arrives (RFC 3261 13.3.1.4); if no ACK
 * comes within 64*T1 the session ends with a BYE.
 */
import { buildResponse, reasonPhrase } from '../message/build.js';
import type { HeaderInit, SipRequest, SipResponse } from '../message/message.js';
import { serializeMessage } from '../message/serialize.js';
import { formatUri } from '../message/uri.js';
import { SipStateError } from '../errors.js';
import type { InviteServerTransaction } from '../transaction/invite-server.js';
import type { ServerTransaction, ServerTransactionUser } from '../transaction/transaction.js';
import type { Endpoint, Source, TransportKind } from '../transport/types.js';
import type { Deadline } from '../../util/deadlines.js';
import type { CoreContext } from './context.js';
import { agentHeader, type ResolvedConfig } from './config.js';
import { Dialog } from './dialog.js';
import type { ServerInviteOwner } from './owners.js';
import { contactUri, isSipsRequest, localEndpoint } from './request-builder.js';

export type ServerInviteState =
  /** No response sent beyond 100 Trying. */
  | 'pending'
  /** A provisional response with our tag went out (early dialog). */
  | 'early'
  /** 2xx sent, waiting for the ACK. */
  | 'accepted'
  /** The ACK arrived. */
  | 'confirmed'
  | 'rejected'
  | 'cancelled'
  /** No ACK for our 2xx, or the transport failed. */
  | 'failed';

export interface AnswerOptions {
  readonly body?: Uint8Array;
  readonly contentType?: string;
  readonly headers?: HeaderInit;
  readonly reason?: string;
}

interface AnswerValues {
  /** What they were made from. */
  readonly local: Endpoint;
  readonly user: string | undefined;
  readonly contact: string;
  readonly allow: string;
  readonly supported: string;
}

/**
 * Contact, Allow and Supported of our answers: the same for every INVITE of
 * a configuration, transport and advertised address (which may depend on
 * where the INVITE came from: a wildcard bind answers with the address it
 * sends from towards the caller).
 */
const answers = new WeakMap<ResolvedConfig, Map<string, AnswerValues>>();

function answerValues(config: ResolvedConfig, transport: TransportKind, towards: string, sips: boolean): AnswerValues {
  let known = answers.get(config);
  if (!known) answers.set(config, (known = new Map()));
  const local = localEndpoint(config, transport, towards);
  const user = config.aor?.user;
  const key = `${sips ? 'sips' : transport} ${local.address}`;
  const v = known.get(key);
  if (v && v.local.port === local.port && v.user === user) return v;
  // A handful of addresses at most (one per interface and family); a changed one replaces the old entries.
  if (known.size >= 16) known.clear();
  const made: AnswerValues = {
    local,
    user,
    contact: `<${formatUri(contactUri(config, transport, towards, sips))}>`,
    allow: config.allow.join(', '),
    supported: config.supported.join(', '),
  };
  known.set(key, made);
  return made;
}

export class ServerInvite implements ServerTransactionUser {
  /** Who hears what becomes of it (attached when the `invite` or `dialog-reinvite` event is handled). */
  owner: ServerInviteOwner | undefined;
  state: ServerInviteState = 'pending';
  readonly toTag: string;
  dialog: Dialog | undefined;
  /** The dialog this INVITE's Replaces header names (RFC 3891), checked by the core. */
  replaces: Dialog | undefined;
  finalSent = false;
  /** The final response we sent. */
  final: SipResponse | undefined;
  private ok: { bytes: Uint8Array; response: SipResponse } | undefined;
  private retransmit: Deadline | undefined;
  private giveUp: Deadline | undefined;
  private interval: number;

  constructor(
    private readonly ctx: CoreContext,
    readonly request: SipRequest,
    readonly tx: InviteServerTransaction,
    readonly source: Source,
    /** The dialog of a re-INVITE (undefined for an initial INVITE). */
    readonly existing: Dialog | undefined,
    /** Called once the final response is out: the transaction's callbacks no longer need this object. */
    private readonly finished: () => void = () => {},
  ) {
    this.toTag = existing?.localTag ?? request.toTag ?? ctx.ids.tag();
    this.dialog = existing;
    this.interval = ctx.config.timers.t1;
  }

  get reinvite(): boolean {
    return this.existing !== undefined;
  }

  get transport(): TransportKind {
    return this.source.transport;
  }

  private response(status: number, opts: AnswerOptions): SipResponse {
    const dialogForming = status > 100 && status < 300;
    // RFC 3261 12.1.1: "If the request that initiated the dialog contained a SIPS URI in the Request-URI or
    // in the top Record-Route header field value, ... the Contact header field in the response MUST be a SIPS
    // URI." (Only over TLS: a sips: request that came over another transport cannot make the dialog secure.)
    const sips = this.transport === 'tls' && isSipsRequest(this.request.uri, this.request.headerValues('record-route'));
    const values = answerValues(this.ctx.config, this.transport, this.source.remote.address, sips);
    const headers: [string, string][] = [];
    if (dialogForming) headers.push(['Contact', values.contact]);
    if (status >= 200 && status < 300) {
      headers.push(['Allow', values.allow]);
      if (this.ctx.config.supported.length > 0) headers.push(['Supported', values.supported]);
    }
    headers.push(...agentHeader(this.ctx.config, 'Server'));
    return buildResponse(this.request, status, {
      toTag: this.toTag,
      reason: opts.reason ?? reasonPhrase(status),
      recordRoute: dialogForming,
      headers: [...headers, ...(opts.headers ?? [])],
      ...(opts.body ? { body: opts.body } : {}),
      ...(opts.contentType ? { contentType: opts.contentType } : {}),
    });
  }

  private ensureDialog(state: 'early' | 'confirmed'): Dialog {
    if (!this.dialog) {
      this.dialog = Dialog.fromRequest(this.ctx, this.request, this.toTag, this.transport, state);
      this.dialog.incomingInvite = this;
      this.ctx.dialogs.set(this.dialog.id, this.dialog);
    } else if (state === 'confirmed' && this.dialog.state === 'early') {
      this.dialog.state = 'confirmed';
    }
    return this.dialog;
  }

  /** Send a provisional response (101-199 create an early dialog). */
  progress(status: number, now: number, opts: AnswerOptions = {}): void {
    if (status < 100 || status > 199) throw new SipStateError(`progress needs a 1xx status, got ${status}`);
    if (this.finalSent)
      throw new SipStateError(`cannot send ${status}: INVITE already answered with ${this.final?.status}`);
    if (status > 100 && !this.reinvite) {
      this.ensureDialog('early');
      this.state = 'early';
    }
    this.tx.respond(this.response(status, opts), now);
  }

  /** Answer 2xx (RFC 3261 13.3.1.4): the dialog is confirmed; the 2xx is retransmitted until the ACK. */
  accept(now: number, opts: AnswerOptions & { status?: number } = {}): Dialog {
    const status = opts.status ?? 200;
    if (status < 200 || status > 299) throw new SipStateError(`accept needs a 2xx status, got ${status}`);
    if (this.finalSent) throw new SipStateError(`cannot accept: INVITE already answered with ${this.final?.status}`);
    const dialog = this.ensureDialog('confirmed');
    if (this.reinvite) {
      // RFC 3261 12.2.2: a target refresh request replaces the remote target with its Contact.
      const c = this.request.contacts;
      if (c !== '*' && c.length > 0) dialog.remoteTarget = c[0]!.uri;
    }
    const res = this.response(status, opts);
    this.finalSent = true;
    this.final = res;
    this.state = 'accepted';
    this.tx.respond(res, now);
    this.ok = { bytes: this.tx.lastResponseBytes ?? serializeMessage(res), response: res };
    dialog.awaitingAck = this;
    this.done();
    // "The 2xx response is passed to the transport with an interval that starts at T1 seconds and doubles for
    // each retransmission until it reaches T2 seconds ... This is independent of whatever transport
    // protocols are used to send the response."
    this.retransmit = this.ctx.schedule(now + this.interval, (t) => this.resend(t));
    // "If the server retransmits the 2xx response for 64*T1 seconds without receiving an ACK, the dialog is
    // confirmed, but the session SHOULD be terminated. This is accomplished with a BYE."
    this.giveUp = this.ctx.schedule(now + 64 * this.ctx.config.timers.t1, (t) => this.ackTimeout(t));
    return dialog;
  }

  /** Answer 300-699; an early dialog ends. */
  reject(status: number, now: number, opts: AnswerOptions = {}): void {
    if (status < 300 || status > 699) throw new SipStateError(`reject needs a 3xx-6xx status, got ${status}`);
    if (this.finalSent) throw new SipStateError(`cannot reject: INVITE already answered with ${this.final?.status}`);
    const res = this.response(status, opts);
    this.finalSent = true;
    this.final = res;
    if (this.state !== 'cancelled') this.state = 'rejected';
    this.tx.respond(res, now);
    this.done();
    if (!this.reinvite && this.dialog)
      this.dialog.terminate(this.state === 'cancelled' ? 'cancelled' : 'rejected', now, res);
  }

  /** CANCEL matched this INVITE (RFC 3261 9.2): 487 if still unanswered. Returns whether it had an effect. */
  cancel(cancel: SipRequest, now: number): boolean {
    if (this.finalSent) return false;
    this.state = 'cancelled';
    this.ctx.emit({ type: 'invite-cancelled', invite: this, request: cancel });
    // "the UAS SHOULD immediately respond to the INVITE with a 487 (Request Terminated)."
    this.reject(487, now);
    return true;
  }

  /** The ACK for our 2xx. */
  acked(ack: SipRequest, now: number): void {
    if (this.state !== 'accepted') return;
    this.stopRetransmissions();
    this.state = 'confirmed';
    const d = this.dialog!;
    if (d.awaitingAck === this) d.awaitingAck = undefined;
    this.done();
    this.ctx.emit({ type: 'dialog-acked', dialog: d, invite: this, request: ack });
    d.flushBye(now);
  }

  /**
   * The dialog ended (a BYE overtook the ACK, or we closed) while our 2xx
   * waited for its ACK: stop retransmitting and settle as answered.
   */
  dialogEnded(): void {
    if (this.state !== 'accepted') return;
    this.stopRetransmissions();
    this.state = 'confirmed';
    this.done();
    this.ctx.emit({ type: 'dialog-acked', dialog: this.dialog!, invite: this });
  }

  stopRetransmissions(): void {
    this.retransmit?.cancel();
    this.giveUp?.cancel();
    this.retransmit = this.giveUp = undefined;
  }

  private resend(now: number): void {
    if (!this.ok || this.state !== 'accepted') return;
    this.ctx.sendRaw(this.ok.response, this.tx.destination, this.ok.bytes);
    this.interval = Math.min(2 * this.interval, this.ctx.config.timers.t2);
    this.retransmit = this.ctx.schedule(now + this.interval, (t) => this.resend(t));
  }

  private ackTimeout(now: number): void {
    this.stopRetransmissions();
    this.state = 'failed';
    this.ctx.emit({ type: 'invite-unacked', invite: this });
    const d = this.dialog!;
    if (d.awaitingAck === this) d.awaitingAck = undefined;
    this.done();
    if (d.state === 'terminated') return;
    if (this.reinvite) {
      d.byeQueued = undefined;
      d.request('BYE', {}, now);
      d.terminate('ack-timeout', now);
      return;
    }
    const queued = d.byeQueued;
    d.byeQueued = undefined;
    d.request('BYE', queued?.opts ?? {}, now, queued?.onDone);
    d.terminate('ack-timeout', now);
  }

  /**
   * Forget this INVITE where it is no longer pending (a CANCEL can no longer find it; the dialog may start another
   * INVITE).
   */
  private done(): void {
    if (this.ctx.serverInvites.get(this.tx.key) === this) this.ctx.serverInvites.delete(this.tx.key);
    if (this.dialog?.incomingInvite === this && this.state !== 'accepted') this.dialog.incomingInvite = undefined;
    // With the final response sent, onTransportError returns at once (the Accepted transaction never calls it)
    // and onTerminated finds nothing to remove.
    if (this.finalSent) this.finished();
  }

  // ServerTransactionUser
  onTransportError(_tx: ServerTransaction, _error: Error, now: number): void {
    if (this.finalSent && this.state !== 'accepted') return;
    this.stopRetransmissions();
    this.state = 'failed';
    this.finalSent = true;
    this.done();
    this.dialog?.terminate('request-failed', now);
  }

  onTerminated(): void {
    if (this.ctx.serverInvites.get(this.tx.key) === this) this.ctx.serverInvites.delete(this.tx.key);
  }
}
