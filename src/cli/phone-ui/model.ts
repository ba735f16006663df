/**
 * The terminal phone's view model: everything the screen shows, as plain
 * data built from the phone core's events and call list only. Pure: a
 * function of (state, event) gives the next state, so the screen is tested
 * without a terminal.
 */
import type { PhoneCallInfo } from '../../app/phone-core/events.js';
import type { OptionSpec } from '../../options/types.js';
import { humanLine, type PrintedEvent } from '../phone/phone-output.js';

export type Screen = 'main' | 'history' | 'preferences' | 'help';

/** What the input line is asking for. */
export type PromptKind = 'dial' | 'transfer' | 'attended' | 'message-to' | 'message-text' | 'preference';

export interface Prompt {
  readonly kind: PromptKind;
  readonly text: string;
  /** The call a transfer concerns. */
  readonly call?: number;
  /** The URI a message goes to (its text is being typed). */
  readonly to?: string;
}

/** A call that ended, as the history lists it. */
export interface HistoryEntry {
  readonly call: number;
  readonly direction: 'outgoing' | 'incoming';
  readonly peer: string;
  readonly codec?: string;
  readonly durationMs: number;
  /** Why it ended, in words (`the other side hung up`, `486 Busy Here`). */
  readonly message: string;
  /** Wall-clock ms when it ended. */
  readonly endedAt: number;
}

/** One option on the preferences screen. */
export interface PreferenceRow {
  readonly spec: OptionSpec;
  /** The value as the ini file writes it (`''`: unset). */
  readonly value: string;
  /** Where it comes from: `default`, `ini`, `env`, `argv`, or `saved` (changed here). */
  readonly source: string;
}

export interface Registration {
  readonly state: 'none' | 'registered' | 'failed' | 'unregistered';
  readonly text: string;
}

export interface UiState {
  /** Our address of record, and where we listen (`ready`). */
  readonly aor: string;
  readonly contact: string;
  readonly registration: Registration;
  /** The calls the core has, in its order. */
  readonly calls: readonly PhoneCallInfo[];
  /** The call the keys act on (undefined: the current one, or the first). */
  readonly selected?: number;
  /** The latest things that happened (messages, DTMF, errors), oldest first. */
  readonly log: readonly string[];
  readonly history: readonly HistoryEntry[];
  readonly historySelected: number;
  /** Transfer requests waiting for `y`/`n`, by call. */
  readonly transferRequests: ReadonlyMap<number, string>;
  readonly screen: Screen;
  readonly prompt?: Prompt;
  readonly preferences: readonly PreferenceRow[];
  readonly preferenceSelected: number;
  /** The ini file the preferences are saved to. */
  readonly configFile: string;
  /** The last word of the input line: a refused value, a saved one. */
  readonly note?: string;
  readonly quitting: boolean;
}

/** How many lines the log keeps. */
export const LOG_LINES = 200;
/** How many ended calls the history keeps. */
export const HISTORY_LINES = 100;

export function initialState(o: {
  readonly configFile: string;
  readonly preferences: readonly PreferenceRow[];
  readonly registering: boolean;
}): UiState {
  return {
    aor: '',
    contact: '',
    registration: { state: 'none', text: o.registering ? 'registering…' : 'not registered (no --register)' },
    calls: [],
    log: [],
    history: [],
    historySelected: 0,
    transferRequests: new Map(),
    screen: 'main',
    preferences: o.preferences,
    preferenceSelected: 0,
    configFile: o.configFile,
    quitting: false,
  };
}

/** Add lines to the log, keeping the last `LOG_LINES`. */
export function logged(s: UiState, ...lines: string[]): UiState {
  const log = [...s.log, ...lines];
  return { ...s, log: log.length > LOG_LINES ? log.slice(log.length - LOG_LINES) : log };
}

/** The call the keys act on: the selected one if it still exists, else the current one, else the first. */
export function focusedCall(s: UiState): PhoneCallInfo | undefined {
  return s.calls.find((c) => c.call === s.selected) ?? s.calls.find((c) => c.current) ?? s.calls.find(() => true);
}

/** Replace a call's line (an `update`), or add it at the end. */
function upsert(calls: readonly PhoneCallInfo[], info: PhoneCallInfo): readonly PhoneCallInfo[] {
  if (info.state === 'ended') return calls.filter((c) => c.call !== info.call);
  const i = calls.findIndex((c) => c.call === info.call);
  return i < 0 ? [...calls, info] : calls.map((c) => (c.call === info.call ? info : c));
}

/** The whole list at once (the core's `calls()`, read once a second for durations and levels). */
export function withCalls(s: UiState, calls: readonly PhoneCallInfo[]): UiState {
  return { ...s, calls: calls.filter((c) => c.state !== 'ended') };
}

/** A call changed (the core's `update`). */
export function onUpdate(s: UiState, info: PhoneCallInfo): UiState {
  return { ...s, calls: upsert(s.calls, info) };
}

/** One of the core's events (or `ready`), at wall-clock `now`. */
export function onEvent(s: UiState, e: PrintedEvent, now: number): UiState {
  const line = humanLine(e).replace(/\n$/, '');
  switch (e.event) {
    case 'ready':
      return { ...s, aor: e.aor, contact: e.contact };
    case 'registered':
      return logged(
        { ...s, registration: { state: 'registered', text: `registered at ${e.registrar} (${e.expires} s)` } },
        line,
      );
    case 'registration-failed':
      return logged({ ...s, registration: { state: 'failed', text: `registration failed: ${e.message}` } }, line);
    case 'unregistered':
      return { ...s, registration: { state: 'unregistered', text: 'unregistered' } };
    case 'incoming':
      // A new call to answer takes the keys' focus unless one is being talked on.
      return logged(
        s.calls.some((c) => c.current && c.state === 'answered') ? s : { ...s, selected: e.call },
        `${line.replace(/ \(answer \d+ \/ reject \d+\)$/, '')} (a answer / r reject)`,
      );
    case 'calling':
      return logged({ ...s, selected: e.call }, line);
    case 'transfer-requested': {
      const transferRequests = new Map(s.transferRequests);
      transferRequests.set(e.call, e.target);
      return logged({ ...s, transferRequests }, `${line} (y accept / n decline)`);
    }
    case 'transferred':
    case 'ended': {
      const transferRequests = new Map(s.transferRequests);
      transferRequests.delete(e.call);
      let next: UiState = { ...s, transferRequests };
      if (e.event === 'ended') {
        const last = s.calls.find((c) => c.call === e.call);
        const entry: HistoryEntry = {
          call: e.call,
          direction: last?.direction ?? 'incoming',
          peer: last?.peer ?? '?',
          ...(last?.codec ? { codec: last.codec } : {}),
          durationMs: last?.durationMs ?? 0,
          message: `${e.message}${e.status !== undefined ? ` (${e.status})` : ''}`,
          endedAt: now,
        };
        const history = [entry, ...s.history].slice(0, HISTORY_LINES);
        next = { ...next, calls: s.calls.filter((c) => c.call !== e.call), history };
      }
      return logged(next, line);
    }
    case 'calls':
      return withCalls(s, e.calls);
    case 'help':
      return s;
    default:
      return logged(s, line);
  }
}

/** Whether the terminal bell should ring: a call is waiting to be answered. */
export function ringing(s: UiState): boolean {
  return s.calls.some((c) => c.state === 'incoming');
}
