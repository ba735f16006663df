/**
 * `Call`: one SIP dialog, one RTP session, the negotiated codec, one audio
 * source and one sink — the seed's "A SIP Call" as an object. A `Phone`
 * makes them: `phone.call(uri)` for an outgoing call, the `incoming` event
 * for one that arrives.
 *
 * Lifecycle: `calling` → (`ringing`) → `answered` → `ended`; an incoming
 * call starts `ringing` (nothing sent yet but 100 Trying) and is answered
 * with `answer()` or refused with `reject()`. Whatever happens, `ended`
 * resolves exactly once with the reason and SIP status, after the media
 * stopped and the recording was finished.
 */
import type { AudioSink, AudioSource } from '../audio/device.js';
import type { Codec } from '../codecs/codec.js';
import { silentLogger, type Logger } from '../log/logger.js';
import type { TimerHandle, TimerHost } from '../clock/timers.js';
import type { MediaDirection } from '../rtp/rtp-session-types.js';
import { isTelephoneEvent } from '../sdp/media-format.js';
import { createAnswer, createOffer, processAnswer, type NegotiatedMedia } from '../sdp/offer-answer.js';
import { parseSdp } from '../sdp/parse.js';
import { serializeSdp } from '../sdp/serialize.js';
import { SdpNegotiationError, SdpParseError } from '../sdp/errors.js';
import type { SessionDescription } from '../sdp/types.js';
import type { IncomingCall, OutgoingCall } from '../sip/api/call.js';
import type { Dialog } from '../sip/api/dialog.js';
import { TypedEmitter, quietPromise } from '../util/emitter.js';
import type { UserAgent } from '../sip/api/user-agent.js';
import type { DialogEndReason } from '../sip/core/dialog.js';
import { dtmfRelayBody } from '../sip/core/dtmf-body.js';
import { SipRequestFailedError } from '../sip/errors.js';
import type { HeaderInit } from '../sip/message/message.js';
import type { NameAddr } from '../sip/message/name-addr.js';
import { getParam } from '../sip/message/params.js';
import { formatUri } from '../sip/message/uri.js';
import type {
  AnsweredInfo,
  CallEnd,
  CallEndReason,
  CallStats,
  DtmfMode,
  DtmfReceived,
  HoldChange,
} from './call-types.js';
import { CallEndedError, CallFailedError, CallStateError } from './errors.js';
import type { MediaPlatform } from './media-platform.js';
import { MediaSession, type MediaRtpOptions } from './media-session.js';
import type { RtpChannel } from '../rtp/rtp-channel.js';
import { currentFormats, formatsFor, SdpOrigin } from './sdp-local.js';
import type { TransportAddress as StunAddress } from '../stun/ip-address.js';

export type CallState = 'calling' | 'ringing' | 'answered' | 'ended';

export type CallEvents = {
  /** 100 Trying: the other side (or a proxy) has the INVITE. */
  trying: [];
  /** 180 Ringing or 183 Session Progress. */
  ringing: [status: number];
  /**
   * A provisional response (183 Session Progress, or 180) carried the SDP
   * answer: the far end's audio (an announcement, the network's ringback)
   * flows to the sink from now on, before any answer (RFC 3261 13.2.1).
   */
  'early-media': [info: { status: number; codec: string }];
  /** A 3xx sent the call elsewhere: a new INVITE goes to `target`. */
  redirected: [info: { status: number; target: string }];
  answered: [info: AnsweredInfo];
  /** A DTMF key arrived (RFC 4733, SIP INFO or in-band tones). */
  dtmf: [dtmf: DtmfReceived];
  /** Once a second while answered. */
  stats: [stats: CallStats];
  /** The media was put on hold or taken off it (re-INVITE, either side). */
  hold: [change: HoldChange];
  /** The source being played ran out. */
  'source-end': [source: AudioSource];
  ended: [end: CallEnd];
};

/** The media settings every call of a phone shares. */
export interface CallMediaSettings {
  /** Local address the RTP sockets bind (0.0.0.0: all). */
  readonly address: string;
  readonly portMin: number;
  readonly portMax: number;
  /** Offer and accept rtcp-mux (RFC 5761). */
  readonly rtcpMux: boolean;
  /** RTP session settings (RTCP interval, RTP timeout, jitter buffer, RFC 4733 tones). */
  readonly rtp: MediaRtpOptions;
  /** Learn the RTP sockets' public mapping from this STUN server (and keep it open). */
  readonly stun?: {
    readonly server: StunAddress;
    readonly keepAliveMs: number;
    readonly rto?: number;
    readonly rc?: number;
  };
  /** Keep the RTP socket open this long after hanging up, to hear the peer's last RTCP report. */
  readonly lingerMs: number;
}

/** What a call needs from its phone. @internal */
export interface CallContext {
  readonly ua: UserAgent;
  readonly platform: MediaPlatform;
  readonly media: CallMediaSettings;
  readonly codecs: readonly Codec[];
  readonly inbandDtmf: 'auto' | 'on' | 'off';
  readonly log: Logger;
  /** The address our SDP names when the RTP socket is bound to a wildcard. */
  sdpAddress(): string;
  /** The call is over: forget it. */
  done(call: Call): void;
}

