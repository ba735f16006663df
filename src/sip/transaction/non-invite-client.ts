/**
 * The non-INVITE client transaction: RFC 3261 17.1.2 (Figure 6).
 *
 *                                |Request from TU
 *                                |send request
 *            Timer E             V
 *            send request  +-----------+
 *                +---------|           |-------------------+
 *                |         |  Trying   |  Timer F          |
 *                +-------->|           |  or Transport Err.|
 *                          +-----------+  inform TU        |
 *             200-699         |  |                         |
 *             resp. to TU     |  |1xx                      |
 *             +---------------+  |resp. to TU              |
 *             |                  |                         |
 *             |   Timer E        V       Timer F           |
 *             |   send req +-----------+ or Transport Err. |
 *             |  +---------|           | inform TU         |
 *             |  |         |Proceeding |------------------>|
 *             |  +-------->|           |-----+             |
 *             |            +-----------+     |1xx          |
 *             |              |      ^        |resp to TU   |
 *             | 200-699      |      +--------+             |
 *             | resp. to TU  |                             |
 *             |              V                             |
 *             |            +-----------+                   |
 *             |            |           |                   |
 *             |            | Completed |                   |
 *             |            |           |                   |
 *             |            +-----------+                   |
 *             |              ^   |                         |
 *             |              |   | Timer K                 |
 *             +--------------+   | -                       |
 *                                |                         |
 *                                V                         |
 *                          NOTE: Terminated <--------------+
 */
import type { SipRequest, SipResponse } from '../message/message.js';
import type { Destination } from '../transport/types.js';
import {
  ClientTransaction,
  type ClientInput,
  type ClientTransactionUser,
  type TransactionHost,
} from './transaction.js';

export type NictState = 'trying' | 'proceeding' | 'completed' | 'terminated';
type Input = '1xx' | '2xx' | '3xx-6xx' | 'timer E' | 'timer F' | 'timer K' | 'transport error';
type Handler = (tx: NonInviteClientTransaction, now: number, res?: SipResponse, err?: Error) => NictState;

const timeout: Handler = (tx, now) => {
  // RFC 3261 17.1.2.2: "If Timer F fires while the client transaction is still in the "Trying" [or
  // "Proceeding"] state, the client transaction SHOULD inform the TU about the timeout, and then it
  // SHOULD enter the "Terminated" state."
  tx.tu.onTimeout(tx, now);
  return 'terminated';
};
const transportError: Handler = (tx, now, _r, err) => {
  tx.tu.onTransportError(tx, err!, now);
  return 'terminated';
};
const final: Handler = (tx, now, res) => tx.complete(now, res!);

const TABLE: Record<Exclude<NictState, 'terminated'>, Partial<Record<Input, Handler>>> = {
  trying: {
    // "If timer E fires while still in this state, the timer is reset, but this time with a value of
    // MIN(2*T1, T2). When the timer fires again, it is reset to a MIN(4*T1, T2)."
    'timer E': (tx, now) => {
      tx.retransmit();
      tx.interval = Math.min(2 * tx.interval, tx.t2);
      tx.armRetransmit(now);
      return 'trying';
    },
    'timer F': timeout,
    // "If a provisional response is received while in the "Trying" state, the response MUST be passed to
    // the TU, and then the client transaction SHOULD move to the "Proceeding" state."
    '1xx': (tx, now, res) => {
      tx.tu.onResponse(tx, res!, now);
      return 'proceeding';
    },
    '2xx': final,
    '3xx-6xx': final,
    'transport error': transportError,
  },
  proceeding: {
    // "If Timer E fires while in the "Proceeding" state, the request MUST be passed to the transport layer
    // for retransmission, and Timer E MUST be reset with a value of T2 seconds."
    'timer E': (tx, now) => {
      tx.retransmit();
      tx.interval = tx.t2;
      tx.armRetransmit(now);
      return 'proceeding';
    },
    'timer F': timeout,
    '1xx': (tx, now, res) => {
      tx.tu.onResponse(tx, res!, now);
      return 'proceeding';
    },
    '2xx': final,
    '3xx-6xx': final,
    'transport error': transportError,
  },
  completed: {
    // "The "Completed" state exists to buffer any additional response retransmissions that may be received."
    '1xx': (tx) => tx.state,
    '2xx': (tx) => tx.state,
    '3xx-6xx': (tx) => tx.state,
    // "If Timer K fires while in this state, the client transaction MUST transition to the "Terminated" state."
    'timer K': () => 'terminated',
    'transport error': (tx) => tx.state,
  },
};

export class NonInviteClientTransaction extends ClientTransaction {
  state: NictState = 'trying';
  readonly t2: number;

  constructor(
    host: TransactionHost,
    key: string,
    request: SipRequest,
    destination: Destination,
    readonly tu: ClientTransactionUser,
  ) {
    super(host, key, request, destination, { retransmit: 'E', timeout: 'F' });
    this.t2 = host.timers.t2;
  }

  /** @internal A final response: to the TU, then Completed with Timer K (T4 on UDP, 0 on reliable). */
  complete(now: number, res: SipResponse): NictState {
    this.stopTimer('E', 'F');
    this.state = 'completed';
    this.startTimer('K', this.t.K, (t) => this.input('timer K', t), now);
    this.tu.onResponse(this, res, now);
    return 'completed';
  }

  protected input(input: ClientInput, now: number, res?: SipResponse, err?: Error): void {
    if (this.state === 'terminated') return;
    const row: Partial<Record<ClientInput, Handler>> = TABLE[this.state];
    const h = row[input];
    if (!h) this.impossible(input);
    const next = h(this, now, res, err);
    if (next === 'terminated') this.terminate();
    else this.state = next;
  }
}
