/**
 * A SIP dialog as the application sees it: one call leg after INVITE,
 * with BYE, re-INVITE, INFO and MESSAGE, and events for what the peer
 * sends inside it.
 *
 * @example
 * const dialog = await ua.invite('sip:echo@127.0.0.1:5070', { body: sdp, contentType: 'application/sdp' }).answered;
 * dialog.on('dtmf', (digit) => console.log('pressed', digit));
 * dialog.on('terminated', (reason) => console.log('ended:', reason));
 * await dialog.info('Signal=5\r\nDuration=160\r\n', 'application/dtmf-relay');
 * await dialog.bye();
 */
import type { HeaderInit, SipRequest, SipResponse } from '../message/message.js';
import type { Uri } from '../message/uri.js';
import type { Dialog as CoreDialog, DialogEndReason } from '../core/dialog.js';
import type { RequestOutcome } from '../core/outgoing-request.js';
import type { InviteOwner } from '../core/owners.js';
import { parseDtmfBody, type DtmfInfo } from '../core/dtmf-body.js';
import type { ServerRequest } from '../core/server-request.js';
import type { ServerInvite } from '../core/server-invite.js';
import { SipStateError } from '../errors.js';
import { LazyOutcome, TypedEmitter, quietPromise } from '../../util/emitter.js';
import { failureOf } from './failure.js';
import { IncomingRequest } from './incoming-request.js';
import type { UaInternals } from './internals.js';
import type { TimerHandle } from '../../clock/timers.js';
import { IncomingCall } from './call.js';
import { referToWithReplaces, type Replaces } from '../message/replaces.js';
import { formatUri, parseUri } from '../message/uri.js';
import { SipUsageError } from '../errors.js';
import { Refer, type IncomingRefer } from './subscription.js';

export interface BodyOptions {
  readonly body?: Uint8Array | string;
  readonly contentType?: string;
  readonly headers?: HeaderInit;
}

export interface InfoEvent {
  readonly request: IncomingRequest;
  readonly contentType: string | undefined;
  readonly text: string;
  /** Digits when the body is application/dtmf-relay or application/dtmf. */
  readonly dtmf?: DtmfInfo;
}

export type DialogEvents = {
  /** The ACK for our 2xx arrived (callee side). */
  ack: [request: SipRequest];
  /** The peer sent INFO (answered 200 unless a listener answers or defers it). */
  info: [info: InfoEvent];
  /** A DTMF digit from an INFO body (application/dtmf-relay or application/dtmf). */
  dtmf: [digit: string, durationMs: number | undefined];
  /** The peer sent MESSAGE (answered 200 unless a listener answers or defers it). */
  message: [request: IncomingRequest];
  /** Any other request inside the dialog (OPTIONS is already answered). */
  request: [request: IncomingRequest];
  /**
   * The peer sent a re-INVITE: accept or reject it. Without a listener it is
   * accepted with our last session description (the session stays as it is).
   */
  reinvite: [call: IncomingCall];
  /**
   * The peer sent REFER (RFC 3515): accept it (202, NOTIFY 100 Trying) and
   * report the referred call's progress, or reject it. Without a listener
   * it waits for one (a REFER right behind the ACK comes before whoever
   * awaits the ACK listens) at most `REFER_HOLD_MS`, then it is declined (603).
   */
  refer: [refer: IncomingRefer];
  /** The peer sent BYE (answered 200). `terminated` follows. */
  bye: [request: SipRequest];
  terminated: [reason: DialogEndReason, response: SipResponse | undefined];
};

export interface ReferOptions {
  /**
   * Attended transfer (RFC 3891 7): the dialog the referred INVITE replaces
   * — another call's dialog (ours with the target), or its Replaces.
   */
  readonly replaces?: Dialog | Replaces;
  /** Extra headers (Referred-By…). */
  readonly headers?: HeaderInit;
}

export function toBytes(b: Uint8Array | string | undefined): Uint8Array | undefined {
  return typeof b === 'string' ? Buffer.from(b, 'utf8') : b;
}

/** How long a REFER waits for a `refer` listener on its dialog before it is declined, ms. */
export const REFER_HOLD_MS = 1000;
/** REFERs one dialog holds at most while nobody listens (more are declined at once). */
const MAX_HELD_REFERS = 4;

export class Dialog extends TypedEmitter<DialogEvents> {
  /** REFERs that came while nobody listened, waiting for a `refer` listener (bounded in count and time). */
  private readonly heldRefers: { refer: IncomingRefer; readonly timer: TimerHandle }[] = [];
  /** The last body we sent in an INVITE or its answer (re-used to answer re-INVITEs nobody handles). */
  localBody: { body: Uint8Array; contentType: string } | undefined;
  /**
   * The last ACK the peer sent for our 2xx (UAS side). When our 2xx carried
   * the offer — the INVITE had no body — the answer is in this ACK's body
   * (RFC 3261 13.2.1, RFC 3264 section 4).
   */
  lastAck: SipRequest | undefined;
  private readonly ended = new LazyOutcome<DialogEndReason>();

