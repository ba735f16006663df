/** Options of the conference server, `shtoom serve conference` (`[conference]`). */
import { opt } from '../define.js';

export const conferenceOptions = [
  opt.int('conference.loudest', {
    help: 'how many talkers each participant hears at once (the N loudest others)',
    default: 4,
    min: 1,
    max: 16,
    argName: 'n',
    commands: ['serve'],
  }),
  opt.string('conference.rooms', {
    help: 'an ini file of rooms: a [room] section each (and [default]) with pin, moderator-pin and music',
    argName: 'file',
    commands: ['serve'],
  }),
  opt.string('conference.music', {
    help: 'music on hold for a lone participant: a WAV file, looped (default: silence)',
    argName: 'file',
    commands: ['serve'],
  }),
  opt.string('conference.record-dir', {
    help: 'record every room to a WAV file (valid at every moment) in this directory',
    flag: 'record-dir',
    argName: 'dir',
    commands: ['serve'],
  }),
  opt.bool('conference.names', {
    help: 'ask each caller to say its name, announced to the room as it joins and leaves (default: a chime)',
    default: false,
    commands: ['serve'],
  }),
  opt.bool('conference.status', {
    help:
      "print the running server's status and exit: a conference server's rooms, participants, talkers and loss; " +
      "another app's calls per media worker",
    default: false,
    flag: 'status',
    ini: false,
    env: false,
    commands: ['serve'],
  }),
  opt.string('conference.status-file', {
    help:
      'where the server keeps its status, rewritten every second (default: shtoom-conference-PORT.json, or ' +
      'shtoom-serve-PORT.json for an app on media workers, in the temporary directory)',
    flag: 'status-file',
    argName: 'file',
    commands: ['serve'],
  }),
] as const;
