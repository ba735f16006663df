/**
 * What the four transaction state machines of RFC 3261 17 share: the host
 * they run in (deadline queue, transport, timer values), their named timers,
 * and the rule that an input a state does not expect is an error naming both.
 */
import { SipStateError } from '../errors.js';
import type { SipMessage, SipRequest, SipResponse } from '../message/message.js';
import { parseMessage } from '../message/parse.js';
import { serializeMessage } from '../message/serialize.js';
import { RELIABLE, type Destination } from '../transport/types.js';
import type { Deadline } from '../../util/deadlines.js';
import { timerValues, type SipTimers, type TimerValues } from './timer-config.js';

export interface TransactionHost {
  readonly timers: SipTimers;
  /** Run `fn` at `at` (core time). */
  schedule(at: number, fn: (now: number) => void): Deadline;
  /** Hand bytes to the transport; `ref` names the transaction to blame if sending fails. */
  send(destination: Destination, bytes: Uint8Array, message: SipMessage, ref: number): void;
  /** The transaction reached Terminated: forget it. */
  removed(tx: Transaction): void;
}

/** The transaction user of a client transaction (RFC 3261 17.1: the UAC core, a registration, a dialog). */
export interface ClientTransactionUser {
  /** A response for the TU: every 1xx, the first final response, and (INVITE, RFC 6026 Accepted) every 2xx. */
  onResponse(tx: ClientTransaction, res: SipResponse, now: number): void;
  /** Timer B or F fired: the TU acts as if it had received a 408 (RFC 3261 8.1.3.1). */
  onTimeout(tx: ClientTransaction, now: number): void;
  /** The transport failed: the TU acts as if it had received a 503 (RFC 3261 8.1.3.1). */
  onTransportError(tx: ClientTransaction, error: Error, now: number): void;
}

/** The transaction user of a server transaction (the UAS core). */
export interface ServerTransactionUser {
  /** Timer H fired: no ACK arrived for a non-2xx final response to INVITE. */
  onTimeout?(tx: ServerTransaction, now: number): void;
  onTransportError?(tx: ServerTransaction, error: Error, now: number): void;
  onTerminated?(tx: ServerTransaction, now: number): void;
}

let nextRef = 1;

export abstract class Transaction {
  /** Names the transaction in transmits, so transport errors come back to it. */
  readonly ref = nextRef++;
  abstract state: string;
  /** The transaction's key in the layer's map. */
  readonly key: string;
  readonly reliable: boolean;
  protected readonly t: TimerValues;
  /** Armed timers by name: a handful at most; fired and cancelled ones are dropped when next looked at. */
  private readonly timers: [name: string, deadline: Deadline][] = [];

  constructor(
    protected readonly host: TransactionHost,
    key: string,
    /** Where requests (client) or responses (server) go. */
    public destination: Destination,
  ) {
    this.key = key;
    this.reliable = RELIABLE[destination.transport];
    this.t = timerValues(host.timers, this.reliable);
  }

  get terminated(): boolean {
    return this.state === 'terminated';
  }

  /** Live timers (for tests: a terminated transaction has none). */
  get timerCount(): number {
    let n = 0;
    for (const [, d] of this.timers) if (d.active) n++;
    return n;
  }

  protected startTimer(name: string, delay: number, fire: (now: number) => void, now: number): void {
    this.stopTimer(name);
    this.timers.push([name, this.host.schedule(now + delay, fire)]);
  }

  protected stopTimer(...names: string[]): void {
    for (let i = this.timers.length - 1; i >= 0; i--) {
      const [n, d] = this.timers[i]!;
      if (d.active && !names.includes(n)) continue;
      d.cancel();
      this.timers.splice(i, 1);
    }
  }

  protected stopAllTimers(): void {
    for (const [, d] of this.timers) d.cancel();
    this.timers.length = 0;
  }

  protected transmit(msg: SipMessage, bytes?: Uint8Array): Uint8Array {
    const b = bytes ?? serializeMessage(msg);
    this.host.send(this.destination, b, msg, this.ref);
    return b;
  }

  protected impossible(input: string): never {
    throw new SipStateError(
      `${this.constructor.name} ${this.key}: input "${input}" is impossible in state "${this.state}"`,
    );
  }

  /** Stop every timer and go quiet without telling anyone (the user agent is closing). */
  abort(): void {
    this.stopAllTimers();
    this.state = 'terminated';
  }

  /** Stop everything and leave the layer (Terminated). */
  protected abstract terminate(now: number): void;
}

/** The inputs of the client transactions' tables: response classes, timers, a transport error. */
export type ClientInput =
  | '1xx'
  | '2xx'
  | '3xx-6xx'
  | 'transport error'
  | `timer ${'A' | 'B' | 'D' | 'M' | 'E' | 'F' | 'K'}`;