  /** @internal */
  constructor(
    private readonly ua: UaInternals,
    /** @internal */ readonly core: CoreDialog,
  ) {
    super();
  }

  /** `Call-ID|local tag|remote tag`. */
  get id(): string {
    return this.core.id;
  }
  get callId(): string {
    return this.core.callId;
  }
  get localTag(): string {
    return this.core.localTag;
  }
  get remoteTag(): string {
    return this.core.remoteTag;
  }
  /** `early`, `confirmed` or `terminated`. */
  get state(): CoreDialog['state'] {
    return this.core.state;
  }
  /** Whether we placed the call (UAC) or answered it (UAS). */
  get role(): 'uac' | 'uas' {
    return this.core.role;
  }
  get remoteTarget(): Uri {
    return this.core.remoteTarget;
  }
  get routeSet(): readonly string[] {
    return this.core.routeSet;
  }
  /** Our From (UAC) or To (UAS) value with our tag. */
  get local(): string {
    return this.core.localHeader;
  }
  get remote(): string {
    return this.core.remoteHeader;
  }
  /** Resolves with the reason once the dialog has ended. */
  get terminated(): Promise<DialogEndReason> {
    return this.ended.promise;
  }

  /** End the call with BYE; resolves with the BYE's final response (undefined if none came). */
  bye(headers?: HeaderInit): Promise<SipResponse | undefined> {
    const p = quietPromise<SipResponse | undefined>();
    this.ua.act((now) =>
      this.core.bye(now, headers ? { headers } : {}, (o) =>
        p.resolve(o.kind === 'response' || o.kind === 'auth-failed' ? o.response : undefined),
      ),
    );
    return p.promise;
  }

  /**
   * Send a request in the dialog and resolve with its final response
   * (whatever the status). Rejects when no response came (timeout,
   * transport error) or credentials were refused.
   */
  request(method: string, opts: BodyOptions = {}): Promise<SipResponse> {
    const m = method;
    const upper = method.toUpperCase();
    if (upper === 'INVITE') throw new SipStateError('use dialog.reinvite() for INVITE');
    if (upper === 'BYE') throw new SipStateError('use dialog.bye() for BYE');
    if (upper === 'ACK' || upper === 'CANCEL') throw new SipStateError(`${m} is sent by the stack itself`);
    const p = quietPromise<SipResponse>();
    const body = toBytes(opts.body);
    this.ua.act((now) =>
      this.core.request(
        m,
        {
          ...(body ? { body } : {}),
          ...(opts.contentType ? { contentType: opts.contentType } : {}),
          ...(opts.headers ? { headers: opts.headers } : {}),
        },
        now,
        (o: RequestOutcome) =>
          o.kind === 'response' ? p.resolve(o.response) : p.reject(failureOf(`${m} in dialog`, o)),
      ),
    );
    return p.promise;
  }

  /** INFO with a body (RFC 6086), e.g. `dialog.info('Signal=1\r\nDuration=100\r\n', 'application/dtmf-relay')`. */
  info(body: Uint8Array | string, contentType: string): Promise<SipResponse> {
    return this.request('INFO', { body, contentType });
  }

  /** MESSAGE inside the dialog (RFC 3428). */
  message(text: string, contentType = 'text/plain'): Promise<SipResponse> {
    return this.request('MESSAGE', { body: text, contentType });
  }

  /**
   * re-INVITE (RFC 3261 14): a new offer in the same dialog. Resolves with
   * the 2xx; rejects with `SipRequestFailedError` on any other final answer
   * (after one glare retry on 491, RFC 3261 14.1, unless `glareRetry` is
   * false: then the 491 rejects, for a caller that retries with a new offer).
   */
  reinvite(
    body?: Uint8Array | string,
    contentType = 'application/sdp',
    headers?: HeaderInit,
    opts: { readonly glareRetry?: boolean } = {},
  ): Promise<SipResponse> {
    const p = quietPromise<SipResponse>();
    const bytes = toBytes(body);
    // The owner exists before the re-INVITE is sent: an outcome reported during the send reaches it.
    const owner: InviteOwner = {
      onProgress: () => {},
      onAnswered: (res) => p.resolve(res),
      onFailed: (o) => p.reject(failureOf('re-INVITE', o)),
    };
    this.ua.act((now) =>
      this.ua.core.reinvite(
        this.core,
        { ...(bytes ? { body: bytes, contentType } : {}), ...(headers ? { headers } : {}) },
        now,
        owner,
        opts.glareRetry ?? true,
      ),
    );
    if (bytes) this.localBody = { body: bytes, contentType };
    return p.promise;
  }

