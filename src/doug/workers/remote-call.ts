/**
 * A call's SIP handles inside a media worker (`docs/workers.md`): the
 * INVITE (`RemoteInvite`) and, once the ACK came, the dialog
 * (`RemoteDialog`). They have the interfaces a `Call` uses of the stack's
 * own (`CallInvite`, `CallDialog`); each action is a message to the main
 * thread, each answer a message back.
 */
import type {
  CallDialog,
  CallDialogEvents,
  CallIncomingRefer,
  CallRefer,
  CallInvite,
  CallInviteEvents,
  CallReinvite,
  CallResponse,
  CallSource,
} from '../../app/call-sip.js';
import { CallStateError } from '../../app/errors.js';
import type { DialogEndReason } from '../../sip/core/dialog.js';
import { SipRequestFailedError } from '../../sip/errors.js';
import type { SipRequest } from '../../sip/message/message.js';
import type { ReferProgress } from '../../sip/api/subscription.js';
import type { Replaces } from '../../sip/message/replaces.js';
import { formatUri, parseUri, type Uri } from '../../sip/message/uri.js';
import type { TimerHandle, TimerHost } from '../../clock/timers.js';
import { quietPromise, TypedEmitter } from '../../util/emitter.js';
import type { DialogInfo, Port, ResultInfo, ToMain, ToWorker } from './protocol.js';

/** The peer's REFERs one dialog holds until its call watches it, and for how long at most, ms. */
const MAX_HELD_REFERS = 4;
const REFER_HOLD_MS = 2000;

function bytesOf(b: Uint8Array | string | undefined): Uint8Array {
  if (b === undefined) return new Uint8Array(0);
  return typeof b === 'string' ? new Uint8Array(Buffer.from(b, 'utf8')) : b;
}

/** Requests of one call waiting for their answer from the main thread. */
export class Waiting {
  private next = 1;
  private readonly open = new Map<number, { resolve: (r: ResultInfo) => void; reject: (e: unknown) => void }>();

  add(): { rid: number; answer: Promise<ResultInfo> } {
    const rid = this.next++;
    const p = quietPromise<ResultInfo>();
    this.open.set(rid, p);
    return { rid, answer: p.promise };
  }
  resolve(rid: number, r: ResultInfo): void {
    this.open.get(rid)?.resolve(r);
    this.open.delete(rid);
  }
  reject(rid: number, err: unknown): void {
    this.open.get(rid)?.reject(err);
    this.open.delete(rid);
  }
  /** The call is over: nothing more will be answered. */
  rejectAll(err: unknown): void {
    for (const p of this.open.values()) p.reject(err);
    this.open.clear();
  }
}

/** Our REFER from a worker: the main thread sends it; its NOTIFYs come back as `refer-progress`. */
class RemoteRefer extends TypedEmitter<{ progress: [progress: ReferProgress] }> implements CallRefer {
  readonly outcome: Promise<ReferProgress>;
  constructor(answer: Promise<ResultInfo>) {
    super();
    this.outcome = answer.then((r) => ({ status: r.status, reason: r.reason }));
    this.outcome.catch(() => undefined);
  }
  /** @internal A NOTIFY's status. */
  onProgress(p: ReferProgress): void {
    this.emit('progress', p);
  }
}

/** The dialog of a call in a worker. */
export class RemoteDialog extends TypedEmitter<CallDialogEvents> implements CallDialog {
  state: 'confirmed' | 'terminated' = 'confirmed';
  readonly role: 'uac' | 'uas';
  readonly remoteTarget: Uri;
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
  localBody: { readonly body: Uint8Array; readonly contentType: string } | undefined;
  readonly lastAck: { readonly body: Uint8Array };
  private readonly ended = quietPromise<DialogEndReason>();
  /** Our REFERs waiting for their final NOTIFY, by rid. */
  private readonly refers = new Map<number, RemoteRefer>();
  /** The peer's REFERs that came before the call watched its dialog (the ACK's turn), and their time limit. */
  private readonly held: { refer: CallIncomingRefer; timer: TimerHandle | undefined }[] = [];

  constructor(
    private readonly id: number,
    info: DialogInfo,
    private readonly port: Port<ToMain>,
    private readonly waiting: Waiting,
    localBody: { readonly body: Uint8Array; readonly contentType: string } | undefined,
    private readonly timers?: TimerHost,
  ) {
    super();
    this.role = info.role;
    this.remoteTarget = parseUri(info.remoteTarget);
    this.callId = info.callId;
    this.localTag = info.localTag;
    this.remoteTag = info.remoteTag;
    this.lastAck = { body: info.ackBody };
    this.localBody = localBody;
  }

