/**
 * The INVITE client transaction: RFC 3261 17.1.1 (Figure 5) with the
 * Accepted state of RFC 6026 7.2.
 *
 *                      |INVITE from TU
 *    Timer A fires     |INVITE sent            Timer B fires
 *    Reset A,          V                       or Transport Err.
 *    INVITE sent +-----------+                 inform TU
 *      +---------|  Calling  |------------------------------+
 *      +-------->|           |-----------+                  |
 *                +-----------+ 2xx       |                  |
 *                   |  |       2xx to TU |                  |
 *       300-699     |  |1xx              V                  |
 *       ACK sent    |  |1xx to TU  +-----------+  2xx to TU |
 *       resp. to TU |  +---------->| Proceeding|--------+   |
 *                   |              +-----------+        |   |
 *                   |    300-699 ACK sent |             V   |
 *                   |    resp. to TU      |       +----------+  Timer M
 *                   V                     |       | Accepted |-------+
 *                +-----------+<-----------+       +----------+       |
 *    300-699     |           |                     2xx to TU         |
 *    ACK sent    | Completed |  Timer D fires                        |
 *    +-----------|           |-------------------> Terminated <------+
 *
 * Each row of TABLE is a state; each column an input. An input a state does
 * not list is impossible there and throws.
 */
import { field, SipRequest, type SipResponse } from '../message/message.js';
import type { Destination } from '../transport/types.js';
import {
  ClientTransaction,
  type ClientInput,
  type ClientTransactionUser,
  type TransactionHost,
} from './transaction.js';

export type IctState = 'calling' | 'proceeding' | 'completed' | 'accepted' | 'terminated';
type Input = '1xx' | '2xx' | '3xx-6xx' | 'timer A' | 'timer B' | 'timer D' | 'timer M' | 'transport error';
type Handler = (tx: InviteClientTransaction, now: number, res?: SipResponse, err?: Error) => IctState;

const toTu: Handler = (tx, now, res) => {
  tx.tu.onResponse(tx, res!, now);
  return tx.state;
};

const TABLE: Record<Exclude<IctState, 'terminated'>, Partial<Record<Input, Handler>>> = {
  calling: {
    // RFC 3261 17.1.1.2: "If an unreliable transport is being used, the client transaction MUST start timer A
    // with a value of T1 ... When timer A fires, the client transaction MUST retransmit the request ... and
    // reset the timer with a value of 2*T1."
    'timer A': (tx, now) => {
      tx.retransmit();
      tx.interval *= 2;
      tx.armRetransmit(now);
      return 'calling';
    },
    // "If the client transaction is still in the "Calling" state when timer B fires, the client transaction
    // SHOULD inform the TU that a timeout has occurred."
    'timer B': (tx, now) => {
      tx.tu.onTimeout(tx, now);
      return 'terminated';
    },
    // "If the client transaction receives a provisional response while in the "Calling" state, it
    // transitions to the "Proceeding" state ... Furthermore, the provisional response MUST be passed to the TU."
    '1xx': (tx, now, res) => {
      tx.stop('A', 'B');
      tx.tu.onResponse(tx, res!, now);
      return 'proceeding';
    },
    '2xx': (tx, now, res) => tx.accept(now, res!),
    '3xx-6xx': (tx, now, res) => tx.complete(now, res!),
    'transport error': (tx, now, _res, err) => {
      tx.tu.onTransportError(tx, err!, now);
      return 'terminated';
    },
  },
  proceeding: {
    // "Any further provisional responses MUST be passed up to the TU while in the "Proceeding" state."
    '1xx': toTu,
    '2xx': (tx, now, res) => tx.accept(now, res!),
    '3xx-6xx': (tx, now, res) => tx.complete(now, res!),
    'transport error': (tx, now, _res, err) => {
      tx.tu.onTransportError(tx, err!, now);
      return 'terminated';
    },
  },
  completed: {
    // "Any retransmissions of the final response that are received while in the "Completed" state MUST
    // cause the ACK to be re-passed to the transport layer for retransmission, but the newly received
    // response MUST NOT be passed up to the TU."
    '3xx-6xx': (tx) => {
      tx.sendAck();
      return 'completed';
    },
    '1xx': (tx) => tx.state,
    '2xx': (tx) => tx.state,
    // "If timer D fires while the client transaction is in the "Completed" state, the client transaction
    // MUST move to the terminated state."
    'timer D': () => 'terminated',
    'transport error': () => 'terminated',
  },
  accepted: {
    // RFC 6026 7.2: "Any 2xx response received while in the "Accepted" state MUST be passed up to the TU."
    '2xx': toTu,
    '1xx': (tx) => tx.state,
    '3xx-6xx': (tx) => tx.state,
    // "If Timer M fires while the client transaction is in the "Accepted" state, the client transaction
    // MUST move to the "Terminated" state."
    'timer M': () => 'terminated',
    // The 2xx already reached the TU; a failed ACK send is the TU's business.
    'transport error': (tx) => tx.state,
  },
};

export class InviteClientTransaction extends ClientTransaction {
  state: IctState = 'calling';
  private ack: SipRequest | undefined;
  private ackBytes: Uint8Array | undefined;

  constructor(
    host: TransactionHost,
    key: string,
    request: SipRequest,
    destination: Destination,
    readonly tu: ClientTransactionUser,
  ) {
    super(host, key, request, destination, { retransmit: 'A', timeout: 'B' });
  }

  /** @internal */
  stop(...names: string[]): void {
    this.stopTimer(...names);
  }

  /** @internal 2xx: to the TU, then Accepted (RFC 6026). */
  accept(now: number, res: SipResponse): IctState {
    this.stopTimer('A', 'B');
    this.state = 'accepted';
    this.startTimer('M', this.t.M, (t) => this.input('timer M', t), now);
    this.tu.onResponse(this, res, now);
    return 'accepted';
  }

  /** @internal 300-699: ACK, to the TU, then Completed with Timer D. */
  complete(now: number, res: SipResponse): IctState {
    this.stopTimer('A', 'B');
    this.ack = buildNon2xxAck(this.request, res);
    this.ackBytes = undefined;
    this.sendAck();
    this.state = 'completed';
    // "The client transaction SHOULD start timer D when it enters the "Completed" state, with a value of at
    // least 32 seconds for unreliable transports, and a value of zero seconds for reliable transports."
    this.startTimer('D', this.t.D, (t) => this.input('timer D', t), now);
    this.tu.onResponse(this, res, now);
    return 'completed';
  }

  /** @internal */
  sendAck(): void {
    if (this.ack) this.ackBytes = this.transmit(this.ack, this.ackBytes);
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

/**
 * RFC 3261 17.1.1.3: the ACK for a non-2xx final response — Request-URI,
 * Call-ID, From, the top Via and Route of the INVITE; To of the response;
 * the INVITE's CSeq number with method ACK.
 */
export function buildNon2xxAck(invite: SipRequest, res: SipResponse): SipRequest {
  const h = [];
  h.push(field('Via', invite.headerValues('via')[0]!));
  for (const f of invite.headers) {
    if (f.key === 'from' || f.key === 'call-id' || f.key === 'route' || f.key === 'max-forwards') h.push(f);
  }
  h.push(field('To', res.header('to')!));
  h.push(field('CSeq', `${invite.cseq.seq} ACK`));
  h.push(field('Content-Length', '0'));
  return new SipRequest('ACK', invite.rawUri, h);
}
