/**
 * Setting up a call we receive: ringing, answering (the RTP ports, our
 * answer — or our offer, when the INVITE had none — in the 2xx), the ACK
 * that confirms it, or the refusal, the caller's CANCEL, an ACK that never
 * comes.
 *
 * Until the ACK, the caller's SDP address is not vouched for (an INVITE
 * may name a third party it wants flooded): the media starts with the 2xx
 * (RFC 3264 5.1: we may receive at once), but sends only to where the
 * caller's own packets come from. The ACK confirms it.
 *
 * | phase | input | next | what happens |
 * |---|---|---|---|
 * | ringing | ring | ringing | 180 (or another 1xx) |
 * | ringing | answer | accepting | the RTP ports open |
 * | ringing | reject | closing | the status we chose: `rejected` |
 * | ringing | hangup | closing | 603 Decline (503 when shutting down) |
 * | ringing, accepting | cancelled | closing, declining | the caller gave up (487 already sent): `cancelled` |
 * | accepting | ports-open | confirming | our answer (or offer) in the 2xx; media towards the caller's packets only |
 * | accepting | ports-open, no common codec | closing | 488 |
 * | accepting | ports-failed | closing | 503 |
 * | accepting | hangup | declining | refused once the ports are open |
 * | confirming | acked | answered | media confirmed (or, for our offer, the ACK's answer starts it) |
 * | confirming | acked, no usable answer | ending | BYE; `failed`, 488 |
 * | confirming | unacked | closing | no ACK in 64*T1: `failed` (answered, never confirmed) |
 * | confirming | hangup | leaving | the BYE waits for the ACK (RFC 3261 15) |
 * | leaving | acked | ending | BYE |
 * | leaving | unacked | closing | |
 */
import { SipRequestFailedError } from '../sip/errors.js';
import type { HeaderInit } from '../sip/message/message.js';
import { SdpNegotiationError } from '../sdp/errors.js';
import { serializeSdp } from '../sdp/serialize.js';
import type { SessionDescription } from '../sdp/types.js';
import type { RtpChannel } from '../rtp/rtp-channel.js';
import { Call, type CallContext } from './call.js';
import { ending, type Ending } from './call-end.js';
import type { CallDialog, CallInvite } from './call-sip.js';
import { stay, step, type AnswerOptions, type CallInput, type CallPhase, type CallTable } from './call-machine.js';
import type { CallEndReason } from './call-types.js';

const CANCELLED = ending('cancelled', 487, 'the caller hung up before the answer');

/** Refusing a call we have not answered, when we hang it up. */
function declineEnding(reason: CallEndReason): Ending {
  return reason === 'shutdown' ? ending(reason, 503, 'shut down') : ending(reason, 603, 'declined');
}

const INCOMING: CallTable<ReceivedCall> = {
  ringing: {
    ring: (c, i) => c.ringing(i.status),
    answer: (c, i) => c.accept(i.opts),
    reject: (c, i) => c.refuse(i.status, i.reason, i.headers),
    hangup: (c, i) => c.decline(declineEnding(i.reason)),
    cancelled: (c) => c.finish(CANCELLED),
  },
  accepting: {
    'ports-open': (c, i) => c.sendAnswer(i.channel),
    'ports-failed': (c, i) => c.decline(ending('failed', 503, `cannot open RTP ports: ${i.error.message}`)),
    hangup: (c, i) => c.leave(declineEnding(i.reason), 'declining'),
    cancelled: (c) => c.leave(CANCELLED, 'declining'),
  },
  declining: {
    'ports-open': (c, i) => c.closeUnused(i.channel),
    'ports-failed': (c) => c.decline(c.leavingFor ?? declineEnding('hangup')),
    hangup: stay('declining'),
    cancelled: stay('declining'),
  },
  confirming: {
    acked: (c, i) => c.confirm(i.dialog),
    unacked: (c, i) => c.finish(c.unackedEnding(i.error)),
    hangup: (c, i) => c.leave(ending(i.reason), 'leaving'),
    // A CANCEL after our 2xx does nothing (RFC 3261 9.2); the media may time out while the ACK is late.
    cancelled: stay('confirming'),
    'rtp-timeout': stay('confirming'),
  },
  leaving: {
    acked: (c, i) => c.byeOnceAcked(i.dialog),
    unacked: (c) => c.finish(c.leavingFor ?? ending('hangup')),
    hangup: stay('leaving'),
    cancelled: stay('leaving'),
    'rtp-timeout': stay('leaving'),
  },
};

/** A call we receive (the phone's `incoming` event). @internal */
export class ReceivedCall extends Call {
  readonly direction = 'incoming' as const;
  private echo = false;
  private headers: HeaderInit | undefined;
  /** Our offer went in the 2xx (the INVITE had none): the ACK carries the answer. */
  private offered = false;

  constructor(
    ctx: CallContext,
    local: string,
    remote: string,
    private readonly inc: CallInvite,
    /** The caller's offer (undefined: a delayed offer, RFC 3261 13.2.1). */
    private readonly offer: SessionDescription | undefined,
    /**
     * The call this one replaces (an INVITE with Replaces, RFC 3891): once
     * this one is answered, that one ends with BYE (`replaced`).
     */
    private readonly replacing?: Call,
  ) {
    super(ctx, 'ringing', local, remote);
    this.callId = inc.callId;
    // Our SDP names the address SIP answers from: the one we send from towards the caller.
    this.towards = inc.source.remote.address;
    this.signalling = inc.source.transport;
    this.requestUri = inc.request.rawUri;
    this.request = inc.request;
    inc.on('cancelled', () => this.input({ type: 'cancelled' }));
  }

