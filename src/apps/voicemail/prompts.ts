/** What the voicemail says (spoken by the server's text to speech). */
export const PROMPTS = {
  noMailbox: 'The mailbox you called does not exist. Goodbye.',
  unavailable: 'is not available. Please leave a message after the tone. When you are done, hang up or press pound.',
  saved: 'Your message has been saved. Goodbye.',
  tooShort: 'Your message was too short and was not saved. Goodbye.',
  transferring: 'Please hold while I transfer you to the operator.',
  transferFailed: 'The operator cannot be reached. Please leave a message after the tone.',
  mailbox: 'Please enter your mailbox number, then press pound.',
  pin: 'Please enter your PIN, then press pound.',
  wrongLogin: 'That mailbox or PIN is not correct.',
  goodbye: 'Goodbye.',
  afterMessage:
    'Press 1 to replay, 2 to save, 3 to delete, 4 for the previous message, 6 for the next message, ' +
    '7 to call back, 0 for mailbox options.',
  callingBack: 'Please hold while I call back the caller.',
  noCallback: 'This caller cannot be called back.',
  callbackFailed: 'The caller cannot be reached.',
  noMessagesMenu: 'Press 0 for mailbox options, or hang up.',
  saved2: 'Message saved.',
  deleted: 'Message deleted.',
  first: 'This is the first message.',
  last: 'There are no more messages.',
  options: 'Press 1 to record your greeting, 3 to record your name, 5 to change your PIN, star to go back.',
  recordGreeting: 'After the tone, say your greeting, then press pound.',
  recordName: 'After the tone, say your name, then press pound.',
  recorded: 'It is recorded.',
  nothingRecorded: 'Nothing was recorded.',
  newPin: 'Please enter your new PIN, then press pound.',
  newPinAgain: 'Please enter your new PIN again, then press pound.',
  pinChanged: 'Your PIN is changed.',
  pinsDiffer: 'The PINs do not match. Your PIN is not changed.',
  pinInvalid: 'A PIN is 1 to 16 digits. Your PIN is not changed.',
} as const;

function count(n: number, what: string): string {
  return n === 0 ? `no ${what} messages` : n === 1 ? `1 ${what} message` : `${n} ${what} messages`;
}

/** "You have 2 new messages and 1 old message." / "You have no messages." */
export function countsPrompt(n: number, m: number): string {
  if (n === 0 && m === 0) return 'You have no messages.';
  return `You have ${count(n, 'new')} and ${count(m, 'old')}.`;
}

/** "The person at extension 100" (before `PROMPTS.unavailable`), or the mailbox's name. */
export function whoPrompt(mailbox: string, name?: string): string {
  return name ? name : `The person at extension ${mailbox.split('').join(' ')}`;
}

/** The envelope before a message: its number, who left it and when. */
export function envelopePrompt(n: number, folder: 'INBOX' | 'Old', caller: string, time: Date): string {
  const user = /^(?:"([^"]*)"\s*)?<?(?:sips?|tel):([^@;>]+)/i.exec(caller);
  const from = user?.[1] ? user[1] : user?.[2] ? user[2].split('').join(' ') : 'an unknown caller';
  const when = time.toLocaleString('en-US', {
    weekday: 'long',
    month: 'long',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
  });
  return `${folder === 'INBOX' ? 'New message' : 'Old message'} ${n}. From ${from}. Received ${when}.`;
}
