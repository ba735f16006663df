/**
 * The terminal phone's screen as a pure function of its view model: the
 * state and the terminal's size give lines of text (each exactly `cols`
 * wide), which lines are drawn in reverse video, and where the cursor
 * stands. Works down to 80x24; smaller terminals get what fits.
 *
 * ```
 * shtoom phone  sip:bob@127.0.0.1:5062               registered at 127.0.0.1:5060 (3600 s)
 *  # state        peer                      codec   time  level  loss  flags
 * >1 answered     sip:alice@127.0.0.1:5064   PCMU    0:12  -12dB  0.0%  current
 *  2 incoming     sip:carol@127.0.0.1:5066
 * ── messages ─────────────────────────────────────────────────────────────────
 * call 2: incoming from <sip:carol@127.0.0.1:5066> (a answer / r reject)
 *
 * Dial: sip:dave@127.0.0.1_
 *  0-9*# DTMF  h hangup  o hold  m mute  t transfer  x attended  c conf  ? keys
 * ```
 */
import type { PhoneCallInfo } from '../../app/phone-core/events.js';
import { focusedCall, type Prompt, type UiState } from './model.js';
import { shownValue } from './preferences.js';
import { allowedOf } from '../../options/values.js';

export interface Frame {
  /** One string per terminal row, each `cols` characters. */
  readonly lines: readonly string[];
  /** Rows drawn in reverse video (the title, the key line, the selection). */
  readonly inverse: readonly number[];
  /** Where the cursor stands (on the input line while it asks); undefined: hidden. */
  readonly cursor?: { readonly row: number; readonly col: number };
}

export interface Size {
  readonly cols: number;
  readonly rows: number;
}

