/**
 * The voicemail server's mailboxes file (`--mailboxes FILE`), an ini file
 * in the options' style: one section per mailbox, named by its number
 * (what callers dial: `sip:100@host` is `[100]`):
 *
 * ```ini
 * [100]
 * pin = 4321                ; the owner's menu (digits); a PIN changed from the phone is kept apart
 * name = Alice Smith        ; said in the default greeting instead of "extension 100"
 * email = alice@example.com
 * user = alice              ; with serve --auth: a caller authenticated as alice reaches this mailbox's menu
 * notify = sip:alice@10.0.0.7:5060   ; an unsolicited message-summary NOTIFY there on every change
 * ```
 *
 * A value that cannot work stops the program with one line naming the
 * file, the line, the mailbox and the key (a usage error, exit 2); an
 * unknown key is a warning with its line.
 */
import type { Mailbox } from '../apps/voicemail/service.js';
import { UsageError } from '../errors.js';
import { parseUri, type Uri } from '../sip/message/uri.js';
import { iniLines, readIniText } from './ini-lines.js';

export interface MailboxesFile {
  readonly mailboxes: ReadonlyMap<string, Mailbox>;
  readonly warnings: readonly string[];
}

const KEYS = ['pin', 'name', 'email', 'user', 'notify'] as const;
const PIN = /^[0-9*]{1,16}$/;
/** A mailbox number names a directory: letters, digits, `.`, `_`, `-`, `+`, not only dots. */
const NUMBER = /^(?!\.+$)[A-Za-z0-9._+-]{1,64}$/;
const EMAIL = /^[^\s@<>]+@[^\s@<>]+$/;
/** A digest user name (of `serve --auth`'s users file). */
const USER = /^[^\s"\\]{1,64}$/;

/**
 * Read and check a mailboxes file.
 *
 * @example
 * const { mailboxes, warnings } = readMailboxesFile('/etc/shtoom/mailboxes.ini');
 */
export function readMailboxesFile(file: string): MailboxesFile {
  return parseMailboxes(readIniText('--mailboxes', file), file);
}

/** Parse mailboxes-file text (`file` names it in messages). */
export function parseMailboxes(text: string, file: string): MailboxesFile {
  const boxes = new Map<
    string,
    {
      number: string;
      pin?: string;
      name?: string;
      email?: string;
      user?: string;
      notify?: string;
    }
  >();
  const owners = new Map<string, string>();
  const warnings: string[] = [];
  let section: string | undefined;
  for (const l of iniLines(text, file)) {
    const where = l.where;
    if (l.kind === 'section') {
      section = l.name;
      if (!NUMBER.test(section))
        throw new UsageError(`${where}: [${section}] is not a mailbox number; allowed: 1 to 64 of A-Z a-z 0-9 . _ + -`);
      if (!boxes.has(section)) boxes.set(section, { number: section });
      continue;
    }
    if (l.kind === 'other') {
      warnings.push(`${where}: not a "key = value" line (ignored)`);
      continue;
    }
    const { key, value } = l;
    if (section === undefined) throw new UsageError(`${where}: "${key}" is outside any [mailbox] section`);
    const box = boxes.get(section)!;
    const bad = (allowed: string) =>
      new UsageError(`${where}: [${section}] ${key}: ${JSON.stringify(value)} is not allowed; allowed: ${allowed}`);
    switch (key as (typeof KEYS)[number]) {
      case 'pin':
        if (value === '') continue;
        if (!PIN.test(value)) throw bad('1 to 16 keys: 0-9 and * (# ends the entry)');
        box.pin = value;
        break;
      case 'name':
        if (value !== '') box.name = value;
        break;
      case 'email':
        if (value === '') continue;
        if (!EMAIL.test(value)) throw bad('an e-mail address: user@example.com');
        box.email = value;
        break;
      case 'notify': {
        if (value === '') continue;
        let uri: Uri | undefined;
        try {
          uri = parseUri(value);
        } catch {
          uri = undefined;
        }
        if (uri?.kind !== 'sip') throw bad('a sip: or sips: URI: sip:alice@192.0.2.7:5060');
        box.notify = value;
        break;
      }
      case 'user': {
        if (value === '') continue;
        if (!USER.test(value)) throw bad('a user name of the --auth file: 1 to 64 characters, no space or quote');
        const other = owners.get(value);
        if (other !== undefined && other !== section)
          throw new UsageError(`${where}: [${section}] user: ${JSON.stringify(value)} already owns mailbox ${other}`);
        owners.set(value, section);
        box.user = value;
        break;
      }
      default:
        warnings.push(`${where}: unknown key "${key}" in [${section}] (ignored); keys: ${KEYS.join(', ')}`);
    }
  }
  for (const b of boxes.values())
    if (b.pin === undefined)
      warnings.push(
        `${file}: [${b.number}] has no pin: its owner cannot log in with a PIN, only authenticated by digest` +
          ' (serve --auth; messages are still taken)',
      );
  return { mailboxes: boxes, warnings };
}
