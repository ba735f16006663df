/**
 * The one place where options become settings: shtoom's effective options
 * (command line, environment, ini) turned into the typed settings the
 * layers below take — a `UserAgent`'s options, the media settings, the
 * audio devices' options, a `Phone`'s options. Nothing below the command
 * line reads an option; every command that speaks SIP or opens audio is
 * configured here, the same way.
 */
import { isIP } from 'node:net';
import type { SrtpSettings } from '../app/negotiation.js';
import type { SrtpSuiteName } from '../rtp/srtp/srtp-suites.js';
import { parseAlgorithm } from '../sip/auth/digest.js';
import { AccessControl } from '../sip/access/access-control.js';
import { parseAddressList } from '../sip/access/address-list.js';
import { parseAuthRules } from '../sip/access/auth-rules.js';
import { DigestServer } from '../sip/auth/digest-server.js';
import { readAuthFile } from './auth-file.js';
import { realMediaPlatform } from '../app/media-platform.js';
import { Phone, type PhoneOptions } from '../app/phone.js';
import type { OpenOptions } from '../audio/open.js';
import type { CodecId } from '../codecs/codec.js';
import { UsageError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { MediaClockStrategy } from '../net/rtp-media-clock.js';
import { nodeTransportsWith } from '../net/sip-node-transports.js';
import type { SipTcpOptions } from '../net/sip-tcp.js';
import { readTlsFiles, tlsContexts, TlsSettingsError, type TlsContexts } from '../net/tls-settings.js';
import { StunResolveError } from '../net/stun-discover.js';
import type { ShtoomOptions } from '../options/index.js';
import type { RtpSessionOptions } from '../rtp/rtp-session-types.js';
import type { LatchMode } from '../rtp/rtp-latch.js';
import type { Credentials } from '../sip/auth/digest-client.js';
import type { UserAgentOptions } from '../sip/api/user-agent.js';
import { SipUsageError } from '../sip/errors.js';
import { sipsTransportProblem } from '../sip/core/request-builder.js';
import { parseUri } from '../sip/message/uri.js';
import { parseListen, type ListenOption } from '../sip/transport/listen.js';
import { DEFAULT_PORT } from '../sip/transport/types.js';
import { packageInfo } from '../util/package-info.js';

/** Only the reading side of the options is needed here. */
type Options = Pick<ShtoomOptions, 'get' | 'entry'>;

export interface FromOptionsExtra {
  /** The AOR when a command takes it as an argument. */
  readonly aor?: string;
  /** Use a free port unless --sip-port was given (for one-shot client commands). */
  readonly ephemeralPort?: boolean;
  /** Where to listen instead of --sip-address/--sip-port (`serve --listen`). */
  readonly listen?: string;
}

/** Credentials from --user/--password/--realm and --credentials realm=user:password,… */
export function credentialsFrom(o: Pick<ShtoomOptions, 'get'>, aorUser?: string): Credentials[] {
  const out: Credentials[] = [];
  for (const item of o.get('account.credentials') ?? []) {
    const eq = item.indexOf('=');
    const colon = item.indexOf(':', eq);
    out.push({ realm: item.slice(0, eq), username: item.slice(eq + 1, colon), password: item.slice(colon + 1) });
  }
  const password = o.get('account.password');
  const username = o.get('account.user') ?? aorUser;
  const realm = o.get('account.realm');
  if (password !== undefined && username !== undefined) out.push({ username, password, ...(realm ? { realm } : {}) });
  return out;
}

/** `--dns-server`: `IP`, `IP:PORT` or `[IPv6]:PORT`, checked (a usage error otherwise). */
function dnsServerFrom(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  const m = /^(?:\[([0-9a-f:.]+)\]|(\d{1,3}(?:\.\d{1,3}){3})|([0-9a-f:]+))(?::(\d{1,5}))?$/i.exec(value.trim());
  const ip = m && (m[1] ?? m[2] ?? m[3]);
  const port = m?.[4] === undefined ? 53 : Number(m[4]);
  if (!ip || !isIP(ip) || (m![3] !== undefined && m![4] !== undefined) || port < 1 || port > 65535)
    throw new UsageError(`--dns-server ${JSON.stringify(value)}: give IP, IP:PORT or [IPv6]:PORT`);
  return isIP(ip) === 6 ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** A `UserAgent`'s options from the `[sip]` and `[account]` options. */
export function userAgentOptionsFrom(o: Options, log: Logger, extra: FromOptionsExtra = {}): UserAgentOptions {
  const address = o.get('sip.address');
  const portSet = o.entry('sip.port').source.kind !== 'default';
  const port = extra.ephemeralPort && !portSet ? 0 : o.get('sip.port');
  const host = address.includes(':') ? `[${address}]` : address;
  const aor = extra.aor ?? o.get('account.aor');
  const aorUser = aor ? /^sips?:([^@;:]+)@/i.exec(aor)?.[1] : undefined;
  const publicAddress = o.get('sip.public-address');
  const outboundProxy = o.get('sip.outbound-proxy');
  const dnsServer = dnsServerFrom(o.get('sip.dns-server'));
  const tls = tlsFrom(o, log);
  const tlsPort = o.entry('tls.port').source.kind !== 'default' ? o.get('tls.port') : undefined;
  return {
    listen: listenWithTls(extra.listen ?? `${host}:${port}`, tls, tlsPort),
    ...(aor ? { aor } : {}),
    credentials: credentialsFrom(o, aorUser ? decodeURIComponent(aorUser) : undefined),
    log,
    timers: { t1: o.get('sip.t1'), t2: o.get('sip.t2'), t4: o.get('sip.t4') },
    userAgent: o.get('sip.user-agent').replaceAll('{version}', packageInfo().version),
    ...(publicAddress ? { publicAddress } : {}),
    ...(outboundProxy ? { outboundProxy } : {}),
    ...(dnsServer ? { dnsServer } : {}),
    transport: o.get('sip.transport'),
    forceRport: o.get('sip.force-rport'),
    maxMessageSize: o.get('sip.max-message-size'),
    stream: { idleMs: o.get('sip.tcp-idle-timeout'), messageMs: o.get('sip.tcp-message-timeout') },
    transports: nodeTransportsWith(tcpSettings(o, log), tls),
  };
}

/**
 * Refuses, before anything is sent, a request to `target` (a URI the user
 * gave) that would break the rule of `sips:` (TLS on every hop, RFC 3261
 * 26.2.2): a `sips:` URI, or a `sips:` outbound proxy, with a transport
 * parameter of UDP, or with `--sip-transport udp|tcp` set by the user. One
 * line, exit 2 (a usage error).
 */
export function checkSipsTarget(o: Pick<ShtoomOptions, 'get' | 'entry'>, target: string): void {
  let uri;
  try {
    uri = parseUri(target.trim());
  } catch {
    return; // The command reports a URI that does not parse in its own words.
  }
  const proxy = o.get('sip.outbound-proxy');
  const routes = proxy ? [`<${proxy}>`] : [];
  const asked = o.entry('sip.transport').source.kind !== 'default' ? o.get('sip.transport') : undefined;
  let problem: string | undefined;
  try {
    problem = sipsTransportProblem(uri, routes, asked);
  } catch (e) {
    throw new UsageError(`--sip-outbound-proxy ${JSON.stringify(proxy)}: ${(e as Error).message}`);
  }
  if (problem)
    throw new UsageError(asked && !problem.includes('transport=') ? `${problem} (--sip-transport)` : problem);
}

/**
 * The TLS contexts the `[tls]` options ask for. A file that cannot be read,
 * PEM that does not parse, a key that is not the certificate's: a usage
 * error naming the option (exit 2). `--tls-verify off` says once what it
 * gives up.
 */
export function tlsFrom(o: Pick<ShtoomOptions, 'get'>, log: Logger): TlsContexts {
  const verify = o.get('tls.verify') === 'on';
  let tls: TlsContexts;
  try {
    tls = tlsContexts(
      readTlsFiles({
        cert: o.get('tls.cert'),
        key: o.get('tls.key'),
        ca: o.get('tls.ca'),
        crl: o.get('tls.crl'),
        clientCert: o.get('tls.client-cert'),
        clientKey: o.get('tls.client-key'),
        verify,
        requireClientCert: o.get('tls.require-client-cert'),
      }),
    );
  } catch (e) {
    if (e instanceof TlsSettingsError) throw new UsageError(e.message);
    throw e;
  }
  if (!verify)
    log.warn(
      "--tls-verify off: TLS peers' certificates and host names are not checked (anyone on the path can pose as them)",
    );
  return tls;
}

/**
 * The listen entries of `listen` (`ADDR:PORT` or `udp:|tcp:|tls:ADDR:PORT`,
 * comma-separated) with TLS: with a certificate, a TLS listener on the
 * first entry's address and `tlsPort` unless an entry names one (by
 * default 5061, or a free port when the entries' ports are 0); without,
 * TLS that only connects out, sharing the port of the first TCP entry
 * (what Via and Contact advertise for it). A `tls:` entry without a
 * certificate is a usage error.
 */
export function listenWithTls(listen: string, tls: TlsContexts, tlsPort?: number): ListenOption[] {
  let entries: ListenOption[];
  try {
    entries = listen
      .split(',')
      .filter((x) => x.trim() !== '')
      .map((x) => {
        const e = parseListen(x);
        return { transports: e.transports, address: e.address, port: e.port };
      });
  } catch (e) {
    if (e instanceof SipUsageError) throw new UsageError(e.message);
    throw e;
  }
  if (entries.length === 0) throw new UsageError(`listen address ${JSON.stringify(listen)}: empty`);
  if (entries.some((e) => e.transports!.includes('tls'))) {
    if (!tls.server) throw new UsageError(`--listen ${listen}: a TLS listener needs --tls-cert and --tls-key`);
    return entries;
  }
  if (tls.server) {
    const port = tlsPort ?? (entries.every((e) => e.port === 0) ? 0 : DEFAULT_PORT.tls);
    return [...entries, { transport: 'tls', address: entries[0]!.address!, port }];
  }
  const tcp = entries.findIndex((e) => e.transports!.includes('tcp'));
  if (tcp >= 0) entries[tcp] = { ...entries[tcp]!, transports: [...entries[tcp]!.transports!, 'tls'] };
  return entries;
}

/** The TCP transport's limits (`[sip] tcp-…`). */
export function tcpSettings(o: Pick<ShtoomOptions, 'get'>, log: Logger): SipTcpOptions {
  return {
    maxConnections: o.get('sip.tcp-max-connections'),
    maxConnectionsPerSource: o.get('sip.tcp-max-connections-per-source'),
    keepAliveMs: o.get('sip.tcp-keepalive'),
    maxQueuedBytes: o.get('sip.tcp-max-queued'),
    // A peer gets as long to take what we send as to send us one message.
    stallMs: o.get('sip.tcp-message-timeout'),
    log: log.child('sip'),
  };
}

/** The `[rtp]` options as the settings the media objects take. */
export interface MediaSettings {
  readonly address: string;
  readonly portMin: number;
  readonly portMax: number;
  readonly rtcpMux: boolean;
  readonly clock: MediaClockStrategy;
  /** Nice value for the media clock's thread (when not real-time). */
  readonly clockPriority: number;
  /** SCHED_FIFO priority for the media clock's thread; 0: off. */
  readonly clockRealtime: number;
  /** The parts of `RtpSessionOptions` the options decide. */
  readonly session: Pick<
    RtpSessionOptions,
    'symmetric' | 'latch' | 'rtcpIntervalMs' | 'rtpTimeoutMs' | 'jitterBuffer' | 'dtmf'
  >;
}

/**
 * @example
 * const media = mediaSettings(options);
 * const session = new RtpSession({ ...rtpSessionOptions(negotiated), ...media.session });
 */
export function mediaSettings(o: Pick<ShtoomOptions, 'get'>): MediaSettings {
  return {
    address: o.get('rtp.address'),
    portMin: o.get('rtp.port-min'),
    portMax: o.get('rtp.port-max'),
    rtcpMux: o.get('rtp.rtcp-mux'),
    clock: o.get('rtp.clock'),
    clockPriority: o.get('rtp.clock-priority'),
    clockRealtime: o.get('rtp.clock-realtime'),
    session: {
      symmetric: o.get('rtp.symmetric'),
      // Media hijack: where RTP may come from (docs/security.md).
      latch: { mode: o.get('rtp.latching') as LatchMode },
      rtcpIntervalMs: o.get('rtp.rtcp-interval'),
      rtpTimeoutMs: o.get('rtp.timeout'),
      jitterBuffer: {
        minDelayMs: o.get('rtp.jitter-min'),
        maxDelayMs: o.get('rtp.jitter-max'),
        initialDelayMs: o.get('rtp.jitter-initial'),
      },
      dtmf: { volume: o.get('rtp.dtmf-volume'), durationMs: o.get('rtp.dtmf-duration'), gapMs: o.get('rtp.dtmf-gap') },
    },
  };
}

/**
 * The `[audio]` options as `OpenOptions`: the device rate, and the drift
 * buffer's target from `audio.buffer` (milliseconds at 8 kHz).
 *
 * @example
 * const src = await openSource('alsa:default', audioOpenOptions(ctx.options));
 */
export function audioOpenOptions(options: Pick<ShtoomOptions, 'get'>): OpenOptions {
  const target = Math.round(options.get('audio.buffer') * 8);
  return {
    deviceRate: options.get('audio.device-rate'),
    drift: { target, tolerance: Math.max(40, Math.round(target / 6)), capacity: Math.max(8000, target * 4) },
  };
}

export interface PhoneFromOptions {
  /** A free SIP port unless --sip-port was given (one-shot client commands). */
  readonly ephemeralPort?: boolean;
  /** Where to listen instead of --sip-address/--sip-port (`serve --listen`). */
  readonly listen?: string;
  readonly capacity?: number;
  readonly retryAfterSec?: number;
  /** Keep RTP open this long after hanging up (to hear the last RTCP report). */
  readonly lingerMs?: number;
  /** Bind RTP here instead of --rtp-address. */
  readonly rtpAddress?: string;
  /** RTCP report interval to use when the option was left at its default. */
  readonly rtcpIntervalMs?: number;
  /** In-band DTMF detection to use when --inband-dtmf was left at its default. */
  readonly inbandDtmf?: 'auto' | 'on' | 'off';
  /** Who may use a server: `accessControlFrom` (`serve`). */
  readonly access?: AccessControl;
  /** Give incoming calls to media workers (`serve --workers`, docs/workers.md). */
  readonly handOff?: PhoneOptions['handOff'];
}

/** The `Phone` options the command line gives. */
export function phoneOptionsFrom(o: ShtoomOptions, log: Logger, extra: PhoneFromOptions = {}): PhoneOptions {
  const ua = userAgentOptionsFrom(o, log, {
    ...(extra.ephemeralPort ? { ephemeralPort: true } : {}),
    ...(extra.listen ? { listen: extra.listen } : {}),
  });
  const m = mediaSettings(o);
  const stun = o.get('stun.server');
  const rtcpDefault = o.entry('rtp.rtcp-interval').source.kind === 'default';
  return {
    userAgent: {
      ...ua,
      ...(extra.access ? { access: extra.access } : {}),
    },
    platform: realMediaPlatform({ strategy: m.clock, priority: m.clockPriority, realtime: m.clockRealtime }),
    codecs: o.get('call.codec') as readonly CodecId[],
    media: {
      address: extra.rtpAddress ?? m.address,
      portMin: m.portMin,
      portMax: m.portMax,
      rtcpMux: m.rtcpMux,
      rtp: {
        ...m.session,
        ...(rtcpDefault && extra.rtcpIntervalMs !== undefined ? { rtcpIntervalMs: extra.rtcpIntervalMs } : {}),
      },
      lingerMs: extra.lingerMs ?? 0,
      ...(o.get('rtp.allow-multicast') ? { allowMulticast: true } : {}),
      ...srtpSettings(o, log),
    },
    inbandDtmf:
      extra.inbandDtmf !== undefined && o.entry('call.inband-dtmf').source.kind === 'default'
        ? extra.inbandDtmf
        : o.get('call.inband-dtmf'),
    ...(extra.capacity !== undefined ? { capacity: extra.capacity } : {}),
    ...(extra.handOff ? { handOff: extra.handOff } : {}),
    ...(extra.retryAfterSec !== undefined ? { retryAfterSec: extra.retryAfterSec } : {}),
    ...(stun
      ? {
          stun: {
            server: `${stun.host.includes(':') ? `[${stun.host}]` : stun.host}:${stun.port ?? 3478}`,
            keepAliveMs: o.get('stun.keepalive'),
            rto: o.get('stun.rto'),
          },
        }
      : {}),
    log,
  };
}

/** The SRTP settings of `--srtp`, `--srtp-suites`, `--srtp-allow-insecure-keys` (none with `--srtp off`). */
function srtpSettings(o: ShtoomOptions, log: Logger): { srtp?: SrtpSettings } {
  const mode = o.get('srtp.mode');
  if (mode === 'off') return {};
  const suites = o.get('srtp.suites') as readonly SrtpSuiteName[];
  if (suites.length === 0) throw new UsageError(`--srtp ${mode}: --srtp-suites names no suite`);
  const allowInsecureKeys = o.get('srtp.allow-insecure-keys');
  if (allowInsecureKeys)
    log.warn('--srtp-allow-insecure-keys: SRTP keys go in SDP over UDP/TCP too: anyone who sees the SIP can decrypt');
  return {
    srtp: {
      mode,
      suites,
      allowInsecureKeys,
      replayWindow: o.get('srtp.replay-window'),
    },
  };
}

/** Start a phone from the options; a bad listen address or port is a usage error. */
export async function phoneFrom(o: ShtoomOptions, log: Logger, extra: PhoneFromOptions = {}): Promise<Phone> {
  try {
    return await Phone.create(phoneOptionsFrom(o, log, extra));
  } catch (e) {
    if (e instanceof SipUsageError) throw new UsageError(e.message);
    if (e instanceof StunResolveError) throw new UsageError(`--stun: ${e.message}`);
    throw e;
  }
}

// --- Who may use serve (docs/security.md): --auth, --allow, --deny, per-source limits. ---

/**
 * The access control the `[access]` options ask for, or undefined when
 * they ask for none (no users, no lists, no limits). Bad values are usage
 * errors (exit 2).
 *
 * @example
 * const access = accessControlFrom(options, log);
 * const phone = await phoneFrom(options, log, { ...(access ? { access } : {}) });
 */
export function accessControlFrom(o: Pick<ShtoomOptions, 'get'>, log: Logger): AccessControl | undefined {
  const file = o.get('access.auth');
  const allow = o.get('access.allow');
  const deny = o.get('access.deny');
  const rps = o.get('access.rate-limit');
  const auth = file ? readAuthFile(file) : undefined;
  const rulesText = o.get('access.auth-rules');
  if (rulesText !== undefined && !auth) throw new UsageError('--auth-rules: give --auth FILE too (who may log in)');
  const rules = rulesText !== undefined ? parseAuthRules(rulesText, '--auth-rules') : undefined;
  if (!auth && !allow && !deny && rps === 0) return undefined;
  const users = auth?.users;
  const algorithms = o
    .get('access.auth-algorithms')
    .split(/[\s,]+/)
    .filter((a) => a !== '')
    .map((a) => {
      const alg = parseAlgorithm(a);
      if (alg === undefined || alg.endsWith('-sess'))
        throw new UsageError(`--auth-algorithms ${a}: not one of SHA-256, SHA-512-256, MD5`);
      return alg;
    });
  if (algorithms.length === 0) throw new UsageError('--auth-algorithms: at least one algorithm');
  return new AccessControl({
    ...(allow ? { allow: parseAddressList(allow, '--allow') } : {}),
    ...(deny ? { deny: parseAddressList(deny, '--deny') } : {}),
    requestsPerSecond: rps,
    failedAuthPerMinute: o.get('access.auth-failures'),
    banMs: o.get('access.ban-time'),
    ...(rules ? { rules } : {}),
    ...(auth && users
      ? {
          digest: new DigestServer({
            realm: auth.realm,
            algorithms,
            lookup: (user, realm) => (realm === auth.realm ? users.get(user) : undefined),
          }),
        }
      : {}),
    log: log.child('access'),
  });
}
