/**
 * The INVITE server transaction: RFC 3261 17.2.1 (Figure 7) with the
 * Accepted state of RFC 6026 7.1 (the TU retransmits 2xx; the transaction
 * absorbs INVITE retransmissions until Timer L).
 *
 *                               |INVITE
 *                               |pass INV to TU
 *            INVITE             V send 100 if TU won't in 200 ms
 *            send response+-----------+
 *                +--------|           |--------+ 101-199 from TU
 *                |        |           |        | send response
 *                +------->|           |<-------+
 *                         | Proceeding|
 *                         |           |        Transport Err.
 *                         |           |        Inform TU
 *                         |           |--------------->+
 *                         +-----------+                |
 *            300-699 from TU |    |2xx from TU         |
 *            send response   |    |send response       |
 *                            |    +------------------> Accepted --Timer L--> Terminated
 *            INVITE          V          Timer G fires  |
 *            send response+-----------+ send response  |
 *                +--------|           |--------+       |
 *                |        | Completed |        |       |
 *                +------->|           |<-------+       |
 *                         +-----------+                |
 *                            |    |                    |
 *                        ACK |    | Timer H fires      |
 *                        -   |    | or Transport Err.  |
 *                            V    | Inform TU          |
 *                         +-----------+                |
 *                         | Confirmed |                |
 *                         +-----------+                |
 *                               | Timer I fires        |
 *                               V                      |
 *                          Terminated <----------------+
 */
import type { SipRequest, SipResponse } from '../message/message.js';
import type { Destination } from '../transport/types.js';
import { ServerTransaction, statusClass, type ServerTransactionUser, type TransactionHost } from './transaction.js';

export type IstState = 'proceeding' | 'completed' | 'confirmed' | 'accepted' | 'terminated';
type Input =
  | 'INVITE'
  | 'ACK'
  | 'send 1xx'
  | 'send 2xx'
  | 'send 3xx-6xx'
  | 'timer 100'
  | 'timer G'
  | 'timer H'
  | 'timer I'
  | 'timer L'
  | 'transport error';
type Handler = (tx: InviteServerTransaction, now: number, msg?: SipRequest | SipResponse, err?: Error) => IstState;

const same: Handler = (tx) => tx.state;

const TABLE: Record<Exclude<IstState, 'terminated'>, Partial<Record<Input, Handler>>> = {
  proceeding: {
    // RFC 3261 17.2.1: "If a request retransmission is received while in the "Proceeding" state, the most
    // recent provisional response that was received from the TU MUST be passed to the transport layer."
    INVITE: (tx) => {
      tx.resend();
      return 'proceeding';
    },
    // An ACK before any final response matches nothing to acknowledge.
    ACK: same,
    // "The TU passes any number of provisional responses to the server transaction."
    'send 1xx': (tx, _now, res) => {
      tx.stop('100');
      tx.send(res as SipResponse);
      return 'proceeding';
    },
    // RFC 6026 7.1: "If, while in the "Proceeding" state, the TU passes a 2xx response to the server
    // transaction, the server transaction MUST pass this response to the transport layer for
    // transmission. It is not retransmitted by the server transaction; retransmissions of 2xx responses
    // are handled by the TU. The server transaction MUST then transition to the "Accepted" state."
    'send 2xx': (tx, now, res) => {
      tx.stop('100');
      tx.send(res as SipResponse);
      tx.arm('L', now);
      return 'accepted';
    },
    // "While in the "Proceeding" state, if the TU passes a response with status code from 300 to 699 to the
    // server transaction, the response MUST be passed to the transport layer for transmission, and the
    // state machine MUST enter the "Completed" state. For unreliable transports, timer G is set to fire
    // in T1 seconds ... timer H MUST be set to fire in 64*T1 seconds for all transports."
    'send 3xx-6xx': (tx, now, res) => {
      tx.stop('100');
      tx.send(res as SipResponse);
      if (!tx.reliable) tx.arm('G', now);
      tx.arm('H', now);
      return 'completed';
    },
    // "The server transaction MUST generate a 100 (Trying) response unless it knows that the TU will
    // generate a provisional or final response within 200 ms."
    'timer 100': (tx) => {
      tx.sendTrying();
      return 'proceeding';
    },
    'transport error': (tx, now, _m, err) => {
      tx.tu.onTransportError?.(tx, err!, now);
      return 'terminated';
    },
  },
  completed: {
    // "while in the "Completed" state, if a request retransmission is received, the server SHOULD pass the
    // response to the transport for retransmission."
    INVITE: (tx) => {
      tx.resend();
      return 'completed';
    },
    // "If an ACK is received while the server transaction is in the "Completed" state, the server
    // transaction MUST transition to the "Confirmed" state. As Timer G is ignored in this state, any
    // retransmissions of the response will cease." Timer I: T4 for unreliable, zero for reliable.
    ACK: (tx, now) => {
      tx.stop('G', 'H');
      tx.arm('I', now);
      return 'confirmed';
    },
    // "If timer G fires, the response is passed to the transport layer once more for retransmission, and
    // timer G is set to fire in MIN(2*T1, T2) seconds."
    'timer G': (tx, now) => {
      tx.resend();
      tx.gInterval = Math.min(2 * tx.gInterval, tx.t2);
      tx.arm('G', now, tx.gInterval);
      return 'completed';
    },
    // "If timer H fires while in the "Completed" state, it implies that the ACK was never received. In this
    // case, the server transaction MUST transition to the "Terminated" state, and MUST indicate to the TU
    // that a transaction failure has occurred."
    'timer H': (tx, now) => {
      tx.tu.onTimeout?.(tx, now);
      return 'terminated';
    },
    'send 1xx': same,
    'transport error': (tx, now, _m, err) => {
      tx.tu.onTransportError?.(tx, err!, now);
      return 'terminated';
    },
  },
  confirmed: {
    // "The purpose of the "Confirmed" state is to absorb any additional ACK messages that arrive."
    ACK: same,
    INVITE: same,
    'timer I': () => 'terminated',
    'transport error': same,
  },
  accepted: {
    // RFC 6026 7.1: "The server transaction MUST NOT generate 2xx retransmissions on its own. Any
    // retransmission of the 2xx response passed from the TU to the transaction while in the "Accepted"
    // state MUST be passed to the transport layer for transmission." INVITE retransmissions are absorbed.
    INVITE: same,
    'send 2xx': (tx, _now, res) => {
      tx.send(res as SipResponse);
      return 'accepted';
    },
    ACK: same,
    // "If Timer L fires while the INVITE server transaction is in the "Accepted" state, the transaction
    // MUST transition to the "Terminated" state."
    'timer L': () => 'terminated',
    // The 2xx is the TU's to retransmit; a transport error here is the TU's to notice.
    'transport error': same,
  },
};