  protected setupStep(input: CallInput): CallPhase | undefined {
    return step(INCOMING, this, this.phase, input);
  }

  override get replaces(): Call | undefined {
    return this.replacing;
  }

  /** @internal 180 Ringing, or another provisional status. */
  ringing(status: number): CallPhase {
    this.inc.progress(status);
    return 'ringing';
  }

  /** @internal Answer: open the ports first. */
  accept(opts: AnswerOptions): CallPhase {
    if (opts.source) this.src = opts.source;
    if (opts.sink) this.snk = opts.sink;
    this.echo = opts.echo ?? false;
    this.headers = opts.headers;
    this.openPorts();
    return 'accepting';
  }

  /** @internal Refuse with the status the application chose. */
  refuse(status: number, reason: string | undefined, headers: HeaderInit | undefined): CallPhase {
    this.inc.reject(status, reason, headers);
    return this.finish(ending('rejected', status, `refused with ${status}`));
  }

  /** @internal Refuse (quietly: the INVITE may have been answered meanwhile) and end. */
  decline(why: Ending): CallPhase {
    this.rejectQuietly(why.status ?? 603);
    return this.finish(why);
  }

  /** @internal On the way out: the call ends as `why` once `phase` is done. */
  leave(why: Ending, phase: CallPhase): CallPhase {
    this.leavingFor = why;
    return phase;
  }

  /** @internal Ports opened for a call refused meanwhile: refuse, and the sockets close with the call. */
  closeUnused(channel: RtpChannel): CallPhase {
    this.adopt(channel);
    return this.decline(this.leavingFor ?? declineEnding('hangup'));
  }

  /**
   * @internal The ports are open: our answer (or, without an offer, our
   * offer) goes out in the 2xx. With an answer the media starts now, towards
   * the caller's own packets only until its ACK.
   */
  sendAnswer(channel: RtpChannel): CallPhase {
    const n = this.adopt(channel);
    let sdp: SessionDescription;
    if (this.offer) {
      try {
        const r = n.answerOffer(this.offer, this.ctx.codecs);
        sdp = r.answer;
        // We may send as soon as our answer is out (RFC 3264 5.1), and the caller may too: start now.
        this.startMedia(r.media, this.echo, true);
      } catch (err) {
        const reason = err instanceof SdpNegotiationError ? err.reason : (err as Error).message;
        this.rejectQuietly(488, reason);
        return this.finish(ending('failed', 488, `cannot answer: ${reason}`));
      }
    } else {
      try {
        sdp = n.offer(this.ctx.codecs);
      } catch (err) {
        const reason = err instanceof SdpNegotiationError ? err.reason : (err as Error).message;
        this.rejectQuietly(488, reason);
        return this.finish(ending('failed', 488, `cannot offer: ${reason}`));
      }
      this.offered = true;
    }
    let acked: Promise<CallDialog>;
    try {
      acked = this.inc.accept(serializeSdp(sdp), 'application/sdp', this.headers ? { headers: this.headers } : {});
    } catch (err) {
      return this.finish(ending('failed', undefined, (err as Error).message));
    }
    // Answered: our 2xx is out (an ACK that never comes still ends an answered call).
    this.answeredAt = this.ctx.platform.clock.now();
    acked.then(
      (dialog) => this.input({ type: 'acked', dialog }),
      (error: unknown) => this.input({ type: 'unacked', error }),
    );
    return 'confirming';
  }

  /**
   * @internal The ACK: the call is up. For an INVITE without an offer the
   * ACK must carry the answer (RFC 3261 13.2.1); one without a usable answer
   * ends the call with BYE (RFC 3261 13.3.1.4 leaves the UAS no other way
   * out of a confirmed dialog).
   */
  confirm(dialog: CallDialog): CallPhase {
    this.watchDialog(dialog);
    if (this.offered) {
      const n = this.negotiation;
      try {
        const body = dialog.lastAck?.body ?? new Uint8Array(0);
        if (!n) throw new SdpNegotiationError('no offer of ours');
        if (body.length === 0)
          throw new SdpNegotiationError('the ACK carried no SDP answer to the offer in our 200 OK');
        this.startMedia(n.takeAnswer(body), this.echo);
      } catch (err) {
        this.log.warn(`the ACK's SDP does not answer our offer: ${(err as Error).message}`);
        return this.bye(ending('failed', 488, `unusable SDP answer in the ACK: ${(err as Error).message}`));
      }
    }
    const next = this.onAnswered();
    // RFC 3891 3: "the UA ... accepts the new INVITE ... [and] terminates the matched dialog with a BYE".
    this.replacing?.replacedBy();
    return next;
  }

  /** @internal Hung up while the ACK was on its way: it came, now BYE. */
  byeOnceAcked(dialog: CallDialog): CallPhase {
    this.watchDialog(dialog);
    return this.bye(this.leavingFor ?? ending('hangup'));
  }

  /** @internal How a call whose 2xx was never ACKed (or was refused meanwhile) ends. */
  unackedEnding(err: unknown): Ending {
    if (err instanceof SipRequestFailedError) {
      if (err.status === 487) return CANCELLED;
      return ending('failed', err.status, err.message);
    }
    return ending('failed', undefined, err instanceof Error ? err.message : String(err));
  }

  private rejectQuietly(status: number, reason?: string): void {
    try {
      this.inc.reject(status, reason);
    } catch (err) {
      this.log.debug(`reject ${status}: ${(err as Error).message}`);
    }
  }
}
