/**
 * The terminal phone's keys, as a pure reducer: (state, key) gives the next
 * state and what to do (phone commands for the core, a preference to save,
 * quit). No terminal, no core: the runner does the actions.
 *
 * | key | on the call list |
 * |---|---|
 * | ↑ ↓ | select a call |
 * | `a` / `r` | answer / reject the selected ringing call (else the first ringing one) |
 * | `h` | hang up the selected call |
 * | `o` | hold the selected call, or resume it |
 * | `m` | mute or unmute it |
 * | `s` | switch to it (the current one is held) |
 * | `t` | blind transfer: asks for the URI |
 * | `x` | attended transfer: asks for the other call |
 * | `c` | conference: join every call that is up |
 * | `y` / `n` | accept / decline the other side's transfer request |
 * | `0-9 * # A-D` | DTMF to the current call; with no call up, a number to dial |
 * | `d` | dial: asks for a URI or a number |
 * | `w` | write a SIP MESSAGE: asks for the URI, then the text |
 * | `l`, `p`, `?` | the call history, the preferences, the keys |
 * | `q`, Ctrl-C | quit (the calls end with BYE) |
 */
import type { PhoneCommand } from '../phone/phone-commands.js';
import { focusedCall, logged, type Prompt, type UiState } from './model.js';
import { checkPreference } from './preferences.js';

/** A key as the terminal decoded it: a character typed, or a named key. */
export interface Key {
  /** The character typed (printable), if any. */
  readonly ch?: string;
  /** `up`, `down`, `return`, `escape`, `backspace`, `pageup`, `pagedown`, `home`, `end`, … */
  readonly name?: string;
  readonly ctrl?: boolean;
}

export type UiAction =
  | { readonly kind: 'command'; readonly command: PhoneCommand }
  /** Save one preference to the ini file (already checked). */
  | { readonly kind: 'save'; readonly id: string; readonly raw: string }
  /** Quit as Ctrl-C would (the first ends calls gracefully, a second at once). */
  | { readonly kind: 'interrupt' }
  | { readonly kind: 'quit' }
  | { readonly kind: 'redraw' };

export interface Reduced {
  readonly state: UiState;
  readonly actions: readonly UiAction[];
}