export class InviteServerTransaction extends ServerTransaction {
  state: IstState = 'proceeding';
  /** Current Timer G interval. */
  gInterval: number;
  readonly t2: number;
  private readonly trying: (req: SipRequest) => SipResponse;

  constructor(
    host: TransactionHost,
    key: string,
    request: SipRequest,
    destination: Destination,
    readonly tu: ServerTransactionUser,
    now: number,
    /** Builds the 100 Trying for a request (the UA core knows the headers it carries). */
    trying: (req: SipRequest) => SipResponse,
    /** Delay before sending 100 Trying when the TU has not answered (RFC 3261 17.2.1: 200 ms). */
    tryingDelay = 200,
  ) {
    super(host, key, request, destination);
    this.gInterval = this.t.G;
    this.t2 = host.timers.t2;
    this.trying = trying;
    this.startTimer('100', tryingDelay, (t) => this.input('timer 100', t), now);
  }

  receive(req: SipRequest, now: number): void {
    this.input(req.method === 'ACK' ? 'ACK' : 'INVITE', now, req);
  }

  respond(res: SipResponse, now: number): void {
    const cls = statusClass(res.status);
    this.input(`send ${cls}`, now, res);
  }

  transportError(error: Error, now: number): void {
    this.input('transport error', now, undefined, error);
  }

  /** @internal */
  sendTrying(): void {
    // Only in Proceeding, where the request is still kept.
    this.send(this.trying(this.request!));
  }

  /** @internal */
  arm(name: 'G' | 'H' | 'I' | 'L', now: number, delay?: number): void {
    this.startTimer(name, delay ?? this.t[name], (t) => this.input(`timer ${name}`, t), now);
  }

  /** @internal */
  stop(...names: string[]): void {
    this.stopTimer(...names);
  }

  private input(input: Input, now: number, msg?: SipRequest | SipResponse, err?: Error): void {
    if (this.state === 'terminated') return;
    const h = TABLE[this.state][input];
    if (!h) this.impossible(input);
    const next = h(this, now, msg, err);
    if (next === 'terminated') this.terminate(now);
    else this.state = next;
    // Past Proceeding nothing needs the request any more (100 Trying was its last use); in Accepted and
    // Confirmed the transaction sends nothing itself (the TU retransmits its 2xx), so the response is kept
    // as bytes only.
    if (next !== 'proceeding') this.forgetRequest();
    if (next === 'accepted' || next === 'confirmed') this.keepResponseBytesOnly();
  }

  protected terminate(now: number): void {
    this.state = 'terminated';
    this.stopAllTimers();
    this.host.removed(this);
    this.tu.onTerminated?.(this, now);
  }
}
