/**
 * `Call`: one SIP dialog, one RTP session, the negotiated codec, one audio
 * source and one sink — the seed's "A SIP Call" as an object. A `Phone`
 * makes them: `phone.call(uri)` for an outgoing call (`call-outgoing.ts`),
 * the `incoming` event for one that arrives (`call-incoming.ts`).
 *
 * Lifecycle: `calling` → (`ringing`) → `answered` → `ended`; an incoming
 * call starts `ringing` (nothing sent yet but 100 Trying) and is answered
 * with `answer()` or refused with `reject()`. Underneath, a state machine
 * (`call-machine.ts`: phase × input → next phase and actions) whose rows
 * for setting a call up live with each direction, and whose rows for an
 * answered call and its end are here. Whatever happens, `ended` resolves
 * exactly once with the reason (`call-end.ts`) and the SIP status, after
 * the media stopped and the recording was finished.
 *
 * What a call owns: its RTP sockets (the channel; its media sessions borrow
 * them), its source and sink, its timers. Its offer/answer state is a
 * `Negotiation`.
 */
import { isIP } from 'node:net';
import type { AudioSink, AudioSource } from '../audio/device.js';
import type { TimerHandle, TimerHost } from '../clock/timers.js';
import type { Codec } from '../codecs/codec.js';
import { silentLogger, type Logger } from '../log/logger.js';
import type { RtpChannel, RtpChannelKind } from '../rtp/rtp-channel.js';
import type { MediaDirection, TransportAddress } from '../rtp/rtp-session-types.js';
import type { NegotiatedMedia } from '../sdp/offer-answer.js';
import { SdpParseError } from '../sdp/errors.js';
import { parseSdp } from '../sdp/parse.js';
import { serializeSdp } from '../sdp/serialize.js';
import type { SessionDescription } from '../sdp/types.js';
import type { DialogEndReason } from '../sip/core/dialog.js';
import { dtmfRelayBody } from '../sip/core/dtmf-body.js';
import type { HeaderInit, SipRequest } from '../sip/message/message.js';
import { parseUri, type Uri } from '../sip/message/uri.js';
import type { TransportAddress as StunAddress } from '../stun/ip-address.js';
import { quietPromise, TypedEmitter } from '../util/emitter.js';
import { ending, type Ending } from './call-end.js';
import type { CallDialog, CallIncomingRefer, CallPlacer, CallReinvite } from './call-sip.js';
import {
  COMMANDS,
  stay,
  step,
  type AnswerOptions,
  type CallInput,
  type CallPhase,
  type CallRow,
  type CallTable,
} from './call-machine.js';
import type {
  AnsweredInfo,
  CallEnd,
  CallEndReason,
  CallStats,
  DtmfMode,
  DtmfReceived,
  HoldChange,
  TransferProgress,
} from './call-types.js';
import { CallEndedError, CallFailedError, CallStateError, TransferFailedError } from './errors.js';
import { SipRequestFailedError } from '../sip/errors.js';
import { REFER_ANSWER_MS, TransferRequest, type FollowOptions } from './call-transfer.js';
import type { MediaPlatform } from './media-platform.js';
import { MediaSession, type MediaRtpOptions } from './media-session.js';
import { Negotiation, type SrtpSettings } from './negotiation.js';
import { isWildcard, wildcardOf } from './sdp-local.js';

export type { AnswerOptions } from './call-machine.js';

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
  /** Our transfer goes on: the transferee's call to the target (RFC 3515 NOTIFY). */
  'transfer-progress': [progress: TransferProgress];
  /**
   * The peer asks us to call someone (REFER): `accept()` or `reject()` it
   * within 30 s. Without a listener it is declined (603).
   */
  'transfer-requested': [request: TransferRequest];
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
  /** Accept offers whose connection address is a multicast group (default: 488). */
  readonly allowMulticast?: boolean;
  /** SRTP with SDES keys (`--srtp`; default off). */
  readonly srtp?: SrtpSettings;
}

/** What a call needs from its phone. @internal */
export interface CallContext {
  readonly platform: MediaPlatform;
  readonly media: CallMediaSettings;
  readonly codecs: readonly Codec[];
  /**
   * In-band DTMF detection: `auto` listens for tones until the peer's RFC
   * 4733 events arrive (a peer that offered events may still send tones),
   * `on` always, `off` never.
   */
  readonly inbandDtmf: 'auto' | 'on' | 'off';
  readonly log: Logger;
  /** Uniform in [0, 1): the SDP `o=` of each call. */
  readonly random?: () => number;
  /**
   * The address our SDP names when the RTP socket is bound to a wildcard:
   * the one SIP advertises towards `towards` (the host our INVITE goes to,
   * or the caller's address), so that SIP and media say the same.
   */
  sdpAddress(towards?: string): string;
  /** Place a call through the phone (following a REFER). */
  place(uri: string, opts: FollowOptions): Call;
  /** The call is over: forget it. */
  done(call: Call): void;
}

