/** The conference server app (`shtoom serve conference`). */
export { ConferenceService, roomOf, type ConferenceServiceOptions, type RoomConfig } from './service.js';
export { PROMPTS, countPrompt } from './prompts.js';
export {
  formatStatus,
  type ConferenceStatus,
  type ParticipantStatus,
  type RoomStatus,
} from './status.js';