  /**
   * REFER (RFC 3515): ask the peer to send a request (an INVITE: a
   * transfer) to `target`. The handle's `progress` events and `outcome`
   * follow the referred call through the NOTIFYs of the implicit
   * subscription.
   *
   * @example
   * const r = dialog.refer('sip:carol@example.com');                    // blind transfer
   * const a = dialog.refer(carolsCall.dialog.remoteTarget, { replaces: carolsCall.dialog }); // attended
   * if ((await r.outcome).status < 300) await dialog.bye();
   */
  refer(target: string | Uri, opts: ReferOptions = {}): Refer {
    let uri: Uri;
    try {
      uri = typeof target === 'string' ? parseUri(target.trim()) : target;
    } catch (err) {
      throw new SipUsageError(`Refer-To ${JSON.stringify(target)}: ${(err as Error).message}`);
    }
    const r = opts.replaces;
    const replaces: Replaces | undefined =
      r instanceof Dialog
        ? // The target compares to-tag with its local tag: our remote tag in that dialog (RFC 3891 3).
          { callId: r.callId, toTag: r.remoteTag, fromTag: r.localTag, earlyOnly: false }
        : r;
    if (replaces && uri.kind !== 'sip') throw new SipUsageError('an attended transfer needs a sip: or sips: target');
    const referTo = replaces && uri.kind === 'sip' ? referToWithReplaces(uri, replaces) : `<${formatUri(uri)}>`;
    let untrack = () => {};
    const refer: Refer = new Refer(this.ua, `REFER to ${formatUri(uri)}`, () => untrack());
    untrack = this.ua.track(refer);
    try {
      const core = this.ua.act((now) =>
        this.ua.core.refer(this.core, referTo, opts.headers ? { headers: opts.headers } : {}, now, refer),
      );
      refer.bind(core);
    } catch (err) {
      untrack();
      throw err;
    }
    return refer;
  }

  /**
   * @internal The peer's REFER. With nobody listening yet it is held (the
   * ACK and the REFER may come in one turn, before the ACK's awaiter listens).
   */
  _refer(r: IncomingRefer): boolean {
    if (this.listenerCount('refer') > 0) {
      this.emit('refer', r);
      return false;
    }
    if (this.state === 'terminated' || this.heldRefers.length >= MAX_HELD_REFERS) return false;
    const entry = {
      refer: r,
      timer: this.ua.timers.setTimer(REFER_HOLD_MS, () => {
        const i = this.heldRefers.indexOf(entry);
        if (i >= 0) this.heldRefers.splice(i, 1);
        if (!r.answered) r.reject(603, 'Decline');
      }),
    };
    this.heldRefers.push(entry);
    return true;
  }

  override on<K extends keyof DialogEvents & string>(event: K, listener: (...args: DialogEvents[K]) => void): this {
    super.on(event, listener);
    // Delivered once the listener's own turn is over (whoever listens may still be setting up).
    if (event === 'refer' && this.heldRefers.length > 0) queueMicrotask(() => this.releaseRefers());
    return this;
  }

  private releaseRefers(): void {
    for (const h of this.heldRefers.splice(0)) {
      this.ua.timers.clearTimer(h.timer);
      if (h.refer.answered) continue;
      if (this.listenerCount('refer') > 0) this.emit('refer', h.refer);
      if (!h.refer.answered && !h.refer.deferred) h.refer.reject(603, 'Decline');
    }
  }

  /** @internal */
  _acked(req: SipRequest | undefined): void {
    if (req) this.lastAck = req;
    if (req) this.emit('ack', req);
  }

  /** @internal */
  _request(sr: ServerRequest): void {
    const req = new IncomingRequest(this.ua, sr, this);
    const m = sr.request.method;
    if (m === 'INFO') {
      const text = sr.request.text;
      const dtmf = parseDtmfBody(sr.request.contentType, text);
      this.emit('info', { request: req, contentType: sr.request.contentType, text, ...(dtmf ? { dtmf } : {}) });
      if (dtmf) for (const d of dtmf.digits) this.emit('dtmf', d, dtmf.durationMs);
    } else if (m === 'MESSAGE') this.emit('message', req);
    else this.emit('request', req);
    if (req.wantsDefault) req.respond(200);
  }

  /** @internal */
  _reinvite(si: ServerInvite): void {
    const call = new IncomingCall(this.ua, si, this);
    if (this.listenerCount('reinvite') > 0) {
      this.emit('reinvite', call);
      return;
    }
    // Nobody wants to change the session: keep it as it is.
    if (this.localBody) void call.accept(this.localBody.body, this.localBody.contentType);
    else void call.accept();
  }

  /** @internal */
  _terminated(reason: DialogEndReason, response: SipResponse | undefined, bye?: SipRequest): void {
    for (const h of this.heldRefers.splice(0)) {
      this.ua.timers.clearTimer(h.timer);
      if (!h.refer.answered) h.refer.reject(603, 'Decline');
    }
    if (bye) this.emit('bye', bye);
    this.emit('terminated', reason, response);
    this.ended.resolve(reason);
  }
}
