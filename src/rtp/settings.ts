/**
 * The `[rtp]` options as the settings the media objects take.
 */
import type { ShtoomOptions } from '../options/schema/index.js';
import type { MediaClockStrategy } from '../net/rtp-media-clock.js';
import type { RtpSessionOptions } from './rtp-session-types.js';

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
  readonly session: Pick<RtpSessionOptions, 'symmetric' | 'rtcpIntervalMs' | 'rtpTimeoutMs' | 'jitterBuffer' | 'dtmf'>;
}

/**
 * @example
 * const media = mediaSettings(options);
 * const session = new RtpSession({ ...rtpSessionOptions(negotiated), ...media.session });
 */
export function mediaSettings(o: ShtoomOptions): MediaSettings {
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
