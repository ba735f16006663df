/**
 * A call a media worker places (its app follows the peer's REFER), on the
 * worker's side (`docs/workers.md`): `RemotePlacer` stands in for the user
 * agent a `PlacedCall` sends its INVITE with. The call's media and offer
 * are made here; the main thread resolves where the INVITE goes (`place`,
 * answered `placed` with the call's number, or `place-refused`), sends it
 * (`invite`) and CANCELs it (`cancel`), and relays its responses; once
 * answered, the dialog is a `RemoteDialog` like an incoming call's.
 */
import type { CallOutgoingInvite, CallPlacer } from '../../app/call-sip.js';
import type { TimerHost } from '../../clock/timers.js';
import { SipRequestFailedError } from '../../sip/errors.js';
import { SipResponse, type HeaderInit } from '../../sip/message/message.js';
import { parseMessage } from '../../sip/message/parse.js';
import { quietPromise, TypedEmitter } from '../../util/emitter.js';
import type { Port, ResultInfo, ToMain, ToWorker } from './protocol.js';
import { RemoteDialog, Waiting } from './remote-call.js';

/** How long the main thread may take to say where a call goes, ms (it resolves the name first). */
export const PLACE_ANSWER_MS = 30_000;

function responseOf(bytes: Uint8Array | undefined): SipResponse | undefined {
  if (!bytes) return undefined;
  const parsed = parseMessage(bytes, { datagram: false });
  return 'message' in parsed && parsed.message instanceof SipResponse ? parsed.message : undefined;
}

function headerPairs(h: HeaderInit | undefined): [string, string][] {
  return (h ?? []).map((f): [string, string] => ('name' in f ? [f.name, f.value] : [f[0], f[1]]));
}

/** The INVITE of a placed call, as its `PlacedCall` follows it. */
class RemoteOutgoing extends TypedEmitter<{ progress: [response: SipResponse] }> implements CallOutgoingInvite {
  sent = false;
  callId = '';
  response: { readonly body: Uint8Array } | undefined;
  private readonly result = quietPromise<RemoteDialog>();
  constructor(private readonly cancelFn: () => void) {
    super();
  }
  get answered(): Promise<RemoteDialog> {
    return this.result.promise;
  }
  cancel(): void {
    this.cancelFn();
  }
  /** @internal */
  progress(callId: string, res: SipResponse): void {
    this.sent = true;
    this.callId = callId;
    this.emit('progress', res);
  }
  /** @internal */
  answer(callId: string, body: Uint8Array, dialog: RemoteDialog): void {
    this.sent = true;
    this.callId = callId;
    this.response = { body };
    this.result.resolve(dialog);
  }
  /** @internal */
  fail(err: SipRequestFailedError): void {
    this.result.reject(err);
  }
}

/** The user agent of one placed call, in its worker. */
export class RemotePlacer implements CallPlacer {
  /** The call's number, given by the main thread (`placed`). */
  id: number | undefined;
  readonly waiting = new Waiting();
  dialog: RemoteDialog | undefined;
  private hop: { host: string; transport: Extract<ToWorker, { kind: 'placed' }>['transport'] } | undefined;
  private where: string | undefined;
  private refusal: { status: number; message: string } | undefined;
  private asked = false;
  private readonly prepared = quietPromise<void>();
  private out: RemoteOutgoing | undefined;
  private offer: Uint8Array | undefined;

  constructor(
    readonly ref: number,
    private readonly port: Port<ToMain>,
    private readonly timers: TimerHost,
    /** The main thread gave the call its number (or refused it). */
    private readonly onSettled: (placer: RemotePlacer) => void,
  ) {}

  /** The address our SDP names towards the next hop (from the main thread), once placed. */
  get sdpAddress(): string | undefined {
    return this.where;
  }

  prepare(uri: string): Promise<void> {
    if (!this.asked) {
      this.asked = true;
      this.port.post({ kind: 'place', ref: this.ref, target: uri });
      const timer = this.timers.setTimer(PLACE_ANSWER_MS, () =>
        this.onRefused(504, `the main thread did not say where ${uri} goes in ${PLACE_ANSWER_MS / 1000} s`),
      );
      void this.prepared.promise.then(() => this.timers.clearTimer(timer));
    }
    return this.prepared.promise;
  }

  nextHop(_uri: string): { host: string; transport: Extract<ToWorker, { kind: 'placed' }>['transport'] } {
    if (!this.hop)
      throw new SipRequestFailedError(this.refusal?.message ?? 'not placed', this.refusal?.status ?? 503, '');
    return this.hop;
  }

  invite(uri: string, opts: Parameters<CallPlacer['invite']>[1]): CallOutgoingInvite {
    const out = new RemoteOutgoing(() => {
      if (this.id !== undefined && this.out === out) this.port.post({ kind: 'cancel', id: this.id });
    });
    this.out = out;
    const id = this.id;
    if (id === undefined) {
      const r = this.refusal ?? { status: 503, message: 'the call was not placed' };
      out.fail(new SipRequestFailedError(`INVITE ${uri}: ${r.message}`, r.status, r.message));
      return out;
    }
    this.offer = new Uint8Array(Buffer.from(opts.body, 'utf8'));
    this.port.post({
      kind: 'invite',
      id,
      target: uri,
      body: this.offer,
      contentType: opts.contentType,
      headers: headerPairs(opts.headers),
      ...(opts.from !== undefined ? { from: opts.from } : {}),
    });
    return out;
  }

  /** @internal `placed`: the call's number, where its INVITE goes. */
  onPlaced(m: Extract<ToWorker, { kind: 'placed' }>): void {
    if (this.id !== undefined || this.refusal) {
      // Too late (we stopped waiting): the main thread forgets it at once.
      this.port.post({
        kind: 'ended',
        id: m.id,
        end: { reason: 'failed', message: 'placed too late', answered: false, durationMs: 0 },
        appError: false,
        timedOut: false,
      });
      return;
    }
    this.id = m.id;
    this.hop = { host: m.host, transport: m.transport };
    this.where = m.sdpAddress;
    this.onSettled(this);
    this.prepared.resolve();
  }

  /** @internal `place-refused` (or no answer in time): the INVITE fails at once. */
  onRefused(status: number, message: string): void {
    if (this.id !== undefined || this.refusal) return;
    this.refusal = { status, message };
    this.onSettled(this);
    this.prepared.resolve();
  }

  /** @internal A provisional response. */
  onProgress(callId: string, response: Uint8Array): void {
    const res = responseOf(response);
    if (res) this.out?.progress(callId, res);
  }

  /** @internal The 2xx (ACK sent by the main thread): the dialog. */
  onAnswered(m: Extract<ToWorker, { kind: 'invite-answered' }>): void {
    const out = this.out;
    if (!out || this.id === undefined || this.dialog) return;
    const offer = this.offer;
    this.dialog = new RemoteDialog(
      this.id,
      m.dialog,
      this.port,
      this.waiting,
      offer ? { body: offer, contentType: 'application/sdp' } : undefined,
      this.timers,
    );
    out.answer(m.callId, m.body, this.dialog);
  }

  /** @internal No 2xx. */
  onFailed(m: Extract<ToWorker, { kind: 'invite-failed' }>): void {
    this.out?.fail(new SipRequestFailedError(m.message, m.status, m.reason, responseOf(m.response), m.failure));
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
