/**
 * The messages between the thread that owns SIP (main) and a media worker
 * (`docs/workers.md`): plain data, typed both ways, and checked on arrival
 * (`toWorker`, `toMain`): a message that does not fit is dropped and
 * counted, never cast.
 *
 * Each call has a number the main side gives it (`id`); a request that
 * waits for an answer (INFO, MESSAGE, re-INVITE, the peer's re-INVITE)
 * has a number too (`rid`), unique within its call.
 */
import type { DialogEndReason } from '../../sip/core/dialog.js';
import type { TransportKind } from '../../sip/transport/types.js';
import type { CallEnd, CallEndReason } from '../../app/call-types.js';
import type { LogLevel } from '../../log/logger.js';
import type { Replaces } from '../../sip/message/replaces.js';

/** The dialog, as the worker sees it once the ACK came. */
export interface DialogInfo {
  readonly role: 'uac' | 'uas';
  readonly remoteTarget: string;
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
  /** The ACK's body (the answer to an offer of ours in the 2xx). */
  readonly ackBody: Uint8Array;
}

/** A final response to a request the worker asked for. */
export interface ResultInfo {
  readonly status: number;
  readonly reason: string;
  readonly body: Uint8Array;
}

export type ToWorker =
  /** Are you there? (answered `pong`: a worker that stops answering is stuck) */
  | { readonly kind: 'ping'; readonly seq: number }
  /** A new call: the INVITE (raw, as received) and what the phone already decided about it. */
  | {
      readonly kind: 'call';
      readonly id: number;
      readonly local: string;
      readonly remote: string;
      readonly transport: TransportKind;
      readonly remoteAddress: string;
      readonly remotePort: number;
      /** The address our SDP names when the RTP socket is bound to a wildcard. */
      readonly sdpAddress: string;
      readonly invite: Uint8Array;
      /** The user the main side's access control authenticated the INVITE as (`--auth`). */
      readonly authUser?: string;
    }
  | { readonly kind: 'cancelled'; readonly id: number }
  | { readonly kind: 'acked'; readonly id: number; readonly dialog: DialogInfo }
  | { readonly kind: 'unacked'; readonly id: number; readonly status: number; readonly reason: string }
  | { readonly kind: 'dtmf'; readonly id: number; readonly digit: string; readonly durationMs: number | undefined }
  | { readonly kind: 'reinvite'; readonly id: number; readonly rid: number; readonly body: Uint8Array }
  | { readonly kind: 'dialog-ended'; readonly id: number; readonly reason: DialogEndReason }
  | { readonly kind: 'result'; readonly id: number; readonly rid: number; readonly result: ResultInfo }
  | {
      readonly kind: 'failure';
      readonly id: number;
      readonly rid: number;
      readonly status: number;
      readonly message: string;
    }
  /** Hang the call up (the server stops). */
  | { readonly kind: 'hangup'; readonly id: number; readonly reason: CallEndReason }
  /** The peer's REFER `rid` (answered with `refer-answer`). */
  | {
      readonly kind: 'referred';
      readonly id: number;
      readonly rid: number;
      readonly target: string;
      readonly method: string;
      readonly replaces?: Replaces;
      readonly referredBy?: string;
    }
  /** A NOTIFY to our REFER `rid`: how the transferee's call goes (a final status settles it). */
  | {
      readonly kind: 'refer-progress';
      readonly id: number;
      readonly rid: number;
      readonly status: number;
      readonly reason: string;
    }
  /** The call the worker asked to place (`place` `ref`) is call `id`: where its INVITE goes, what our SDP names. */
  | {
      readonly kind: 'placed';
      readonly id: number;
      readonly ref: number;
      readonly host: string;
      readonly transport: TransportKind;
      readonly sdpAddress: string;
    }
  /** The call the worker asked to place (`place` `ref`) cannot be placed: no INVITE will go out. */
  | { readonly kind: 'place-refused'; readonly ref: number; readonly status: number; readonly message: string }
  /** A provisional response to our INVITE (the whole response, as received). */
  | { readonly kind: 'invite-progress'; readonly id: number; readonly callId: string; readonly response: Uint8Array }
  /** The 2xx to our INVITE (ACK sent): the dialog, and the 2xx's body (the answer). */
  | {
      readonly kind: 'invite-answered';
      readonly id: number;
      readonly callId: string;
      readonly body: Uint8Array;
      readonly dialog: DialogInfo;
    }
  /** Our INVITE got no 2xx: a refusal (with the response), a timeout, a transport error, CANCELled. */
  | {
      readonly kind: 'invite-failed';
      readonly id: number;
      readonly status: number;
      readonly reason: string;
      readonly message: string;
      readonly failure: InviteFailure;
      readonly response?: Uint8Array;
    };

