/**
 * The phone's command lines (control mode and line mode read the same):
 * one command a line, words separated by spaces, the last argument of
 * `message` the rest of the line. Parsing is pure: a line gives a command
 * or the reason it is not one; `runCommand` does it on the core.
 *
 * | command | arguments |
 * |---|---|
 * | `dial` | URI (or a number / user: through the account's domain) |
 * | `answer` | [CALL] |
 * | `reject` | [CALL] [STATUS] |
 * | `hangup` | [CALL] |
 * | `hold`, `resume`, `switch`, `mute`, `unmute` | CALL |
 * | `dtmf` | CALL KEYS |
 * | `transfer` | CALL URI |
 * | `attended` | CALL OTHER |
 * | `accept-transfer`, `reject-transfer` | [CALL] |
 * | `conference`, `calls`, `help`, `quit` | |
 * | `message` | URI TEXT… |
 */
import type { PhoneCallInfo } from '../../app/phone-core/events.js';
import type { PhoneCore } from '../../app/phone-core/phone-core.js';

export type PhoneCommand =
  | { readonly name: 'dial'; readonly target: string }
  | { readonly name: 'answer' | 'hangup' | 'accept-transfer' | 'reject-transfer'; readonly call?: number }
  | { readonly name: 'reject'; readonly call?: number; readonly status?: number }
  | { readonly name: 'hold' | 'resume' | 'switch' | 'mute' | 'unmute'; readonly call: number }
  | { readonly name: 'dtmf'; readonly call: number; readonly keys: string }
  | { readonly name: 'transfer'; readonly call: number; readonly target: string }
  | { readonly name: 'attended'; readonly call: number; readonly other: number }
  | { readonly name: 'message'; readonly target: string; readonly text: string }
  | { readonly name: 'conference' | 'calls' | 'help' | 'quit' };

/** Each command with its arguments, for `help` and the docs. */
export const COMMAND_USAGE: readonly (readonly [string, string])[] = [
  ['dial URI', 'call a URI, or a number or user name through the account domain'],
  ['answer [CALL]', 'answer a ringing call (the first one by default); the current call is held'],
  ['reject [CALL] [STATUS]', 'refuse a ringing call (486 Busy Here by default)'],
  ['hangup [CALL]', 'hang up (the current call by default)'],
  ['hold CALL', 'put a call on hold (re-INVITE a=sendonly; it hears hold music or silence)'],
  ['resume CALL', 'take a call off hold; it becomes current'],
  ['switch CALL', 'make a call current (the current one is held)'],
  ['mute CALL', 'send the call no microphone'],
  ['unmute CALL', 'send the call the microphone again'],
  ['dtmf CALL KEYS', 'send DTMF keys (0-9 * # A-D)'],
  ['transfer CALL URI', "blind transfer: the call's party is sent to URI (REFER)"],
  ['attended CALL OTHER', "attended transfer: CALL's party joins OTHER's (REFER with Replaces)"],
  ['accept-transfer [CALL]', "follow the other side's transfer request"],
  ['reject-transfer [CALL]', "decline the other side's transfer request"],
  ['conference', 'join every call that is up into one mix with the microphone'],
  ['message URI TEXT', 'send a SIP MESSAGE'],
  ['calls', 'list the calls'],
  ['help', 'list the commands'],
  ['quit', 'end the calls with BYE, unregister and exit'],
];

/** A line that is not a command: why (for the `error` event). */
export class CommandLineError extends Error {}

const NO_ARGS = new Set(['conference', 'calls', 'help', 'quit']);
const OPTIONAL_CALL = new Set(['answer', 'hangup', 'accept-transfer', 'reject-transfer']);
const ONE_CALL = new Set(['hold', 'resume', 'switch', 'mute', 'unmute']);

function callId(word: string | undefined, command: string): number {
  if (word === undefined) throw new CommandLineError(`${command} needs a CALL number`);
  if (!/^[1-9][0-9]{0,8}$/.test(word))
    throw new CommandLineError(`${command}: CALL must be a call number (see calls), got ${JSON.stringify(word)}`);
  return Number(word);
}

function usage(name: string): string {
  return COMMAND_USAGE.find(([u]) => u.split(' ')[0] === name)?.[0] ?? name;
}

/**
 * Parse one line; undefined for a blank line or a comment (`#…`). Throws
 * `CommandLineError` saying what is wrong.
 *
 * @example
 * parseCommand('dtmf 2 123#')   // { name: 'dtmf', call: 2, keys: '123#' }
 * parseCommand('message sip:bob@example.com see you at 5') // { name: 'message', target: …, text: 'see you at 5' }
 */