export interface PlaceCallOptions {
  /** Codecs to offer, in order (default: the phone's). */
  readonly codecs?: readonly Codec[];
  /** What we send once answered (the call closes it at the end). Default: silence. */
  readonly source?: AudioSource;
  /** Where received audio goes (the call closes it at the end). */
  readonly sink?: AudioSink;
  /** CANCEL when not answered within this time, ms. Default: no limit. */
  readonly answerTimeoutMs?: number;
  readonly headers?: HeaderInit;
  /** From of the INVITE (default: the phone's AOR). */
  readonly from?: string;
}

export interface AnswerOptions {
  readonly source?: AudioSource;
  readonly sink?: AudioSink;
  /** Echo every received packet straight back (an echo service): no source, sink or taps. */
  readonly echo?: boolean;
  readonly headers?: HeaderInit;
}

const BYE_WAIT_MS = 4000;

function text(body: Uint8Array): string {
  return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
}

/** A call's end from a failed INVITE. */
function failureEnd(
  err: unknown,
  cancelledBy: CallEndReason | undefined,
): { reason: CallEndReason; status?: number; message: string } {
  if (err instanceof SipRequestFailedError) {
    const status = err.status;
    if (status === 487 && cancelledBy)
      return {
        reason: cancelledBy,
        status,
        message: cancelledBy === 'no-answer' ? 'no answer' : cancelledBy === 'shutdown' ? 'shut down' : 'cancelled',
      };
    if (err.kind === 'timeout') return { reason: 'no-answer', status, message: err.message };
    if (err.kind === 'transport') return { reason: 'failed', status, message: err.message };
    if (status === 486 || status === 600) return { reason: 'busy', status, message: err.message };
    if (status === 408) return { reason: 'no-answer', status, message: err.message };
    return { reason: 'rejected', status, message: err.message };
  }
  return { reason: 'failed', message: err instanceof Error ? err.message : String(err) };
}

/** How many 3xx redirects one call follows before it takes the last one as its answer. */
const MAX_REDIRECTS = 5;

/**
 * Where a 3xx sends the call (RFC 3261 8.1.3.4): the Contact URIs of the
 * response, highest q first (equal q in the order given), skipping those
 * already tried (a redirect loop) and any that is not sip or sips.
 * Undefined when the failure is not a redirect or leads nowhere new.
 */
function redirectTarget(err: unknown, tried: ReadonlySet<string>): string | undefined {
  if (!(err instanceof SipRequestFailedError) || err.status < 300 || err.status > 399 || !err.response)
    return undefined;
  let contacts: readonly NameAddr[] | '*';
  try {
    contacts = err.response.contacts;
  } catch {
    return undefined; // an unparseable Contact: the 3xx stands as the answer
  }
  if (contacts === '*') return undefined;
  const q = (c: NameAddr) => {
    const v = Number(getParam(c.params, 'q') ?? 1);
    return Number.isFinite(v) ? v : 0;
  };
  const ranked = contacts.map((c, i) => ({ c, i, q: q(c) })).sort((a, b) => b.q - a.q || a.i - b.i);
  for (const { c } of ranked) {
    if (c.uri.scheme !== 'sip' && c.uri.scheme !== 'sips') continue;
    const target = formatUri(c.uri);
    if (!tried.has(target)) return target;
  }
  return undefined;
}

/**
 * One call.
 *
 * @example
 * const call = phone.call('sip:echo@127.0.0.1:5070', { source: await audio.openSource('tone:440') });
 * call.on('ringing', () => console.log('ringing'));
 * const info = await call.answered;            // rejects with CallFailedError (busy, rejected, no answer…)
 * console.log('answered with', info.codec);
 * call.on('dtmf', (d) => console.log('key', d.digit));
 * await call.sendDtmf('123#');
 * const end = await call.hangup();
 * console.log(end.reason, call.stats());
 */
export class Call extends TypedEmitter<CallEvents> {
  readonly direction: 'outgoing' | 'incoming';
  /** The remote party: To of an outgoing call, From of an incoming one. */
  readonly remote: string;
  /** Our side: From of an outgoing call, To of an incoming one. */
  readonly local: string;
  state: CallState;
  /** The media, once answered. */
  media: MediaSession | undefined;
  /** The dialog, once answered. */
  dialog: Dialog | undefined;
  /** How it ended, once it has. */
  end: CallEnd | undefined;
  /** The Call-ID. */
  callId: string | undefined;

