/**
 * Transfers (RFC 3515 REFER, RFC 5589 call flows) as a call sees them.
 *
 * Ours (`call.transfer(uri)`, `call.transfer(uri, { replaces: other })`):
 * the call sends REFER and waits in `transferring` for the transferee's
 * NOTIFYs (`transfer-progress`); a 2xx in the sipfrag ends the call with
 * BYE (`transferred`); a refusal, a failure or no final status leaves it
 * answered and rejects the promise with `TransferFailedError`.
 *
 * Theirs: the peer's REFER is a `TransferRequest` (the call's
 * `transfer-requested` event). `accept()` answers 202, places the new call
 * through the phone (with `Replaces` for an attended transfer, RFC 3891 7,
 * and `Referred-By`, RFC 3892) and reports its progress back in NOTIFYs:
 * 100 Trying at once, each 18x, then its final status. A request nobody
 * takes up within `REFER_ANSWER_MS` is declined (603), so the peer's
 * transaction never waits for a human forever.
 */
import type { CallIncomingRefer } from './call-sip.js';
import { formatReplaces } from '../sip/message/replaces.js';
import type { HeaderInit } from '../sip/message/message.js';
import { CallStateError, TransferFailedError, type CallFailedError } from './errors.js';
import type { Call } from './call.js';
import type { PlaceCallOptions } from './call-outgoing.js';

/** How long a peer's REFER may wait for `accept` or `reject` before it is declined, ms. */
export const REFER_ANSWER_MS = 30_000;

/** Options of the call that follows a transfer (its audio; the headers the REFER asks for are added). */
export type FollowOptions = Omit<PlaceCallOptions, 'codecs'>;

/** What a call needs to follow a REFER: the phone places the new call. @internal */
export type PlaceFn = (uri: string, opts: FollowOptions) => Call;

/**
 * The peer asks us to call someone (RFC 3515): accept (we call `target`)
 * or reject.
 *
 * @example
 * call.on('transfer-requested', (t) => {
 *   console.log(`transfer to ${t.target}${t.attended ? ' (attended)' : ''}`);
 *   const next = t.accept({ source, sink });
 *   next.answered.then(() => console.log('transferred'));
 * });
 */
export class TransferRequest {
  private settled = false;

  /** @internal */
  constructor(
    /** The call the REFER came in. */
    readonly call: Call,
    private readonly refer: CallIncomingRefer,
    private readonly place: PlaceFn,
    private readonly onFollow: (next: Call) => void,
    private readonly onSettled: () => void,
  ) {}

  /** The URI to call (the Refer-To without its headers). */
  get target(): string {
    return this.refer.target;
  }

  /** An attended transfer: the new call replaces a call of the transferor with the target (RFC 3891). */
  get attended(): boolean {
    return this.refer.replaces !== undefined;
  }

  /** Who asked (Referred-By), when the REFER said. */
  get referredBy(): string | undefined {
    return this.refer.referredBy;
  }

  /** Whether it was accepted or rejected already. */
  get answered(): boolean {
    return this.settled;
  }

  /**
   * Accept: 202 and NOTIFY 100 Trying; the new call goes out at once and
   * the transferee's NOTIFYs follow it. Returns the new call.
   */
  accept(opts: FollowOptions = {}): Call {
    this.settle();
    const r = this.refer;
    // RFC 3515 2.1: a REFER may name another method; a phone follows INVITE only.
    if (r.method !== 'INVITE') {
      r.reject(501, `Not Implemented (Refer-To method ${r.method})`);
      throw new TransferFailedError(`the REFER asks for ${r.method}, only INVITE can be followed`, 501);
    }
    r.accept();
    const replaces = r.replaces;
    const referredBy = r.referredBy;
    const headers: HeaderInit = [
      ...(opts.headers ?? []),
      ...(replaces ? [['Replaces', formatReplaces(replaces)] as const] : []),
      ...(referredBy ? [['Referred-By', referredBy] as const] : []),
    ];
    let next: Call;
    try {
      next = this.place(r.target, { ...opts, headers });
    } catch (err) {
      void r.progress(400, 'Bad Request');
      throw err;
    }
    this.onFollow(next);
    next.on('ringing', (status) => void r.progress(status).catch(() => {}));
    next.answered.then(
      () => void r.progress(200).catch(() => {}),
      (err: CallFailedError) => void r.progress(err.status ?? 503).catch(() => {}),
    );
    return next;
  }

  /** Decline (603 by default). */
  reject(status = 603, reason?: string): void {
    this.settle();
    this.refer.reject(status, reason);
  }

  /** @internal no answer in time: decline. */
  expire(): void {
    if (this.settled) return;
    this.reject(603, 'Decline');
  }

  private settle(): void {
    if (this.settled) throw new CallStateError('this transfer request was already answered');
    this.settled = true;
    this.onSettled();
  }
}
