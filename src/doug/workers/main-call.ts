/**
 * One call handed to a worker, on the main thread (`docs/workers.md`): its
 * SIP handles (the INVITE, then the dialog), driven by the worker's
 * messages, and the peer's requests in the dialog (keys, re-INVITEs,
 * REFERs) sent on to the worker. The hub (`hub.ts`) routes the messages
 * here and ends the call; a call whose worker died is `abandon`ed: its
 * peer gets BYE (or 503 before the answer).
 */
import type { CallEnd } from '../../app/call-types.js';
import type { CallDialog, CallIncomingRefer, CallInvite, CallRefer, CallReinvite } from '../../app/call-sip.js';
import { RemoteError } from '../../errors.js';
import type { Logger } from '../../log/logger.js';
import { formatUri } from '../../sip/message/uri.js';
import { quietPromise } from '../../util/emitter.js';
import type { DialogInfo, ToMain, ToWorker } from './protocol.js';

/** The messages of a worker about one call, but its end. */
export type CallMessage = Exclude<ToMain, { kind: 'ready' | 'pong' | 'log' | 'app' | 'ended' | 'place' }>;

/** What a call needs of the hub: its worker's port, the log, the bound on the peer's waiting requests. */
export interface CallLink {
  send(m: ToWorker): void;
  readonly log: Logger;
  /** The peer's re-INVITEs (and, apart, REFERs) one call may have waiting for its worker; more get 491. */
  readonly maxPending: number;
}

export class MainCall<S> {
  dialog: CallDialog | undefined;
  accepted = false;
  /** Its worker died: a dialog that shows up later gets BYE. */
  orphan = false;
  readonly reinvites = new Map<number, CallReinvite>();
  /** The peer's REFERs the worker has not settled yet (no refusal, no final NOTIFY). */
  readonly refers = new Map<number, CallIncomingRefer>();
  nextRid = 1;
  readonly done = quietPromise<CallEnd>();
  readonly startedAt: number;

  constructor(
    readonly id: number,
    /** The INVITE of a call we received (none for a call the worker placed: `MainPlacedCall`). */
    readonly inc: CallInvite | undefined,
    readonly slot: S,
    readonly key: string | undefined,
    now: number,
    protected readonly link: CallLink,
  ) {
    this.startedAt = now;
  }

  /** A message of the call's worker (but its end, which the hub takes). */
  onMessage(m: CallMessage): void {
    const id = this.id;
    const inc = this.inc;
    switch (m.kind) {
      case 'progress':
        inc?.progress(m.status);
        return;
      case 'reject':
        if (inc) this.guard(() => inc.reject(m.status, m.reason));
        return;
      case 'invite':
      case 'cancel':
        this.onPlacing(m);
        return;
      case 'accept': {
        if (!inc) return;
        let acked: Promise<CallDialog>;
        try {
          acked = inc.accept(m.body, m.contentType);
        } catch (err) {
          this.link.send({ kind: 'unacked', id, status: 500, reason: (err as Error).message });
          return;
        }
        this.accepted = true;
        acked.then(
          (dialog) => this.acked(dialog),
          (err: unknown) => {
            if (this.orphan) return;
            const status = err instanceof RemoteError && err.status !== undefined ? err.status : 500;
            this.link.send({ kind: 'unacked', id, status, reason: err instanceof Error ? err.message : String(err) });
          },
        );
        return;
      }
      case 'bye': {
        // The peer's BYE may have crossed the worker's: a dialog already over takes none.
        const d = this.dialog;
        if (d?.state === 'confirmed') this.guard(() => void d.bye().catch(() => undefined));
        return;
      }
      case 'request': {
        const d = this.dialog;
        if (!d) {
          this.link.send({ kind: 'failure', id, rid: m.rid, status: 481, message: 'no dialog yet' });
          return;
        }
        const text = Buffer.from(m.body).toString('utf8');
        const sent = m.method === 'INFO' ? d.info(m.body, m.contentType) : d.message(text, m.contentType);
        this.answer(m.rid, sent);
        return;
      }
      case 'reinvite': {
        const d = this.dialog;
        if (!d) {
          this.link.send({ kind: 'failure', id, rid: m.rid, status: 481, message: 'no dialog yet' });
          return;
        }
        this.answer(m.rid, d.reinvite(m.body, 'application/sdp', undefined, { glareRetry: m.glareRetry }));
        return;
      }
      case 'refer': {
        const d = this.dialog;
        if (!d) {
          this.link.send({ kind: 'failure', id, rid: m.rid, status: 481, message: 'no dialog yet' });
          return;
        }
        let refer: CallRefer;
        try {
          refer = d.refer(m.target, m.replaces ? { replaces: m.replaces } : {});
        } catch (err) {
          this.link.send({ kind: 'failure', id, rid: m.rid, status: 400, message: (err as Error).message });
          return;
        }
        const rid = m.rid;
        refer.on('progress', (p) =>
          this.link.send({ kind: 'refer-progress', id, rid, status: p.status, reason: p.reason }),
        );
        refer.outcome.catch((err: unknown) => {
          const status = (err as { status?: unknown }).status;
          const message = err instanceof Error ? err.message : String(err);
          this.link.send({ kind: 'failure', id, rid, status: typeof status === 'number' ? status : 500, message });
        });
        return;
      }
      case 'refer-answer': {
        const r = this.refers.get(m.rid);
        if (!r) return;
        if (m.action === 'accept') this.guard(() => r.accept());
        else if (m.action === 'reject') {
          this.refers.delete(m.rid);
          this.guard(() => r.reject(m.status, m.reason));
        } else {
          if (m.status >= 200) this.refers.delete(m.rid);
          void r.progress(m.status, m.reason).catch(() => undefined);
        }
        return;
      }
      case 'reinvite-answer': {
        const inc = this.reinvites.get(m.rid);
        if (!inc) return;
        this.reinvites.delete(m.rid);
        if (m.status < 300) void inc.accept(m.body, 'application/sdp').catch(() => undefined);
        else this.guard(() => inc.reject(m.status, m.reason));
        return;
      }
    }
  }