/** What a call we place needs besides: what sends its INVITE (the user agent, or a worker's stand-in). @internal */
export interface PlacingContext extends CallContext {
  readonly ua: CallPlacer;
}

/** Datagrams kept for the media from before it started (a second of 20 ms packets, and their RTCP). */
const MAX_EARLY_DATAGRAMS = 64;

interface EarlyDatagram {
  readonly data: Uint8Array;
  readonly from: TransportAddress;
  readonly kind: RtpChannelKind;
}

/** How long a BYE or a CANCEL may keep the user waiting, ms. */
export const BYE_WAIT_MS = 4000;

/** The phases `state` shows (the others keep showing what they followed). */
const SHOWN: { readonly [P in CallPhase]?: CallState } = {
  opening: 'calling',
  calling: 'calling',
  ringing: 'ringing',
  answered: 'answered',
  transferring: 'answered',
  ended: 'ended',
};

/** Why a dialog's end ends an answered call. */
function dialogEnding(reason: DialogEndReason): Ending {
  if (reason === 'remote-bye') return ending('remote-hangup');
  if (reason === 'local-bye') return ending('hangup');
  if (reason === 'closed') return ending('shutdown');
  return ending('failed', undefined, `dialog ended: ${reason}`);
}

/**
 * What every call does once answered, and how every call ends: the rows of
 * the machine both directions share.
 */
const COMMON: CallTable<Call> = {
  answered: {
    hangup: (c, i) => c.bye(ending(i.reason)),
    'rtp-timeout': (c, i) => {
      c.log.warn(`no RTP for ${Math.round(i.silentMs / 1000)} s: hanging up`);
      return c.bye(ending('rtp-timeout'));
    },
    'dialog-ended': (c, i) => c.finish(c.followedEnding(i.reason) ?? dialogEnding(i.reason)),
    refer: (c, i) => c.startTransfer(i.target, i.replaces),
    'refer-requested': (c, i) => c.referred(i.refer),
    replaced: (c) => c.bye(ending('replaced')),
    'transfer-done': stay('answered'),
  },
  transferring: {
    hangup: (c, i) => c.bye(ending(i.reason)),
    'rtp-timeout': (c, i) => {
      c.log.warn(`no RTP for ${Math.round(i.silentMs / 1000)} s: hanging up`);
      return c.bye(ending('rtp-timeout'));
    },
    'dialog-ended': (c, i) => c.finish(dialogEnding(i.reason)),
    'transfer-done': (c, i) => c.transferDone(i.ok, i.status, i.message),
    // RFC 3515 leaves a REFER during ours to us: one transfer at a time.
    'refer-requested': (_c, i) => {
      i.refer.reject(491, 'Request Pending');
      return 'transferring';
    },
    replaced: (c) => c.bye(ending('replaced')),
  },
  ending: {
    hangup: stay('ending'),
    'rtp-timeout': stay('ending'),
    'transfer-done': stay('ending'),
    replaced: stay('ending'),
    // Our BYE ends the dialog as it goes out (RFC 3261 15.1.1).
    'dialog-ended': (c) => c.finish(c.leavingFor ?? ending('hangup')),
  },
  closing: {
    abandon: stay('closing'),
    'transfer-done': stay('closing'),
    replaced: stay('closing'),
    hangup: stay('closing'),
    'rtp-timeout': stay('closing'),
    'dialog-ended': stay('closing'),
    cancelled: stay('closing'),
    closed: () => 'ended',
  },
  ended: {
    abandon: stay('ended'),
    'transfer-done': stay('ended'),
    replaced: stay('ended'),
    hangup: stay('ended'),
    'rtp-timeout': stay('ended'),
    'dialog-ended': stay('ended'),
    cancelled: stay('ended'),
  },
};

