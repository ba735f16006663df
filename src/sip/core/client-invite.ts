/**
 * An INVITE we send (RFC 3261 13.2): an initial INVITE that may create
 * early and confirmed dialogs (forking included), or a re-INVITE inside a
 * dialog (RFC 3261 14.1, with the glare retry of a 491).
 *
 * What it does on each response:
 * - 1xx with a To tag: an early dialog per tag (12.1.2); a CANCEL asked for
 *   before any provisional response goes out now (9.1).
 * - 2xx: the dialog is confirmed and ACKed (13.2.2.4); a retransmitted 2xx
 *   is ACKed again; a 2xx from another fork gets its own dialog, an ACK and
 *   a BYE; a 2xx after we cancelled is ACKed and ended with BYE.
 * - 401/407: retried once per realm with credentials (22.2).
 * - 491 to a re-INVITE: retried once after the 14.1 timer.
 * - Other finals, timeout (408), transport error (503): the INVITE failed;
 *   early dialogs end.
 */
import { realmOfAuthorization } from '../auth/digest-client.js';
import { field, SipRequest, type SipResponse } from '../message/message.js';
import { serializeMessage } from '../message/serialize.js';
import type { ClientTransaction, ClientTransactionUser } from '../transaction/transaction.js';
import { noMoreServers, type Destination } from '../transport/types.js';
import type { Deadline } from '../../util/deadlines.js';
import { SipStateError } from '../errors.js';
import type { CoreContext } from './context.js';
import { Dialog } from './dialog.js';
import type { RequestOutcome } from './outgoing-request.js';
import type { InviteOwner } from './owners.js';
import { buildForDestination, buildRequest, nextServer, type RequestTemplate } from './request-builder.js';
import { agentHeader } from './config.js';

export type ClientInviteState = 'calling' | 'proceeding' | 'answered' | 'failed';

export class ClientInvite implements ClientTransactionUser {
  state: ClientInviteState = 'calling';
  request!: SipRequest;
  tx: ClientTransaction | undefined;
  /** The confirmed dialog, once answered. */
  dialog: Dialog | undefined;
  /** Early dialogs by remote tag. */
  readonly early = new Map<string, Dialog>();
  cancelRequested = false;
  private cancelSent = false;
  private cancelGuard: Deadline | undefined;
  private glareTimer: Deadline | undefined;
  private glareRetried = false;
  /** The destination of the current try when it is another server than the first (RFC 3263 4.3). */
  private serverHop: Destination | undefined;
  /** What the server before did (a 503 or a timeout), the outcome when no other server is left. */
  private serverFailure: RequestOutcome | undefined;
  /** The request was too large for UDP and went over TCP instead (RFC 3261 18.1.1). */
  private movedToTcp = false;
  /** That TCP connection failed: the request goes over UDP (once). */
  private keepUdp = false;
  private seq = 0;
  private destination!: Destination;
  private readonly answered = new Map<string, string>();
  private auth: (readonly [string, string])[] = [];

  constructor(
    private readonly ctx: CoreContext,
    readonly template: RequestTemplate,
    /** The dialog of a re-INVITE. */
    readonly existing: Dialog | undefined,
    private readonly firstSeq: number,
    /** The next hop; an error when the dialog's peer cannot be routed (the re-INVITE then fails at once). */
    private readonly hop: Destination | Error,
    /** Who hears its progress and outcome (through the core's events; set before anything is sent). */
    readonly owner: InviteOwner | undefined = undefined,
    /**
     * Retry a re-INVITE refused with 491 once, after the 14.1 timer, with
     * the same body. An owner whose next offer must be new (a new `o=`
     * version, RFC 3264 8) retries itself instead.
     */
    private readonly glareRetry = true,
  ) {}

  get reinvite(): boolean {
    return this.existing !== undefined;
  }

  start(now: number): void {
    if (this.existing) {
      const d = this.existing;
      // RFC 3261 14.1: "a UAC MUST NOT initiate a re-INVITE while another INVITE transaction is in progress in
      // either direction."
      if (d.outgoingInvite || d.incomingInvite || d.awaitingAck) {
        throw new SipStateError(`re-INVITE on dialog ${d.id}: another INVITE transaction is in progress`);
      }
      if (d.state !== 'confirmed') throw new SipStateError(`re-INVITE on a ${d.state} dialog ${d.id}`);
      d.outgoingInvite = this;
    }
    if (this.hop instanceof Error) return this.fail({ kind: 'transport-error', error: this.hop }, now);
    this.attempt(now, this.firstSeq);
  }

