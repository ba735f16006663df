/**
 * The terminal phone without a terminal: the view model from the core's
 * events, the screen as lines for a state (80x24), the keys as a reducer
 * giving commands, the preferences checked by the schema's rules.
 */
import { describe, expect, it } from 'vitest';
import type { PhoneCallInfo } from '../../../src/app/phone-core/events.js';
import { reduceKey, type Key, type UiAction } from '../../../src/cli/phone-ui/keys.js';
import { initialState, onEvent, onUpdate, ringing, type UiState } from '../../../src/cli/phone-ui/model.js';
import { preferenceRows } from '../../../src/cli/phone-ui/preferences.js';
import { render } from '../../../src/cli/phone-ui/render.js';
import type { PrintedEvent } from '../../../src/cli/phone/phone-output.js';
import { resolveOptions } from '../../../src/options/resolve.js';
import { schema } from '../../../src/options/schema/index.js';

const SIZE = { cols: 80, rows: 24 };
const options = resolveOptions(schema, { argv: new Map([['sip.port', '5062']]) });

function start(): UiState {
  const s = initialState({ configFile: '/tmp/x/shtoom.ini', preferences: preferenceRows(options), registering: false });
  return onEvent(
    s,
    { event: 'ready', contact: 'sip:127.0.0.1:5062', aor: 'sip:bob@127.0.0.1:5062', listen: [] },
    Date.UTC(2026, 0, 1),
  );
}

function info(call: number, over: Partial<PhoneCallInfo> = {}): PhoneCallInfo {
  return {
    call,
    direction: 'incoming',
    peer: `<sip:alice${call}@127.0.0.1:5064>`,
    state: 'incoming',
    heldBy: [],
    muted: false,
    current: false,
    conference: false,
    durationMs: 0,
    ...over,
  };
}

const ev = (s: UiState, e: PrintedEvent) => onEvent(s, e, Date.UTC(2026, 0, 1, 12, 0, 0));

/** Type keys one after the other; the actions of all of them. */
function type(s: UiState, ...keys: (string | Key)[]): { state: UiState; actions: UiAction[] } {
  const actions: UiAction[] = [];
  let state = s;
  for (const k of keys) {
    const key: Key = typeof k !== 'string' ? k : k.length === 1 ? { ch: k } : { name: k };
    const r = reduceKey(state, key);
    state = r.state;
    actions.push(...r.actions);
  }
  return { state, actions };
}

const text = (s: UiState) => render(s, SIZE).lines.join('\n');
const commands = (a: UiAction[]) => a.flatMap((x) => (x.kind === 'command' ? [x.command] : []));

/** A call 1 that is up and current. */
function talking(): UiState {
  let s = ev(start(), { event: 'incoming', call: 1, from: '<sip:alice1@127.0.0.1:5064>', to: '<sip:bob@x>' });
  s = onUpdate(s, info(1));
  s = ev(s, { event: 'answered', call: 1, codec: 'PCMU' });
  return onUpdate(
    s,
    info(1, { state: 'answered', current: true, codec: 'PCMU', durationMs: 12_400, levelDb: -12, lossPercent: 0.5 }),
  );
}

describe('the screen', () => {
  it('is exactly 80x24 in every screen and state, with no key line cut', () => {
    const states: UiState[] = [start(), talking()];
    states.push(onUpdate(start(), info(1)));
    states.push(onUpdate(start(), info(1, { direction: 'outgoing', state: 'ringing' })));
    states.push({ ...talking(), transferRequests: new Map([[1, 'sip:carol@x']]) });
    for (const screen of ['history', 'preferences', 'help'] as const) states.push({ ...talking(), screen });
    states.push(type(talking(), 'd').state);
    for (const s of states) {
      const f = render(s, SIZE);
      expect(f.lines).toHaveLength(24);
      for (const l of f.lines) expect([...l]).toHaveLength(80);
      expect(f.lines[23]!.trimEnd().endsWith('…')).toBe(false);
      expect(f.inverse).toContain(0);
      expect(f.inverse).toContain(23);
    }
  });

  it('shows registration, then an incoming call and its keys; answered with codec, time, level, loss', () => {
    let s = start();
    expect(render(s, SIZE).lines[0]).toMatch(/^shtoom phone {2}sip:bob@127\.0\.0\.1:5062 +not registered/);
    s = ev(s, { event: 'registered', aor: 'sip:bob@example.com', registrar: 'sip:127.0.0.1:5060', expires: 3600 });
    expect(render(s, SIZE).lines[0]).toMatch(/registered at sip:127\.0\.0\.1:5060 \(3600 s\)$/);
    s = ev(s, { event: 'incoming', call: 1, from: '<sip:alice1@127.0.0.1:5064>', to: '<sip:bob@x>' });
    s = onUpdate(s, info(1));
    expect(ringing(s)).toBe(true);
    expect(text(s)).toMatch(/^>1 +incoming +sip:alice1@127\.0\.0\.1:5064/m);
    expect(text(s)).toMatch(/call 1: incoming from <sip:alice1@127\.0\.0\.1:5064> \(a answer \/ r reject\)/);
    expect(render(s, SIZE).lines[23]).toMatch(/^ a answer {2}r reject/);
    const up = talking();
    expect(ringing(up)).toBe(false);
    expect(text(up)).toMatch(/^>1 +answered +sip:alice1@127\.0\.0\.1:5064 +PCMU +0:12 -12dB +0\.5% +current/m);
    expect(render(up, SIZE).lines[23]).toMatch(/DTMF.*h hang up.*o hold/);
  });

  it('an ended call leaves the list for the history, which offers to call again', () => {
    let s = talking();
    s = ev(s, { event: 'ended', call: 1, reason: 'remote-hangup', message: 'the other side hung up' });
    expect(s.calls).toEqual([]);
    expect(text(s)).toMatch(/no calls/);
    const h = type(s, 'l').state;
    expect(text(h)).toMatch(/from sip:alice1@127\.0\.0\.1:5064 +0:12 PCMU +the other side hung up/);
    const again = type(h, 'return');
    expect(again.state.screen).toBe('main');
    expect(again.state.prompt).toEqual({ kind: 'dial', text: 'sip:alice1@127.0.0.1:5064' });
    expect(render(again.state, SIZE).lines[22]).toMatch(/^Dial \(URI or number\): sip:alice1@127\.0\.0\.1:5064 *$/);
    expect(render(again.state, SIZE).cursor).toEqual({
      row: 22,
      col: 'Dial (URI or number): sip:alice1@127.0.0.1:5064'.length,
    });
  });

  it('control characters from a peer never reach the terminal', () => {
    const s = ev(talking(), { event: 'message', from: '<sip:x@y>', text: 'hi\u001b[2Jthere' });
    expect(text(s)).not.toContain('\u001b');
    expect(text(s)).toContain('message from <sip:x@y>: hi?[2Jthere');
  });
});

