/**
 * The non-INVITE server transaction: RFC 3261 17.2.2 (Figure 8).
 *
 *                                   |Request received
 *                                   |pass to TU
 *                                   V
 *                             +-----------+
 *                             |           |
 *                             | Trying    |-------------+
 *                             |           |             |
 *                             +-----------+             |200-699 from TU
 *                                   |                   |send response
 *                                   |1xx from TU        |
 *                                   |send response      |
 *                                   |                   |
 *                Request            V      1xx from TU  |
 *                send response+-----------+send response|
 *                    +--------|           |--------+    |
 *                    |        | Proceeding|        |    |
 *                    +------->|           |<-------+    |
 *             +<--------------|           |             |
 *             |Trnsprt Err    +-----------+             |
 *             |Inform TU            |                   |
 *             |                     |                   |
 *             |                     |200-699 from TU    |
 *             |                     |send response      |
 *             |  Request            V                   |
 *             |  send response+-----------+             |
 *             |      +--------|           |             |
 *             |      |        | Completed |<------------+
 *             |      +------->|           |
 *             +<--------------|           |
 *             |Trnsprt Err    +-----------+
 *             |Inform TU            |
 *             |                     |Timer J fires
 *             |                     |-
 *             |                     |
 *             |                     V
 *             +-----------------> Terminated
 */
import type { SipRequest, SipResponse } from '../message/message.js';
import type { Destination } from '../transport/types.js';
import { ServerTransaction, statusClass, type ServerTransactionUser, type TransactionHost } from './transaction.js';

export type NistState = 'trying' | 'proceeding' | 'completed' | 'terminated';
type Input = 'request' | 'send 1xx' | 'send final' | 'timer J' | 'transport error';
type Handler = (tx: NonInviteServerTransaction, now: number, res?: SipResponse, err?: Error) => NistState;

const finalResponse: Handler = (tx, now, res) => {
  // RFC 3261 17.2.2: "the server transaction MUST enter the "Completed" state ... When the server
  // transaction enters the "Completed" state, it MUST set Timer J to fire in 64*T1 seconds for unreliable
  // transports, and zero seconds for reliable transports."
  tx.send(res!);
  tx.armJ(now);
  return 'completed';
};
const transportError: Handler = (tx, now, _r, err) => {
  tx.tu.onTransportError?.(tx, err!, now);
  return 'terminated';
};

const TABLE: Record<Exclude<NistState, 'terminated'>, Partial<Record<Input, Handler>>> = {
  trying: {
    // "Once in the "Trying" state, any further request retransmissions are discarded."
    request: (tx) => tx.state,
    'send 1xx': (tx, _now, res) => {
      tx.send(res!);
      return 'proceeding';
    },
    'send final': finalResponse,
    'transport error': transportError,
  },
  proceeding: {
    // "If a retransmission of the request is received while in the "Proceeding" state, the most recently
    // sent provisional response MUST be passed to the transport layer for retransmission."
    request: (tx) => {
      tx.resend();
      return 'proceeding';
    },
    'send 1xx': (tx, _now, res) => {
      tx.send(res!);
      return 'proceeding';
    },
    'send final': finalResponse,
    'transport error': transportError,
  },
  completed: {
    // "While in the "Completed" state, the server transaction MUST pass the final response to the transport
    // layer for retransmission whenever a retransmission of the request is received. Any other final
    // responses passed by the TU to the server transaction MUST be discarded while in the "Completed" state."
    request: (tx) => {
      tx.resend();
      return 'completed';
    },
    'send final': (tx) => tx.state,
    'send 1xx': (tx) => tx.state,
    // "The server transaction remains in this state until Timer J fires, at which point it MUST transition
    // to the "Terminated" state."
    'timer J': () => 'terminated',
    'transport error': transportError,
  },
};

export class NonInviteServerTransaction extends ServerTransaction {
  state: NistState = 'trying';

  constructor(
    host: TransactionHost,
    key: string,
    request: SipRequest,
    destination: Destination,
    readonly tu: ServerTransactionUser,
  ) {
    super(host, key, request, destination);
  }

  receive(_req: SipRequest, now: number): void {
    this.input('request', now);
  }

  respond(res: SipResponse, now: number): void {
    this.input(statusClass(res.status) === '1xx' ? 'send 1xx' : 'send final', now, res);
  }

  transportError(error: Error, now: number): void {
    this.input('transport error', now, undefined, error);
  }

  /** @internal */
  armJ(now: number): void {
    this.startTimer('J', this.t.J, (t) => this.input('timer J', t), now);
  }

  private input(input: Input, now: number, res?: SipResponse, err?: Error): void {
    if (this.state === 'terminated') return;
    const h = TABLE[this.state][input];
    if (!h) this.impossible(input);
    const next = h(this, now, res, err);
    if (next === 'terminated') this.terminate(now);
    else this.state = next;
    // Answered for good: Completed absorbs retransmissions by the key and resends the response, read back
    // from its bytes (retransmissions are rare; the 32 s of Timer J are not).
    if (next === 'completed' || next === 'terminated') {
      this.forgetRequest();
      this.keepResponseBytesOnly();
    }
  }

  protected terminate(now: number): void {
    this.state = 'terminated';
    this.stopAllTimers();
    this.host.removed(this);
    this.tu.onTerminated?.(this, now);
  }
}
