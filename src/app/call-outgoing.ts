/**
 * Setting up a call we place: the RTP ports, the INVITE with our offer, its
 * progress (ringing, early media), 3xx redirects, and the answer — or the
 * refusal, the timeout, our own CANCEL (RFC 3261 9.1).
 *
 * | phase | input | next | what happens |
 * |---|---|---|---|
 * | opening | ports-open | calling | our offer goes out in the INVITE |
 * | opening | ports-failed | closing | `failed` |
 * | opening | hangup, answer-timeout | cancelling | (nothing sent yet) |
 * | calling, ringing | provisional | ringing (180/183) | `trying`/`ringing`; a 18x's SDP starts early media |
 * | calling, ringing | invite-answered | answered | media (or early media goes on, or restarts), ACK sent |
 * | calling, ringing | invite-answered with a bad SDP | ending | BYE; `failed`, 488 |
 * | calling, ringing | invite-failed (3xx) | same | a new INVITE to the best new Contact (at most 5) |
 * | calling, ringing | invite-failed | closing | `busy`, `rejected`, `no-answer`, `failed` by status |
 * | calling, ringing | hangup, answer-timeout | cancelling | CANCEL; the wait for it is bounded |
 * | cancelling | invite-failed (487) | closing | the reason we cancelled for |
 * | cancelling | invite-answered | ending | answered anyway: BYE (RFC 3261 9.1) |
 * | cancelling | cancel-wait-over | closing | no answer to the CANCEL in 4 s: end anyway |
 * | closing, ended | invite-answered | same | a late 2xx: BYE |
 */
import { formatUri } from '../sip/message/uri.js';
import { getParam } from '../sip/message/params.js';
import type { NameAddr } from '../sip/message/name-addr.js';
import type { CallDialog, CallOutgoingInvite, CallPlacer } from './call-sip.js';
import { SipRequestFailedError } from '../sip/errors.js';
import type { HeaderInit, SipResponse } from '../sip/message/message.js';
import { serializeSdp } from '../sdp/serialize.js';
import type { AudioSink, AudioSource } from '../audio/device.js';
import type { TimerHandle } from '../clock/timers.js';
import type { Codec } from '../codecs/codec.js';
import type { RtpChannel } from '../rtp/rtp-channel.js';
import { BYE_WAIT_MS, Call, type PlacingContext } from './call.js';
import { ending, failureEnding, type Ending } from './call-end.js';
import { stay, step, type CallInput, type CallPhase, type CallTable } from './call-machine.js';
import type { CallEndReason } from './call-types.js';

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

/** How a call we give up on before the answer ends (a CANCEL's 487 says the same). */
function cancelEnding(reason: CallEndReason): Ending {
  return ending(reason, undefined, reason === 'hangup' ? 'cancelled' : undefined);
}

/** A 2xx that comes when the call is over (after we stopped waiting for the 487): ACKed by the stack, then BYE. */
const LATE: CallTable<PlacedCall>[CallPhase] = {
  'invite-answered': (c, i) => {
    c.byeLate(i.dialog);
    return c.phaseNow;
  },
  'invite-failed': (c) => c.phaseNow,
  provisional: (c) => c.phaseNow,
  'answer-timeout': (c) => c.phaseNow,
  'cancel-wait-over': (c) => c.phaseNow,
  'ports-open': (c, i) => {
    void i.channel.close();
    return c.phaseNow;
  },
  'ports-failed': (c) => c.phaseNow,
};

const OUTGOING: CallTable<PlacedCall> = {
  opening: {
    'ports-open': (c, i) => c.sendOffer(i.channel),
    'ports-failed': (c, i) => c.finish(ending('failed', undefined, `cannot open RTP ports: ${i.error.message}`)),
    hangup: (c, i) => c.giveUp(i.reason),
    'answer-timeout': (c) => c.giveUp('no-answer'),
  },
  calling: {
    provisional: (c, i) => c.progress(i.response),
    'invite-answered': (c, i) => c.answeredBy(i.dialog, i.body),
    'invite-failed': (c, i) => c.failedOrRedirected(i.error),
    hangup: (c, i) => c.giveUp(i.reason),
    'answer-timeout': (c) => c.giveUp('no-answer'),
    'rtp-timeout': stay('calling'),
  },
  ringing: {
    provisional: (c, i) => c.progress(i.response),
    'invite-answered': (c, i) => c.answeredBy(i.dialog, i.body),
    'invite-failed': (c, i) => c.failedOrRedirected(i.error),
    hangup: (c, i) => c.giveUp(i.reason),
    'answer-timeout': (c) => c.giveUp('no-answer'),
    // Early media that stops is no reason to end a call that rings.
    'rtp-timeout': stay('ringing'),
  },
  cancelling: {
    'ports-open': (c, i) => c.closeUnused(i.channel),
    'ports-failed': (c) => c.finish(c.leavingFor ?? ending('hangup')),
    provisional: (c, i) => c.progress(i.response, false),
    // RFC 3261 9.1: the callee answered before our CANCEL reached it: the way out is BYE.
    'invite-answered': (c, i) => c.answeredWhileCancelling(i.dialog),
    'invite-failed': (c, i) => c.finish(failureEnding(i.error, c.leavingFor?.reason)),
    'cancel-wait-over': (c) =>
      c.finish(ending(c.leavingFor?.reason ?? 'hangup', undefined, 'cancelled (the other side did not confirm)')),
    hangup: stay('cancelling'),
    'answer-timeout': stay('cancelling'),
    'rtp-timeout': stay('cancelling'),
  },
  ending: { 'answer-timeout': stay('ending'), 'cancel-wait-over': stay('ending') },
  closing: LATE,
  ended: LATE,
};