  private nextSeq(): number {
    return this.existing ? this.existing.nextSeq() : this.seq + 1;
  }

  private attempt(now: number, seq: number): void {
    if (this.hop instanceof Error) return this.fail({ kind: 'transport-error', error: this.hop }, now);
    this.seq = seq;
    const built = buildForDestination(
      this.ctx.config,
      this.template,
      { cseq: seq, branch: this.ctx.ids.branch(), auth: this.auth },
      this.serverHop ?? this.hop,
      this.keepUdp,
    );
    this.movedToTcp = built.destination.transport !== (this.serverHop ?? this.hop).transport;
    this.request = built.request;
    this.destination = built.destination;
    this.state = 'calling';
    this.tx = this.ctx.transactions.sendRequest(built.request, built.destination, this, now);
  }

  /**
   * RFC 3261 9.1: cancel the INVITE. "If no provisional response has been
   * received, the CANCEL request MUST NOT be sent; rather, the client MUST
   * wait for the arrival of a provisional response before sending the request."
   */
  cancel(now: number): void {
    if (this.reinvite) throw new SipStateError('a re-INVITE cannot be cancelled here');
    if (this.state === 'answered' || this.state === 'failed' || this.cancelRequested) return;
    this.cancelRequested = true;
    if (this.state === 'proceeding') this.sendCancel(now);
  }

  private sendCancel(now: number): void {
    if (this.cancelSent) return;
    this.cancelSent = true;
    const inv = this.request;
    // "The Request-URI, Call-ID, To, the numeric part of CSeq, and From header fields in the CANCEL request
    // MUST be identical to those in the request being cancelled, including tags. ... MUST have only a single
    // Via header field value matching the top Via value in the request being cancelled. ... If the request
    // being cancelled contains a Route header field, the CANCEL request MUST include that Route header
    // field's values."
    const h = [field('Via', inv.headerValues('via')[0]!), field('Max-Forwards', '70')];
    for (const f of inv.headers) if (f.key === 'route') h.push(f);
    h.push(field('From', inv.header('from')!), field('To', inv.header('to')!), field('Call-ID', inv.callId));
    h.push(
      field('CSeq', `${inv.cseq.seq} CANCEL`),
      ...agentHeader(this.ctx.config, 'User-Agent').map(([n, v]) => field(n, v)),
      field('Content-Length', '0'),
    );
    const cancel = new SipRequest('CANCEL', inv.rawUri, h);
    this.ctx.transactions.sendRequest(
      cancel,
      this.destination,
      { onResponse() {}, onTimeout() {}, onTransportError() {} },
      now,
    );
    // "If there is no final response for the original request in 64*T1 seconds ... the client SHOULD then
    // consider the original transaction cancelled and SHOULD destroy the client transaction."
    this.cancelGuard = this.ctx.schedule(now + 64 * this.ctx.config.timers.t1, (t) => {
      this.tx?.abort();
      this.ctx.transactions.removed(this.tx!);
      this.fail({ kind: 'cancelled' }, t);
    });
  }

