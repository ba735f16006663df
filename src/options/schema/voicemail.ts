/** Options of the voicemail server, `shtoom serve voicemail` (`[voicemail]`). */
import { opt } from '../define.js';

export const voicemailOptions = [
  opt.string('voicemail.mailboxes', {
    help: 'an ini file of mailboxes: a [NUMBER] section each with pin, name and email',
    flag: 'mailboxes',
    argName: 'file',
    commands: ['serve'],
  }),
  opt.string('voicemail.dir', {
    help: 'where messages and greetings are kept: DIR/<mailbox>/INBOX/msgNNNN.wav and .json',
    flag: 'voicemail-dir',
    argName: 'dir',
    commands: ['serve'],
  }),
  opt.duration('voicemail.silence', {
    help: 'a message ends after this much silence',
    unit: 's',
    default: 5000,
    min: 1000,
    max: 60_000,
    flag: 'voicemail-silence',
    commands: ['serve'],
  }),
  opt.duration('voicemail.max-length', {
    help: 'the longest message',
    unit: 's',
    default: 180_000,
    min: 2000,
    max: 3_600_000,
    flag: 'voicemail-max-length',
    commands: ['serve'],
  }),
  opt.string('voicemail.operator', {
    help:
      'where a caller who presses 0 during the greeting is ' +
      'transferred (a SIP URI; without it 0 skips the greeting)',
    flag: 'voicemail-operator',
    argName: 'uri',
    commands: ['serve'],
  }),
  opt.string('voicemail.main-user', {
    help: "the user part of the owners' number: sip:voicemail@host asks for the mailbox and PIN",
    default: 'voicemail',
    flag: 'voicemail-main',
    argName: 'user',
    commands: ['serve'],
  }),
  opt.string('voicemail.on-message', {
    help:
      'a command run (sh -c) for every message filed, with VOICEMAIL_WAV, VOICEMAIL_JSON, VOICEMAIL_MAILBOX, ' +
      'VOICEMAIL_CALLER… in its environment',
    flag: 'on-message',
    argName: 'cmd',
    commands: ['serve'],
  }),
  opt.string('voicemail.smtp', {
    help: "e-mail each message (the WAV attached) to its mailbox's address through this SMTP server: HOST[:PORT]",
    flag: 'voicemail-smtp',
    argName: 'host:port',
    commands: ['serve'],
  }),
  opt.string('voicemail.smtp-security', {
    help: 'auto (STARTTLS when the server offers it), starttls (required), tls (from the start, port 465), none',
    choices: ['auto', 'starttls', 'tls', 'none'],
    default: 'auto',
    flag: 'voicemail-smtp-security',
    argName: 'how',
    commands: ['serve'],
  }),
  opt.string('voicemail.smtp-user', {
    help: 'the SMTP login (with --voicemail-smtp-password)',
    flag: 'voicemail-smtp-user',
    argName: 'user',
    commands: ['serve'],
  }),
  opt.string('voicemail.smtp-password', {
    help: 'the SMTP password',
    flag: 'voicemail-smtp-password',
    secret: true,
    argName: 'password',
    commands: ['serve'],
  }),
  opt.string('voicemail.mail-from', {
    help: 'the From of the e-mails (default voicemail@ the host name)',
    flag: 'voicemail-mail-from',
    argName: 'address',
    commands: ['serve'],
  }),
] as const;