describe('the keys', () => {
  it('answer and reject a ringing call, hang up the selected one', () => {
    const ring = onUpdate(ev(start(), { event: 'incoming', call: 3, from: '<sip:a@b>', to: '<sip:c@d>' }), info(3));
    expect(commands(type(ring, 'a').actions)).toEqual([{ name: 'answer', call: 3 }]);
    expect(commands(type(ring, 'r').actions)).toEqual([{ name: 'reject', call: 3 }]);
    expect(commands(type(talking(), 'h').actions)).toEqual([{ name: 'hangup', call: 1 }]);
    expect(type(start(), 'a').state.note).toBe('no call to answer');
    expect(type(start(), 'a').actions).toEqual([]);
  });

  it('digits during a call are DTMF to it; without a call a number starts the dial line', () => {
    const r = type(talking(), '1', '#', 'A');
    expect(commands(r.actions)).toEqual([
      { name: 'dtmf', call: 1, keys: '1' },
      { name: 'dtmf', call: 1, keys: '#' },
      { name: 'dtmf', call: 1, keys: 'A' },
    ]);
    expect(r.state.log.slice(-1)).toEqual(['call 1: DTMF A sent']);
    const d = type(start(), '1', '2', '3', 'backspace', '4', 'return');
    expect(commands(d.actions)).toEqual([{ name: 'dial', target: '124' }]);
    expect(d.state.prompt).toBeUndefined();
    const u = type(start(), 'd', 's', 'i', 'p', 'escape');
    expect(u.actions).toEqual([]);
    expect(u.state.prompt).toBeUndefined();
  });

  it('hold and resume, mute and unmute, switch, conference by the call state', () => {
    const up = talking();
    expect(commands(type(up, 'o').actions)).toEqual([{ name: 'hold', call: 1 }]);
    const held = onUpdate(up, info(1, { state: 'held', heldBy: ['local'], current: false, codec: 'PCMU' }));
    expect(commands(type(held, 'o').actions)).toEqual([{ name: 'resume', call: 1 }]);
    expect(type(held, '5').state.note).toBeUndefined();
    expect(commands(type(up, 'm').actions)).toEqual([{ name: 'mute', call: 1 }]);
    const muted = onUpdate(up, info(1, { state: 'answered', current: true, muted: true }));
    expect(commands(type(muted, 'm').actions)).toEqual([{ name: 'unmute', call: 1 }]);
    // Two calls: ↓ selects the second, s switches to it; c joins them all.
    const two = onUpdate(
      onUpdate(up, info(2, { state: 'held', heldBy: ['local'] })),
      info(1, { state: 'answered', current: true }),
    );
    const sel = type(two, 'down');
    expect(sel.state.selected).toBe(2);
    expect(render(sel.state, SIZE).lines[3]).toMatch(/^>2 +held/);
    expect(commands(type(sel.state, 's').actions)).toEqual([{ name: 'switch', call: 2 }]);
    expect(commands(type(two, 'c').actions)).toEqual([{ name: 'conference' }]);
  });

  it('transfers ask for the URI or the other call; a request is accepted with y, declined with n', () => {
    const up = talking();
    expect(commands(type(up, 't', ...'sip:carol@h', 'return').actions)).toEqual([
      { name: 'transfer', call: 1, target: 'sip:carol@h' },
    ]);
    const bad = type(up, 'x', 'z', 'return');
    expect(bad.actions).toEqual([]);
    expect(bad.state.prompt?.kind).toBe('attended');
    expect(commands(type(up, 'x', '2', 'return').actions)).toEqual([{ name: 'attended', call: 1, other: 2 }]);
    const asked = ev(up, { event: 'transfer-requested', call: 1, target: 'sip:dave@h', attended: false });
    expect(render(asked, SIZE).lines[23]).toMatch(/y accept the transfer {2}n decline it/);
    const y = type(asked, 'y');
    expect(commands(y.actions)).toEqual([{ name: 'accept-transfer', call: 1 }]);
    expect(y.state.transferRequests.size).toBe(0);
    expect(commands(type(asked, 'n').actions)).toEqual([{ name: 'reject-transfer', call: 1 }]);
  });

  it('w writes a SIP MESSAGE: to the selected call by default, then the text with its spaces', () => {
    const r = type(talking(), 'w', 'return', ...'see you at 5', 'return');
    expect(commands(r.actions)).toEqual([
      { name: 'message', target: 'sip:alice1@127.0.0.1:5064', text: 'see you at 5' },
    ]);
    const other = type(start(), 'w', ...'sip:x@y', 'return', ...'hi', 'return');
    expect(commands(other.actions)).toEqual([{ name: 'message', target: 'sip:x@y', text: 'hi' }]);
  });

  it('q quits, Ctrl-C interrupts, Ctrl-L redraws; ? shows the keys and Escape goes back', () => {
    expect(type(talking(), 'q').actions).toEqual([{ kind: 'quit' }]);
    expect(type(talking(), { name: 'c', ctrl: true }).actions).toEqual([{ kind: 'interrupt' }]);
    expect(type(talking(), { name: 'l', ctrl: true }).actions).toEqual([{ kind: 'redraw' }]);
    const help = type(talking(), '?').state;
    expect(text(help)).toMatch(/x +attended transfer \(REFER with Replaces\)/);
    expect(type(help, 'escape').state.screen).toBe('main');
  });
});

