/**
 * What a `Call` needs of SIP: its dialog (`CallDialog`) and, for a call we
 * receive, its INVITE (`CallInvite`). The stack's own handles (`Dialog`,
 * `IncomingCall`) are these; a call whose media runs in a worker thread
 * gets stand-ins that carry each request to the thread that owns SIP
 * (`docs/workers.md`).
 */
import type { DialogEndReason } from '../sip/core/dialog.js';
import type { ReferProgress } from '../sip/api/subscription.js';
import type { Replaces } from '../sip/message/replaces.js';
import type { HeaderInit, SipRequest, SipResponse } from '../sip/message/message.js';
import type { Uri } from '../sip/message/uri.js';
import type { TransportKind } from '../sip/transport/types.js';

/** A final response, as much of it as a call reads. */
export interface CallResponse {
  readonly status: number;
  readonly reason: string;
  readonly body: Uint8Array;
}

/** The peer's re-INVITE in a call's dialog. */
export interface CallReinvite {
  /** The offer, possibly empty. */
  readonly body: Uint8Array;
  accept(body?: Uint8Array | string, contentType?: string): Promise<unknown>;
  reject(status?: number, reason?: string): void;
}

/** A REFER we sent (the stack's `Refer`), as a call follows it. */
export interface CallRefer {
  /** The referred request's final status; rejects when the REFER was refused or ended without one. */
  readonly outcome: Promise<ReferProgress>;
  on(event: 'progress', listener: (progress: ReferProgress) => void): unknown;
}

/** The peer's REFER (the stack's `IncomingRefer`), as a call answers it. */
export interface CallIncomingRefer {
  /** The URI to call (the Refer-To without its headers). */
  readonly target: string;
  /** The method the Refer-To asks for (INVITE by default). */
  readonly method: string;
  /** The dialog the new INVITE must replace (an attended transfer). */
  readonly replaces: Replaces | undefined;
  readonly referredBy: string | undefined;
  readonly answered: boolean;
  /** Keep it unanswered after the event handlers return. */
  defer(): void;
  /** 202 and NOTIFY 100 Trying. */
  accept(): void;
  reject(status?: number, reason?: string): void;
  /** A NOTIFY with the referred request's status (a final one ends the subscription). */
  progress(status: number, reason?: string): Promise<unknown>;
}

export type CallDialogEvents = {
  /** A key in an INFO (application/dtmf-relay). */
  dtmf: [digit: string, durationMs: number | undefined];
  reinvite: [inc: CallReinvite];
  refer: [refer: CallIncomingRefer];
  message: [message: { readonly text: string; readonly contentType: string | undefined }];
};

/** A call's dialog. */
export interface CallDialog {
  readonly state: 'early' | 'confirmed' | 'terminated';
  readonly role: 'uac' | 'uas';
  readonly remoteTarget: Uri;
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
  /** The last body we sent in an INVITE or its answer. */
  readonly localBody: { readonly body: Uint8Array; readonly contentType: string } | undefined;
  /** The peer's ACK for our 2xx (its body answers an offer of ours in the 2xx). */
  readonly lastAck: { readonly body: Uint8Array } | undefined;
  readonly terminated: Promise<DialogEndReason>;
  on<K extends keyof CallDialogEvents>(event: K, listener: (...args: CallDialogEvents[K]) => void): unknown;
  bye(): Promise<unknown>;
  info(body: Uint8Array | string, contentType: string): Promise<CallResponse>;
  /** MESSAGE in the dialog (RFC 3428). */
  message(text: string, contentType?: string): Promise<CallResponse>;
  reinvite(
    body?: Uint8Array | string,
    contentType?: string,
    headers?: HeaderInit,
    opts?: { readonly glareRetry?: boolean },
  ): Promise<CallResponse>;
  refer(target: string | Uri, opts?: { readonly replaces?: CallDialog | Replaces }): CallRefer;
}

/** Where an INVITE came from. */
export interface CallSource {
  readonly transport: TransportKind;
  readonly remote: { readonly address: string; readonly port: number };
}

export type CallInviteEvents = { cancelled: [cancel: SipRequest] };

/** An INVITE that starts a call we receive. */
export interface CallInvite {
  readonly callId: string;
  readonly source: CallSource;
  readonly request: SipRequest;
  on<K extends keyof CallInviteEvents>(event: K, listener: (...args: CallInviteEvents[K]) => void): unknown;
  progress(status?: number): void;
  accept(
    body?: Uint8Array | string,
    contentType?: string,
    opts?: { readonly headers?: HeaderInit },
  ): Promise<CallDialog>;
  reject(status?: number, reason?: string, headers?: HeaderInit): void;
}

/** An INVITE we sent (the stack's `OutgoingCall`), as a call we place follows it. */
export interface CallOutgoingInvite {
  /** Whether the INVITE went out (its host name may be resolved first). */
  readonly sent: boolean;
  readonly callId: string;
  /** The final 2xx, once answered. */
  readonly response: { readonly body: Uint8Array } | undefined;
  /** Resolves with the confirmed dialog (ACK sent); rejects with `SipRequestFailedError`. */
  readonly answered: Promise<CallDialog>;
  on(event: 'progress', listener: (response: SipResponse) => void): unknown;
  cancel(): void;
}

/** What a call we place sends its INVITE with: the stack's `UserAgent`; in a media worker, a stand-in. */
export interface CallPlacer {
  /** Resolve the next hop of `uri` (never rejects: a name that does not resolve fails the INVITE). */
  prepare(uri: string): Promise<void>;
  /** Where the INVITE to `uri` goes first; throws for a URI that cannot be routed. */
  nextHop(uri: string): { readonly host: string; readonly transport: TransportKind };
  invite(
    uri: string,
    opts: {
      readonly body: string;
      readonly contentType: string;
      readonly headers?: HeaderInit;
      readonly from?: string;
    },
  ): CallOutgoingInvite;
}
