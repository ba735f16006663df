/** The media plane: RTP/RTCP codecs, sessions, jitter buffer, PLC, RFC 4733 and the media clock. */
export * from './errors.js';
export {
  parseRtp,
  serializeRtp,
  writeRtp,
  isRtcpPacket,
  RTP_HEADER_SIZE,
  type RtpPacket,
  type RtpExtension,
} from './rtp-packet.js';
export { parseRtcp, serializeRtcp, type ParseRtcpOptions } from './rtcp-compound.js';
export * from './rtcp-types.js';
export { ntpFromUnixMs, unixMsFromNtp, compactNtp, roundTripMs, type NtpTimestamp } from './ntp-time.js';
export { SourceStatistics, type SourceStatsJson, type SequenceVerdict } from './source-stats.js';
export { rtcpIntervalMs, rtcpBaseIntervalMs, type RtcpIntervalInput } from './rtcp-interval.js';
export {
  parseTelephoneEvent,
  serializeTelephoneEvent,
  eventOfDigit,
  digitOfEvent,
  type TelephoneEvent,
} from './telephone-event.js';
export { DtmfSender, type DtmfSenderOptions, type TelephoneEventPacket } from './dtmf-sender.js';
export { DtmfReceiver, type DtmfEvent, type DtmfReceiverOptions } from './dtmf-receiver.js';
export {
  JitterBuffer,
  type JitterBufferOptions,
  type JitterBufferStats,
  type JitterPacket,
  type PlayoutFrame,
} from './jitter-buffer.js';
export { PacketLossConcealer } from './plc.js';
export {
  TickQueue,
  TimerMediaScheduler,
  type MediaScheduler,
  type MediaStream,
  type MediaTick,
  type TickHandler,
  type AddStreamOptions,
  type TickQueueOptions,
} from './media-scheduler.js';
export { RtpSession } from './rtp-session.js';
export * from './rtp-session-types.js';
export {
  SrtpSession,
  type SrtpSessionOptions,
  type SrtpMasterKey,
  type SrtpStats,
  type SrtpCounters,
} from './srtp/srtp-session.js';
export { SrtpChannel } from './srtp/srtp-channel.js';
export { SRTP_SUITES, DEFAULT_SRTP_SUITES, type SrtpSuite, type SrtpSuiteName } from './srtp/srtp-suites.js';