  onResponse(tx: ClientTransaction, res: SipResponse, now: number): void {
    if (tx !== this.tx) {
      // A late 2xx on an earlier attempt (before an auth retry): still a dialog to ACK and end.
      if (res.status >= 200 && res.status < 300) this.extra2xx(res, now);
      return;
    }
    if (res.status < 200) return this.provisional(res, now);
    if (res.status < 300) return this.success(res, now);
    if (this.state === 'answered' || this.state === 'failed') return;
    if ((res.status === 401 || res.status === 407) && !this.cancelRequested) {
      const a = this.ctx.digest.answer(this.request, res, this.answered);
      if (a.ok) {
        const replaced = new Set(a.realms.keys());
        this.auth = [...this.auth.filter(([, v]) => !replaced.has(realmOfAuthorization(v) ?? '')), ...a.fields];
        for (const [r, n] of a.realms) this.answered.set(r, n);
        this.endEarly(now, res);
        this.attempt(now, this.nextSeq());
        return;
      }
      this.fail(
        { kind: 'auth-failed', response: res, reason: a.reason, ...(a.realm !== undefined ? { realm: a.realm } : {}) },
        now,
      );
      return;
    }
    if (res.status === 491 && this.existing && this.glareRetry && !this.glareRetried) {
      // RFC 3261 14.1: "If the UAC is the owner of the Call-ID of the dialog ID ... T has a randomly chosen
      // value between 2.1 and 4 seconds in units of 10 ms. If the UAC is not the owner ... between 0 and 2
      // seconds in units of 10 ms. When the timer fires, the UAC SHOULD attempt the re-INVITE once more."
      this.glareRetried = true;
      const d = this.existing;
      // While we wait, no INVITE of ours is in progress: the peer's may go first.
      if (d.outgoingInvite === this) d.outgoingInvite = undefined;
      const wait = () => (d.callIdOwner ? 2100 + 10 * this.ctx.ids.below(191) : 10 * this.ctx.ids.below(201));
      let deferrals = 0;
      const retry = (t: number) => {
        this.glareTimer = undefined;
        if (d.state !== 'confirmed') return this.fail({ kind: 'response', response: res }, t);
        if (d.outgoingInvite || d.incomingInvite || d.awaitingAck) {
          // The peer's INVITE is still running: wait another round rather than glare again.
          if (++deferrals > 5) return this.fail({ kind: 'response', response: res }, t);
          this.glareTimer = this.ctx.schedule(t + wait(), retry);
          return;
        }
        d.outgoingInvite = this;
        this.attempt(t, this.nextSeq());
      };
      this.glareTimer = this.ctx.schedule(now + wait(), retry);
      return;
    }
    if (this.cancelRequested && res.status === 487) return this.fail({ kind: 'cancelled', response: res }, now);
    if (res.status === 503 && this.tryNextServer(now, { kind: 'response', response: res })) return;
    this.fail({ kind: 'response', response: res }, now);
  }

  private provisional(res: SipResponse, now: number): void {
    if (this.state !== 'calling' && this.state !== 'proceeding') return;
    this.state = 'proceeding';
    if (this.cancelRequested) {
      this.sendCancel(now);
      return;
    }
    let dialog: Dialog | undefined;
    const tag = res.toTag;
    if (!this.existing && tag && res.status > 100) {
      dialog = this.early.get(tag);
      if (!dialog) {
        dialog = Dialog.fromResponse(this.ctx, this.request, res, this.destination.transport);
        this.early.set(tag, dialog);
        this.ctx.dialogs.set(dialog.id, dialog);
      } else {
        // RFC 3261 12.1.2 / 12.2.1.2: later provisional responses refresh the remote target.
        const c = res.contacts;
        if (c !== '*' && c.length > 0) dialog.remoteTarget = c[0]!.uri;
      }
    }
    this.ctx.emit({ type: 'invite-progress', invite: this, response: res, ...(dialog ? { dialog } : {}) });
  }

