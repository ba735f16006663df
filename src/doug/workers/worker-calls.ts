/**
 * The worker side of the hand-off (`docs/workers.md`): each `call` message
 * becomes a `ReceivedCall` on `RemoteInvite` and runs the app here, media
 * and all; the main thread's messages reach the call's stand-ins; the end
 * goes back as `ended`. Sans-I/O: the port and the call context come from
 * outside (a worker thread, or a test).
 */
import { ReceivedCall } from '../../app/call-incoming.js';
import type { CallContext } from '../../app/call.js';
import { CallStateError } from '../../app/errors.js';
import type { Logger } from '../../log/logger.js';
import { parseSdp } from '../../sdp/parse.js';
import type { SessionDescription } from '../../sdp/types.js';
import { noteAuthenticated } from '../../sip/access/access-control.js';
import { SipRequest } from '../../sip/message/message.js';
import { parseMessage } from '../../sip/message/parse.js';
import { serveCall, type VoiceApp } from '../server.js';
import type { Tts } from '../tts.js';
import { toWorker, type Port, type ToMain, type ToWorker } from './protocol.js';
import { RemoteInvite } from './remote-call.js';

/** What every call of a worker shares: its context but for where its SDP points. */
export type WorkerCallContext = Omit<CallContext, 'sdpAddress' | 'place' | 'done'>;

export interface WorkerCallsOptions {
  readonly port: Port<ToMain>;
  readonly ctx: WorkerCallContext;
  readonly app: VoiceApp;
  readonly maxCallMs: number;
  readonly tts?: Tts;
  readonly log: Logger;
}

export class WorkerCalls {
  private readonly calls = new Map<number, { inc: RemoteInvite; call: ReceivedCall }>();
  /** Messages that did not fit the protocol. */
  malformed = 0;

  constructor(private readonly o: WorkerCallsOptions) {}

  /** Tell the main thread we take calls. */
  ready(): void {
    this.o.port.post({ kind: 'ready' });
  }

  /** Calls running here now. */
  get active(): number {
    return this.calls.size;
  }

  /** A message from the main thread. */
  handle(raw: unknown): void {
    const m = toWorker(raw);
    if (!m) {
      this.malformed++;
      this.o.log.warn('a message from the main thread that is not one of the protocol: dropped');
      return;
    }
    if (m.kind === 'ping') {
      this.o.port.post({ kind: 'pong', seq: m.seq });
      return;
    }
    if (m.kind === 'call') {
      this.start(m);
      return;
    }
    const c = this.calls.get(m.id);
    if (!c) return;
    switch (m.kind) {
      case 'cancelled':
        c.inc.onCancelled();
        return;
      case 'acked':
        c.inc.onAcked(m.dialog);
        return;
      case 'unacked':
        c.inc.onUnacked(m.status, m.reason);
        return;
      case 'dtmf':
        c.inc.dialog?.onDtmf(m.digit, m.durationMs);
        return;
      case 'reinvite':
        if (c.inc.dialog) c.inc.dialog.onReinvite(m.rid, m.body);
        else
          this.o.port.post({
            kind: 'reinvite-answer',
            id: m.id,
            rid: m.rid,
            status: 491,
            reason: undefined,
            body: new Uint8Array(0),
          });
        return;
      case 'dialog-ended':
        c.inc.dialog?.onEnded(m.reason);
        return;
      case 'result':
        c.inc.onResult(m.rid, m.result);
        return;
      case 'failure':
        c.inc.onFailure(m.rid, m.status, m.message);
        return;
      case 'hangup':
        void c.call.hangup(m.reason);
        return;
      case 'referred':
        if (c.inc.dialog) c.inc.dialog.onReferred(m);
        else
          this.o.port.post({
            kind: 'refer-answer',
            id: m.id,
            rid: m.rid,
            action: 'reject',
            status: 481,
            reason: undefined,
          });
        return;
      case 'refer-progress':
        c.inc.dialog?.onReferProgress(m.rid, m.status, m.reason);
        return;
    }
  }

  private start(m: Extract<ToWorker, { kind: 'call' }>): void {
    const parsed = parseMessage(m.invite, { datagram: false });
    if (!('message' in parsed) || !(parsed.message instanceof SipRequest)) {
      this.o.port.post({ kind: 'reject', id: m.id, status: 500, reason: 'Server Internal Error' });
      this.ended(m.id, false, false, 'failed', 'the INVITE did not reach the worker whole');
      return;
    }
    const request = parsed.message;
    if (m.authUser !== undefined) noteAuthenticated(request, m.authUser);
    const source = { transport: m.transport, remote: { address: m.remoteAddress, port: m.remotePort } };
    const inc = new RemoteInvite(m.id, request.callId, source, request, this.o.port);
    let offer: SessionDescription | undefined;
    if (request.body.length > 0) {
      try {
        offer = parseSdp(Buffer.from(request.body).toString('utf8'));
      } catch (err) {
        inc.reject(400, 'Bad SDP');
        this.ended(m.id, false, false, 'failed', (err as Error).message);
        return;
      }
    }
    const ctx: CallContext = {
      ...this.o.ctx,
      sdpAddress: () => m.sdpAddress,
      place: () => {
        throw new CallStateError('following a transfer is not available to a call in a media worker');
      },
      done: () => {},
    };
    const call = new ReceivedCall(ctx, m.local, m.remote, inc, offer);
    this.calls.set(m.id, { inc, call });
    void serveCall(call, this.o.app, {
      log: this.o.log,
      maxCallMs: this.o.maxCallMs,
      ...(this.o.tts ? { tts: this.o.tts } : {}),
    }).then(
      (r) => {
        this.calls.delete(m.id);
        inc.waiting.rejectAll(new CallStateError('the call ended'));
        this.o.port.post({ kind: 'ended', id: m.id, end: r.end, appError: r.appError, timedOut: r.timedOut });
      },
      (err: unknown) => {
        this.calls.delete(m.id);
        this.o.log.error(`the call from ${m.remote} failed: ${(err as Error)?.message ?? String(err)}`);
        this.ended(m.id, true, false, 'failed', 'the call failed in its worker');
      },
    );
  }

  private ended(id: number, appError: boolean, timedOut: boolean, reason: 'failed', message: string): void {
    this.o.port.post({
      kind: 'ended',
      id,
      end: { reason, message, answered: false, durationMs: 0 },
      appError,
      timedOut,
    });
  }
}