  get terminated(): Promise<DialogEndReason> {
    return this.ended.promise;
  }

  /** @internal The main thread says the dialog ended. */
  onEnded(reason: DialogEndReason): void {
    this.state = 'terminated';
    this.decline(this.held.length);
    this.ended.resolve(reason);
  }

  /** A listener for the peer's REFERs (the call watches its dialog): the REFERs held for it reach it now. */
  override on<K extends keyof CallDialogEvents & string>(
    event: K,
    listener: (...args: CallDialogEvents[K]) => void,
  ): this {
    super.on(event, listener);
    // Delivered once the listener's own turn is over (the call watches its dialog before it is up).
    if (event === 'refer' && this.held.length > 0)
      queueMicrotask(() => {
        for (const h of this.held.splice(0)) {
          if (h.timer !== undefined) this.timers?.clearTimer(h.timer);
          if (!h.refer.answered) this.deliver(h.refer);
        }
      });
    return this;
  }

  /** Decline the first `n` held REFERs: nobody took them up in time, or the dialog ended. */
  private decline(n: number): void {
    for (const h of this.held.splice(0, n)) {
      if (h.timer !== undefined) this.timers?.clearTimer(h.timer);
      if (!h.refer.answered) h.refer.reject(603, 'Decline');
    }
  }

  private deliver(refer: CallIncomingRefer): void {
    this.emit('refer', refer);
    if (!refer.answered && this.listenerCount('refer') === 0) refer.reject(603, 'Decline');
  }

  /** @internal A key in the peer's INFO. */
  onDtmf(digit: string, durationMs: number | undefined): void {
    this.emit('dtmf', digit, durationMs);
  }

  bye(): Promise<unknown> {
    if (this.state === 'confirmed') this.port.post({ kind: 'bye', id: this.id });
    return this.ended.promise;
  }

  private request(method: 'INFO' | 'MESSAGE', body: Uint8Array, contentType: string): Promise<CallResponse> {
    const { rid, answer } = this.waiting.add();
    this.port.post({ kind: 'request', id: this.id, rid, method, body, contentType });
    return answer;
  }

  info(body: Uint8Array | string, contentType: string): Promise<CallResponse> {
    return this.request('INFO', bytesOf(body), contentType);
  }

  message(text: string, contentType = 'text/plain'): Promise<CallResponse> {
    return this.request('MESSAGE', bytesOf(text), contentType);
  }

  reinvite(
    body?: Uint8Array | string,
    _contentType = 'application/sdp',
    _headers?: unknown,
    opts: { readonly glareRetry?: boolean } = {},
  ): Promise<CallResponse> {
    const b = bytesOf(body);
    const { rid, answer } = this.waiting.add();
    this.port.post({ kind: 'reinvite', id: this.id, rid, body: b, glareRetry: opts.glareRetry ?? true });
    if (b.length > 0) this.localBody = { body: b, contentType: 'application/sdp' };
    return answer;
  }

  refer(target: string | Uri, opts: { readonly replaces?: CallDialog | Replaces } = {}): CallRefer {
    if (this.state !== 'confirmed') throw new CallStateError('cannot transfer: the dialog has ended');
    const r = opts.replaces;
    // Another call's dialog (an attended transfer): the target compares to-tag with its local tag, our remote one.
    const replaces: Replaces | undefined =
      r === undefined || 'toTag' in r
        ? r
        : { callId: r.callId, toTag: r.remoteTag, fromTag: r.localTag, earlyOnly: false };
    const { rid, answer } = this.waiting.add();
    const refer = new RemoteRefer(answer);
    this.refers.set(rid, refer);
    void answer.then(
      () => this.refers.delete(rid),
      () => this.refers.delete(rid),
    );
    const uri = typeof target === 'string' ? target : formatUri(target);
    this.port.post({ kind: 'refer', id: this.id, rid, target: uri, ...(replaces ? { replaces } : {}) });
    return refer;
  }

  /** @internal A NOTIFY to our REFER `rid`: its progress; a final status settles its outcome. */
  onReferProgress(rid: number, status: number, reason: string): void {
    const refer = this.refers.get(rid);
    if (!refer) return;
    refer.onProgress({ status, reason });
    if (status >= 200) this.waiting.resolve(rid, { status, reason, body: new Uint8Array(0) });
  }