  private success(res: SipResponse, now: number): void {
    if (this.existing) {
      const d = this.existing;
      if (this.state === 'answered') {
        if (d.lastAck && d.lastAck.seq === res.cseq.seq)
          this.ctx.sendRaw(d.lastAck.request, d.lastAck.destination, d.lastAck.bytes);
        return;
      }
      // RFC 3261 12.2.1.2: "When a UAC receives a 2xx response to a target refresh request, it MUST replace
      // the dialog's remote target URI with the URI from the Contact header field in that response."
      const c = res.contacts;
      if (c !== '*' && c.length > 0) d.remoteTarget = c[0]!.uri;
      const unroutable = this.sendAck(d, res, now);
      if (unroutable) return this.unackable(d, res, unroutable, now);
      this.state = 'answered';
      if (d.outgoingInvite === this) d.outgoingInvite = undefined;
      this.clearTimers();
      this.ctx.emit({ type: 'invite-answered', invite: this, response: res, dialog: d });
      return;
    }
    const tag = res.toTag ?? '';
    if (this.dialog) {
      if (tag === this.dialog.remoteTag) {
        // A retransmission of the 2xx: "the UAC core MUST ... pass the ACK to the transport" again.
        if (this.dialog.lastAck)
          this.ctx.sendRaw(this.dialog.lastAck.request, this.dialog.lastAck.destination, this.dialog.lastAck.bytes);
      } else this.extra2xx(res, now);
      return;
    }
    if (this.state === 'failed') return this.extra2xx(res, now);
    let d = this.early.get(tag);
    if (d) {
      // RFC 3261 13.2.2.4: "the dialog MUST be transitioned to the "confirmed" state, and the route set for
      // the dialog MUST be recomputed based on the 2xx response."
      this.early.delete(tag);
      d.state = 'confirmed';
      d.routeSet = res.headerValues('record-route').reverse();
      const c = res.contacts;
      if (c !== '*' && c.length > 0) d.remoteTarget = c[0]!.uri;
    } else {
      d = Dialog.fromResponse(this.ctx, this.request, res, this.destination.transport);
      this.ctx.dialogs.set(d.id, d);
    }
    this.dialog = d;
    const unroutable = this.sendAck(d, res, now);
    if (unroutable) return this.unackable(d, res, unroutable, now);
    this.state = 'answered';
    this.clearTimers();
    this.endEarly(now);
    if (this.cancelRequested) {
      // We wanted to cancel but the callee answered first (RFC 3261 9.1): end the call with BYE.
      d.request('BYE', {}, now);
      d.terminate('cancelled', now, undefined, false);
      this.state = 'failed';
      this.ctx.emit({ type: 'invite-failed', invite: this, outcome: { kind: 'cancelled', response: res } });
      return;
    }
    this.ctx.emit({ type: 'invite-answered', invite: this, response: res, dialog: d });
  }

  /** A 2xx from a fork we do not keep: its own dialog, ACK, then BYE (RFC 3261 13.2.2.4). */
  private extra2xx(res: SipResponse, now: number): void {
    const id = `${res.callId}|${this.request.fromTag ?? ''}|${res.toTag ?? ''}`;
    const known = this.ctx.dialogs.get(id);
    if (known?.lastAck && known.lastAck.seq === res.cseq.seq) {
      this.ctx.sendRaw(known.lastAck.request, known.lastAck.destination, known.lastAck.bytes);
      return;
    }
    const d = Dialog.fromResponse(this.ctx, this.request, res, this.destination.transport);
    d.state = 'confirmed';
    this.ctx.dialogs.set(d.id, d);
    this.sendAck(d, res, now);
    d.request('BYE', {}, now);
    d.terminate('fork-extra', now, undefined, false);
    // Keep the ACK reachable for retransmissions of this 2xx while the BYE runs.
    this.ctx.dialogs.set(d.id, d);
    this.ctx.schedule(now + 64 * this.ctx.config.timers.t1, () => {
      if (this.ctx.dialogs.get(d.id) === d) this.ctx.dialogs.delete(d.id);
    });
  }

  /**
   * RFC 3261 13.2.2.4: the ACK for a 2xx is built by the UAC core: CSeq
   * number of the INVITE, method ACK, a new branch, the INVITE's
   * credentials, sent straight to the transport. Returns the reason when
   * the ACK cannot be routed (the callee's Contact or Record-Route).
   */
  private sendAck(d: Dialog, res: SipResponse, now: number): Error | undefined {
    const { template: t, hop: dest } = d.route('ACK');
    if (dest instanceof Error) return dest;
    const ack = buildRequest(
      this.ctx.config,
      { ...t, contact: false },
      {
        cseq: res.cseq.seq,
        branch: this.ctx.ids.branch(),
        auth: this.auth,
        transport: dest.transport,
        host: dest.host,
      },
    );
    const bytes = serializeMessage(ack);
    this.ctx.sendRaw(ack, dest, bytes);
    const last = { seq: res.cseq.seq, request: ack, bytes, destination: dest };
    d.lastAck = last;
    // The callee stops retransmitting its 2xx after 64*T1 (13.3.1.4): a little later (T4 for the last copy
    // still in the network) the ACK need not be kept.
    this.ctx.schedule(now + 64 * this.ctx.config.timers.t1 + this.ctx.config.timers.t4, () => {
      if (d.lastAck === last) d.lastAck = undefined;
    });
    return undefined;
  }