/** Cut or pad to exactly `width` characters (code points; control characters shown as `?`). */
export function cell(text: string, width: number): string {
  if (width <= 0) return '';
  // A peer's text must not move the terminal's cursor: control characters are shown as ?.
  const chars = [...text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?')];
  if (chars.length > width) return `${chars.slice(0, Math.max(0, width - 1)).join('')}…`;
  return chars.join('') + ' '.repeat(width - chars.length);
}

/** `m:ss`, or `h:mm:ss` past an hour. */
export function clock(ms: number): string {
  const t = Math.floor(ms / 1000);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = String(t % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** A peer as the list shows it: the URI without its angle brackets, the display name kept. */
function peerText(peer: string): string {
  return peer.replace(/<([^>]*)>/, '$1');
}

function stateText(c: PhoneCallInfo): string {
  if (c.state !== 'held') return c.state;
  const l = c.heldBy.includes('local');
  const r = c.heldBy.includes('remote');
  return l && r ? 'held (both)' : r ? 'held by them' : 'held';
}

function flagsText(c: PhoneCallInfo): string {
  return [c.current ? 'current' : '', c.conference ? 'conf' : '', c.muted ? 'muted' : ''].filter(Boolean).join(',');
}

/** The column header and one call's row: `#`, state, peer, codec, time, level, loss, flags. */
function callRow(c: PhoneCallInfo | undefined, selected: boolean, cols: number): string {
  // 44 fixed columns; the flags get 10 (more on a wider terminal), the peer the rest.
  const flagWidth = 10 + Math.max(0, Math.min(10, cols - 80));
  const peerWidth = Math.max(8, cols - 44 - flagWidth);
  const row = (
    mark: string,
    id: string,
    state: string,
    peer: string,
    codec: string,
    time: string,
    level: string,
    loss: string,
    flags: string,
  ) =>
    cell(
      `${mark}${cell(id, 3)}${cell(state, 13)}${cell(peer, peerWidth)} ${cell(codec, 6)}${time.padStart(6)} ${cell(
        level,
        6,
      )}${cell(loss, 7)}${cell(flags, flagWidth)}`,
      cols,
    );
  if (!c) return row(' ', '#', 'state', 'peer', 'codec', 'time', 'level', 'loss', 'flags');
  const up = c.state === 'answered' || c.state === 'held' || c.state === 'transferring';
  const level = up && c.levelDb !== undefined ? (c.levelDb <= -90 ? '-' : `${c.levelDb}dB`) : '';
  const loss = up && c.lossPercent !== undefined ? `${c.lossPercent.toFixed(1)}%` : '';
  const time = up ? clock(c.durationMs) : '';
  return row(
    selected ? '>' : ' ',
    String(c.call),
    stateText(c),
    peerText(c.peer),
    c.codec ?? '',
    time,
    level,
    loss,
    flagsText(c),
  );
}

const PROMPTS: Record<Prompt['kind'], string> = {
  dial: 'Dial (URI or number): ',
  transfer: 'Transfer call to URI: ',
  attended: 'Attended transfer: join with call number: ',
  'message-to': 'Message to URI: ',
  'message-text': 'Message text: ',
  preference: 'New value: ',
};

function promptLabel(s: UiState, p: Prompt): string {
  if (p.kind === 'transfer') return `Transfer call ${p.call} to URI: `;
  if (p.kind === 'attended') return `Attended transfer of call ${p.call}: join with call number: `;
  if (p.kind === 'message-text') return `Message to ${p.to}: `;
  if (p.kind === 'preference') return `${s.preferences[s.preferenceSelected]?.spec.id ?? ''} = `;
  return PROMPTS[p.kind];
}

/** The key line for what is on screen (the selected call's state decides). */
function keyLine(s: UiState): string {
  if (s.prompt) return ' Return: do it   Escape: cancel   Backspace, Ctrl-U: edit';
  switch (s.screen) {
    case 'history':
      return ' ↑↓ select   Return: call again   Escape: back';
    case 'preferences':
      return ' ↑↓ PgUp PgDn select   Return: edit the value   Escape: back';
    case 'help':
      return ' Escape: back';
    case 'main': {
      const f = focusedCall(s);
      if (s.transferRequests.size > 0) return ' y accept the transfer  n decline it  h hangup  ? keys  q quit';
      if (!f) return ' d dial (or type a number)  w message  l history  p preferences  ? keys  q quit';
      if (f.state === 'incoming') return ' a answer  r reject  ↑↓ select  d dial  w message  l history  ? keys';
      if (f.state === 'calling' || f.state === 'ringing') return ' h hang up  ↑↓ select  d dial  ? keys  q quit';
      return ' 0-9*# DTMF  h hang up  o hold  m mute  s switch  t x transfer  c conf  ? keys';
    }
  }
}

const HELP: readonly (readonly [string, string])[] = [
  ['↑ ↓', 'select a call (the keys act on it; default: the current call)'],
  ['a / r', 'answer / reject a ringing call (it rings: terminal bell and ring tone)'],
  ['h', 'hang up'],
  ['o', 'hold, or resume (re-INVITE a=sendonly / sendrecv)'],
  ['m', 'mute or unmute the microphone to the call'],
  ['s', 'switch to the call (the current one is held)'],
  ['t', 'blind transfer (REFER): asks for the URI'],
  ['x', 'attended transfer (REFER with Replaces): asks for the other call'],
  ['c', 'conference: join every call that is up'],
  ['y / n', "accept / decline the other side's transfer request"],
  ['0-9 * # A-D', 'DTMF to the current call; with no call up, a number starts the dial line'],
  ['d', 'dial a URI, or a number through the account domain'],
  ['w', 'write a SIP MESSAGE (to the selected call by default)'],
  ['l', 'the call history (Return calls again)'],
  ['p', 'the preferences (the ini file this phone runs with)'],
  ['Ctrl-L', 'redraw the screen'],
  ['q, Ctrl-C', 'quit: the calls end with BYE, the account unregisters'],
];

function title(s: UiState, cols: number): string {
  const left = `shtoom phone  ${s.aor}`;
  const right = s.registration.text;
  const gap = cols - [...left].length - [...right].length;
  return gap >= 2 ? cell(`${left}${' '.repeat(gap)}${right}`, cols) : cell(`${left}  ${right}`, cols);
}

/** Lines `from` for `count` rows, scrolled so that `selected` is visible. */
function window<T>(items: readonly T[], selected: number, count: number): { first: number; shown: readonly T[] } {
  const first = Math.max(0, Math.min(selected - Math.floor(count / 2), items.length - count));
  return { first, shown: items.slice(first, first + count) };
}

function body(s: UiState, cols: number, rows: number): { lines: string[]; inverse: number[] } {
  const lines: string[] = [];
  const inverse: number[] = [];
  switch (s.screen) {
    case 'main': {
      const callRows = Math.max(1, Math.min(Math.max(3, s.calls.length), rows - 4, 8));
      lines.push(callRow(undefined, false, cols));
      const focus = focusedCall(s);
      const at = focus ? s.calls.indexOf(focus) : 0;
      const { shown } = window(s.calls, at, callRows);
      for (let i = 0; i < callRows; i++) {
        const c = shown[i];
        if (c === undefined && i === 0 && s.calls.length === 0) lines.push(cell('  no calls', cols));
        else lines.push(c ? callRow(c, c === focus, cols) : cell('', cols));
      }
      lines.push(`── messages ${'─'.repeat(cols)}`.slice(0, cols));
      const logRows = Math.max(0, rows - lines.length);
      const tail = s.log.slice(Math.max(0, s.log.length - logRows));
      for (let i = 0; i < logRows; i++) lines.push(cell(tail[i] ?? '', cols));
      return { lines, inverse };
    }
    case 'history': {
      lines.push(cell(' history: the calls that ended, the latest first', cols));
      if (s.history.length === 0) lines.push(cell('  no calls yet', cols));
      const { first, shown } = window(s.history, s.historySelected, rows - 1);
      shown.forEach((h, i) => {
        const when = new Date(h.endedAt).toTimeString().slice(0, 8);
        const dir = h.direction === 'incoming' ? 'from' : 'to  ';
        const text = `${when} ${dir} ${peerText(h.peer)}  ${clock(h.durationMs)} ${h.codec ?? ''}  ${h.message}`;
        if (first + i === s.historySelected) inverse.push(lines.length);
        lines.push(cell(` ${text}`, cols));
      });
      return { lines, inverse };
    }
    case 'preferences': {
      lines.push(cell(` preferences: ${s.configFile} (used from the next start)`, cols));
      const infoRows = 3;
      const listRows = Math.max(1, rows - 1 - infoRows);
      const idWidth = Math.min(28, Math.max(...s.preferences.map((r) => r.spec.id.length), 4) + 1);
      const { first, shown } = window(s.preferences, s.preferenceSelected, listRows);
      for (let i = 0; i < listRows; i++) {
        const r = shown[i];
        if (!r) {
          lines.push(cell('', cols));
          continue;
        }
        if (first + i === s.preferenceSelected) inverse.push(lines.length);
        const src = r.source === 'default' ? '' : `  (${r.source})`;
        lines.push(cell(` ${cell(r.spec.id, idWidth)} ${shownValue(r)}${src}`, cols));
      }
      const row = s.preferences[s.preferenceSelected];
      lines.push('─'.repeat(cols));
      lines.push(cell(row ? ` ${row.spec.help}` : '', cols));
      lines.push(cell(row ? ` allowed: ${allowedOf(row.spec)}` : '', cols));
      return { lines, inverse };
    }
    case 'help': {
      lines.push(cell(' keys', cols));
      for (const [k, h] of HELP) lines.push(cell(`  ${cell(k, 13)}${h}`, cols));
      while (lines.length < rows) lines.push(cell('', cols));
      return { lines: lines.slice(0, rows), inverse };
    }
  }
}

/** The screen for a state at a size. */
export function render(s: UiState, size: Size): Frame {
  const cols = Math.max(20, size.cols);
  const rows = Math.max(6, size.rows);
  const { lines: main, inverse: inv } = body(s, cols, rows - 3);
  const lines = [title(s, cols), ...main.slice(0, rows - 3)];
  while (lines.length < rows - 2) lines.push(cell('', cols));
  const inverse = [0, ...inv.map((r) => r + 1).filter((r) => r < rows - 2)];
  // The input line: what it asks and what was typed, else the last note (a refused value, a saved one).
  let cursor: Frame['cursor'];
  if (s.prompt) {
    const label = promptLabel(s, s.prompt);
    const room = cols - [...label].length - 1;
    const typed = [...s.prompt.text];
    const visible = typed.length > room ? `…${typed.slice(typed.length - room + 1).join('')}` : s.prompt.text;
    lines.push(cell(`${label}${visible}`, cols));
    cursor = { row: rows - 2, col: Math.min(cols - 1, [...label].length + [...visible].length) };
  } else lines.push(cell('', cols));
  // A note shows on the input line when it is free, or above it while the prompt asks again.
  if (s.note !== undefined) {
    if (s.prompt) lines[rows - 3] = cell(s.note, cols);
    else lines[rows - 2] = cell(s.note, cols);
  }
  lines.push(cell(keyLine(s), cols));
  inverse.push(rows - 1);
  return { lines, inverse, ...(cursor ? { cursor } : {}) };
}
