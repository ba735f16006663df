/** A transaction layer in virtual time with a recording transport and TUs. */
import { TransactionLayer } from '../../../src/sip/transaction/transaction-layer.js';
import type {
  ClientTransaction,
  ClientTransactionUser,
  ServerTransaction,
  ServerTransactionUser,
} from '../../../src/sip/transaction/transaction.js';
import { DEFAULT_TIMERS, type SipTimers } from '../../../src/sip/transaction/timer-config.js';
import type { SipResponse, SipMessage } from '../../../src/sip/message/message.js';
import { buildResponse } from '../../../src/sip/message/build.js';
import { DeadlineQueue } from '../../../src/util/deadlines.js';
import type { Destination } from '../../../src/sip/transport/types.js';

export const UDP: Destination = { transport: 'udp', host: '192.0.2.2', port: 5060 };
export const TCP: Destination = { transport: 'tcp', host: '192.0.2.2', port: 5060 };

export class TxHarness {
  now = 0;
  readonly deadlines = new DeadlineQueue();
  readonly sent: { at: number; msg: SipMessage }[] = [];
  readonly events: string[] = [];
  readonly layer: TransactionLayer;

  constructor(timers: SipTimers = DEFAULT_TIMERS) {
    this.layer = new TransactionLayer(timers, this.deadlines, (t) => this.sent.push({ at: this.now, msg: t.message! }));
  }

  /** Run every deadline up to `t` in order, each at its own time. */
  runUntil(t: number): void {
    for (;;) {
      const next = this.deadlines.next();
      if (next === undefined || next > t) break;
      this.now = next;
      this.deadlines.runDue(next);
    }
    this.now = t;
  }

  /** Run every deadline; the clock stays at the last one. */
  runAll(limit = 10_000_000): void {
    for (;;) {
      const next = this.deadlines.next();
      if (next === undefined || next > limit) break;
      this.now = next;
      this.deadlines.runDue(next);
    }
  }

  /** Start lines of what was sent, with times: `0 INVITE`, `500 INVITE`, `32000 …`. */
  log(): string[] {
    return this.sent.map((s) => `${s.at} ${s.msg.type === 'request' ? s.msg.method : s.msg.status}`);
  }

  clientTu(): ClientTransactionUser {
    return {
      onResponse: (_tx: ClientTransaction, r: SipResponse, now: number) =>
        this.events.push(`${now} response ${r.status}`),
      onTimeout: (_tx: ClientTransaction, now: number) => this.events.push(`${now} timeout`),
      onTransportError: (_tx: ClientTransaction, e: Error, now: number) =>
        this.events.push(`${now} transport-error ${e.message}`),
    };
  }

  serverTu(): ServerTransactionUser {
    return {
      onTimeout: (_tx: ServerTransaction, now: number) => this.events.push(`${now} timeout`),
      onTransportError: (_tx: ServerTransaction, e: Error, now: number) =>
        this.events.push(`${now} transport-error ${e.message}`),
      onTerminated: (_tx: ServerTransaction, now: number) => this.events.push(`${now} terminated`),
    };
  }

  trying = (r: Parameters<typeof buildResponse>[0]) => buildResponse(r, 100);
}