/** How an INVITE failed (as `SipRequestFailedError.kind`). */
export type InviteFailure = 'timeout' | 'transport' | 'auth' | 'status';

export type ToMain =
  | { readonly kind: 'ready' }
  | { readonly kind: 'progress'; readonly id: number; readonly status: number }
  | { readonly kind: 'reject'; readonly id: number; readonly status: number; readonly reason: string | undefined }
  | { readonly kind: 'accept'; readonly id: number; readonly body: Uint8Array; readonly contentType: string }
  | { readonly kind: 'bye'; readonly id: number }
  /** A request in the dialog: INFO or MESSAGE. */
  | {
      readonly kind: 'request';
      readonly id: number;
      readonly rid: number;
      readonly method: 'INFO' | 'MESSAGE';
      readonly body: Uint8Array;
      readonly contentType: string;
    }
  | {
      readonly kind: 'reinvite';
      readonly id: number;
      readonly rid: number;
      readonly body: Uint8Array;
      readonly glareRetry: boolean;
    }
  /** The answer to the peer's re-INVITE `rid`: 200 with a body, or a refusal. */
  | {
      readonly kind: 'reinvite-answer';
      readonly id: number;
      readonly rid: number;
      readonly status: number;
      readonly reason: string | undefined;
      readonly body: Uint8Array;
    }
  /** The call is over (its app too): the main side forgets it. */
  | {
      readonly kind: 'ended';
      readonly id: number;
      readonly end: CallEnd;
      /** The app threw (other than because its call ended). */
      readonly appError: boolean;
      /** The call outlived the longest a call may last. */
      readonly timedOut: boolean;
    }
  /** Our REFER (a transfer of the peer to `target`, replacing a dialog when attended); `rid` waits for its outcome. */
  | {
      readonly kind: 'refer';
      readonly id: number;
      readonly rid: number;
      readonly target: string;
      readonly replaces?: Replaces;
    }
  /** What the app answers to the peer's REFER `rid`: 202 (accept), a refusal, or a NOTIFY of progress. */
  | {
      readonly kind: 'refer-answer';
      readonly id: number;
      readonly rid: number;
      readonly action: 'accept' | 'reject' | 'progress';
      readonly status: number;
      readonly reason: string | undefined;
    }
  /** Place a call (following the peer's REFER): resolve where `target` goes; answered `placed` or `place-refused`. */
  | { readonly kind: 'place'; readonly ref: number; readonly target: string }
  /** Send the INVITE of placed call `id` (again after a 3xx: another target) with our offer. */
  | {
      readonly kind: 'invite';
      readonly id: number;
      readonly target: string;
      readonly body: Uint8Array;
      readonly contentType: string;
      readonly headers: readonly (readonly [string, string])[];
      readonly from?: string;
    }
  /** CANCEL the INVITE of placed call `id`. */
  | { readonly kind: 'cancel'; readonly id: number }
  | { readonly kind: 'pong'; readonly seq: number }
  /**
   * What the worker's app tells the main side's part of it (a conference's
   * rooms, a voicemail filed): a topic and JSON text, checked by the
   * main-side part that takes the topic.
   */
  | { readonly kind: 'app'; readonly topic: string; readonly json: string }
  | { readonly kind: 'log'; readonly level: LogLevel; readonly component: string; readonly msg: string };

// --- checking what arrives --------------------------------------------------------------------

type Rec = { readonly [k: string]: unknown };

