/**
 * What the main thread takes from a media worker's conference or voicemail
 * (`app` messages, docs/workers.md): a list of rooms whose every field is
 * checked, and a voicemail event that must name a mailbox of ours.
 */
import { describe, expect, it } from 'vitest';
import { roomsFromJson } from '../../src/apps/conference/status.js';
import { mailboxSaid } from '../../src/cli/commands/serve-voicemail.js';

const ROOM = { name: 'r1', locked: false, since: '2026-01-01T00:00:00.000Z', participants: [], talkers: [] };

describe("a media worker's app messages", () => {
  it('rooms: a list of well-formed rooms is taken, anything else refused whole', () => {
    expect(roomsFromJson(JSON.stringify([ROOM]))).toEqual([ROOM]);
    expect(roomsFromJson('[]')).toEqual([]);
    expect(roomsFromJson('{')).toBeUndefined();
    expect(roomsFromJson(JSON.stringify(ROOM))).toBeUndefined();
    expect(roomsFromJson(JSON.stringify([ROOM, { ...ROOM, locked: 'yes' }]))).toBeUndefined();
    expect(roomsFromJson(JSON.stringify([{ ...ROOM, participants: [{ id: 1 }] }]))).toBeUndefined();
    expect(roomsFromJson(JSON.stringify([{ ...ROOM, talkers: [3] }]))).toBeUndefined();
  });

  it('voicemail: a mailbox of ours (and a message id), else nothing', () => {
    const boxes = new Map([['100', { number: '100' }]]);
    expect(mailboxSaid('{"mailbox":"100","id":"x"}', boxes)).toEqual({ mailbox: '100', id: 'x' });
    expect(mailboxSaid('{"mailbox":"100"}', boxes)).toEqual({ mailbox: '100' });
    expect(mailboxSaid('{"mailbox":"200"}', boxes)).toBeUndefined();
    expect(mailboxSaid('{"mailbox":100}', boxes)).toBeUndefined();
    expect(mailboxSaid('not json', boxes)).toBeUndefined();
    expect(mailboxSaid('null', boxes)).toBeUndefined();
  });
});
