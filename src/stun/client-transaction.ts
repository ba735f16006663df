/**
 * The retransmission state machine of one STUN client transaction over UDP
 * (RFC 5389 7.2.1), as a transition table. It decides only *when* to send
 * and when to give up; what a response means is the client's business
 * (`client.ts`), which feeds the verdict back in as an input.
 *
 * RFC 5389 7.2.1: "a client SHOULD retransmit a STUN request message
 * starting with an interval of RTO ("Retransmission TimeOut"), doubling
 * after each retransmission. ... Retransmissions continue until a response
 * is received, or until a total of Rc requests have been sent. ... If,
 * after the last request, a duration equal to Rm times the RTO has passed
 * without a response ..., the client SHOULD consider the transaction to
 * have failed." With RTO 500 ms, Rc 7, Rm 16 the requests go at 0, 500,
 * 1500, 3500, 7500, 15500 and 31500 ms, and the transaction times out at
 * 39500 ms.
 *
 * ```
 *            timer: retransmit, interval doubles
 *              +--------+
 *              v        |
 *  start --> trying ----+--- (Rc-th request sent) ---> waiting --- timer (Rm x RTO) ---> timed-out
 *              |                                       |
 *              +--- accept / reject / cancel ----------+----> succeeded | failed
 * ```
 */
import { LocalError } from '../errors.js';

export type TransactionState = 'trying' | 'waiting' | 'succeeded' | 'failed' | 'timed-out';
export type TransactionInput = 'timer' | 'accept' | 'reject' | 'cancel';

/** RFC 5389 7.2.1 parameters. */
export interface RetransmitParams {
  /** Initial retransmission timeout in ms ("SHOULD be greater than 500 ms"; default 500). */
  readonly rto: number;
  /** Total number of requests ("Rc SHOULD be configurable and SHOULD have a default of 7"). */
  readonly rc: number;
  /** Final wait as a multiple of RTO ("Rm SHOULD be configurable and SHOULD have a default of 16"). */
  readonly rm: number;
}

export const DEFAULT_RETRANSMIT: RetransmitParams = { rto: 500, rc: 7, rm: 16 };

type Handler = (t: ClientTransaction, now: number) => TransactionState;

const TRANSITIONS: Readonly<Record<TransactionState, Partial<Record<TransactionInput, Handler>>>> = {
  trying: {
    timer: (t, now) => {
      t.transmit(now, t.interval * 2);
      return t.afterSend(now);
    },
    accept: () => 'succeeded',
    reject: () => 'failed',
    cancel: () => 'failed',
  },
  waiting: {
    timer: () => 'timed-out',
    accept: () => 'succeeded',
    reject: () => 'failed',
    cancel: () => 'failed',
  },
  succeeded: {},
  failed: {},
  'timed-out': {},
};

/**
 * One request's retransmission schedule. `wantsSend` is set each time the
 * request should go on the wire; the owner clears it when it has sent.
 */
export class ClientTransaction {
  state: TransactionState = 'trying';
  /** Requests sent so far. */
  sent = 0;
  /** When the last request went out. */
  lastSentAt = 0;
  /** The current retransmission interval. */
  interval = 0;
  /** The next deadline (retransmission or final timeout). */
  deadline = 0;
  /** Set when the request must be (re)sent now. */
  wantsSend = false;

  constructor(
    readonly params: RetransmitParams,
    now: number,
  ) {
    if (!(params.rto > 0) || !(params.rc >= 1) || !(params.rm > 0)) {
      throw new LocalError(`bad STUN retransmission parameters rto=${params.rto} rc=${params.rc} rm=${params.rm}`);
    }
    this.transmit(now, params.rto);
    this.state = this.afterSend(now);
  }

  get done(): boolean {
    return this.state === 'succeeded' || this.state === 'failed' || this.state === 'timed-out';
  }

  /** Feed an input; an input the current state does not take is a bug of the caller. */
  input(input: TransactionInput, now: number): TransactionState {
    const handler = TRANSITIONS[this.state][input];
    if (!handler) throw new LocalError(`STUN client transaction in state ${this.state} cannot take input ${input}`);
    this.state = handler(this, now);
    return this.state;
  }

  /** Fire the timer if it is due. */
  handleTimeout(now: number): void {
    if (!this.done && now >= this.deadline) this.input('timer', now);
  }

  /** Internal: after the Rc-th request, wait Rm × RTO for the last chance of a response. */
  afterSend(now: number): TransactionState {
    if (this.sent < this.params.rc) return 'trying';
    this.deadline = now + this.params.rm * this.params.rto;
    return 'waiting';
  }

  /** Internal: count a (re)transmission and arm the next one. */
  transmit(now: number, interval: number): void {
    this.sent++;
    this.lastSentAt = now;
    this.interval = interval;
    this.deadline = now + interval;
    this.wantsSend = true;
  }
}