  private readonly ctx: CallContext;
  private readonly log: Logger;
  private readonly answeredP = quietPromise<AnsweredInfo>();
  private readonly endedP = quietPromise<CallEnd>();
  private readonly origin = new SdpOrigin();
  private channel: RtpChannel | undefined;
  private outgoing: OutgoingCall | undefined;
  private incoming: IncomingCall | undefined;
  private offer: SessionDescription | undefined;
  private negotiated: NegotiatedMedia | undefined;
  private src: AudioSource | undefined;
  private snk: AudioSink | undefined;
  private answeredAt: number | undefined;
  private ending = false;
  /** The reason `finish` was given (before `end` is set, while closing). */
  private finalReason: CallEndReason | undefined;
  /** Why we are hanging up (our BYE makes the dialog end as `local-bye`). */
  private endReason: CallEndReason | undefined;
  /** The whole end to report when the dialog ends under our BYE, when known beforehand. */
  private pendingEnd: { reason: CallEndReason; status?: number; message: string } | undefined;
  private cancelledBy: 'hangup' | 'no-answer' | undefined;
  private answerTimer: TimerHandle | undefined;
  private statsTimer: TimerHandle | undefined;
  private localDirection: MediaDirection = 'sendrecv';
  private remoteHeld = false;
  private readonly extraSources = new Set<AudioSource>();

  /** @internal use `phone.call()` or the phone's `incoming` event. */
  constructor(ctx: CallContext, direction: 'outgoing' | 'incoming', local: string, remote: string) {
    super();
    this.ctx = ctx;
    this.log = ctx.log ?? silentLogger;
    this.direction = direction;
    this.local = local;
    this.remote = remote;
    this.state = direction === 'outgoing' ? 'calling' : 'ringing';
  }

  /** Resolves when answered; rejects with `CallFailedError` when the call ends first. */
  get answered(): Promise<AnsweredInfo> {
    return this.answeredP.promise;
  }

  /** Resolves once the call has ended (media stopped, recording finished). */
  get ended(): Promise<CallEnd> {
    return this.endedP.promise;
  }

  /** The timers of the call's platform (virtual in tests): what apps time their waits with. */
  get timers(): TimerHost {
    return this.ctx.platform.timers;
  }

  /** The codec we send, once answered. */
  get codec(): string | undefined {
    return this.media?.codec.name;
  }

  // ---- outgoing ----------------------------------------------------------

  /** @internal */
  dial(uri: string, opts: PlaceCallOptions): void {
    this.src = opts.source;
    this.snk = opts.sink;
    void this.runDial(uri, opts).catch((err: unknown) =>
      this.finish({ reason: 'failed', message: (err as Error).message }),
    );
  }

  private async runDial(uri: string, opts: PlaceCallOptions): Promise<void> {
    const { platform } = this.ctx;
    if (opts.answerTimeoutMs !== undefined) {
      this.answerTimer = platform.timers.setTimer(opts.answerTimeoutMs, () => {
        this.answerTimer = undefined;
        if (this.state === 'answered' || this.ending) return;
        void this.hangup('no-answer');
      });
    }
    try {
      this.channel = await this.openChannel();
    } catch (err) {
      return this.finish({ reason: 'failed', message: `cannot open RTP ports: ${(err as Error).message}` });
    }
    if (this.cancelledBy) {
      const reason = this.cancelledBy === 'no-answer' ? 'no-answer' : (this.endReason ?? 'hangup');
      return this.finish({
        reason,
        message: reason === 'no-answer' ? 'no answer' : reason === 'shutdown' ? 'shut down' : 'cancelled',
      });
    }
    const codecs = opts.codecs ?? this.ctx.codecs;
    const offer = createOffer(
      this.origin.local(this.channel, this.ctx.sdpAddress(), formatsFor(codecs), 'sendrecv', this.ctx.media.rtcpMux),
    );
    this.offer = offer;
    let invite: OutgoingCall;
    let dialog: Dialog;
    const tried = new Set<string>([uri]);
    for (let target = uri; ; ) {
      invite = this.sendInvite(target, offer, opts);
      try {
        dialog = await invite.answered;
        break;
      } catch (err) {
        const next =
          this.cancelledBy || this.ending || tried.size > MAX_REDIRECTS ? undefined : redirectTarget(err, tried);
        if (next === undefined)
          return this.finish(
            failureEnd(err, this.cancelledBy === 'no-answer' ? 'no-answer' : (this.endReason ?? this.cancelledBy)),
          );
        const status = (err as SipRequestFailedError).status;
        this.log.info(`redirected (${status}) to ${next}`);
        this.emit('redirected', { status, target: next });
        tried.add(next);
        target = next;
      }
    }
    this.clearAnswerTimer();
    this.dialog = dialog;
    this.watchDialog(dialog);
    if (this.cancelledBy) {
      // Answered while we were cancelling: RFC 3261 9.1 leaves BYE as the way out.
      this.endReason = this.cancelledBy;
      await this.bye();
      return;
    }
    let negotiated: NegotiatedMedia;
    const body = invite.response?.body ?? new Uint8Array(0);
    if (this.media && this.negotiated && body.length === 0) {
      // The answer came with early media and the 2xx does not repeat it: keep what plays.
      this.onAnswered();
      return;
    }
    try {
      negotiated = processAnswer(offer, parseSdp(text(body)));
    } catch (err) {
      this.log.warn(`the answer's SDP does not fit our offer: ${(err as Error).message}`);
      this.endReason = 'failed';
      this.pendingEnd = { reason: 'failed', status: 488, message: `unusable SDP answer: ${(err as Error).message}` };
      await this.bye();
      return this.finish(this.pendingEnd);
    }
    if (this.media && this.negotiated && !sameStream(this.negotiated, negotiated)) {
      // The 2xx answers differently from the early media (another fork, another gateway): switch.
      this.log.debug('the answer differs from the early media SDP: restarting media');
      const early = this.media;
      this.media = undefined;
      await early
        .close('early media replaced', 0)
        .catch((err: unknown) => this.log.debug(`closing early media: ${(err as Error).message}`));
    }
    if (this.media === undefined) this.startMedia(negotiated, false);
    this.onAnswered();
  }

