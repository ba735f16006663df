/**
 * A non-INVITE request we received (RFC 3261 8.2.6): answered once, through
 * its server transaction, which absorbs retransmissions.
 */
import { buildResponse, reasonPhrase } from '../message/build.js';
import type { HeaderInit, SipRequest, SipResponse } from '../message/message.js';
import { SipStateError } from '../errors.js';
import type { ServerTransaction } from '../transaction/transaction.js';
import type { Source } from '../transport/types.js';
import type { CoreContext } from './context.js';
import type { Dialog } from './dialog.js';
import { agentHeader } from './config.js';

export interface RespondOptions {
  readonly reason?: string;
  readonly headers?: HeaderInit;
  readonly body?: Uint8Array;
  readonly contentType?: string;
  /** Copy Record-Route (a response that makes a dialog: a 2xx to SUBSCRIBE or to REFER outside dialogs). */
  readonly recordRoute?: boolean;
}

export class ServerRequest {
  /** The final response, once sent. */
  final: SipResponse | undefined;
  /** Our tag in the responses (the dialog's, the request's To tag, or a new one). */
  readonly localTag: string;

  constructor(
    private readonly ctx: CoreContext,
    readonly request: SipRequest,
    readonly tx: ServerTransaction,
    readonly source: Source,
    readonly dialog?: Dialog,
    toTag?: string,
  ) {
    this.localTag = dialog?.localTag ?? request.toTag ?? toTag ?? ctx.ids.tag();
  }

  get method(): string {
    return this.request.method;
  }

  get answered(): boolean {
    return this.final !== undefined;
  }

  respond(status: number, now: number, opts: RespondOptions = {}): SipResponse {
    if (this.final) throw new SipStateError(`${this.method} already answered with ${this.final.status}`);
    if (status < 100 || status > 699) throw new SipStateError(`bad status ${status}`);
    const res = buildResponse(this.request, status, {
      toTag: this.localTag,
      reason: opts.reason ?? reasonPhrase(status),
      ...(opts.recordRoute ? { recordRoute: true } : {}),
      headers: [...agentHeader(this.ctx.config, 'Server'), ...(opts.headers ?? [])],
      ...(opts.body ? { body: opts.body } : {}),
      ...(opts.contentType ? { contentType: opts.contentType } : {}),
    });
    if (status >= 200) this.final = res;
    this.tx.respond(res, now);
    return res;
  }
}