describe('the preferences screen', () => {
  const prefs = () => type(start(), 'p').state;
  const goTo = (s: UiState, id: string) => ({
    ...s,
    preferenceSelected: s.preferences.findIndex((r) => r.spec.id === id),
  });

  it("lists the phone's ini options from the schema, with values and where they come from", () => {
    const s = prefs();
    const ids = s.preferences.map((r) => r.spec.id);
    expect(ids).toEqual(expect.arrayContaining(['sip.port', 'phone.input', 'phone.hold-music', 'account.password']));
    // Not in the ini file, or not the phone's.
    expect(ids).not.toContain('phone.control');
    expect(ids).not.toContain('general.config');
    const at = goTo(s, 'sip.port');
    const t = text(at);
    expect(t).toMatch(/^ sip\.port +5062 {2}\(argv\)/m);
    expect(t).toMatch(/allowed: an integer from 0 to 65535/);
  });

  it('refuses a bad value in the schema words and keeps asking; a good one is saved', () => {
    const s = goTo(prefs(), 'sip.port');
    const bad = type(s, 'return', { name: 'u', ctrl: true }, ...'abc', 'return');
    expect(bad.actions).toEqual([]);
    expect(bad.state.prompt).toEqual({ kind: 'preference', text: 'abc' });
    expect(bad.state.note).toBe('sip.port: "abc" is not an integer; allowed: an integer from 0 to 65535');
    expect(text(bad.state)).toContain('sip.port: "abc" is not an integer; allowed: an integer from 0 to 65535');
    expect(render(bad.state, SIZE).lines[22]).toMatch(/^sip\.port = abc +$/);
    const big = type(bad.state, { name: 'u', ctrl: true }, ...'70000', 'return');
    expect(big.state.note).toMatch(/"70000" is too large/);
    const good = type(big.state, { name: 'u', ctrl: true }, ...'5070', 'return');
    expect(good.actions).toEqual([{ kind: 'save', id: 'sip.port', raw: '5070' }]);
    expect(good.state.prompt).toBeUndefined();
    const e = type(goTo(prefs(), 'call.dtmf-mode'), 'return', { name: 'u', ctrl: true }, ...'loud', 'return');
    expect(e.state.note).toBe(
      'call.dtmf-mode: "loud" is not a known choice; allowed: one of auto, rfc4733, info, inband',
    );
  });

  it('masks secrets and does not put them in the edit line', () => {
    const o = resolveOptions(schema, { argv: new Map([['account.password', 'hunter2']]) });
    const s0 = initialState({ configFile: '/x.ini', preferences: preferenceRows(o), registering: false });
    const s = goTo({ ...s0, screen: 'preferences' }, 'account.password');
    expect(text(s)).toMatch(/account\.password +\*{8}/);
    expect(text(s)).not.toContain('hunter2');
    expect(type(s, 'return').state.prompt).toEqual({ kind: 'preference', text: '' });
  });
});