const DTMF = /^[0-9*#A-D]$/;

const none = (state: UiState): Reduced => ({ state, actions: [] });
const command = (state: UiState, c: PhoneCommand): Reduced => ({
  state,
  actions: [{ kind: 'command', command: c }],
});
const say = (state: UiState, note: string): Reduced => none({ ...state, note });

/** The next state and the actions for one key. */
export function reduceKey(s: UiState, key: Key): Reduced {
  if (key.ctrl && key.name === 'c') return { state: { ...s, quitting: true }, actions: [{ kind: 'interrupt' }] };
  if (key.ctrl && key.name === 'l') return { state: s, actions: [{ kind: 'redraw' }] };
  if (s.prompt) return promptKey(s, s.prompt, key);
  const { note: _, ...rest } = s;
  const state: UiState = rest;
  switch (s.screen) {
    case 'main':
      return mainKey(state, key);
    case 'history':
      return historyKey(state, key);
    case 'preferences':
      return preferencesKey(state, key);
    case 'help':
      return key.name === 'escape' || key.ch === 'q' || key.ch === '?' || key.name === 'return'
        ? none({ ...state, screen: 'main' })
        : none(state);
  }
}

function ask(s: UiState, kind: Prompt['kind'], text = '', extra: Partial<Prompt> = {}): Reduced {
  const { note: _, ...rest } = s;
  return none({ ...rest, prompt: { kind, text, ...extra } });
}

/** A URI as the list shows a peer (`<sip:a@b>` → `sip:a@b`), for prompts that start from it. */
function bareUri(peer: string): string {
  const m = /<([^>]*)>/.exec(peer);
  return m ? m[1]! : peer;
}

function mainKey(s: UiState, key: Key): Reduced {
  const focus = focusedCall(s);
  if (key.name === 'up' || key.name === 'down') {
    if (s.calls.length === 0) return none(s);
    const i = focus ? s.calls.indexOf(focus) : 0;
    const j = Math.max(0, Math.min(s.calls.length - 1, i + (key.name === 'up' ? -1 : 1)));
    return none({ ...s, selected: s.calls[j]!.call });
  }
  const ch = key.ch;
  if (ch === undefined) return none(s);
  const talking = s.calls.find((c) => c.current && (c.state === 'answered' || c.state === 'held'));
  if (DTMF.test(ch) && talking) {
    if (talking.state !== 'answered') return say(s, `call ${talking.call} is on hold: no DTMF`);
    const next = logged(s, `call ${talking.call}: DTMF ${ch} sent`);
    return command(next, { name: 'dtmf', call: talking.call, keys: ch });
  }
  if (/^[0-9*#+]$/.test(ch)) return ask(s, 'dial', ch);
  const ringingCall =
    focus?.state === 'incoming' ? focus : s.calls.find((c) => c.state === 'incoming' && c.call !== undefined);
  const need = (what: string) => say(s, `no call to ${what}`);
  switch (ch) {
    case 'd':
      return ask(s, 'dial');
    case 'a':
      return ringingCall ? command(s, { name: 'answer', call: ringingCall.call }) : need('answer');
    case 'r':
      return ringingCall ? command(s, { name: 'reject', call: ringingCall.call }) : need('reject');
    case 'h':
      return focus ? command(s, { name: 'hangup', call: focus.call }) : need('hang up');
    case 'o':
      if (!focus) return need('hold');
      return command(s, { name: focus.heldBy.includes('local') ? 'resume' : 'hold', call: focus.call });
    case 'm':
      if (!focus) return need('mute');
      return command(s, { name: focus.muted ? 'unmute' : 'mute', call: focus.call });
    case 's':
      return focus ? command(s, { name: 'switch', call: focus.call }) : need('switch to');
    case 't':
      return focus ? ask(s, 'transfer', '', { call: focus.call }) : need('transfer');
    case 'x':
      return focus ? ask(s, 'attended', '', { call: focus.call }) : need('transfer');
    case 'c':
      return command(s, { name: 'conference' });
    case 'y':
    case 'n': {
      const [call] = [...s.transferRequests.keys()];
      if (call === undefined) return say(s, 'no transfer request');
      const next = (() => {
        const transferRequests = new Map(s.transferRequests);
        transferRequests.delete(call);
        return { ...s, transferRequests };
      })();
      return command(next, { name: ch === 'y' ? 'accept-transfer' : 'reject-transfer', call });
    }
    case 'w':
      return ask(s, 'message-to', focus ? bareUri(focus.peer) : '');
    case 'l':
      return none({ ...s, screen: 'history' });
    case 'p':
      return none({ ...s, screen: 'preferences' });
    case '?':
      return none({ ...s, screen: 'help' });
    case 'q':
      return { state: { ...s, quitting: true }, actions: [{ kind: 'quit' }] };
    default:
      return none(s);
  }
}

function historyKey(s: UiState, key: Key): Reduced {
  if (key.name === 'escape' || key.ch === 'q' || key.ch === 'l') return none({ ...s, screen: 'main' });
  const n = s.history.length;
  if (key.name === 'up') return none({ ...s, historySelected: Math.max(0, s.historySelected - 1) });
  if (key.name === 'down') return none({ ...s, historySelected: Math.max(0, Math.min(n - 1, s.historySelected + 1)) });
  const entry = s.history[s.historySelected];
  // Return (or d) calls the entry's party again: the dial prompt, filled in.
  if ((key.name === 'return' || key.ch === 'd') && entry)
    return ask({ ...s, screen: 'main' }, 'dial', bareUri(entry.peer));
  return none(s);
}

function preferencesKey(s: UiState, key: Key): Reduced {
  if (key.name === 'escape' || key.ch === 'q' || key.ch === 'p') return none({ ...s, screen: 'main' });
  const n = s.preferences.length;
  const move = (d: number) =>
    none({ ...s, preferenceSelected: Math.max(0, Math.min(n - 1, s.preferenceSelected + d)) });
  if (key.name === 'up') return move(-1);
  if (key.name === 'down') return move(1);
  if (key.name === 'pageup') return move(-10);
  if (key.name === 'pagedown') return move(10);
  const row = s.preferences[s.preferenceSelected];
  if ((key.name === 'return' || key.ch === 'e') && row) return ask(s, 'preference', row.spec.secret ? '' : row.value);
  return none(s);
}

/** Keys while the input line asks for something: edit, Return to do it, Escape to give up. */
function promptKey(s: UiState, p: Prompt, key: Key): Reduced {
  const { prompt: _, ...closed } = s;
  if (key.name === 'escape') return none(closed);
  if (key.name === 'backspace') return none({ ...s, prompt: { ...p, text: p.text.slice(0, -1) } });
  if (key.ctrl && key.name === 'u') return none({ ...s, prompt: { ...p, text: '' } });
  if (key.name === 'return') return submit(closed, p);
  if (key.ch !== undefined && !key.ctrl && key.ch >= ' ' && key.ch !== '\u007f')
    return none({ ...s, prompt: { ...p, text: p.text + key.ch } });
  return none(s);
}

function submit(s: UiState, p: Prompt): Reduced {
  const text = p.text.trim();
  switch (p.kind) {
    case 'dial':
      if (text === '') return none(s);
      if (/\s/.test(text)) return say({ ...s, prompt: p }, 'a URI or a number has no spaces');
      return command(s, { name: 'dial', target: text });
    case 'transfer':
      if (text === '' || p.call === undefined) return none(s);
      return command(s, { name: 'transfer', call: p.call, target: text });
    case 'attended': {
      if (p.call === undefined) return none(s);
      if (!/^[1-9][0-9]{0,8}$/.test(text))
        return say({ ...s, prompt: p }, 'the number of the other call (see the list)');
      return command(s, { name: 'attended', call: p.call, other: Number(text) });
    }
    case 'message-to':
      if (text === '') return none(s);
      return none({ ...s, prompt: { kind: 'message-text', text: '', to: text } });
    case 'message-text':
      if (text === '' || p.to === undefined) return none(s);
      return command(logged(s, `message to ${p.to}: ${p.text}`), { name: 'message', target: p.to, text: p.text });
    case 'preference': {
      const row = s.preferences[s.preferenceSelected];
      if (!row) return none(s);
      const checked = checkPreference(row.spec, p.text);
      // A refused value keeps the prompt open with the schema's words, to be corrected.
      if (!checked.ok) return say({ ...s, prompt: p }, checked.message);
      return { state: s, actions: [{ kind: 'save', id: row.spec.id, raw: p.text.trim() }] };
    }
  }
}