  /** @internal The peer's REFER: the call answers it (through the main thread), else it is declined. */
  onReferred(m: Extract<ToWorker, { kind: 'referred' }>): void {
    let answered = false;
    const post = (action: 'accept' | 'reject' | 'progress', status: number, reason?: string) =>
      this.port.post({ kind: 'refer-answer', id: this.id, rid: m.rid, action, status, reason });
    const settle = () => {
      if (answered) throw new CallStateError('this REFER was already answered');
      answered = true;
    };
    const refer: CallIncomingRefer = {
      target: m.target,
      method: m.method,
      replaces: m.replaces,
      referredBy: m.referredBy,
      get answered() {
        return answered;
      },
      defer: () => {},
      accept: () => {
        settle();
        post('accept', 202);
      },
      reject: (status = 603, reason) => {
        settle();
        post('reject', status, reason);
      },
      progress: (status, reason) => {
        post('progress', status, reason);
        return Promise.resolve(undefined);
      },
    };
    if (this.listenerCount('refer') > 0) return this.deliver(refer);
    // The REFER came right behind the ACK: the call has not watched its dialog yet (it does in the ACK's
    // turn). It waits for that, a bounded number and time (the main side lets at most a few wait per call).
    if (this.state !== 'confirmed' || this.held.length >= MAX_HELD_REFERS) return refer.reject(603, 'Decline');
    const entry: { refer: CallIncomingRefer; timer: TimerHandle | undefined } = { refer, timer: undefined };
    entry.timer = this.timers?.setTimer(REFER_HOLD_MS, () => {
      const i = this.held.indexOf(entry);
      if (i < 0) return;
      this.held.splice(i, 1);
      if (!refer.answered) refer.reject(603, 'Decline');
    });
    this.held.push(entry);
  }

  /** @internal The peer's re-INVITE `rid`; its answer goes back to the main thread. */
  onReinvite(rid: number, body: Uint8Array): void {
    let answered = false;
    const reply = (status: number, reason: string | undefined, b: Uint8Array) => {
      if (answered) return;
      answered = true;
      this.port.post({ kind: 'reinvite-answer', id: this.id, rid, status, reason, body: b });
    };
    const inc: CallReinvite = {
      body,
      accept: (b) => {
        const bytes = bytesOf(b);
        if (bytes.length > 0) this.localBody = { body: bytes, contentType: 'application/sdp' };
        reply(200, undefined, bytes);
        return Promise.resolve();
      },
      reject: (status = 488, reason) => reply(status, reason, new Uint8Array(0)),
    };
    if (this.listenerCount('reinvite') > 0) this.emit('reinvite', inc);
    else inc.accept(this.localBody?.body);
  }
}

/** The INVITE of a call in a worker. */
export class RemoteInvite extends TypedEmitter<CallInviteEvents> implements CallInvite {
  readonly waiting = new Waiting();
  dialog: RemoteDialog | undefined;
  private readonly acked = quietPromise<CallDialog>();
  private localBody: { body: Uint8Array; contentType: string } | undefined;

  constructor(
    readonly id: number,
    readonly callId: string,
    readonly source: CallSource,
    readonly request: SipRequest,
    private readonly port: Port<ToMain>,
    private readonly timers?: TimerHost,
  ) {
    super();
  }

  progress(status = 180): void {
    this.port.post({ kind: 'progress', id: this.id, status });
  }

  accept(body?: Uint8Array | string, contentType = 'application/sdp'): Promise<CallDialog> {
    const b = bytesOf(body);
    this.localBody = { body: b, contentType };
    this.port.post({ kind: 'accept', id: this.id, body: b, contentType });
    return this.acked.promise;
  }

  reject(status = 486, reason?: string): void {
    this.port.post({ kind: 'reject', id: this.id, status, reason });
    this.acked.reject(new SipRequestFailedError(`rejected with ${status}`, status, reason ?? ''));
  }

  /** @internal The caller's ACK came (through the main thread). */
  onAcked(info: DialogInfo): void {
    this.dialog = new RemoteDialog(this.id, info, this.port, this.waiting, this.localBody, this.timers);
    this.acked.resolve(this.dialog);
  }

  /** @internal No ACK (or the INVITE was refused meanwhile). */
  onUnacked(status: number, reason: string): void {
    this.acked.reject(
      new SipRequestFailedError(reason, status, reason, undefined, status === 408 ? 'timeout' : 'status'),
    );
  }

  /** @internal The caller's CANCEL. */
  onCancelled(): void {
    this.emit('cancelled', this.request);
  }

  /** @internal An answer to request `rid`. */
  onResult(rid: number, r: ResultInfo): void {
    this.waiting.resolve(rid, r);
  }

  /** @internal A request `rid` failed. */
  onFailure(rid: number, status: number, message: string): void {
    this.waiting.reject(rid, new SipRequestFailedError(message, status, message));
  }
}
