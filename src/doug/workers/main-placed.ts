/**
 * A call a worker places (its app follows the peer's REFER), on the main
 * thread (`docs/workers.md`): the worker made the media and the offer; here
 * the INVITE goes out on the phone's user agent (the client transaction,
 * the ACK, the dialog), its responses go back to the worker, and once
 * answered the dialog crosses like an incoming call's (`MainCall`).
 * A worker that dies has the INVITE cancelled (a 2xx after that gets BYE).
 */
import type { CallOutgoingInvite, CallPlacer } from '../../app/call-sip.js';
import { SipRequestFailedError } from '../../sip/errors.js';
import { serializeMessage } from '../../sip/message/serialize.js';
import { MainCall, type CallLink, type CallMessage } from './main-call.js';

/** What places the workers' calls: the phone's user agent, and the address our SDP names towards a host. */
export interface MainPlacer extends CallPlacer {
  sdpAddress(towards: string): string;
}

export class MainPlacedCall<S> extends MainCall<S> {
  /** The INVITE under way (after a 3xx, the latest). */
  private out: CallOutgoingInvite | undefined;

  constructor(
    id: number,
    slot: S,
    now: number,
    link: CallLink,
    private readonly placer: CallPlacer,
  ) {
    super(id, undefined, slot, undefined, now, link);
  }

  protected override onPlacing(m: Extract<CallMessage, { kind: 'invite' | 'cancel' }>): void {
    if (m.kind === 'cancel') {
      this.guard(() => this.out?.cancel());
      return;
    }
    if (this.orphan || this.dialog) return;
    const id = this.id;
    let out: CallOutgoingInvite;
    try {
      out = this.placer.invite(m.target, {
        body: Buffer.from(m.body).toString('utf8'),
        contentType: m.contentType,
        headers: m.headers,
        ...(m.from !== undefined ? { from: m.from } : {}),
      });
    } catch (err) {
      const message = (err as Error).message;
      this.link.send({ kind: 'invite-failed', id, status: 400, reason: 'Bad Request', message, failure: 'status' });
      return;
    }
    this.out = out;
    out.on('progress', (res) => {
      if (this.out !== out || this.orphan) return;
      this.link.send({
        kind: 'invite-progress',
        id,
        callId: out.callId,
        response: new Uint8Array(serializeMessage(res)),
      });
    });
    out.answered.then(
      (dialog) => {
        if (this.orphan) {
          if (dialog.state === 'confirmed') void dialog.bye().catch(() => undefined);
          return;
        }
        this.accepted = true;
        const body = out.response?.body ?? new Uint8Array(0);
        this.watch(dialog, (info) =>
          this.link.send({ kind: 'invite-answered', id, callId: out.callId, body, dialog: info }),
        );
      },
      (err: unknown) => {
        if (this.orphan) return;
        const f =
          err instanceof SipRequestFailedError
            ? err
            : new SipRequestFailedError(err instanceof Error ? err.message : String(err), 500, 'Server Internal Error');
        this.link.send({
          kind: 'invite-failed',
          id,
          status: f.status,
          reason: f.reason,
          message: f.message,
          failure: f.kind,
          ...(f.response ? { response: new Uint8Array(serializeMessage(f.response)) } : {}),
        });
      },
    );
  }

  /** Its worker died: an INVITE still unanswered is cancelled; an answered call gets BYE (as any call). */
  override abandon(): void {
    if (!this.dialog && this.out) this.guard(() => this.out?.cancel());
    super.abandon();
  }
}