/** A call we place (`phone.call()`). @internal */
export class PlacedCall extends Call {
  readonly direction = 'outgoing' as const;
  private invite: CallOutgoingInvite | undefined;
  /** Our offer, as sent in every INVITE of the call (redirects included). */
  private offerSdp: string | undefined;
  private readonly tried = new Set<string>();
  private answerTimer: TimerHandle | undefined;
  private cancelTimer: TimerHandle | undefined;

  private readonly ua: CallPlacer;

  constructor(
    ctx: PlacingContext,
    local: string,
    remote: string,
    private readonly target: string,
    private readonly opts: PlaceCallOptions,
  ) {
    super(ctx, 'opening', local, remote);
    this.ua = ctx.ua;
    this.src = opts.source;
    this.snk = opts.sink;
    if (opts.answerTimeoutMs !== undefined)
      this.answerTimer = ctx.platform.timers.setTimer(opts.answerTimeoutMs, () => {
        this.answerTimer = undefined;
        this.input({ type: 'answer-timeout' });
      });
    // The next hop's name is resolved first: the RTP sockets' family and our SDP's address follow the
    // address SIP sends from towards it.
    void ctx.ua.prepare(target).then(() => {
      try {
        const hop = ctx.ua.nextHop(target);
        this.towards = hop.host;
        this.signalling = hop.transport;
      } catch {
        /* not routable: the INVITE fails and says why */
      }
      this.openPorts();
    });
  }

  protected setupStep(input: CallInput): CallPhase | undefined {
    return step(OUTGOING, this, this.phase, input);
  }

  /** @internal the phase now (for rows that keep it). */
  get phaseNow(): CallPhase {
    return this.phase;
  }

  /** @internal The ports are open: our offer goes out. */
  sendOffer(channel: RtpChannel): CallPhase {
    const n = this.adopt(channel);
    try {
      this.offerSdp = serializeSdp(n.offer(this.opts.codecs ?? this.ctx.codecs));
    } catch (err) {
      // Mandatory SRTP whose keys may not go over this signalling: no INVITE goes out.
      return this.finish(ending('failed', undefined, (err as Error).message));
    }
    this.tried.add(this.target);
    return this.send(this.target);
  }

  /** One INVITE of the call (the first, or one after a redirect) with our offer. */
  private send(target: string): CallPhase {
    const offer = this.offerSdp;
    if (offer === undefined) return this.finish(ending('failed', undefined, 'no offer to send'));
    let invite: CallOutgoingInvite;
    try {
      invite = this.ua.invite(target, {
        body: offer,
        contentType: 'application/sdp',
        ...(this.opts.headers ? { headers: this.opts.headers } : {}),
        ...(this.opts.from ? { from: this.opts.from } : {}),
      });
    } catch (err) {
      return this.finish(ending('failed', undefined, (err as Error).message));
    }
    this.invite = invite;
    if (invite.sent) this.callId = invite.callId;
    invite.on('progress', (response) => {
      this.callId ??= invite.callId;
      this.input({ type: 'provisional', response });
    });
    // The promise, not the events: an INVITE that fails while it is being sent has failed before we listen.
    invite.answered.then(
      (dialog) => this.input({ type: 'invite-answered', dialog, body: invite.response?.body ?? new Uint8Array(0) }),
      (error: unknown) => this.input({ type: 'invite-failed', error }),
    );
    return this.phase === 'opening' ? 'calling' : this.phase;
  }

  /** @internal A provisional response: trying, ringing, early media. */
  progress(res: SipResponse, mayPlay = true): CallPhase {
    let next = this.phase;
    if (res.status === 100) this.emit('trying');
    else if (res.status >= 180) {
      if (next === 'calling') next = 'ringing';
      this.emit('ringing', res.status);
    }
    if (mayPlay && res.status > 100 && res.body.length > 0 && this.media === undefined) this.earlyMedia(res);
    return next;
  }

