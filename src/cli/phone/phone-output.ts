/**
 * What the phone prints for each event: one JSON object a line in control
 * mode (`{"event":"answered","call":1,"codec":"PCMU"}`), a line for people
 * in line mode (`call 1: answered (PCMU)`).
 */
import type { PhoneCallInfo, PhoneCoreEvents } from '../../app/phone-core/events.js';
import { COMMAND_USAGE } from './phone-commands.js';

/** The events a front end prints: the core's (but `update`), and the front end's own. */
export type PrintedEvent =
  | { [K in Exclude<keyof PhoneCoreEvents, 'update'>]: { readonly event: K } & PhoneCoreEvents[K][0] }[Exclude<
      keyof PhoneCoreEvents,
      'update'
    >]
  | {
      readonly event: 'ready';
      readonly contact: string;
      readonly aor: string;
      readonly listen: readonly { transport: string; address: string; port: number }[];
    }
  | { readonly event: 'calls'; readonly calls: readonly PhoneCallInfo[] }
  | { readonly event: 'help'; readonly commands: readonly string[] };

/** Control mode: the event as one line of JSON. */
export function jsonLine(e: PrintedEvent): string {
  return `${JSON.stringify(e)}\n`;
}

function callLine(c: PhoneCallInfo): string {
  const flags = [
    c.current ? 'current' : '',
    c.conference ? 'conference' : '',
    c.muted ? 'muted' : '',
    c.heldBy.length > 0 ? `held by ${c.heldBy.join(' and ')}` : '',
  ].filter(Boolean);
  const dur = c.durationMs > 0 ? ` ${Math.round(c.durationMs / 1000)} s` : '';
  return (
    `  ${c.call}  ${c.state.padEnd(12)} ${c.direction === 'incoming' ? 'from' : 'to'} ` +
    `${c.peer}${c.codec ? `  ${c.codec}` : ''}${dur}${flags.length ? `  (${flags.join(', ')})` : ''}`
  );
}

/** Line mode: the event as words. */
export function humanLine(e: PrintedEvent): string {
  switch (e.event) {
    case 'ready':
      return (
        `ready: ${e.contact} (${e.listen.map((l) => `${l.transport} ${l.address}:${l.port}`).join(', ')}); ` +
        `type help for the commands\n`
      );
    case 'registered':
      return `registered ${e.aor} at ${e.registrar} for ${e.expires} s\n`;
    case 'registration-failed':
      return `registration failed: ${e.message}\n`;
    case 'unregistered':
      return `unregistered ${e.aor}\n`;
    case 'calling':
      return `call ${e.call}: calling ${e.to}\n`;
    case 'incoming':
      return (
        `call ${e.call}: incoming from ${e.from}` +
        (e.replaces !== undefined ? ` (replaces call ${e.replaces})` : ` (answer ${e.call} / reject ${e.call})`) +
        '\n'
      );
    case 'ringing':
      return `call ${e.call}: ${e.status === 183 ? 'session progress (183)' : `ringing (${e.status})`}\n`;
    case 'answered':
      return `call ${e.call}: answered (${e.codec})\n`;
    case 'held':
      return `call ${e.call}: on hold (${e.by === 'local' ? 'by us' : 'by the other side'})\n`;
    case 'resumed':
      return `call ${e.call}: off hold (${e.by === 'local' ? 'by us' : 'by the other side'})\n`;
    case 'dtmf':
      return `call ${e.call}: DTMF ${e.digit} (${e.how})\n`;
    case 'transfer-requested':
      return `call ${e.call}: the other side asks us to call ${e.target}${e.attended ? ' (attended)' : ''}\n`;
    case 'transferred':
      return (
        `call ${e.call}: transferred${e.target ? ` to ${e.target}` : ''}` +
        `${e.to !== undefined ? ` (call ${e.to} goes on)` : ''}\n`
      );
    case 'message':
      return `message from ${e.from}${e.call !== undefined ? ` (call ${e.call})` : ''}: ${e.text}\n`;
    case 'conference':
      return e.calls.length > 0 ? `conference: calls ${e.calls.join(', ')}\n` : 'conference: over\n';
    case 'ended':
      return `call ${e.call}: ended: ${e.message}${e.status !== undefined ? ` (${e.status})` : ''}\n`;
    case 'error':
      return `error: ${e.call !== undefined ? `call ${e.call}: ` : ''}${e.message}\n`;
    case 'calls':
      return e.calls.length === 0 ? 'no calls\n' : `${e.calls.map(callLine).join('\n')}\n`;
    case 'help':
      return `${COMMAND_USAGE.map(([u, h]) => `  ${u.padEnd(24)} ${h}`).join('\n')}\n`;
  }
}