  /** One INVITE of the call (the first, or one after a redirect) with our offer. */
  private sendInvite(uri: string, offer: SessionDescription, opts: PlaceCallOptions): OutgoingCall {
    const invite = this.ctx.ua.invite(uri, {
      body: serializeSdp(offer),
      contentType: 'application/sdp',
      ...(opts.headers ? { headers: opts.headers } : {}),
      ...(opts.from ? { from: opts.from } : {}),
    });
    this.outgoing = invite;
    this.callId = invite.callId;
    invite.on('progress', (res) => {
      if (res.status === 100) this.emit('trying');
      else if (res.status >= 180 && this.state === 'calling') {
        this.state = 'ringing';
        this.emit('ringing', res.status);
      } else if (res.status >= 180) this.emit('ringing', res.status);
      if (res.status > 100 && res.body.length > 0 && this.media === undefined && !this.ending)
        this.startEarlyMedia(offer, res.status, res.body);
    });
    return invite;
  }

  /**
   * The SDP of a provisional response is the answer to our offer (RFC 3261
   * 13.2.1; RFC 3960's gateway model): play the far end's early audio. Only
   * the first such answer is used; a bad one is ignored (the 2xx decides).
   */
  private startEarlyMedia(offer: SessionDescription, status: number, body: Uint8Array): void {
    let negotiated: NegotiatedMedia;
    try {
      negotiated = processAnswer(offer, parseSdp(text(body)));
    } catch (err) {
      this.log.debug(`ignored the SDP of the ${status}: ${(err as Error).message}`);
      return;
    }
    // The sockets stay the call's: the 2xx may answer differently, and the next media session needs them.
    this.startMedia(negotiated, false);
    this.log.debug(
      `early media (${status}): ${this.media!.codec.name} from ${this.media!.peer ?? 'the address in the SDP'}`,
    );
    this.emit('early-media', { status, codec: this.media!.codec.name });
  }

  private cancelOrAbandon(): void {
    if (this.outgoing) {
      try {
        this.outgoing.cancel();
      } catch (err) {
        this.log.debug(`CANCEL: ${(err as Error).message}`);
      }
    }
    // Before the INVITE went out, runDial sees `cancelledBy` and stops.
  }

  private clearAnswerTimer(): void {
    if (this.answerTimer !== undefined) this.ctx.platform.timers.clearTimer(this.answerTimer);
    this.answerTimer = undefined;
  }

  // ---- incoming ----------------------------------------------------------

  /** @internal */
  receive(inc: IncomingCall, offer: SessionDescription | undefined): void {
    this.incoming = inc;
    this.offer = offer;
    this.callId = inc.callId;
    inc.on('cancelled', () =>
      this.finish({ reason: 'cancelled', status: 487, message: 'the caller hung up before the answer' }),
    );
  }

  /** Tell the caller it rings (180 Ringing), or another provisional status. */
  ring(status = 180): void {
    if (!this.incoming || this.state !== 'ringing' || this.ending)
      throw new CallStateError(`cannot ring a call that is ${this.state}`);
    this.incoming.progress(status);
  }

  /**
   * Answer an incoming call (200 OK with our SDP answer). Resolves once the
   * caller's ACK arrived; rejects with `CallFailedError` when the offer has
   * no codec in common (the call is refused with 488) or the call ended.
   */
  async answer(opts: AnswerOptions = {}): Promise<AnsweredInfo> {
    const inc = this.incoming;
    if (!inc || this.direction !== 'incoming') throw new CallStateError('only an incoming call can be answered');
    if (this.state !== 'ringing' || this.answering)
      throw new CallStateError(`cannot answer a call that is ${this.answering ? 'being answered' : this.state}`);
    this.answering = true;
    if (opts.source) this.src = opts.source;
    if (opts.sink) this.snk = opts.sink;
    try {
      this.channel = await this.openChannel();
    } catch (err) {
      this.rejectQuietly(503);
      this.finish({ reason: 'failed', status: 503, message: `cannot open RTP ports: ${(err as Error).message}` });
      return this.answered;
    }
    if (this.ending) {
      await this.channel.close();
      return this.answered;
    }
    if (this.offer === undefined) return this.answerWithOffer(inc, opts);
    let answer: SessionDescription;
    let negotiated: NegotiatedMedia;
    try {
      ({ answer, media: negotiated } = createAnswer(
        this.offer,
        this.origin.local(
          this.channel,
          this.ctx.sdpAddress(),
          formatsFor(this.ctx.codecs),
          'sendrecv',
          this.ctx.media.rtcpMux,
        ),
      ));
    } catch (err) {
      const reason = err instanceof SdpNegotiationError ? err.reason : (err as Error).message;
      this.rejectQuietly(488, reason);
      this.finish({ reason: 'failed', status: 488, message: `cannot answer: ${reason}` });
      return this.answered;
    }
    // We may send as soon as our answer is out (RFC 3264 5.1), and the caller may too: start now.
    this.startMedia(negotiated, opts.echo ?? false);
    if (await this.acceptWith(inc, answer, opts)) this.onAnswered();
    return this.answered;
  }
  private answering = false;