  /**
   * A 2xx we cannot even ACK (its Contact or Record-Route cannot be routed):
   * nothing can be sent in that dialog, so it ends here, and the INVITE
   * fails as after a transport error; the callee gives up after 64*T1.
   */
  private unackable(d: Dialog, res: SipResponse, error: Error, now: number): void {
    this.ctx.log.debug(`cannot ACK the ${res.status} of ${res.callId}: ${error.message}`);
    d.terminate('request-failed', now, res, false);
    if (this.existing) {
      if (d.outgoingInvite === this) d.outgoingInvite = undefined;
    }
    this.state = 'failed';
    this.clearTimers();
    this.endEarly(now);
    this.ctx.emit({ type: 'invite-failed', invite: this, outcome: { kind: 'transport-error', error } });
  }

  onTimeout(_tx: ClientTransaction, now: number): void {
    if (!this.cancelRequested && this.tryNextServer(now, { kind: 'timeout' })) return;
    this.fail(this.cancelRequested ? { kind: 'cancelled' } : { kind: 'timeout' }, now);
  }

  onTransportError(_tx: ClientTransaction, error: Error, now: number): void {
    if (this.movedToTcp && this.state === 'calling' && !this.cancelRequested) {
      // Too large for UDP, so sent over TCP (RFC 3261 18.1.1), where the peer does not listen: UDP after all.
      this.ctx.log.info(`INVITE over TCP failed (${error.message}): sent over UDP instead`);
      this.keepUdp = true;
      this.attempt(now, this.nextSeq());
      return;
    }
    if (this.serverFailure && noMoreServers(error)) return this.fail(this.serverFailure, now);
    this.fail({ kind: 'transport-error', error }, now);
  }

  /** Stop without a word (user agent closing). */
  abort(now: number): void {
    this.fail({ kind: 'closed' }, now);
  }

  /**
   * RFC 3263 4.3: a first INVITE answered 503, or timed out, goes to the
   * next server the DNS gave (a new transaction), if any is left.
   */
  private tryNextServer(now: number, failure: RequestOutcome): boolean {
    if (this.existing || this.cancelRequested || this.hop instanceof Error) return false;
    const next = nextServer(this.serverHop ?? this.hop);
    if (!next) return false;
    this.serverHop = next;
    this.serverFailure = failure;
    this.endEarly(now, failure.kind === 'response' ? failure.response : undefined);
    this.attempt(now, this.nextSeq());
    return true;
  }

  private endEarly(now: number, res?: SipResponse): void {
    for (const e of this.early.values()) e.terminate(this.dialog ? 'fork-extra' : 'rejected', now, res);
    this.early.clear();
  }

  private clearTimers(): void {
    this.cancelGuard?.cancel();
    this.glareTimer?.cancel();
    this.cancelGuard = this.glareTimer = undefined;
  }

  private fail(outcome: RequestOutcome, now: number): void {
    if (this.state === 'answered' || this.state === 'failed') return;
    this.state = 'failed';
    this.clearTimers();
    this.endEarly(now, outcome.kind === 'response' || outcome.kind === 'auth-failed' ? outcome.response : undefined);
    if (this.existing) {
      const d = this.existing;
      if (d.outgoingInvite === this) d.outgoingInvite = undefined;
      const status = outcome.kind === 'response' ? outcome.response.status : outcome.kind === 'timeout' ? 408 : 0;
      // RFC 3261 14.1: "If a UAC receives a 481 or 408 to a re-INVITE, the UAC SHOULD terminate the dialog" —
      // that is, send a BYE (12.2.1.2 for 481: the dialog no longer exists at the peer).
      if ((status === 481 || status === 408) && d.state === 'confirmed') {
        if (status === 408) d.request('BYE', {}, now);
        d.terminate('request-failed', now, outcome.kind === 'response' ? outcome.response : undefined);
      }
    }
    this.ctx.emit({ type: 'invite-failed', invite: this, outcome });
  }
}