function isRec(x: unknown): x is Rec {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
function str(r: Rec, k: string): string | undefined {
  const v = r[k];
  return typeof v === 'string' ? v : undefined;
}
function int(r: Rec, k: string): number | undefined {
  const v = r[k];
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined;
}
function bytes(r: Rec, k: string): Uint8Array | undefined {
  const v = r[k];
  return v instanceof Uint8Array ? v : undefined;
}
function oneOf<T extends string>(r: Rec, k: string, all: readonly T[]): T | undefined {
  const v = r[k];
  return all.find((a) => a === v);
}

const TRANSPORT_KINDS = ['udp', 'tcp', 'tls', 'ws', 'wss'] as const;
const END_REASONS = [
  'local-bye',
  'remote-bye',
  'rejected',
  'cancelled',
  'ack-timeout',
  'request-failed',
  'fork-extra',
  'subscription-ended',
  'closed',
] as const;
const CALL_END_REASONS = [
  'hangup',
  'remote-hangup',
  'cancelled',
  'rejected',
  'busy',
  'no-answer',
  'rtp-timeout',
  'failed',
  'transferred',
  'replaced',
  'shutdown',
] as const;
const LEVELS = ['error', 'warn', 'info', 'debug', 'trace'] as const;
const INVITE_FAILURES = ['timeout', 'transport', 'auth', 'status'] as const;

/** Header fields as name and value pairs, or undefined when `x` is not a list of them. */
function headerList(x: unknown): (readonly [string, string])[] | undefined {
  if (!Array.isArray(x)) return undefined;
  const out: (readonly [string, string])[] = [];
  for (const h of x as unknown[]) {
    if (!Array.isArray(h) || h.length !== 2) return undefined;
    const [name, value] = h as unknown[];
    if (typeof name !== 'string' || typeof value !== 'string') return undefined;
    out.push([name, value]);
  }
  return out;
}

function dialogInfo(x: unknown): DialogInfo | undefined {
  if (!isRec(x)) return undefined;
  const role = oneOf(x, 'role', ['uac', 'uas'] as const);
  const remoteTarget = str(x, 'remoteTarget');
  const callId = str(x, 'callId');
  const localTag = str(x, 'localTag');
  const remoteTag = str(x, 'remoteTag');
  const ackBody = bytes(x, 'ackBody');
  if (!role || remoteTarget === undefined || callId === undefined || localTag === undefined) return undefined;
  if (remoteTag === undefined || !ackBody) return undefined;
  return { role, remoteTarget, callId, localTag, remoteTag, ackBody };
}

function resultInfo(x: unknown): ResultInfo | undefined {
  if (!isRec(x)) return undefined;
  const status = int(x, 'status');
  const reason = str(x, 'reason');
  const body = bytes(x, 'body');
  return status !== undefined && reason !== undefined && body ? { status, reason, body } : undefined;
}

function replacesOf(x: unknown): Replaces | undefined {
  if (!isRec(x)) return undefined;
  const callId = str(x, 'callId');
  const toTag = str(x, 'toTag');
  const fromTag = str(x, 'fromTag');
  if (callId === undefined || toTag === undefined || fromTag === undefined) return undefined;
  return { callId, toTag, fromTag, earlyOnly: x.earlyOnly === true };
}

function callEnd(x: unknown): CallEnd | undefined {
  if (!isRec(x)) return undefined;
  const reason = oneOf(x, 'reason', CALL_END_REASONS);
  const message = str(x, 'message');
  const status = int(x, 'status');
  const durationMs = typeof x.durationMs === 'number' ? x.durationMs : undefined;
  const answered = typeof x.answered === 'boolean' ? x.answered : undefined;
  if (!reason || message === undefined || durationMs === undefined || answered === undefined) return undefined;
  return { reason, message, answered, durationMs, ...(status !== undefined ? { status } : {}) };
}

/** A message for a worker, or undefined when `x` is not one. */
export function toWorker(x: unknown): ToWorker | undefined {
  if (!isRec(x)) return undefined;
  if (x.kind === 'ping') {
    const seq = int(x, 'seq');
    return seq !== undefined ? { kind: 'ping', seq } : undefined;
  }
  if (x.kind === 'place-refused') {
    const ref = int(x, 'ref');
    const status = int(x, 'status');
    const message = str(x, 'message');
    if (ref === undefined || status === undefined || message === undefined) return undefined;
    return { kind: 'place-refused', ref, status, message };
  }
  const id = int(x, 'id');
  if (id === undefined) return undefined;
  const rid = int(x, 'rid');
  switch (x.kind) {
    case 'placed': {
      const ref = int(x, 'ref');
      const host = str(x, 'host');
      const transport = oneOf(x, 'transport', TRANSPORT_KINDS);
      const sdpAddress = str(x, 'sdpAddress');
      if (ref === undefined || host === undefined || !transport || sdpAddress === undefined) return undefined;
      return { kind: 'placed', id, ref, host, transport, sdpAddress };
    }
    case 'invite-progress': {
      const callId = str(x, 'callId');
      const response = bytes(x, 'response');
      return callId !== undefined && response ? { kind: 'invite-progress', id, callId, response } : undefined;
    }
    case 'invite-answered': {
      const callId = str(x, 'callId');
      const body = bytes(x, 'body');
      const dialog = dialogInfo(x.dialog);
      if (callId === undefined || !body || !dialog) return undefined;
      return { kind: 'invite-answered', id, callId, body, dialog };
    }
    case 'invite-failed': {
      const status = int(x, 'status');
      const reason = str(x, 'reason');
      const message = str(x, 'message');
      const failure = oneOf(x, 'failure', INVITE_FAILURES);
      const response = bytes(x, 'response');
      if (status === undefined || reason === undefined || message === undefined || !failure) return undefined;
      if (x.response !== undefined && !response) return undefined;
      return { kind: 'invite-failed', id, status, reason, message, failure, ...(response ? { response } : {}) };
    }
    case 'call': {
      const local = str(x, 'local');
      const remote = str(x, 'remote');
      const transport = oneOf(x, 'transport', TRANSPORT_KINDS);
      const remoteAddress = str(x, 'remoteAddress');
      const remotePort = int(x, 'remotePort');
      const sdpAddress = str(x, 'sdpAddress');
      const invite = bytes(x, 'invite');
      if (local === undefined || remote === undefined || !transport || remoteAddress === undefined) return undefined;
      if (remotePort === undefined || sdpAddress === undefined || !invite) return undefined;
      const authUser = str(x, 'authUser');
      return {
        kind: 'call',
        id,
        local,
        remote,
        transport,
        remoteAddress,
        remotePort,
        sdpAddress,
        invite,
        ...(authUser !== undefined ? { authUser } : {}),
      };
    }
    case 'cancelled':
      return { kind: 'cancelled', id };
    case 'acked': {
      const dialog = dialogInfo(x.dialog);
      return dialog ? { kind: 'acked', id, dialog } : undefined;
    }
    case 'unacked': {
      const status = int(x, 'status');
      const reason = str(x, 'reason');
      return status !== undefined && reason !== undefined ? { kind: 'unacked', id, status, reason } : undefined;
    }
    case 'dtmf': {
      const digit = str(x, 'digit');
      const durationMs = int(x, 'durationMs');
      return digit !== undefined ? { kind: 'dtmf', id, digit, durationMs } : undefined;
    }
    case 'reinvite': {
      const body = bytes(x, 'body');
      return rid !== undefined && body ? { kind: 'reinvite', id, rid, body } : undefined;
    }
    case 'dialog-ended': {
      const reason = oneOf(x, 'reason', END_REASONS);
      return reason ? { kind: 'dialog-ended', id, reason } : undefined;
    }
    case 'result': {
      const result = resultInfo(x.result);
      return rid !== undefined && result ? { kind: 'result', id, rid, result } : undefined;
    }
    case 'failure': {
      const status = int(x, 'status');
      const message = str(x, 'message');
      if (rid === undefined || status === undefined || message === undefined) return undefined;
      return { kind: 'failure', id, rid, status, message };
    }
    case 'hangup': {
      const reason = oneOf(x, 'reason', CALL_END_REASONS);
      return reason ? { kind: 'hangup', id, reason } : undefined;
    }
    case 'referred': {
      const target = str(x, 'target');
      const method = str(x, 'method');
      const referredBy = str(x, 'referredBy');
      const replaces = x.replaces === undefined ? undefined : replacesOf(x.replaces);
      if (rid === undefined || target === undefined || method === undefined) return undefined;
      if (x.replaces !== undefined && !replaces) return undefined;
      return {
        kind: 'referred',
        id,
        rid,
        target,
        method,
        ...(replaces ? { replaces } : {}),
        ...(referredBy !== undefined ? { referredBy } : {}),
      };
    }
    case 'refer-progress': {
      const status = int(x, 'status');
      const reason = str(x, 'reason');
      if (rid === undefined || status === undefined || reason === undefined) return undefined;
      return { kind: 'refer-progress', id, rid, status, reason };
    }
    default:
      return undefined;
  }
}

/** A message for the main side, or undefined when `x` is not one. */
export function toMain(x: unknown): ToMain | undefined {
  if (!isRec(x)) return undefined;
  if (x.kind === 'ready') return { kind: 'ready' };
  if (x.kind === 'pong') {
    const seq = int(x, 'seq');
    return seq !== undefined ? { kind: 'pong', seq } : undefined;
  }
  if (x.kind === 'app') {
    const topic = str(x, 'topic');
    const json = str(x, 'json');
    return topic !== undefined && json !== undefined ? { kind: 'app', topic, json } : undefined;
  }
  if (x.kind === 'place') {
    const ref = int(x, 'ref');
    const target = str(x, 'target');
    return ref !== undefined && target !== undefined ? { kind: 'place', ref, target } : undefined;
  }
  if (x.kind === 'log') {
    const level = oneOf(x, 'level', LEVELS);
    const component = str(x, 'component');
    const msg = str(x, 'msg');
    return level && component !== undefined && msg !== undefined ? { kind: 'log', level, component, msg } : undefined;
  }
  const id = int(x, 'id');
  if (id === undefined) return undefined;
  const rid = int(x, 'rid');
  switch (x.kind) {
    case 'progress': {
      const status = int(x, 'status');
      return status !== undefined ? { kind: 'progress', id, status } : undefined;
    }
    case 'reject': {
      const status = int(x, 'status');
      return status !== undefined ? { kind: 'reject', id, status, reason: str(x, 'reason') } : undefined;
    }
    case 'accept': {
      const body = bytes(x, 'body');
      const contentType = str(x, 'contentType');
      return body && contentType !== undefined ? { kind: 'accept', id, body, contentType } : undefined;
    }
    case 'bye':
      return { kind: 'bye', id };
    case 'cancel':
      return { kind: 'cancel', id };
    case 'invite': {
      const target = str(x, 'target');
      const body = bytes(x, 'body');
      const contentType = str(x, 'contentType');
      const headers = headerList(x.headers);
      const from = str(x, 'from');
      if (target === undefined || !body || contentType === undefined || !headers) return undefined;
      if (x.from !== undefined && from === undefined) return undefined;
      return { kind: 'invite', id, target, body, contentType, headers, ...(from !== undefined ? { from } : {}) };
    }
    case 'request': {
      const method = oneOf(x, 'method', ['INFO', 'MESSAGE'] as const);
      const body = bytes(x, 'body');
      const contentType = str(x, 'contentType');
      if (rid === undefined || !method || !body || contentType === undefined) return undefined;
      return { kind: 'request', id, rid, method, body, contentType };
    }
    case 'reinvite': {
      const body = bytes(x, 'body');
      const glareRetry = x.glareRetry === true;
      return rid !== undefined && body ? { kind: 'reinvite', id, rid, body, glareRetry } : undefined;
    }
    case 'reinvite-answer': {
      const status = int(x, 'status');
      const body = bytes(x, 'body');
      if (rid === undefined || status === undefined || !body) return undefined;
      return { kind: 'reinvite-answer', id, rid, status, reason: str(x, 'reason'), body };
    }
    case 'refer': {
      const target = str(x, 'target');
      const replaces = x.replaces === undefined ? undefined : replacesOf(x.replaces);
      if (rid === undefined || target === undefined || (x.replaces !== undefined && !replaces)) return undefined;
      return { kind: 'refer', id, rid, target, ...(replaces ? { replaces } : {}) };
    }
    case 'refer-answer': {
      const action = oneOf(x, 'action', ['accept', 'reject', 'progress'] as const);
      const status = int(x, 'status');
      if (rid === undefined || !action || status === undefined) return undefined;
      return { kind: 'refer-answer', id, rid, action, status, reason: str(x, 'reason') };
    }
    case 'ended': {
      const end = callEnd(x.end);
      const appError = x.appError === true;
      const timedOut = x.timedOut === true;
      return end ? { kind: 'ended', id, end, appError, timedOut } : undefined;
    }
    default:
      return undefined;
  }
}

/** One end of a message channel (a worker's port, or an in-memory one in tests). */
export interface Port<Out> {
  post(message: Out): void;
}