export function parseCommand(line: string): PhoneCommand | undefined {
  const text = line.trim();
  if (text === '' || text.startsWith('#')) return undefined;
  const words = text.split(/\s+/);
  const name = words[0]!.toLowerCase();
  const args = words.slice(1);
  const count = (min: number, max: number) => {
    if (args.length < min || args.length > max) throw new CommandLineError(`usage: ${usage(name)}`);
  };
  if (NO_ARGS.has(name)) {
    count(0, 0);
    return { name } as PhoneCommand;
  }
  if (OPTIONAL_CALL.has(name)) {
    count(0, 1);
    return args[0] === undefined ? ({ name } as PhoneCommand) : ({ name, call: callId(args[0], name) } as PhoneCommand);
  }
  if (ONE_CALL.has(name)) {
    count(1, 1);
    return { name, call: callId(args[0], name) } as PhoneCommand;
  }
  switch (name) {
    case 'dial':
      count(1, 1);
      return { name, target: args[0]! };
    case 'reject': {
      count(0, 2);
      if (args.length === 0) return { name };
      const status = (w: string) => {
        if (!/^[3-6][0-9][0-9]$/.test(w))
          throw new CommandLineError(`reject: STATUS must be 300-699, got ${JSON.stringify(w)}`);
        return Number(w);
      };
      if (args.length === 2) return { name, call: callId(args[0], name), status: status(args[1]!) };
      // One number: a status when it looks like one (3xx-6xx), else a call.
      return /^[3-6][0-9][0-9]$/.test(args[0]!)
        ? { name, status: status(args[0]!) }
        : { name, call: callId(args[0], name) };
    }
    case 'dtmf':
      count(2, 2);
      if (!/^[0-9*#A-Da-d]+$/.test(args[1]!))
        throw new CommandLineError(`dtmf: KEYS must be DTMF keys (0-9 * # A-D), got ${JSON.stringify(args[1])}`);
      return { name, call: callId(args[0], name), keys: args[1]! };
    case 'transfer':
      count(2, 2);
      return { name, call: callId(args[0], name), target: args[1]! };
    case 'attended':
      count(2, 2);
      return { name, call: callId(args[0], name), other: callId(args[1], name) };
    case 'message': {
      if (args.length < 2) throw new CommandLineError(`usage: ${usage(name)}`);
      // The text is the rest of the line as typed (its spaces kept).
      const rest = text.slice(words[0]!.length).trimStart().slice(args[0]!.length).trimStart();
      return { name, target: args[0]!, text: rest };
    }
    default:
      throw new CommandLineError(`unknown command ${JSON.stringify(words[0])} (help lists them)`);
  }
}

/** What a command gave back to print (besides the core's events). */
export type CommandResult =
  | { readonly kind: 'calls'; readonly calls: readonly PhoneCallInfo[] }
  | { readonly kind: 'help' }
  | { readonly kind: 'quit' }
  | { readonly kind: 'done' };

/** Do a command on the core; throws what the core throws (`PhoneCommandError`) for the `error` event. */
export function runCommand(core: PhoneCore, c: PhoneCommand): CommandResult {
  switch (c.name) {
    case 'dial':
      core.dial(c.target);
      break;
    case 'answer':
      core.answer(c.call);
      break;
    case 'reject':
      core.reject(c.call, c.status);
      break;
    case 'hangup':
      core.hangup(c.call);
      break;
    case 'hold':
      core.hold(c.call);
      break;
    case 'resume':
      core.resume(c.call);
      break;
    case 'switch':
      core.switchTo(c.call);
      break;
    case 'mute':
      core.mute(c.call);
      break;
    case 'unmute':
      core.unmute(c.call);
      break;
    case 'dtmf':
      core.dtmf(c.call, c.keys);
      break;
    case 'transfer':
      core.transfer(c.call, c.target);
      break;
    case 'attended':
      core.attended(c.call, c.other);
      break;
    case 'accept-transfer':
      core.acceptTransfer(c.call);
      break;
    case 'reject-transfer':
      core.rejectTransfer(c.call);
      break;
    case 'conference':
      core.conference();
      break;
    case 'message':
      core.message(c.target, c.text);
      break;
    case 'calls':
      return { kind: 'calls', calls: core.calls() };
    case 'help':
      return { kind: 'help' };
    case 'quit':
      return { kind: 'quit' };
  }
  return { kind: 'done' };
}