  private answer(rid: number, sent: Promise<{ status: number; reason: string; body: Uint8Array }>): void {
    sent.then(
      (r) =>
        this.link.send({
          kind: 'result',
          id: this.id,
          rid,
          result: { status: r.status, reason: r.reason, body: r.body },
        }),
      (err: unknown) => {
        const status = err instanceof RemoteError && err.status !== undefined ? err.status : 500;
        const message = err instanceof Error ? err.message : String(err);
        this.link.send({ kind: 'failure', id: this.id, rid, status, message });
      },
    );
  }

  /** The INVITE of a call the worker placed, or its CANCEL (`MainPlacedCall`; a call we received has none). */
  protected onPlacing(_m: Extract<CallMessage, { kind: 'invite' | 'cancel' }>): void {}

  private acked(dialog: CallDialog): void {
    if (this.orphan) {
      if (dialog.state === 'confirmed') void dialog.bye().catch(() => undefined);
      return;
    }
    this.watch(dialog, (info) => this.link.send({ kind: 'acked', id: this.id, dialog: info }));
  }

  /**
   * The call's dialog: `announce` tells the worker of it first, then the
   * peer's requests in it go to the worker (a REFER the dialog held for its
   * first listener goes out at once: after the worker has the dialog).
   */
  protected watch(dialog: CallDialog, announce: (info: DialogInfo) => void): void {
    this.dialog = dialog;
    const id = this.id;
    announce({
      role: dialog.role,
      remoteTarget: formatUri(dialog.remoteTarget),
      callId: dialog.callId,
      localTag: dialog.localTag,
      remoteTag: dialog.remoteTag,
      ackBody: dialog.lastAck?.body ?? new Uint8Array(0),
    });
    void dialog.terminated.then((reason) => {
      if (!this.orphan) this.link.send({ kind: 'dialog-ended', id, reason });
    });
    dialog.on('dtmf', (digit, durationMs) => this.link.send({ kind: 'dtmf', id, digit, durationMs }));
    dialog.on('refer', (r) => {
      r.defer();
      if (this.refers.size >= this.link.maxPending) return r.reject(491, 'Request Pending');
      const rid = this.nextRid++;
      this.refers.set(rid, r);
      this.link.send({
        kind: 'referred',
        id,
        rid,
        target: r.target,
        method: r.method,
        ...(r.replaces ? { replaces: r.replaces } : {}),
        ...(r.referredBy !== undefined ? { referredBy: r.referredBy } : {}),
      });
    });
    dialog.on('reinvite', (inc) => {
      if (this.reinvites.size >= this.link.maxPending) {
        inc.reject(491, 'Request Pending');
        return;
      }
      const rid = this.nextRid++;
      this.reinvites.set(rid, inc);
      this.link.send({ kind: 'reinvite', id, rid, body: inc.body });
    });
  }

  /** Its worker died: the peer's waiting requests are refused, the call ended (BYE, or 503 before the answer). */
  abandon(): void {
    this.orphan = true;
    for (const inc of this.reinvites.values()) this.guard(() => inc.reject(500, 'Server Internal Error'));
    this.reinvites.clear();
    for (const r of this.refers.values())
      if (r.answered) void r.progress(503, 'Service Unavailable').catch(() => undefined);
      else this.guard(() => r.reject(500, 'Server Internal Error'));
    this.refers.clear();
    const d = this.dialog;
    if (d) {
      if (d.state === 'confirmed') void d.bye().catch(() => undefined);
    } else if (!this.accepted && this.inc) {
      const inc = this.inc;
      this.guard(() => inc.reject(503, 'Service Unavailable'));
    }
    // Accepted but not yet ACKed: `acked` sends the BYE when the ACK comes.
  }

  protected guard(f: () => void): void {
    try {
      f();
    } catch (err) {
      this.link.log.debug(`a SIP answer after the fact: ${(err as Error).message}`);
    }
  }
}