  /**
   * The SDP of a provisional response is the answer to our offer (RFC 3261
   * 13.2.1; RFC 3960's gateway model): play the far end's early audio. Only
   * the first such answer is used; a bad one is ignored (the 2xx decides).
   */
  private earlyMedia(res: SipResponse): void {
    const negotiated = this.negotiation?.takeEarlyAnswer(res.body);
    if (!negotiated) {
      this.log.debug(`ignored the SDP of the ${res.status}`);
      return;
    }
    // The sockets stay the call's: the 2xx may answer differently, and the next media session needs them.
    const media = this.startMedia(negotiated, false);
    this.log.debug(`early media (${res.status}): ${media.codec.name} from ${media.peer ?? 'the address in the SDP'}`);
    this.emit('early-media', { status: res.status, codec: media.codec.name });
  }

  /** @internal The 2xx: the media (early media goes on, or restarts on the same sockets), and the call is up. */
  answeredBy(dialog: CallDialog, body: Uint8Array): CallPhase {
    // An INVITE sent later (a name resolved first; from a media worker, by the main thread) and answered
    // without a provisional response: its Call-ID is the dialog's.
    this.callId ??= dialog.callId;
    this.clearSetupTimers();
    this.watchDialog(dialog);
    const n = this.negotiation;
    if (!n) return this.bye(ending('failed', undefined, 'answered without an offer of ours'));
    let agreed: ReturnType<typeof n.takeFinalAnswer>;
    try {
      agreed = n.takeFinalAnswer(body);
    } catch (err) {
      this.log.warn(`the answer's SDP does not fit our offer: ${(err as Error).message}`);
      return this.bye(ending('failed', 488, `unusable SDP answer: ${(err as Error).message}`));
    }
    if (agreed.restart && this.media) {
      // The 2xx answers differently from the early media (another fork, another gateway): switch.
      this.log.debug('the answer differs from the early media SDP: restarting media');
      const early = this.media;
      this.media = undefined;
      void early.close('early media replaced', 0).catch((err: unknown) => {
        this.log.debug(`closing early media: ${(err as Error).message}`);
      });
    }
    if (this.media === undefined) this.startMedia(agreed.media, false);
    return this.onAnswered();
  }

  /** @internal The INVITE got no 2xx: follow a redirect, or end. */
  failedOrRedirected(error: unknown): CallPhase {
    const next = this.tried.size > MAX_REDIRECTS ? undefined : redirectTarget(error, this.tried);
    if (next === undefined || !(error instanceof SipRequestFailedError))
      return this.finish(failureEnding(error, undefined));
    this.log.info(`redirected (${error.status}) to ${next}`);
    this.emit('redirected', { status: error.status, target: next });
    this.tried.add(next);
    return this.send(next);
  }

  /**
   * @internal Give up before the answer: CANCEL (RFC 3261 9.1: it needs a
   * provisional response first, and then up to 64*T1 for the 487). The user
   * is not kept waiting that long: the call ends after `BYE_WAIT_MS` anyway,
   * and a late 2xx is still ended with BYE.
   */
  giveUp(reason: CallEndReason): CallPhase {
    this.leavingFor = cancelEnding(reason);
    const invite = this.invite;
    if (!invite) return 'cancelling'; // the ports are still opening: nothing went out
    try {
      invite.cancel();
    } catch (err) {
      this.log.debug(`CANCEL: ${(err as Error).message}`);
    }
    this.cancelTimer = this.ctx.platform.timers.setTimer(BYE_WAIT_MS, () => {
      this.cancelTimer = undefined;
      this.input({ type: 'cancel-wait-over' });
    });
    return 'cancelling';
  }

  /** @internal Ports opened for a call given up meanwhile: the call ends, the sockets close with it. */
  closeUnused(channel: RtpChannel): CallPhase {
    this.adopt(channel);
    return this.finish(this.leavingFor ?? ending('hangup'));
  }

  /** @internal The callee answered while we were cancelling (RFC 3261 9.1): BYE. */
  answeredWhileCancelling(dialog: CallDialog): CallPhase {
    this.clearSetupTimers();
    this.watchDialog(dialog);
    return this.bye(this.leavingFor ?? ending('hangup'));
  }

  /** @internal A 2xx after the call ended: the stack ACKed it; end the dialog. */
  byeLate(dialog: CallDialog): void {
    this.byeQuietly(dialog);
  }

  protected override clearSetupTimers(): void {
    const timers = this.ctx.platform.timers;
    if (this.answerTimer !== undefined) timers.clearTimer(this.answerTimer);
    if (this.cancelTimer !== undefined) timers.clearTimer(this.cancelTimer);
    this.answerTimer = this.cancelTimer = undefined;
  }
}
