/**
 * A codec as SDP offer/answer sees it: the media format behind its
 * `a=rtpmap` (name, RTP clock rate, channels when not 1), its payload type
 * (static, or the dynamic one it prefers) and its `a=fmtp`.
 */
import type { MediaFormat } from '../sdp/media-format.js';
import type { Codec } from './codec.js';

/**
 * The SDP media format of a codec.
 *
 * @example
 * codecFormat(codecs.g722) // { name: 'G722', clockRate: 8000, payloadType: 9 }  →  a=rtpmap:9 G722/8000
 * codecFormat(codecs.opus) // { name: 'opus', clockRate: 48000, channels: 2, payloadType: 111, fmtp: '…' }
 */
export function codecFormat(codec: Codec): MediaFormat {
  return {
    name: codec.name,
    clockRate: codec.clockRate,
    ...(codec.channels !== 1 ? { channels: codec.channels } : {}),
    payloadType: codec.payloadType,
    ...(codec.fmtp !== undefined ? { fmtp: codec.fmtp } : {}),
  };
}
