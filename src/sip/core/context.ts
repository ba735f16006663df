/**
 * What the parts of the user-agent core (requests, INVITE sessions,
 * dialogs, registrations) need from the core that owns them. `SipCore`
 * implements it; the parts never touch transports or clocks directly.
 */
import type { DigestClient } from '../auth/digest-client.js';
import type { SipMessage, SipResponse, SipRequest } from '../message/message.js';
import type { TransactionLayer } from '../transaction/transaction-layer.js';
import type { Destination } from '../transport/types.js';
import type { Deadline } from '../../util/deadlines.js';
import type { Logger } from '../../log/logger.js';
import type { ResolvedConfig } from './config.js';
import type { Dialog } from './dialog.js';
import type { CoreEvent } from './events.js';
import type { IdGenerator } from './ids.js';
import type { ServerInvite } from './server-invite.js';
import type { Subscription } from './subscription.js';

export interface CoreContext {
  readonly config: ResolvedConfig;
  readonly ids: IdGenerator;
  readonly transactions: TransactionLayer;
  readonly digest: DigestClient;
  readonly log: Logger;
  schedule(at: number, fn: (now: number) => void): Deadline;
  emit(e: CoreEvent): void;
  /** Send a message outside any transaction (ACK for 2xx, stateless responses). */
  sendRaw(msg: SipMessage, destination: Destination, bytes?: Uint8Array): Uint8Array;
  /** Send a double-CRLF keep-alive (RFC 5626 3.5.1) to `destination`. */
  sendKeepAlive(destination: Destination): void;
  /** Dialogs by id (`callId|localTag|remoteTag`). */
  readonly dialogs: Map<string, Dialog>;
  /** Incoming INVITEs waiting for an answer or an ACK, by server transaction key. */
  readonly serverInvites: Map<string, ServerInvite>;
  /**
   * Our SUBSCRIBEs (and REFERs outside dialogs) waiting for the 2xx or a
   * NOTIFY that makes their dialog, by `Call-ID|From tag`.
   */
  readonly pendingSubscriptions: Map<string, Subscription>;
  /** 100 Trying for a request (the INVITE server transaction sends it after 200 ms). */
  trying(req: SipRequest): SipResponse;
}
