/** A request the user agent received (outside or inside a dialog), to answer once. */
import type { SipRequest, SipResponse } from '../message/message.js';
import type { NameAddr } from '../message/name-addr.js';
import type { RespondOptions, ServerRequest } from '../core/server-request.js';
import type { Source } from '../transport/types.js';
import type { UaInternals } from './internals.js';
import type { Dialog } from './dialog.js';

/**
 * A received request other than INVITE: MESSAGE, OPTIONS (already
 * answered), INFO inside a dialog…
 *
 * @example
 * ua.on('request', (req) => {
 *   if (req.method === 'MESSAGE') { console.log(req.text); req.respond(200); }
 * });
 */
export class IncomingRequest {
  private deferred = false;

  /** @internal */
  constructor(
    private readonly ua: UaInternals,
    /** @internal */ readonly core: ServerRequest,
    /** The dialog it arrived in, if any. */
    readonly dialog?: Dialog,
  ) {}

  get request(): SipRequest {
    return this.core.request;
  }
  get method(): string {
    return this.core.request.method;
  }
  get from(): NameAddr {
    return this.core.request.from;
  }
  get to(): NameAddr {
    return this.core.request.to;
  }
  get contentType(): string | undefined {
    return this.core.request.contentType;
  }
  get body(): Uint8Array {
    return this.core.request.body;
  }
  /** The body as UTF-8 text. */
  get text(): string {
    return this.core.request.text;
  }
  /** Where it came from. */
  get source(): Source {
    return this.core.source;
  }
  get answered(): boolean {
    return this.core.answered;
  }

  /** Answer it (once). */
  respond(status: number, opts: RespondOptions = {}): SipResponse {
    return this.ua.act((now) => this.core.respond(status, now, opts));
  }

  /** Keep it unanswered after the event handlers return: you will call `respond` later. */
  defer(): void {
    this.deferred = true;
  }

  /** @internal whether the user agent should answer it by default. */
  get wantsDefault(): boolean {
    return !this.core.answered && !this.deferred;
  }
}
