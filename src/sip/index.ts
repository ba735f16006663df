/**
 * The SIP stack's public surface: the `UserAgent` and its handles, the
 * pure message layer, digest authentication, and the sans-I/O core for
 * those who drive it themselves.
 */
export {
  UserAgent,
  type UserAgentOptions,
  type UserAgentEvents,
  type RequestSendOptions,
  type InviteOptions,
  type RegisterOptions,
  type SubscribeOptions,
  type LocalAddress,
} from './api/user-agent.js';
export {
  OutgoingCall,
  IncomingCall,
  type OutgoingCallEvents,
  type IncomingCallEvents,
  type AcceptOptions,
} from './api/call.js';
export { Dialog, type DialogEvents, type InfoEvent, type BodyOptions, type ReferOptions } from './api/dialog.js';
export {
  Subscription,
  Refer,
  IncomingSubscription,
  IncomingRefer,
  type SubscriptionEvents,
  type ReferEvents,
  type ReferProgress,
  type IncomingSubscriptionEvents,
  type AcceptSubscriptionOptions,
  type NotifyInfo,
  type SubscriptionEnd,
} from './api/subscription.js';
export { IncomingRequest } from './api/incoming-request.js';
export { Registration, type Binding, type RegistrationEvents } from './api/registration.js';
export { parseListen, type ListenOption } from './api/listen.js';
export {
  SipParseError,
  SipUriError,
  SipStateError,
  SipUsageError,
  SipRequestFailedError,
  SipAuthError,
  SipClosedError,
} from './errors.js';
export {
  SipRequest,
  SipResponse,
  type SipMessage,
  type HeaderField,
  type HeaderInit,
  type CSeq,
} from './message/message.js';
export { parseMessage, type ParseResult } from './message/parse.js';
export { serializeMessage } from './message/serialize.js';
export { parseUri, parseSipUri, formatUri, uriEquals, type Uri, type SipUri, type TelUri } from './message/uri.js';
export { parseNameAddr, formatNameAddr, type NameAddr } from './message/name-addr.js';
export { parseVia, formatVia, type Via } from './message/via.js';
export { getParam, type Param, type Params } from './message/params.js';
export {
  parseEvent,
  formatEvent,
  parseSubscriptionState,
  formatSubscriptionState,
  type EventHeader,
  type SubscriptionStateHeader,
} from './message/event.js';
export { parseSipfragStatus, sipfragBody } from './message/sipfrag.js';
export { parseReplaces, formatReplaces, referToWithReplaces, type Replaces } from './message/replaces.js';
export { buildResponse, reasonPhrase, warningValue } from './message/build.js';
export { checkRequest, checkResponse } from './message/validate.js';
export { StreamFramer } from './message/stream-framer.js';
export { DigestServer, type DigestServerOptions, type VerifyResult } from './auth/digest-server.js';
export { DigestClient, type Credentials } from './auth/digest-client.js';
export { digestResponse, type DigestAlgorithm } from './auth/digest.js';
export { parseDtmfBody, dtmfRelayBody, type DtmfInfo } from './core/dtmf-body.js';
export { SipCore, type RequestOptions } from './core/sip-core.js';
export type { CoreConfig } from './core/config.js';
export type { CoreEvent } from './core/events.js';
export type { DialogEndReason } from './core/dialog.js';
export type { RequestOutcome } from './core/outgoing-request.js';
export { DEFAULT_TIMERS, type SipTimers } from './transaction/timer-config.js';
export type { TransportKind, Source, Destination, Transmit, Endpoint } from './transport/types.js';
export type { SipTransport, SipTransportFactory, SipTransportHandlers, ListenSpec } from '../net/sip-transport.js';
export { nodeTransports, nodeTransportsWith } from '../net/sip-node-transports.js';
export {
  readTlsFiles,
  tlsContexts,
  TlsSettingsError,
  type TlsContexts,
  type TlsFiles,
  type TlsMaterial,
} from '../net/tls-settings.js';