  /**
   * Send the 2xx with `sdp` and wait for the caller's ACK; the dialog is then
   * ours to watch. False when the call ended meanwhile (CANCEL, no ACK, our
   * own hangup): the end is already reported.
   */
  private async acceptWith(
    inc: IncomingCall,
    sdp: SessionDescription,
    opts: AnswerOptions,
  ): Promise<Dialog | undefined> {
    let dialog: Dialog;
    try {
      dialog = await inc.accept(serializeSdp(sdp), 'application/sdp', opts.headers ? { headers: opts.headers } : {});
    } catch (err) {
      if (!this.ending) {
        const e = err as SipRequestFailedError;
        this.finish(
          e.status === 487
            ? { reason: 'cancelled', status: 487, message: 'the caller hung up before the answer' }
            : { reason: 'failed', status: e.status, message: e.message },
        );
      }
      return undefined;
    }
    this.dialog = dialog;
    this.watchDialog(dialog);
    return this.ending ? undefined : dialog;
  }

  /**
   * An INVITE without an offer (RFC 3261 13.2.1 "delayed offer", as a
   * third-party call controller sends): our 2xx carries the offer, and the
   * caller's ACK must carry the answer. Media starts once the answer is in;
   * an ACK without a usable answer ends the call with BYE (RFC 3261 13.3.1.4
   * leaves the UAS no other way out of a confirmed dialog).
   */
  private async answerWithOffer(inc: IncomingCall, opts: AnswerOptions): Promise<AnsweredInfo> {
    const offer = createOffer(
      this.origin.local(
        this.channel!,
        this.ctx.sdpAddress(),
        formatsFor(this.ctx.codecs),
        'sendrecv',
        this.ctx.media.rtcpMux,
      ),
    );
    this.offer = offer;
    const dialog = await this.acceptWith(inc, offer, opts);
    if (!dialog) return this.answered;
    let negotiated: NegotiatedMedia;
    try {
      const body = dialog.lastAck?.body ?? new Uint8Array(0);
      if (body.length === 0) throw new SdpNegotiationError('the ACK carried no SDP answer to the offer in our 200 OK');
      negotiated = processAnswer(offer, parseSdp(text(body)));
    } catch (err) {
      this.log.warn(`the ACK's SDP does not answer our offer: ${(err as Error).message}`);
      this.endReason = 'failed';
      this.pendingEnd = {
        reason: 'failed',
        status: 488,
        message: `unusable SDP answer in the ACK: ${(err as Error).message}`,
      };
      await this.bye();
      this.finish(this.pendingEnd);
      return this.answered;
    }
    this.startMedia(negotiated, opts.echo ?? false);
    this.onAnswered();
    return this.answered;
  }

  /** Refuse an incoming call: 486 Busy Here by default. */
  reject(status = 486, reason?: string, headers?: HeaderInit): void {
    if (!this.incoming || this.state !== 'ringing' || this.answering || this.ending)
      throw new CallStateError(`cannot reject a call that is ${this.state}`);
    this.incoming.reject(status, reason, headers);
    this.finish({ reason: 'rejected', status, message: `refused with ${status}` });
  }

  private rejectQuietly(status: number, reason?: string): void {
    try {
      this.incoming?.reject(status, reason);
    } catch (err) {
      this.log.debug(`reject ${status}: ${(err as Error).message}`);
    }
  }

  // ---- both --------------------------------------------------------------

  private openChannel(): Promise<RtpChannel> {
    const m = this.ctx.media;
    return this.ctx.platform.openRtp({
      address: m.address,
      portMin: m.portMin,
      portMax: m.portMax,
      ...(m.stun ? { stun: m.stun } : {}),
      onStun: (e, kind) => {
        if (e.type === 'lost') this.log.warn(`STUN keep-alive of the ${kind} socket got no answer: ${e.error.message}`);
        else if (e.changed && e.previous)
          this.log.warn(`the NAT moved the ${kind} socket to ${e.mapped.address}:${e.mapped.port}`);
      },
    });
  }

  private startMedia(negotiated: NegotiatedMedia, echo: boolean, channel: RtpChannel = this.channel!): void {
    this.negotiated = negotiated;
    const detect =
      this.ctx.inbandDtmf === 'on' || (this.ctx.inbandDtmf === 'auto' && negotiated.telephoneEvent === undefined);
    const media = new MediaSession({
      negotiated,
      channel,
      platform: this.ctx.platform,
      rtp: this.ctx.media.rtp,
      mode: echo ? 'reflect' : 'media',
      detectInbandDtmf: detect && !echo,
      log: this.log,
    });
    this.media = media;
    this.remoteHeld = negotiated.remoteHold;
    if (!echo) {
      media.source = this.src;
      media.sink = this.snk;
    }
    media.on('dtmf', (digit, durationMs, how) => this.emit('dtmf', { digit, durationMs, how }));
    media.on('rtp-timeout', (silentMs) => {
      this.log.warn(`no RTP for ${Math.round(silentMs / 1000)} s: hanging up`);
      void this.hangup('rtp-timeout');
    });
    media.on('source-end', (s) => this.emit('source-end', s));
    media.start();
  }

