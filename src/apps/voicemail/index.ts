/** The voicemail server app (`shtoom serve voicemail`). */
export { VoicemailService, type Mailbox, type VoicemailServiceOptions } from './service.js';
export {
  VoicemailStore,
  repairWavHeader,
  speechSamples,
  type EndReason,
  type Folder,
  type MessageMeta,
  type StoredMessage,
} from './store.js';
export { addressed, callbackTarget, type Addressed, type AddressedBy } from './addressing.js';
export { parseSummary, summaryBody, SummaryParseError, type MessageSummary } from './message-summary.js';
export { PROMPTS, countsPrompt, envelopePrompt, whoPrompt } from './prompts.js';
