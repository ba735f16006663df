/**
 * The conference server's rooms file (`--conference-rooms FILE`), an ini
 * file in the options' style: one section per room, named as callers dial
 * it (`sip:room-42@host` is `[room-42]`), and `[default]` for every room
 * not listed:
 *
 * ```ini
 * [default]            ; any other room: open, no moderator (the default)
 * [room-42]
 * pin = 1234           ; every caller enters it (three tries)
 * moderator-pin = 9999 ; makes the caller the moderator: *1 lock, *2 mute all others
 * music = hold.wav     ; music on hold for a lone participant here
 * ```
 *
 * A value that cannot work stops the program with one line naming the
 * file, the line, the room and the key (a usage error, exit 2); an
 * unknown key is a warning with its line.
 */
import { dirname, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { iniLines, readIniText } from './ini-lines.js';

/** One room's settings as written (music as a path, still to be loaded). */
export interface RoomFileEntry {
  readonly pin?: string;
  readonly moderatorPin?: string;
  /** Absolute path of the music file (relative paths are from the rooms file's directory). */
  readonly music?: string;
}

export interface RoomsFile {
  readonly rooms: ReadonlyMap<string, RoomFileEntry>;
  readonly defaultRoom?: RoomFileEntry;
  readonly warnings: readonly string[];
}

const KEYS = ['pin', 'moderator-pin', 'music'] as const;
const PIN = /^[0-9*A-Da-d]{1,16}$/;

/**
 * Read and check a rooms file.
 *
 * @example
 * const { rooms, defaultRoom, warnings } = readRoomsFile('/etc/shtoom/rooms.ini');
 */
export function readRoomsFile(file: string): RoomsFile {
  return parseRooms(readIniText('--conference-rooms', file), file);
}

/** Parse rooms-file text (`file` names it in messages and anchors relative music paths). */
export function parseRooms(text: string, file: string): RoomsFile {
  const sections = new Map<string, { pin?: string; moderatorPin?: string; music?: string }>();
  const warnings: string[] = [];
  let section: string | undefined;
  for (const l of iniLines(text, file)) {
    const where = l.where;
    if (l.kind === 'section') {
      section = l.name;
      if (section === '') throw new UsageError(`${where}: a room needs a name: [room-42]`);
      if (!sections.has(section)) sections.set(section, {});
      continue;
    }
    if (l.kind === 'other') {
      warnings.push(`${where}: not a "key = value" line (ignored)`);
      continue;
    }
    const { key, value } = l;
    if (section === undefined) throw new UsageError(`${where}: "${key}" is outside any [room] section`);
    const room = sections.get(section)!;
    const bad = (allowed: string) =>
      new UsageError(`${where}: [${section}] ${key}: ${JSON.stringify(value)} is not allowed; allowed: ${allowed}`);
    switch (key as (typeof KEYS)[number]) {
      case 'pin':
      case 'moderator-pin': {
        if (value === '') continue;
        if (!PIN.test(value)) throw bad('1 to 16 DTMF keys: 0-9, *, A-D (# ends the entry)');
        if (key === 'pin') room.pin = value;
        else room.moderatorPin = value;
        break;
      }
      case 'music':
        if (value !== '') room.music = resolve(dirname(file), value);
        break;
      default:
        warnings.push(`${where}: unknown key "${key}" in [${section}] (ignored); keys: ${KEYS.join(', ')}`);
    }
  }
  for (const [name, r] of sections)
    if (r.pin !== undefined && r.pin === r.moderatorPin)
      throw new UsageError(`${file}: [${name}]: pin and moderator-pin are the same: nobody could tell them apart`);
  const defaultRoom = sections.get('default');
  sections.delete('default');
  return { rooms: sections, ...(defaultRoom ? { defaultRoom } : {}), warnings };
}
