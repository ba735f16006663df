/**
 * shtoom's public API: the same objects the command line uses.
 */
export * from './options/index.js';
export {
  Logger,
  MemorySink,
  silentLogger,
  streamSink,
  type LogLevel,
  type LogRecord,
  type LogSink,
} from './log/logger.js';
export { ManualClock, realClock, type Clock } from './clock/clock.js';
export { realTimers, type TimerHost, type TimerHandle } from './clock/timers.js';
export { Driver, type SansIoCore, type DriverIo, type DriverOptions } from './clock/drive.js';
export { VirtualScheduler } from './sim/scheduler.js';
export { SimNetwork, SimLink, type LinkProfile, type SimSocket, type SimAddress } from './sim/network.js';
export { Random } from './sim/random.js';
export { ShtoomError, UsageError, LocalError, RemoteError } from './errors.js';
export { ExitCode } from './cli/exit-codes.js';
export { main as runCli } from './cli/main.js';
export {
  credentialsFrom,
  userAgentOptionsFrom,
  mediaSettings,
  type MediaSettings,
} from './cli/settings.js';
export * as stun from './stun/index.js';
export { StunSocket, fromRemoteInfo, type StunSocketOptions } from './net/stun-socket.js';
export { discoverNat, resolveStunServer, StunResolveError, type DiscoverOptions } from './net/stun-discover.js';
export * as audio from './public/audio.js';
export {
  codecs,
  CodecRegistry,
  CodecFrameError,
  CodecInputError,
  Gsm610Encoder,
  Gsm610Decoder,
  type Codec,
  type CodecId,
  type CodecName,
  type FrameEncoder,
  type FrameDecoder,
} from './codecs/index.js';
export * from './sip/index.js';
export * from './rtp/index.js';
export * as sdp from './sdp/index.js';
export {
  PreciseMediaScheduler,
  MEDIA_CLOCK_STRATEGIES,
  type MediaClockStrategy,
  type PreciseMediaSchedulerOptions,
} from './net/rtp-media-clock.js';
export { bindRtpPorts, type RtpPorts, type RtpPortOptions } from './net/rtp-socket.js';
export { RtpLink, type RtpLinkOptions } from './net/rtp-link.js';
export * as harness from './harness/index.js';
export * as asr from './asr/index.js';
export * as tts from './tts/index.js';
export { Phone, type PhoneOptions, type PhoneEvents, type PhoneStunOptions, type CallOptions } from './app/phone.js';
export { Call, type CallEvents, type CallState, type AnswerOptions, type CallMediaSettings } from './app/call.js';
export type { PlaceCallOptions } from './app/call-outgoing.js';
export { END_REASONS, exitCodeOfEnd, type EndReasonInfo } from './app/call-end.js';
export type {
  CallEnd,
  CallEndReason,
  CallStats,
  DtmfHow,
  DtmfReceived,
  DtmfMode,
  AnsweredInfo,
  HoldChange,
  TransferProgress,
} from './app/call-types.js';
export { CallEndedError, CallFailedError, CallStateError, TransferFailedError } from './app/errors.js';
export { TransferRequest, type FollowOptions } from './app/call-transfer.js';
export { PhoneCore, PhoneCommandError, type PhoneCoreOptions } from './app/phone-core/phone-core.js';
export type { PhoneCoreEvents, PhoneCallInfo, PhoneCallState } from './app/phone-core/events.js';
export { AudioRouter, type AudioRouterOptions } from './app/phone-core/audio-router.js';
export { mixerConference, type ConferenceEngine } from './app/phone-core/conference.js';
export { dialTarget, DialTargetError } from './app/phone-core/dial-target.js';
export {
  MediaSession,
  type MediaSessionOptions,
  type MediaSessionEvents,
  type AudioTap,
  type MediaPort,
} from './app/media-session.js';
export {
  Conference,
  ConferenceMember,
  type ConferenceOptions,
  type ConferenceEvents,
  type JoinOptions,
  type LeaveReason,
} from './app/conference.js';
export { realMediaPlatform, sharedMediaClock, type MediaPlatform, type OpenRtpOptions } from './app/media-platform.js';
export { openUdpRtpChannel, type UdpRtpChannelOptions } from './net/rtp-channel.js';
export type { RtpChannel, RtpChannelKind, DatagramHandler } from './rtp/rtp-channel.js';
export { DougServer, VoiceCall, type VoiceApp } from './doug/index.js';
export * as doug from './doug/index.js';
export * as apps from './apps/index.js';
export {
  smokeCall,
  type SmokeOptions,
  type SmokeResult,
  type SmokeThresholds,
  type SmokeCheck,
} from './harness/smoke/smoke-call.js';
export { smokeText, smokeJunit } from './harness/smoke/report.js';