/**
 * What the two client transactions share (RFC 3261 17.1.1, 17.1.2): the
 * request sent once and retransmitted from the same bytes on a doubling
 * timer (A or E) over an unreliable transport, a timeout timer (B or F),
 * responses and transport errors fed to the state table as inputs, and
 * leaving the layer when terminated.
 */
export abstract class ClientTransaction extends Transaction {
  /** The request it sends (and retransmits). */
  readonly request: SipRequest;
  /** The current retransmission interval (timer A or E). */
  interval: number;
  private bytes: Uint8Array | undefined;

  constructor(
    host: TransactionHost,
    key: string,
    request: SipRequest,
    destination: Destination,
    /** Its retransmission timer and timeout timer: A and B (INVITE), E and F (the others). */
    private readonly timerNames: { readonly retransmit: 'A' | 'E'; readonly timeout: 'B' | 'F' },
  ) {
    super(host, key, destination);
    this.request = request;
    this.interval = this.t[timerNames.retransmit];
  }

  /** Send the request; over an unreliable transport retransmit it, and give up at the timeout. */
  start(now: number): void {
    this.bytes = this.transmit(this.request);
    if (!this.reliable) this.armRetransmit(now);
    const timeout = this.timerNames.timeout;
    this.startTimer(timeout, this.t[timeout], (t) => this.input(`timer ${timeout}`, t), now);
  }

  /** A response matched to this transaction (RFC 3261 17.1.3). */
  receive(res: SipResponse, now: number): void {
    this.input(statusClass(res.status), now, res);
  }

  /** The transport could not send its request (RFC 3261 17.1.4). */
  transportError(error: Error, now: number): void {
    this.input('transport error', now, undefined, error);
  }

  /** @internal Arm the retransmission timer for the current interval. */
  armRetransmit(now: number): void {
    const name = this.timerNames.retransmit;
    this.startTimer(name, this.interval, (t) => this.input(`timer ${name}`, t), now);
  }

  /** @internal Send the request again, from the bytes sent the first time. */
  retransmit(): void {
    this.transmit(this.request, this.bytes);
  }

  /** One input for the state table (a response class, a timer, a transport error). */
  protected abstract input(input: ClientInput, now: number, res?: SipResponse, err?: Error): void;

  protected terminate(): void {
    this.state = 'terminated';
    this.stopAllTimers();
    this.host.removed(this);
  }
}

export abstract class ServerTransaction extends Transaction {
  #request: SipRequest | undefined;

  constructor(host: TransactionHost, key: string, request: SipRequest, destination: Destination) {
    super(host, key, destination);
    this.#request = request;
  }

  /**
   * The request, until it has its final response: from then on the
   * transaction only absorbs retransmissions (by its key) and keeps just
   * the response, so a busy UAS does not hold every request for the 32 s
   * of Timer J or L.
   */
  get request(): SipRequest | undefined {
    return this.#request;
  }

  /** Let go of the request (see `request`). */
  protected forgetRequest(): void {
    this.#request = undefined;
  }

  #response: SipResponse | undefined;
  #bytes: Uint8Array | undefined;

  /**
   * The last response sent (retransmitted on request retransmissions).
   * Where the transaction only waits out its timer, it keeps the response
   * as the bytes sent and reads it back from them when asked.
   */
  get lastResponse(): SipResponse | undefined {
    if (this.#response !== undefined || this.#bytes === undefined) return this.#response;
    return parseMessage(this.#bytes, { datagram: true }).message as SipResponse;
  }

  /** The bytes of the last response sent (the 2xx the TU retransmits). */
  get lastResponseBytes(): Uint8Array | undefined {
    return this.#bytes;
  }

  /** @internal Send a response and remember it. */
  send(res: SipResponse): void {
    this.#response = res;
    this.#bytes = this.transmit(res);
  }

  /** @internal Send the last response again. */
  resend(): void {
    if (this.#bytes !== undefined) this.transmit(this.lastResponse!, this.#bytes);
  }

  /** Keep the last response as bytes only (see `lastResponse`). */
  protected keepResponseBytesOnly(): void {
    this.#response = undefined;
  }

  /** A retransmission of the request (or, for INVITE, an ACK) arrived. */
  abstract receive(req: SipRequest, now: number): void;
  /** The TU sends a response through the transaction. */
  abstract respond(res: SipResponse, now: number): void;
  abstract transportError(error: Error, now: number): void;
}

/** The class of a status code as a transaction input. */
export function statusClass(status: number): '1xx' | '2xx' | '3xx-6xx' {
  return status < 200 ? '1xx' : status < 300 ? '2xx' : '3xx-6xx';
}