  private onAnswered(): void {
    this.state = 'answered';
    this.answeredAt = this.ctx.platform.clock.now();
    const media = this.media!;
    const info: AnsweredInfo = {
      codec: media.codec.name,
      ...(media.peer ? { peer: media.peer } : {}),
      remote: this.remote,
      telephoneEvent: media.telephoneEvent,
    };
    if (this.listenerCount('stats') > 0) this.armStats();
    this.emit('answered', info);
    this.answeredP.resolve(info);
  }

  /** Listen to the call's events; a `stats` listener starts the once-a-second statistics. */
  override on<K extends keyof CallEvents & string>(event: K, listener: (...args: CallEvents[K]) => void): this {
    super.on(event, listener);
    if (event === 'stats' && this.state === 'answered' && this.statsTimer === undefined && !this.ending)
      this.armStats();
    return this;
  }

  private armStats(): void {
    this.statsTimer = this.ctx.platform.timers.setTimer(1000, () => {
      this.statsTimer = undefined;
      if (this.state !== 'answered' || this.ending) return;
      const s = this.stats();
      if (s) this.emit('stats', s);
      this.armStats();
    });
  }

  private watchDialog(dialog: Dialog): void {
    // The promise, not the event: the dialog may have ended before we got hold of it (an ACK and a BYE back to back).
    void dialog.terminated.then((reason: DialogEndReason) => {
      if (this.pendingEnd) return this.finish(this.pendingEnd);
      const why: CallEndReason =
        this.endReason ??
        (reason === 'remote-bye'
          ? 'remote-hangup'
          : reason === 'local-bye'
            ? 'hangup'
            : reason === 'closed'
              ? 'shutdown'
              : 'failed');
      const message =
        why === 'remote-hangup'
          ? 'the other side hung up'
          : why === 'hangup'
            ? 'hung up'
            : why === 'rtp-timeout'
              ? 'no media (RTP timeout)'
              : why === 'shutdown'
                ? 'shut down'
                : `dialog ended: ${reason}`;
      this.finish({ reason: why, message });
    });
    dialog.on('dtmf', (digit, durationMs) =>
      this.emit('dtmf', { digit, ...(durationMs !== undefined ? { durationMs } : {}), how: 'info' }),
    );
    dialog.on('reinvite', (inc) => this.onReinvite(inc));
  }

  /** The peer's re-INVITE: hold, resume, a new address. The codec in use must stay. */
  private onReinvite(inc: IncomingCall): void {
    const media = this.media;
    const current = this.negotiated;
    if (!media || !current || !this.channel) {
      inc.reject(491, 'Request Pending');
      return;
    }
    if (inc.body.length === 0) {
      // An offer-less re-INVITE asks for our description again (RFC 3261 14.2): send it unchanged.
      void inc.accept(this.dialog?.localBody?.body, 'application/sdp').catch(() => {});
      return;
    }
    let offer: SessionDescription;
    try {
      offer = parseSdp(text(inc.body));
    } catch (err) {
      inc.reject(400, err instanceof SdpParseError ? 'Bad SDP' : undefined);
      return;
    }
    let answer: SessionDescription;
    let n: NegotiatedMedia;
    try {
      const formats = currentFormats(current).filter((f) => !isTelephoneEvent(f) || current.telephoneEvent);
      ({ answer, media: n } = createAnswer(
        offer,
        this.origin.local(this.channel, this.ctx.sdpAddress(), formats, this.localDirection, this.ctx.media.rtcpMux),
      ));
    } catch (err) {
      inc.reject(488, err instanceof SdpNegotiationError ? err.reason.slice(0, 100) : 'Not Acceptable Here');
      return;
    }
    if (n.send.name.toLowerCase() !== current.send.name.toLowerCase() || n.rtcpMux !== current.rtcpMux) {
      inc.reject(488, 'the codec and rtcp-mux cannot change during a call');
      return;
    }
    this.negotiated = n;
    media.update(n.remoteRtp, n.remoteRtcp, n.direction);
    void inc.accept(serializeSdp(answer), 'application/sdp').catch(() => {});
    if (n.remoteHold !== this.remoteHeld) {
      this.remoteHeld = n.remoteHold;
      this.emit('hold', { held: n.remoteHold, by: 'remote', direction: n.direction });
    }
  }

  /** Put the peer on hold (re-INVITE with a=sendonly): we keep sending (music on hold), it stops. */
  hold(): Promise<void> {
    return this.reoffer('sendonly');
  }

  /** Take the call off hold (re-INVITE with a=sendrecv). */
  resume(): Promise<void> {
    return this.reoffer('sendrecv');
  }

