/** The conference engine: a room of participants mixed on one clock, and the sounds it makes. */
export {
  ConferenceRoom,
  RoomParticipant,
  type ConferenceRoomOptions,
  type PlayEnd,
  type RoomInput,
  type RoomOutput,
  type RoomParticipantOptions,
  type RoomStats,
} from './room.js';
export { ChimeSource, JOIN_NOTES, LEAVE_NOTES, LoopSource, type Note } from './cues.js';