/** What any phase does with an input no row of its own lists. */
const ANYWHERE: CallRow<Call> = {
  abandon: (c) => c.finish(c.leavingFor ?? ending('shutdown')),
};

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
export abstract class Call extends TypedEmitter<CallEvents> {
  abstract readonly direction: 'outgoing' | 'incoming';
  /** The remote party: To of an outgoing call, From of an incoming one. */
  readonly remote: string;
  /** Our side: From of an outgoing call, To of an incoming one. */
  readonly local: string;
  /** The media, once answered (or playing early media). */
  media: MediaSession | undefined;
  /** The dialog, once answered. */
  dialog: CallDialog | undefined;
  /** How it ended, once it has. */
  end: CallEnd | undefined;
  /** The Call-ID. */
  callId: string | undefined;
  /** An incoming call's Request-URI: what the caller dialled (`sip:room-42@host`), which To may not say. */
  requestUri: string | undefined;
  /** An incoming call's INVITE (its headers: Diversion, History-Info…). */
  request: SipRequest | undefined;

  /** @internal */
  readonly log: Logger;
  /** @internal why we are leaving, once on the way out (cancelling, declining, leaving, ending). */
  leavingFor: Ending | undefined;
  protected readonly ctx: CallContext;
  protected phase: CallPhase;
  private shown: CallState;
  protected readonly answeredP = quietPromise<AnsweredInfo>();
  private readonly endedP = quietPromise<CallEnd>();
  /** The RTP sockets: the call's to close; its media sessions borrow them. */
  protected channel: RtpChannel | undefined;
  /** The host our SIP goes to (the INVITE's next hop, or where the caller's INVITE came from). */
  protected towards: string | undefined;
  /** The transport of the call's signalling (`udp`, `tcp`, `tls`…), once known: SDES keys need `tls`. */
  protected signalling: string | undefined;
  protected negotiation: Negotiation | undefined;
  protected src: AudioSource | undefined;
  protected snk: AudioSink | undefined;
  /** When the call was answered (the 2xx came, or ours went out). */
  protected answeredAt: number | undefined;
  private statsTimer: TimerHandle | undefined;
  /** `answered` resolved (the 2xx came; the ACK of ours came). */
  private confirmed = false;
  private readonly extraSources = new Set<AudioSource>();
  /** Our transfer in progress: what `transfer()` returned. */
  private transferWait: ReturnType<typeof quietPromise<TransferProgress>> | undefined;
  /** The call we placed following the peer's REFER (the peer's BYE after it is answered: `transferred`). */
  private followedBy: Call | undefined;
  /** Transfer requests of the peer not answered yet. */
  private readonly pendingRefers = new Set<CallIncomingRefer>();
  /** Datagrams that came to the call's sockets before its media started (bounded). */
  private early: EarlyDatagram[] | undefined;

  /** @internal use `phone.call()` or the phone's `incoming` event. */
  constructor(ctx: CallContext, phase: CallPhase, local: string, remote: string) {
    super();
    this.ctx = ctx;
    this.log = ctx.log ?? silentLogger;
    this.local = local;
    this.remote = remote;
    this.phase = phase;
    this.shown = SHOWN[phase] ?? 'calling';
  }