  private async reoffer(direction: MediaDirection): Promise<void> {
    const media = this.requireAnswered('change the hold state');
    const dialog = this.dialog!;
    const current = this.negotiated!;
    const offer = createOffer(
      this.origin.local(this.channel!, this.ctx.sdpAddress(), currentFormats(current), direction, current.rtcpMux),
    );
    const res = await dialog.reinvite(serializeSdp(offer));
    const n = processAnswer(offer, parseSdp(text(res.body)));
    this.negotiated = n;
    this.localDirection = direction;
    media.update(n.remoteRtp, n.remoteRtcp, n.direction);
    this.emit('hold', { held: direction !== 'sendrecv', by: 'local', direction: n.direction });
  }

  private requireAnswered(what: string): MediaSession {
    if (this.state !== 'answered' || !this.media || this.ending) {
      if (this.ending || this.state === 'ended')
        throw new CallEndedError(`cannot ${what}: the call has ended`, this.finalReason ?? this.endReason ?? 'hangup');
      throw new CallStateError(`cannot ${what}: the call is ${this.state}`);
    }
    return this.media;
  }

  /**
   * Send DTMF keys (0-9 * # A-D): as RFC 4733 events, SIP INFO
   * (application/dtmf-relay) or in-band tones; `auto` takes RFC 4733 when
   * the peer negotiated it, else tones. Resolves once all were sent.
   */
  async sendDtmf(digits: string, mode: DtmfMode = 'auto'): Promise<void> {
    const media = this.requireAnswered('send DTMF');
    if (!/^[0-9*#A-Da-d]*$/.test(digits)) throw new CallStateError(`not DTMF keys: ${JSON.stringify(digits)}`);
    const how = mode === 'auto' ? (media.telephoneEvent ? 'rfc4733' : 'inband') : mode;
    if (how !== 'info') {
      try {
        return await media.sendDtmf(digits, how);
      } catch (err) {
        if (this.ending) throw new CallEndedError(`the call ended while sending DTMF`, this.finalReason ?? 'hangup');
        throw err;
      }
    }
    const dur = this.ctx.media.rtp.dtmf?.durationMs ?? 100;
    const gap = this.ctx.media.rtp.dtmf?.gapMs ?? 100;
    for (const d of digits) {
      if (this.ending) throw new CallEndedError('the call ended while sending DTMF', this.finalReason ?? 'hangup');
      const res = await this.dialog!.info(dtmfRelayBody(d, dur), 'application/dtmf-relay');
      if (res.status >= 300)
        throw new CallFailedError(`INFO with DTMF ${d} refused: ${res.status} ${res.reason}`, 'failed', res.status);
      await new Promise<void>((r) => this.ctx.platform.timers.setTimer(dur + gap, r));
    }
  }

  /**
   * Play a source until it ends (resolves), replacing what was playing; the
   * source is closed afterwards. Rejects with `CallEndedError` when the call
   * ends first.
   */
  async play(source: AudioSource): Promise<void> {
    const media = this.requireAnswered('play');
    if (media.mode !== 'media') throw new CallStateError('an echo call plays nothing of its own');
    this.extraSources.add(source);
    media.source = source;
    try {
      await new Promise<void>((resolve, reject) => {
        const onEnd = (s: AudioSource) => {
          if (s !== source) return;
          cleanup();
          resolve();
        };
        const onEnded = (e: CallEnd) => {
          cleanup();
          reject(new CallEndedError(`the call ended while playing ${source.uri}: ${e.message}`, e.reason, e.status));
        };
        const cleanup = () => {
          this.off('source-end', onEnd);
          this.off('ended', onEnded);
        };
        this.on('source-end', onEnd);
        this.on('ended', onEnded);
        if (this.end) onEnded(this.end);
      });
    } finally {
      if (media.source === source) media.source = undefined;
      this.extraSources.delete(source);
      await source.close().catch(() => {});
    }
  }

  /** Stop what is playing (a pending `play` resolves as if it had ended). */
  stopPlaying(): void {
    const media = this.media;
    const s = media?.source;
    if (media && s && this.extraSources.has(s)) {
      media.source = undefined;
      this.emit('source-end', s);
    }
  }

  /**
   * Hang up: CANCEL before the answer, BYE after it, a 603 Decline for an
   * incoming call not yet answered. Resolves with how the call ended.
   */
  hangup(reason: CallEndReason = 'hangup'): Promise<CallEnd> {
    if (this.end || this.endReason) return this.ended;
    this.endReason = reason;
    if (this.state === 'answered' && this.dialog) {
      void this.bye();
    } else if (this.direction === 'outgoing') {
      this.cancelledBy = reason === 'no-answer' ? 'no-answer' : 'hangup';
      this.cancelOrAbandon();
      // RFC 3261 9.1: no CANCEL before a provisional response, and then up to
      // 64*T1 for the 487. Do not keep the user waiting that long: end now, and
      // a late 2xx is still ended with BYE (runDial).
      this.ctx.platform.timers.setTimer(BYE_WAIT_MS, () =>
        this.finish({ reason, message: 'cancelled (the other side did not confirm)' }),
      );
      // Before the INVITE went out, runDial stops as soon as its RTP ports are open.
    } else if (this.answering && !this.dialog) {
      // Answered but not ACKed yet: the dialog comes with the ACK; end then.
      void this.answered.then(
        () => this.bye(),
        () => undefined,
      );
    } else {
      this.rejectQuietly(reason === 'shutdown' ? 503 : 603);
      this.finish({
        reason,
        status: reason === 'shutdown' ? 503 : 603,
        message: reason === 'shutdown' ? 'shut down' : 'declined',
      });
    }
    return this.ended;
  }

  private async bye(): Promise<void> {
    const dialog = this.dialog!;
    if (dialog.state !== 'confirmed') return;
    let timer: TimerHandle | undefined;
    await Promise.race([
      dialog.bye().catch(() => undefined),
      new Promise<void>((r) => (timer = this.ctx.platform.timers.setTimer(BYE_WAIT_MS, r))),
    ]);
    if (timer !== undefined) this.ctx.platform.timers.clearTimer(timer);
  }

  /** The call's statistics (undefined before the answer). */
  stats(): CallStats | undefined {
    const media = this.media;
    if (!media) return undefined;
    const s = media.session.stats();
    const r = s.received;
    const lost = Math.max(0, r?.lost ?? 0);
    const expected = r?.expected ?? 0;
    const remote = media.remoteLoss;
    const now = this.end ? this.answeredAt! + this.end.durationMs : this.ctx.platform.clock.now();
    return {
      durationMs: this.answeredAt === undefined ? 0 : Math.round(now - this.answeredAt),
      codec: media.codec.name,
      sent: { packets: s.sent.packets, bytes: s.sent.bytes, dtmfEvents: s.sent.dtmfEvents },
      received: {
        packets: r?.packets ?? 0,
        lost,
        expected,
        lossPercent: expected > 0 ? (100 * lost) / expected : 0,
        jitterMs: r?.jitterMs ?? 0,
        maxJitterMs: r?.maxJitterMs ?? 0,
      },
      ...(remote
        ? {
            remote: {
              lost: Math.max(0, remote.lost),
              lossPercent: remote.sent > 0 ? (100 * Math.max(0, remote.lost)) / remote.sent : 0,
              jitterMs: s.remoteReport?.jitterMs ?? 0,
            },
          }
        : {}),
      ...(s.rtt ? { rttMs: s.rtt.lastMs } : {}),
      ...(s.jitterBuffer
        ? {
            playout: {
              delayMs: s.jitterBuffer.delayMs,
              concealed: s.jitterBuffer.concealed,
              late: s.jitterBuffer.late,
            },
          }
        : {}),
      rtp: s,
    };
  }

  /** End: stop the media, close source and sink, tell everyone. Runs once. */
  private finish(e: { reason: CallEndReason; status?: number; message: string }): void {
    if (this.ending) return;
    this.ending = true;
    this.finalReason = e.reason;
    void this.cleanup(e);
  }

  private async cleanup(e: { reason: CallEndReason; status?: number; message: string }): Promise<void> {
    this.clearAnswerTimer();
    if (this.statsTimer !== undefined) this.ctx.platform.timers.clearTimer(this.statsTimer);
    this.statsTimer = undefined;
    const answered = this.answeredAt !== undefined;
    const durationMs = answered ? Math.round(this.ctx.platform.clock.now() - this.answeredAt!) : 0;
    const closing: Promise<unknown>[] = [];
    const channel = this.channel;
    if (this.media) {
      closing.push(
        this.media
          .close(e.reason, answered ? this.ctx.media.lingerMs : 0)
          .catch((err) => this.log.debug(`closing media: ${(err as Error).message}`))
          // Early media that went on as the call's media leaves the sockets open: close them now (again is harmless).
          .then(() => channel?.close())
          .catch(() => {}),
      );
    } else if (channel) closing.push(channel.close().catch(() => {}));
    for (const s of [this.src, ...this.extraSources]) if (s) closing.push(s.close().catch(() => {}));
    if (this.snk)
      closing.push(
        this.snk.close().catch((err) => this.log.error(`cannot finish ${this.snk!.uri}: ${(err as Error).message}`)),
      );
    await Promise.all(closing);
    const end: CallEnd = {
      reason: e.reason,
      ...(e.status !== undefined ? { status: e.status } : {}),
      message: e.message,
      answered,
      durationMs,
    };
    this.end = end;
    this.state = 'ended';
    if (!answered) this.answeredP.reject(new CallFailedError(e.message, e.reason, e.status));
    this.ctx.done(this);
    try {
      this.emit('ended', end);
    } finally {
      this.endedP.resolve(end);
    }
  }
}

/** Whether two negotiations send the same codec to the same place (early media may go on as the call's media). */
function sameStream(a: NegotiatedMedia, b: NegotiatedMedia): boolean {
  const at = (x: NegotiatedMedia) => (x.remoteRtp ? `${x.remoteRtp.address}:${x.remoteRtp.port}` : '');
  return (
    at(a) === at(b) &&
    a.send.payloadType === b.send.payloadType &&
    a.send.name === b.send.name &&
    a.rtcpMux === b.rtcpMux
  );
}
