/** What the conference says (spoken by the server's text to speech). */
export const PROMPTS = {
  pin: 'Please enter the conference PIN, then press pound.',
  moderatorPin: 'If you are the moderator, enter your PIN, then press pound. Otherwise, just press pound.',
  wrongPin: 'That PIN is not correct.',
  goodbye: 'Goodbye.',
  locked: 'This conference is locked.',
  name: 'After the tone, please say your name, then press pound.',
  only: 'You are the only participant.',
  muted: 'You are muted.',
  unmuted: 'You are no longer muted.',
  lockedNow: 'The conference is now locked.',
  unlockedNow: 'The conference is now unlocked.',
  mutedAll: 'All other participants are muted.',
  unmutedAll: 'All participants may speak again.',
  notModerator: 'Only the moderator can do that.',
  joined: 'has joined the conference.',
  left: 'has left the conference.',
} as const;

/** "There are 3 participants in this conference." */
export function countPrompt(n: number): string {
  return n === 1 ? PROMPTS.only : `There are ${n} participants in this conference.`;
}