  /** `calling`, `ringing`, `answered` or `ended`. */
  get state(): CallState {
    return this.shown;
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

  // ---- the machine -------------------------------------------------------

  /** The direction's own rows (setting the call up): the next phase, or undefined when they do not list it. */
  protected abstract setupStep(input: CallInput): CallPhase | undefined;

  /** Feed the machine one input. */
  protected input(input: CallInput): void {
    const from = this.phase;
    const next =
      this.setupStep(input) ?? step(COMMON, this, from, input) ?? step({ [from]: ANYWHERE }, this, from, input);
    if (next === undefined) {
      if (COMMANDS.has(input.type))
        throw new CallStateError(`cannot ${input.type} a call that is ${this.describePhase(from)}`);
      this.log.debug(`call ${this.callId ?? ''}: ignored ${input.type} while ${from}`);
      return;
    }
    // A handler may have fed the machine itself (an end that could be reported at once): keep the latest.
    if (this.phase === from) this.phase = next;
    const shown = SHOWN[this.phase];
    if (shown !== undefined) this.shown = shown;
  }

  private describePhase(p: CallPhase): string {
    if (p === 'accepting') return 'being answered';
    if (p === 'closing' || p === 'ended' || p === 'ending' || p === 'leaving' || p === 'declining') return 'ended';
    if (p === 'cancelling') return 'being cancelled';
    if (p === 'transferring') return 'being transferred';
    return this.shown;
  }

  // ---- commands ------------------------------------------------------------

  /**
   * Hang up: CANCEL before the answer, BYE after it, a 603 Decline for an
   * incoming call not yet answered. Resolves with how the call ended.
   */
  hangup(reason: CallEndReason = 'hangup'): Promise<CallEnd> {
    this.input({ type: 'hangup', reason });
    return this.ended;
  }

  /** Tell the caller it rings (180 Ringing), or another provisional status. */
  ring(status = 180): void {
    this.input({ type: 'ring', status });
  }

  /**
   * Answer an incoming call (200 OK with our SDP answer). Resolves once the
   * caller's ACK arrived; rejects with `CallFailedError` when the offer has
   * no codec in common (the call is refused with 488) or the call ended.
   */
  answer(opts: AnswerOptions = {}): Promise<AnsweredInfo> {
    try {
      this.input({ type: 'answer', opts });
    } catch (err) {
      return Promise.reject(err);
    }
    return this.answered;
  }

  /** Refuse an incoming call: 486 Busy Here by default. */
  reject(status = 486, reason?: string, headers?: HeaderInit): void {
    this.input({ type: 'reject', status, reason, headers });
  }

  /**
   * Transfer the peer (RFC 3515 REFER) to `target`: blind, or attended with
   * `replaces` (another call of ours, with the target: the peer's INVITE
   * replaces it, RFC 3891). Resolves once the transferee reached the target
   * (the call then ends `transferred`, with BYE); rejects with
   * `TransferFailedError` when it did not (the call stays answered).
   */
  transfer(target: string, opts: { readonly replaces?: Call } = {}): Promise<TransferProgress> {
    let uri: Uri;
    try {
      uri = parseUri(target.trim());
    } catch (err) {
      return Promise.reject(new CallStateError(`transfer to ${JSON.stringify(target)}: ${(err as Error).message}`));
    }
    const other = opts.replaces;
    if (other && (other === this || other.phase !== 'answered' || !other.dialog))
      return Promise.reject(new CallStateError('an attended transfer replaces another answered call'));
    const wait = quietPromise<TransferProgress>();
    this.transferWait = wait;
    try {
      this.input({ type: 'refer', target: uri, replaces: other?.dialog });
    } catch (err) {
      this.transferWait = undefined;
      return Promise.reject(err);
    }
    return wait.promise;
  }

  /**
   * The call this one replaces (an incoming INVITE with Replaces, RFC 3891):
   * once this one is answered, that one ends (`replaced`).
   */
  get replaces(): Call | undefined {
    return undefined;
  }

  /** Whether our transfer of the peer is in progress (a REFER out, no final NOTIFY yet). */
  get transferring(): boolean {
    return this.phase === 'transferring';
  }

  /** @internal the call was replaced by another (RFC 3891): it ends with BYE. */
  replacedBy(): void {
    this.input({ type: 'replaced' });
  }

  /**
   * @internal End the call here and now, whatever it waits for (a BYE's
   * answer, the ACK a BYE must wait for): media stopped, files finished,
   * no more messages. What a phone that closes does with calls that did
   * not end in time.
   */
  abandon(): void {
    this.input({ type: 'abandon' });
  }

  /** Put the peer on hold (re-INVITE with a=sendonly): we keep sending (music on hold), it stops. */
  hold(): Promise<void> {
    return this.reoffer('sendonly');
  }

  /** Take the call off hold (re-INVITE with a=sendrecv). */
  resume(): Promise<void> {
    return this.reoffer('sendrecv');
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
        if (this.leaving) throw new CallEndedError(`the call ended while sending DTMF`, this.endReason());
        throw err;
      }
    }
    const dur = this.ctx.media.rtp.dtmf?.durationMs ?? 100;
    const gap = this.ctx.media.rtp.dtmf?.gapMs ?? 100;
    const dialog = this.dialog;
    for (const d of digits) {
      if (this.leaving || !dialog) throw new CallEndedError('the call ended while sending DTMF', this.endReason());
      const res = await dialog.info(dtmfRelayBody(d, dur), 'application/dtmf-relay');
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

  /** The call's statistics (undefined before the answer). */
  stats(): CallStats | undefined {
    const media = this.media;
    if (!media) return undefined;
    const s = media.session.stats();
    const srtp = media.srtpStats();
    const r = s.received;
    const lost = Math.max(0, r?.lost ?? 0);
    const expected = r?.expected ?? 0;
    const remote = media.remoteLoss;
    const answeredAt = this.answeredAt;
    const now = this.end && answeredAt !== undefined ? answeredAt + this.end.durationMs : this.ctx.platform.clock.now();
    return {
      durationMs: answeredAt === undefined ? 0 : Math.round(now - answeredAt),
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
              played: s.jitterBuffer.played,
              concealed: s.jitterBuffer.concealed,
              late: s.jitterBuffer.late,
              recovered: this.media?.played.recovered ?? 0,
            },
          }
        : {}),
      rtp: s,
      ...(srtp ? { srtp } : {}),
    };
  }

  /** Listen to the call's events; a `stats` listener starts the once-a-second statistics. */
  override on<K extends keyof CallEvents & string>(event: K, listener: (...args: CallEvents[K]) => void): this {
    super.on(event, listener);
    if (event === 'stats' && this.up && this.statsTimer === undefined) this.armStats();
    return this;
  }

  // ---- what both directions do ------------------------------------------------

  /** On the way out, or out: commands that need a live call end with `CallEndedError`. */
  protected get leaving(): boolean {
    const p = this.phase;
    return p === 'ending' || p === 'closing' || p === 'ended' || p === 'leaving' || p === 'declining';
  }

  private endReason(): CallEndReason {
    return this.end?.reason ?? this.leavingFor?.reason ?? 'hangup';
  }

  /** Answered, transferring included: the media flows and the dialog is up. */
  protected get up(): boolean {
    return this.phase === 'answered' || this.phase === 'transferring';
  }

  private requireAnswered(what: string): MediaSession {
    if (!this.up || !this.media) {
      if (this.leaving) throw new CallEndedError(`cannot ${what}: the call has ended`, this.endReason());
      throw new CallStateError(`cannot ${what}: the call is ${this.state}`);
    }
    return this.media;
  }

  /** Open the call's RTP sockets; the outcome comes back as `ports-open` or `ports-failed`. */
  protected openPorts(): void {
    const m = this.ctx.media;
    // A wildcard binds the family of the address our SDP will name (IPv6 towards an IPv6 peer).
    const address = isWildcard(m.address) ? wildcardOf(this.ctx.sdpAddress(this.towards)) : m.address;
    this.ctx.platform
      .openRtp({
        address,
        portMin: m.portMin,
        portMax: m.portMax,
        ...(m.stun ? { stun: m.stun } : {}),
        onStun: (e, kind) => {
          if (e.type === 'lost')
            this.log.warn(`STUN keep-alive of the ${kind} socket got no answer: ${e.error.message}`);
          else if (e.changed && e.previous)
            this.log.warn(`the NAT moved the ${kind} socket to ${e.mapped.address}:${e.mapped.port}`);
        },
      })
      .then(
        (channel) => this.input({ type: 'ports-open', channel }),
        (error: Error) => this.input({ type: 'ports-failed', error }),
      );
  }

  /** The call's sockets are open: they are the call's (and its negotiation's) from now on. */
  protected adopt(channel: RtpChannel): Negotiation {
    this.channel = channel;
    this.holdEarlyDatagrams(channel);
    const negotiation = new Negotiation({
      channel,
      address: () => this.ctx.sdpAddress(this.towards),
      rtcpMux: this.ctx.media.rtcpMux,
      ...(this.ctx.media.allowMulticast ? { allowMulticast: true } : {}),
      ...(this.ctx.random ? { random: this.ctx.random } : {}),
      ...(this.ctx.media.srtp ? { srtp: this.ctx.media.srtp } : {}),
      signalling: () => this.signalling,
    });
    this.negotiation = negotiation;
    return negotiation;
  }

  /**
   * The peer's signalling IPs, trusted by strict RTP latching besides its
   * SDP's: where our SIP goes to or came from, and the dialog's remote
   * target (a proxy with NAT handling rewrites the callee's Contact to the
   * address its answer came from). Host names are left out.
   */
  private signallingIps(): string[] {
    const target = this.dialog?.remoteTarget;
    const hosts = [this.towards, target?.kind === 'sip' ? target.host : undefined];
    const ips = hosts.map((h) => h?.replace(/^\[(.*)\]$/, '$1')).filter((h): h is string => !!h && isIP(h) !== 0);
    return [...new Set(ips)];
  }

  /**
   * Media on the call's sockets for what was agreed. `unconfirmed`: the
   * callee's media before the ACK, which sends only where the caller's own
   * packets come from.
   */
  protected startMedia(negotiated: NegotiatedMedia, echo: boolean, unconfirmed = false): MediaSession {
    const channel = this.channel;
    if (!channel) throw new CallStateError('media without RTP sockets');
    const inband = this.ctx.inbandDtmf;
    const media = new MediaSession({
      negotiated,
      channel,
      platform: this.ctx.platform,
      // Strict latching trusts the signalling peer's IP besides the SDP's (a caller behind a NAT).
      rtp: { ...this.ctx.media.rtp, latch: { ...this.ctx.media.rtp.latch, trusted: this.signallingIps() } },
      mode: echo ? 'reflect' : 'media',
      detectInbandDtmf: echo ? false : inband === 'on' ? true : inband === 'auto' ? 'until-rfc4733' : false,
      unconfirmed,
      ...(this.ctx.media.srtp?.replayWindow !== undefined
        ? { srtpReplayWindow: this.ctx.media.srtp.replayWindow }
        : {}),
      log: this.log,
    });
    this.media = media;
    if (!echo) {
      media.source = this.src;
      media.sink = this.snk;
    }
    media.on('dtmf', (digit, durationMs, how) => this.emit('dtmf', { digit, durationMs, how }));
    media.on('rtp-timeout', (silentMs) => this.input({ type: 'rtp-timeout', silentMs }));
    media.on('source-end', (s) => this.emit('source-end', s));
    media.start();
    this.replayEarlyDatagrams(channel, negotiated);
    return media;
  }

  /**
   * What reaches the call's sockets before its media starts is kept (at
   * most `MAX_EARLY_DATAGRAMS`) and handed to the media once it does: with a
   * delayed offer the caller's first RTP may beat the ACK that carries its
   * answer (it always may on a media worker, where the ACK comes one hop
   * later), and a callee may send before its 2xx reaches us.
   */
  private holdEarlyDatagrams(channel: RtpChannel): void {
    const early: EarlyDatagram[] = [];
    this.early = early;
    channel.onDatagram = (data, from, kind) => {
      if (early.length < MAX_EARLY_DATAGRAMS)
        early.push({ data: channel.ownDatagrams ? data : data.slice(), from, kind });
    };
  }

  /**
   * Only those from the address the peer's SDP gives (its RTP or RTCP
   * port) are handed on: a datagram from anywhere else came before we knew
   * who would send (a late packet of an earlier call on a reused port, with
   * SRTP an old key's) and is dropped, as it was before the media started.
   * With SRTP none is handed on: baresip's first packet of an
   * AES_CM_128_HMAC_SHA1_32 call, sent before its 2xx reached us, failed
   * authentication with the answer's key every time the interop test ran
   * after another call (cause not found); dropping it is what happened
   * before early datagrams were kept.
   */
  private replayEarlyDatagrams(channel: RtpChannel, negotiated: NegotiatedMedia): void {
    const early = this.early;
    this.early = undefined;
    if (!early || early.length === 0) return;
    const deliver = channel.onDatagram;
    if (!deliver || negotiated.srtp !== undefined) return;
    const same = (a: TransportAddress | undefined, b: TransportAddress) =>
      a !== undefined && a.port === b.port && a.address.replace(/^::ffff:/, '') === b.address.replace(/^::ffff:/, '');
    const known = early.filter((d) => same(negotiated.remoteRtp, d.from) || same(negotiated.remoteRtcp, d.from));
    this.log.debug(
      `${early.length} datagram(s) came before the media started: ${known.length} from the peer's SDP address ` +
        'handed to it now',
    );
    for (const d of known) deliver(d.data, d.from, d.kind);
  }

  /** The call is answered (outgoing: the 2xx came; incoming: the ACK of ours). */
  protected onAnswered(): CallPhase {
    const media = this.media;
    if (!media) throw new CallStateError('answered without media');
    this.answeredAt ??= this.ctx.platform.clock.now();
    // The peer is vouched for now, and the RTP timeout counts from here.
    media.answered();
    const info: AnsweredInfo = {
      codec: media.codec.name,
      ...(media.peer ? { peer: media.peer } : {}),
      remote: this.remote,
      telephoneEvent: media.telephoneEvent,
    };
    this.phase = 'answered';
    this.shown = 'answered';
    if (this.listenerCount('stats') > 0) this.armStats();
    this.confirmed = true;
    this.emit('answered', info);
    this.answeredP.resolve(info);
    return 'answered';
  }

  /** The dialog of the call: its end, its INFO DTMF and its re-INVITEs reach the call. */
  protected watchDialog(dialog: CallDialog): void {
    this.dialog = dialog;
    // The promise, not the event: the dialog may have ended before we got hold of it (an ACK and a BYE back to back).
    void dialog.terminated.then((reason) => this.input({ type: 'dialog-ended', reason }));
    dialog.on('dtmf', (digit, durationMs) =>
      this.emit('dtmf', { digit, ...(durationMs !== undefined ? { durationMs } : {}), how: 'info' }),
    );
    dialog.on('reinvite', (inc) => this.onReinvite(inc));
    dialog.on('refer', (r) => {
      r.defer();
      this.input({ type: 'refer-requested', refer: r });
      // A phase that takes no transfer (the call is ending) declines it.
      if (!r.answered && !this.pendingRefers.has(r)) r.reject(603, 'Decline');
    });
  }

  /** @internal Our REFER (RFC 3515), in the call's dialog; its outcome comes back as `transfer-done`. */
  startTransfer(target: Uri, replaces: CallDialog | undefined): CallPhase {
    const dialog = this.dialog;
    if (!dialog) throw new CallStateError('cannot transfer: no dialog');
    const refer = dialog.refer(target, replaces ? { replaces } : {});
    refer.on('progress', (p) => this.emit('transfer-progress', p));
    refer.outcome.then(
      (p) =>
        this.input({
          type: 'transfer-done',
          ok: p.status < 300,
          status: p.status,
          message: `${p.status} ${p.reason}`.trim(),
        }),
      (err: Error & { status?: number }) =>
        this.input({ type: 'transfer-done', ok: false, status: err.status ?? 0, message: err.message }),
    );
    return 'transferring';
  }

  /** @internal The transferee's final status: a 2xx ends the call (BYE, `transferred`), else it stays up. */
  transferDone(ok: boolean, status: number, message: string): CallPhase {
    const wait = this.transferWait;
    this.transferWait = undefined;
    if (ok) {
      wait?.resolve({ status, reason: message.replace(/^\d+ ?/, '') });
      return this.bye(ending('transferred', undefined, `transferred (the target answered: ${message})`));
    }
    this.log.info(`transfer failed: ${message}`);
    wait?.reject(new TransferFailedError(`transfer failed: ${message}`, status || undefined));
    return 'answered';
  }

  /** @internal The peer's REFER: a `transfer-requested` event for whoever follows it (else declined). */
  referred(refer: CallIncomingRefer): CallPhase {
    if (this.listenerCount('transfer-requested') === 0) {
      refer.reject(603, 'Decline');
      return this.phase;
    }
    this.pendingRefers.add(refer);
    const timer = this.ctx.platform.timers.setTimer(REFER_ANSWER_MS, () => req.expire());
    const req: TransferRequest = new TransferRequest(
      this,
      refer,
      (uri, opts) => this.ctx.place(uri, opts),
      (next) => {
        this.followedBy = next;
      },
      () => {
        this.ctx.platform.timers.clearTimer(timer);
        this.pendingRefers.delete(refer);
      },
    );
    this.emit('transfer-requested', req);
    return this.phase;
  }

  /** @internal Ended by the peer after we followed its REFER and the new call was answered: `transferred`. */
  followedEnding(reason: DialogEndReason): Ending | undefined {
    const next = this.followedBy;
    if (reason !== 'remote-bye' || !next) return undefined;
    if (next.state !== 'answered' && next.end?.answered !== true) return undefined;
    return ending('transferred', undefined, "transferred (we followed the other side's REFER)");
  }

  /** @internal Send BYE (RFC 3261 15.1.1); the call ends as `why` once the dialog has. */
  bye(why: Ending): CallPhase {
    this.leavingFor = why;
    const dialog = this.dialog;
    if (dialog?.state !== 'confirmed') return this.finish(why);
    void dialog.bye().catch((err: unknown) => this.log.debug(`BYE: ${(err as Error).message}`));
    return 'ending';
  }

  /** End a dialog we do not keep (a 2xx after we gave up): BYE, and nothing else. */
  protected byeQuietly(dialog: CallDialog): void {
    if (dialog.state === 'confirmed') void dialog.bye().catch(() => undefined);
  }

  /** The peer's re-INVITE: hold, resume, a new address. The codec in use must stay. */
  private onReinvite(inc: CallReinvite): void {
    const media = this.media;
    const n = this.negotiation;
    if (!media || !n || !this.up) {
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
      offer = parseSdp(Buffer.from(inc.body).toString('utf8'));
    } catch (err) {
      inc.reject(400, err instanceof SdpParseError ? 'Bad SDP' : undefined);
      return;
    }
    const r = n.answerReoffer(offer);
    if ('status' in r) {
      inc.reject(r.status, r.reason);
      return;
    }
    media.update(r.media.remoteRtp, r.media.remoteRtcp, r.media.direction);
    void inc.accept(serializeSdp(r.answer), 'application/sdp').catch(() => {});
    if (n.remoteHoldChanged()) this.emit('hold', { held: n.remoteHeld, by: 'remote', direction: r.media.direction });
  }

  private async reoffer(direction: MediaDirection, glare = false): Promise<void> {
    const media = this.requireAnswered('change the hold state');
    const n = this.negotiation;
    const dialog = this.dialog;
    if (!n || !dialog) throw new CallStateError('cannot change the hold state: nothing negotiated');
    const offer = n.reoffer(direction);
    let res;
    try {
      res = await dialog.reinvite(serializeSdp(offer), 'application/sdp', undefined, { glareRetry: false });
    } catch (err) {
      if (glare || !(err instanceof SipRequestFailedError) || err.status !== 491) throw err;
      // RFC 3261 14.1: glare. Wait (2.1-4 s when we own the Call-ID, else 0-2 s) and try once more — with a new
      // offer (RFC 3264 8: its o= version follows the answer we may have given the peer's offer meanwhile).
      const random = this.ctx.random ?? Math.random;
      const wait = dialog.role === 'uac' ? 2100 + Math.floor(random() * 191) * 10 : Math.floor(random() * 201) * 10;
      await new Promise<void>((r) => this.ctx.platform.timers.setTimer(wait, r));
      if (this.leaving) throw new CallEndedError('the call ended during a re-INVITE glare', this.endReason());
      return this.reoffer(direction, true);
    }
    const agreed = n.takeReanswer(res.body, direction);
    media.update(agreed.remoteRtp, agreed.remoteRtcp, agreed.direction);
    this.emit('hold', { held: direction !== 'sendrecv', by: 'local', direction: agreed.direction });
  }

  private armStats(): void {
    this.statsTimer = this.ctx.platform.timers.setTimer(1000, () => {
      this.statsTimer = undefined;
      if (!this.up) return;
      const s = this.stats();
      if (s) this.emit('stats', s);
      this.armStats();
    });
  }

  /**
   * @internal End: stop the media, close the sockets, the source and the
   * sink, then tell everyone (`closed` ends the machine). Runs once; the
   * phase is `closing` meanwhile.
   */
  finish(e: Ending): CallPhase {
    if (this.phase === 'closing' || this.phase === 'ended') return this.phase;
    this.phase = 'closing';
    this.leavingFor = e;
    void this.cleanup(e);
    return 'closing';
  }

  /** Timers a direction arms (answer timeout…): cleared at the end. */
  protected clearSetupTimers(): void {}

  private async cleanup(e: Ending): Promise<void> {
    this.clearSetupTimers();
    const wait = this.transferWait;
    this.transferWait = undefined;
    if (e.reason === 'transferred') wait?.resolve({ status: 200, reason: 'OK' });
    else wait?.reject(new TransferFailedError(`the call ended before the transfer did: ${e.message}`, e.status));
    for (const r of this.pendingRefers) if (!r.answered) r.reject(481, 'Call Does Not Exist');
    this.pendingRefers.clear();
    if (this.statsTimer !== undefined) this.ctx.platform.timers.clearTimer(this.statsTimer);
    this.statsTimer = undefined;
    const answeredAt = this.answeredAt;
    const answered = answeredAt !== undefined;
    const durationMs = answered ? Math.round(this.ctx.platform.clock.now() - answeredAt) : 0;
    const closing: Promise<unknown>[] = [];
    const channel = this.channel;
    const media = this.media;
    // The media session borrows the sockets: it stops (its RTCP BYE after the linger), then the sockets close.
    closing.push(
      (media
        ? media
            .close(e.reason, answered ? this.ctx.media.lingerMs : 0)
            .catch((err) => this.log.debug(`closing media: ${(err as Error).message}`))
        : Promise.resolve()
      )
        .then(() => channel?.close())
        .catch(() => {}),
    );
    for (const s of [this.src, ...this.extraSources]) if (s) closing.push(s.close().catch(() => {}));
    const snk = this.snk;
    if (snk)
      closing.push(snk.close().catch((err) => this.log.error(`cannot finish ${snk.uri}: ${(err as Error).message}`)));
    await Promise.all(closing);
    const end: CallEnd = {
      reason: e.reason,
      ...(e.status !== undefined ? { status: e.status } : {}),
      message: e.message,
      answered,
      durationMs,
    };
    this.end = end;
    this.input({ type: 'closed' });
    if (!this.confirmed) this.answeredP.reject(new CallFailedError(e.message, e.reason, e.status));
    this.ctx.done(this);
    try {
      this.emit('ended', end);
    } finally {
      this.endedP.resolve(end);
    }
  }
}
