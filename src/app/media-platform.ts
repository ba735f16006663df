/**
 * What calls need from the world besides SIP: the media clock that ticks
 * every call, protocol time and timers, and RTP sockets. `realMediaPlatform`
 * is the process's own (one shared precise media clock); tests pass a
 * platform on virtual time and a simulated network.
 */
import { realClock, type Clock } from '../clock/clock.js';
import { realTimers, type TimerHost } from '../clock/timers.js';
import { PreciseMediaScheduler, type MediaClockStrategy } from '../net/rtp-media-clock.js';
import type { MediaScheduler } from '../rtp/media-scheduler.js';
import type { TransportAddress as StunAddress } from '../stun/ip-address.js';
import type { KeepAliveEvent } from '../stun/keepalive.js';
import { openUdpRtpChannel } from '../net/rtp-channel.js';
import type { RtpChannel, RtpChannelKind } from '../rtp/rtp-channel.js';

export interface OpenRtpOptions {
  readonly address: string;
  readonly portMin: number;
  readonly portMax: number;
  /** We already know the peer wants rtcp-mux (an answer to an offer with it): one socket. */
  readonly rtcpMux?: boolean;
  readonly stun?: {
    readonly server: StunAddress;
    readonly keepAliveMs: number;
    readonly rto?: number;
    readonly rc?: number;
  };
  readonly onStun?: (e: KeepAliveEvent, channel: RtpChannelKind) => void;
}

export interface MediaPlatform {
  /** Protocol time (monotonic ms). */
  readonly clock: Clock;
  readonly timers: TimerHost;
  /** The media clock every call's 20 ms tick runs on. */
  readonly scheduler: MediaScheduler;
  /** Unix time minus `clock` time, ms: the NTP time of RTCP sender reports. */
  wallClockOffsetMs(): number;
  /** Give this thread the media clock's priority (an echo works on arrival, without ticks). */
  raisePriority?(): void;
  openRtp(opts: OpenRtpOptions): Promise<RtpChannel>;
}

export interface MediaClockSettings {
  readonly strategy?: MediaClockStrategy;
  /** Nice value for the clock's thread while calls are up. */
  readonly priority?: number;
  /** SCHED_FIFO priority for the clock's thread; 0: off. */
  readonly realtime?: number;
}

let shared: PreciseMediaScheduler | undefined;

/**
 * The process's one media clock (created on first use with these settings;
 * later settings are ignored). It keeps the process alive only while it has
 * streams, so it never needs closing.
 *
 * @example
 * const clock = sharedMediaClock({ strategy: 'atomics', realtime: 10 });
 */
export function sharedMediaClock(settings: MediaClockSettings = {}): PreciseMediaScheduler {
  shared ??= new PreciseMediaScheduler({
    ...(settings.strategy ? { strategy: settings.strategy } : {}),
    ...(settings.priority !== undefined ? { priority: settings.priority } : {}),
    ...(settings.realtime ? { realtime: settings.realtime } : {}),
  });
  return shared;
}

/**
 * Real sockets, Node's timers and the shared precise media clock.
 *
 * @example
 * const phone = await Phone.create({ platform: realMediaPlatform({ strategy: 'atomics' }) });
 */
export function realMediaPlatform(settings: MediaClockSettings = {}): MediaPlatform {
  return {
    clock: realClock,
    timers: realTimers,
    get scheduler() {
      return sharedMediaClock(settings);
    },
    wallClockOffsetMs: () => Date.now() - performance.now(),
    raisePriority: () => sharedMediaClock(settings).raisePriority(),
    openRtp: (o) =>
      openUdpRtpChannel({
        address: o.address,
        portMin: o.portMin,
        portMax: o.portMax,
        ...(o.rtcpMux !== undefined ? { rtcpMux: o.rtcpMux } : {}),
        ...(o.stun ? { stun: o.stun } : {}),
        ...(o.onStun ? { onStun: o.onStun } : {}),
      }),
  };
}
