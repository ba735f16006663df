/**
 * The worker side of the hand-off (`docs/workers.md`): each `call` message
 * becomes a `ReceivedCall` on `RemoteInvite` and runs the app here, media
 * and all; the main thread's messages reach the call's stand-ins; the end
 * goes back as `ended`. Sans-I/O: the port and the call context come from
 * outside (a worker thread, or a test).
 */
import { ReceivedCall } from '../../app/call-incoming.js';
import { PlacedCall } from '../../app/call-outgoing.js';
import type { Call, CallContext, PlacingContext } from '../../app/call.js';
import type { FollowOptions } from '../../app/call-transfer.js';
import { CallStateError } from '../../app/errors.js';
import type { TimerHandle } from '../../clock/timers.js';
import type { Logger } from '../../log/logger.js';
import { parseSdp } from '../../sdp/parse.js';
import type { SessionDescription } from '../../sdp/types.js';
import { noteAuthenticated } from '../../sip/access/access-control.js';
import { SipUsageError } from '../../sip/errors.js';
import { SipRequest } from '../../sip/message/message.js';
import { parseMessage } from '../../sip/message/parse.js';
import { parseUri } from '../../sip/message/uri.js';
import { serveCall, type VoiceApp } from '../server.js';
import type { Tts } from '../tts.js';
import { toWorker, type Port, type ToMain, type ToWorker } from './protocol.js';
import { RemoteInvite, type RemoteDialog } from './remote-call.js';
import { RemotePlacer } from './remote-placed.js';

/** What every call of a worker shares: its context but for where its SDP points. */
export type WorkerCallContext = Omit<CallContext, 'sdpAddress' | 'place' | 'done'>;

export interface WorkerCallsOptions {
  readonly port: Port<ToMain>;
  readonly ctx: WorkerCallContext;
  readonly app: VoiceApp;
  readonly maxCallMs: number;
  readonly tts?: Tts;
  readonly log: Logger;
  /** The From of the calls this worker places (the phone's address-of-record). */
  readonly aor: string;
}

/** A call's SIP side in the worker: the INVITE we received, or the user agent of a call we placed. */
type CallSide = RemoteInvite | RemotePlacer;

/** Calls placed at once that may wait for the main thread to say where they go. */
const MAX_PLACING = 256;

export class WorkerCalls {
  private readonly calls = new Map<number, { side: CallSide; call: Call }>();
  /** Placed calls waiting for their number from the main thread, by `ref`. */
  private readonly placing = new Map<number, RemotePlacer>();
  private nextRef = 1;
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
    if (m.kind === 'placed') {
      const p = this.placing.get(m.ref);
      if (p) p.onPlaced(m);
      else
        this.o.port.post({
          kind: 'ended',
          id: m.id,
          end: { reason: 'failed', message: 'placed too late', answered: false, durationMs: 0 },
          appError: false,
          timedOut: false,
        });
      return;
    }
    if (m.kind === 'place-refused') {
      this.placing.get(m.ref)?.onRefused(m.status, m.message);
      return;
    }
    const c = this.calls.get(m.id);
    if (!c) return;
    const side = c.side;
    const dialog: RemoteDialog | undefined = side.dialog;
    switch (m.kind) {
      case 'cancelled':
        if (side instanceof RemoteInvite) side.onCancelled();
        return;
      case 'acked':
        if (side instanceof RemoteInvite) side.onAcked(m.dialog);
        return;
      case 'unacked':
        if (side instanceof RemoteInvite) side.onUnacked(m.status, m.reason);
        return;
      case 'invite-progress':
        if (side instanceof RemotePlacer) side.onProgress(m.callId, m.response);
        return;
      case 'invite-answered':
        if (side instanceof RemotePlacer) side.onAnswered(m);
        return;
      case 'invite-failed':
        if (side instanceof RemotePlacer) side.onFailed(m);
        return;
      case 'dtmf':
        dialog?.onDtmf(m.digit, m.durationMs);
        return;
      case 'reinvite':
        if (dialog) dialog.onReinvite(m.rid, m.body);
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
        dialog?.onEnded(m.reason);
        return;
      case 'result':
        side.onResult(m.rid, m.result);
        return;
      case 'failure':
        side.onFailure(m.rid, m.status, m.message);
        return;
      case 'hangup':
        void c.call.hangup(m.reason);
        return;
      case 'referred':
        if (dialog) dialog.onReferred(m);
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
        dialog?.onReferProgress(m.rid, m.status, m.reason);
        return;
    }
  }

  /**
   * Place a call from this worker (an app follows the peer's REFER): the
   * call, its media and its offer are made here; the main thread sends its
   * INVITE. It lives here until it ends, under the same longest duration as
   * the calls the app serves. A URI that is not sip: or sips: throws, as
   * the phone's `call` does.
   */
  private placeCall(uri: string, opts: FollowOptions, sdpFallback: string): Call {
    const target = uri.trim();
    let kind: string;
    try {
      kind = parseUri(target).kind;
    } catch (err) {
      throw new SipUsageError(`call ${JSON.stringify(uri)}: ${(err as Error).message}`);
    }
    if (kind !== 'sip') throw new SipUsageError(`call ${JSON.stringify(uri)}: only sip: and sips: URIs can be called`);
    if (this.placing.size >= MAX_PLACING) throw new CallStateError('too many calls being placed at once');
    const timers = this.o.ctx.platform.timers;
    const ref = this.nextRef++;
    let call: PlacedCall | undefined;
    const placer = new RemotePlacer(ref, this.o.port, timers, (p) => {
      this.placing.delete(ref);
      if (p.id !== undefined && call && !call.end) this.calls.set(p.id, { side: p, call });
    });
    this.placing.set(ref, placer);
    const ctx: PlacingContext = {
      ...this.o.ctx,
      ua: placer,
      sdpAddress: () => placer.sdpAddress ?? sdpFallback,
      place: (u, o) => this.placeCall(u, o, sdpFallback),
      done: () => {},
    };
    const placed = new PlacedCall(ctx, opts.from ?? this.o.aor, target, target, opts);
    call = placed;
    const limit: TimerHandle = timers.setTimer(this.o.maxCallMs, () => {
      this.o.log.warn(`the call placed to ${target} outlived the longest a call may last: hanging up`);
      void placed.hangup();
    });
    void placed.ended.then((end) => {
      timers.clearTimer(limit);
      this.placing.delete(ref);
      const id = placer.id;
      if (id === undefined) return;
      this.calls.delete(id);
      placer.waiting.rejectAll(new CallStateError('the call ended'));
      this.o.port.post({ kind: 'ended', id, end, appError: false, timedOut: false });
    });
    return placed;
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
    const inc = new RemoteInvite(m.id, request.callId, source, request, this.o.port, this.o.ctx.platform.timers);
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
      place: (uri, opts) => this.placeCall(uri, opts, m.sdpAddress),
      done: () => {},
    };
    const call = new ReceivedCall(ctx, m.local, m.remote, inc, offer);
    this.calls.set(m.id, { side: inc, call });
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
