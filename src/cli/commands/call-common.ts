/**
 * What `call`, `serve`, `smoke` and `demo` share: a `Phone` built from the
 * options (SIP, account, media, STUN), and the exit code a call's end
 * gives (README: 0 completed, 1 network or protocol failure, 3 busy, 4 no
 * answer, 5 rejected, 130 interrupted).
 */
import type { CallEnd } from '../../app/call-types.js';
import { realMediaPlatform } from '../../app/media-platform.js';
import { Phone, type PhoneOptions } from '../../app/phone.js';
import type { CodecId } from '../../codecs/codec.js';
import { UsageError } from '../../errors.js';
import type { Logger } from '../../log/logger.js';
import type { ShtoomOptions } from '../../options/index.js';
import { StunResolveError } from '../../net/stun-discover.js';
import { mediaSettings } from '../../rtp/settings.js';
import { userAgentOptionsFrom } from '../../sip/api/from-options.js';
import { SipUsageError } from '../../sip/errors.js';
import { ExitCode } from '../exit-codes.js';

/**
 * Which local SIP port each command binds, as `config show` reports it:
 * - `free-unless-set`: a free (ephemeral) port, unless sip.port was set in
 *   the ini file, the environment or on the command line — a one-shot client
 *   should not collide with a phone already on 5060;
 * - `option`: sip.port (`serve --listen ADDR:PORT` overrides it);
 * - `loopback-free`: a free port on 127.0.0.1 whatever sip.port says.
 * The commands read it from here, so what `config show` says is what runs.
 */
export const SIP_PORT_USE = {
  call: 'free-unless-set',
  smoke: 'free-unless-set',
  ivr: 'free-unless-set',
  options: 'free-unless-set',
  register: 'option',
  serve: 'option',
  demo: 'loopback-free',
} as const satisfies Record<string, 'free-unless-set' | 'option' | 'loopback-free'>;

/** Whether `command` binds a free SIP port unless sip.port was set. */
export function ephemeralSipPort(command: keyof typeof SIP_PORT_USE): boolean {
  return SIP_PORT_USE[command] === 'free-unless-set';
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
}

/** The `Phone` options the command line gives. */
export function phoneOptionsFrom(o: ShtoomOptions, log: Logger, extra: PhoneFromOptions = {}): PhoneOptions {
  const ua = userAgentOptionsFrom(o, log, { ...(extra.ephemeralPort ? { ephemeralPort: true } : {}) });
  const m = mediaSettings(o);
  const stun = o.get('stun.server');
  const rtcpDefault = o.entry('rtp.rtcp-interval').source.kind === 'default';
  return {
    userAgent: { ...ua, ...(extra.listen ? { listen: extra.listen } : {}) },
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
    },
    inbandDtmf:
      extra.inbandDtmf !== undefined && o.entry('call.inband-dtmf').source.kind === 'default'
        ? extra.inbandDtmf
        : o.get('call.inband-dtmf'),
    ...(extra.capacity !== undefined ? { capacity: extra.capacity } : {}),
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

/** The exit code of a call that ended this way (`interrupted`: the user stopped it). */
export function exitCodeOfEnd(end: CallEnd, interrupted: boolean): number {
  if (end.answered) return end.reason === 'rtp-timeout' || end.reason === 'failed' ? ExitCode.FAILURE : ExitCode.OK;
  if (interrupted) return ExitCode.INTERRUPTED;
  switch (end.reason) {
    case 'busy':
      return ExitCode.BUSY;
    case 'no-answer':
      return ExitCode.NO_ANSWER;
    case 'rejected':
      return ExitCode.REJECTED;
    case 'hangup':
    case 'shutdown':
    case 'cancelled':
      return ExitCode.INTERRUPTED;
    default:
      return ExitCode.FAILURE;
  }
}

/** A Promise that resolves when the command is asked to stop (Ctrl-C, SIGTERM). */
export function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/** `12.3 s` or `1:02:03`. */
export function clockTime(ms: number): string {
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}
