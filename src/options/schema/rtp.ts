/**
 * Options of the media plane: RTP/RTCP, the jitter buffer, RFC 4733 DTMF and the media clock (`[rtp]` in the ini file).
 */
import { opt } from '../define.js';

export const rtpOptions = [
  opt.string('rtp.address', {
    help:
      "local IP address the RTP/RTCP sockets bind (0.0.0.0 or ::: every address of the call's family, the SDP " +
      'naming the address SIP advertises)',
    default: '0.0.0.0',
    argName: 'ip',
  }),
  opt.int('rtp.port-min', {
    help: 'lowest local UDP port for RTP (RTCP uses the next one unless rtcp-mux is used)',
    default: 16384,
    min: 1024,
    max: 65534,
    argName: 'port',
  }),
  opt.int('rtp.port-max', {
    help: 'highest local UDP port for RTP',
    default: 32767,
    min: 1025,
    max: 65535,
    argName: 'port',
  }),
  opt.bool('rtp.rtcp-mux', {
    help: 'offer and accept RTP and RTCP on one port (RFC 5761)',
    default: true,
  }),
  opt.bool('rtp.allow-multicast', {
    help: 'answer offers whose connection address is a multicast group (media goes to the group; it is not joined)',
    default: false,
  }),
  opt.bool('rtp.symmetric', {
    help: "send RTP to where the peer's packets come from (RFC 4961), latching only to its negotiated stream",
    default: true,
  }),
  opt.duration('rtp.rtcp-interval', {
    help: 'minimum RTCP report interval (RFC 3550 6.2: 5 s; randomised); 0 turns reports off',
    unit: 's',
    default: 5000,
    min: 0,
    max: 3_600_000,
  }),
  opt.duration('rtp.timeout', {
    help: 'end the call when no RTP arrives for this long while receiving; 0 never',
    unit: 's',
    default: 30_000,
    min: 0,
    max: 3_600_000,
  }),
  opt.duration('rtp.jitter-min', {
    help: 'smallest adaptive jitter buffer delay',
    unit: 'ms',
    default: 20,
    min: 0,
    max: 1000,
  }),
  opt.duration('rtp.jitter-max', {
    help: 'largest adaptive jitter buffer delay',
    unit: 'ms',
    default: 200,
    min: 0,
    max: 1000,
  }),
  opt.duration('rtp.jitter-initial', {
    help: 'jitter buffer delay before enough packets have been measured',
    unit: 'ms',
    default: 60,
    min: 0,
    max: 1000,
  }),
  opt.int('rtp.dtmf-volume', {
    help: 'RFC 4733 tone power in -dBm0 (0 loudest, 63 quietest)',
    default: 10,
    min: 0,
    max: 63,
    argName: 'dBm0',
  }),
  opt.duration('rtp.dtmf-duration', {
    help: 'length of each RFC 4733 DTMF tone sent',
    unit: 'ms',
    default: 100,
    min: 40,
    max: 8000,
  }),
  opt.duration('rtp.dtmf-gap', {
    help: 'silence between two RFC 4733 DTMF tones sent',
    unit: 'ms',
    default: 100,
    min: 20,
    max: 10_000,
  }),
  opt.enum('rtp.clock', {
    help: 'how the 20 ms media clock waits: atomics (precise, little CPU), spin (precise, busy), timer (ms precision)',
    choices: ['atomics', 'spin', 'timer'],
    default: 'atomics',
    argName: 'strategy',
  }),
  opt.int('rtp.clock-realtime', {
    help:
      'SCHED_FIFO priority (1-99) for the thread running the media clock while calls are up, when permitted; 0 ' +
      'never',
    default: 10,
    min: 0,
    max: 99,
    argName: 'prio',
  }),
  opt.int('rtp.clock-priority', {
    help: 'nice value for the thread running the media clock when the real-time class is off or not permitted',
    default: -10,
    min: -20,
    max: 19,
    argName: 'nice',
  }),
] as const;
