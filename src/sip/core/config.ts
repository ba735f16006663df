/**
 * Configuration of a SIP core: who we are, where we listen, what we accept
 * and support, and the timer bases. `resolveCoreConfig` fills the defaults.
 */
import type { Credentials } from '../auth/digest-client.js';
import type { SipUri } from '../message/uri.js';
import { DEFAULT_TIMERS, checkTimers, type SipTimers } from '../transaction/timer-config.js';
import type { Endpoint, TransportKind } from '../transport/types.js';
import type { RandomWords } from './ids.js';
import { DEFAULT_STREAM_LIMITS, type StreamLimits } from './stream-connections.js';

/** Methods the core implements (RFC 3261, 3428 MESSAGE, 6086 INFO, 6665 SUBSCRIBE/NOTIFY, 3515 REFER). */
export const DEFAULT_ALLOW = [
  'INVITE',
  'ACK',
  'BYE',
  'CANCEL',
  'OPTIONS',
  'INFO',
  'MESSAGE',
  'SUBSCRIBE',
  'NOTIFY',
  'REFER',
] as const;

/** Option tags supported by default: RFC 3891 Replaces (the core matches the dialog an INVITE replaces). */
export const DEFAULT_SUPPORTED = ['replaces'] as const;

/** Every method we recognise; others get 501, recognised but not allowed ones 405 (RFC 3261 8.2.1). */
export const KNOWN_METHODS = [
  'INVITE',
  'ACK',
  'BYE',
  'CANCEL',
  'OPTIONS',
  'REGISTER',
  'PRACK',
  'SUBSCRIBE',
  'NOTIFY',
  'PUBLISH',
  'INFO',
  'REFER',
  'MESSAGE',
  'UPDATE',
] as const;

export interface CoreConfig {
  readonly timers?: SipTimers;
  /** User-Agent / Server header value (default `shtoom`; empty: neither header is sent). */
  readonly userAgent?: string;
  /** The address and port to advertise (Via sent-by, Contact) per transport we listen on. */
  readonly local: Partial<Record<TransportKind, Endpoint>>;
  /**
   * The address to advertise towards a host (the next hop of a request, the
   * source of a request we answer), when it depends on the destination (a
   * wildcard bind: the address the kernel sends from). Undefined: `local`.
   */
  readonly localAddressFor?: (host: string) => string | undefined;
  /** Our address-of-record: From of requests we send out of dialog, user of our Contact. */
  readonly aor?: SipUri;
  readonly credentials?: readonly Credentials[];
  /** Methods answered (others: 405 or 501). */
  readonly allow?: readonly string[];
  /** Option tags we support (Require with others: 420). */
  readonly supported?: readonly string[];
  /**
   * Event packages SUBSCRIBE is accepted for (RFC 6665; others: 489 Bad
   * Event), listed in Allow-Events. Default: any, for the owner to decide.
   */
  readonly events?: readonly string[];
  /** Body types accepted per method; `*` for any. */
  readonly accept?: Readonly<Record<string, readonly string[]>>;
  /** Transport for requests whose URI names none. */
  readonly defaultTransport?: TransportKind;
  /** Largest message accepted (513 above). */
  readonly maxMessageSize?: number;
  /** How long a stream connection may stay idle, and take to send one message (ms; 0: no limit). */
  readonly stream?: Partial<StreamLimits>;
  /** Requests larger than this go over TCP instead of UDP (RFC 3261 18.1.1: 1300). */
  readonly udpMtuLimit?: number;
  /** Answer UDP requests to their source address and port whatever the Via says (as if rport were always present). */
  readonly forceRport?: boolean;
  /** Delay before a 100 Trying for an unanswered INVITE (RFC 3261 17.2.1: 200 ms). */
  readonly tryingDelay?: number;
  /** Host name for the Warning header's agent field. */
  readonly warningAgent?: string;
  /** Pre-loaded route (outbound proxy) for requests outside dialogs. */
  readonly outboundProxy?: SipUri;
  readonly random?: RandomWords;
}

export interface ResolvedConfig {
  readonly timers: SipTimers;
  readonly userAgent: string;
  /** What Via and Contact advertise per transport (changed by `SipCore.advertise`). */
  readonly local: Partial<Record<TransportKind, Endpoint>>;
  readonly localAddressFor: ((host: string) => string | undefined) | undefined;
  /** Transports whose advertised address was set (`SipCore.advertise`): the same towards every destination. */
  readonly pinned: Set<TransportKind>;
  readonly aor: SipUri | undefined;
  readonly credentials: readonly Credentials[];
  readonly allow: readonly string[];
  readonly supported: readonly string[];
  readonly events: readonly string[] | undefined;
  readonly accept: Readonly<Record<string, readonly string[]>>;
  readonly defaultTransport: TransportKind;
  readonly maxMessageSize: number;
  readonly stream: StreamLimits;
  readonly udpMtuLimit: number;
  readonly forceRport: boolean;
  readonly tryingDelay: number;
  readonly warningAgent: string;
  readonly outboundProxy: SipUri | undefined;
  readonly random: RandomWords | undefined;
}

/**
 * Body types we understand by default. INFO: RFC 6086 DTMF packages; MESSAGE: anything (RFC 3428 leaves it to the
 * user).
 */
export const DEFAULT_ACCEPT: Readonly<Record<string, readonly string[]>> = {
  INVITE: ['application/sdp'],
  ACK: ['application/sdp'],
  BYE: ['*'],
  INFO: ['application/dtmf-relay', 'application/dtmf', '*'],
  MESSAGE: ['*'],
  OPTIONS: ['application/sdp'],
  CANCEL: ['*'],
};

export function resolveCoreConfig(c: CoreConfig): ResolvedConfig {
  const timers = c.timers ?? DEFAULT_TIMERS;
  checkTimers(timers);
  const transports = Object.keys(c.local) as TransportKind[];
  if (transports.length === 0) throw new RangeError('a SIP core needs at least one local transport');
  const first = c.local[transports[0]!]!;
  return {
    timers,
    userAgent: c.userAgent ?? 'shtoom',
    local: { ...c.local },
    localAddressFor: c.localAddressFor,
    pinned: new Set(),
    aor: c.aor,
    credentials: c.credentials ?? [],
    // Methods are case-sensitive (RFC 3261 7.1): kept as given.
    allow: [...(c.allow ?? DEFAULT_ALLOW)],
    supported: c.supported ?? DEFAULT_SUPPORTED,
    events: c.events,
    accept: c.accept ?? DEFAULT_ACCEPT,
    defaultTransport: c.defaultTransport ?? (c.local.udp ? 'udp' : transports[0]!),
    maxMessageSize: c.maxMessageSize ?? 65535,
    stream: { ...DEFAULT_STREAM_LIMITS, ...c.stream },
    udpMtuLimit: c.udpMtuLimit ?? 1300,
    forceRport: c.forceRport ?? false,
    tryingDelay: c.tryingDelay ?? 200,
    warningAgent: c.warningAgent ?? first.address,
    outboundProxy: c.outboundProxy,
    random: c.random,
  };
}

/** The User-Agent (requests) or Server (responses) header we send: none when the value is empty. */
export function agentHeader(config: ResolvedConfig, name: 'User-Agent' | 'Server'): [string, string][] {
  return config.userAgent === '' ? [] : [[name, config.userAgent]];
}
