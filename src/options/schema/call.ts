/**
 * Options of calls: `shtoom call`, `shtoom serve`, `shtoom smoke` and `shtoom demo` (`[call]`, `[serve]`, `[smoke]`).
 */
import { ALL_CODEC_IDS, CODEC_IDS, registry } from '../../codecs/registry.js';
import { opt } from '../define.js';

const DTMF_KEYS = /^[0-9*#A-Da-d]+$/;

function percent(v: string): string | undefined {
  const n = Number(v);
  return v.trim() !== '' && Number.isFinite(n) && n >= 0 && n <= 100 ? undefined : 'must be a percentage from 0 to 100';
}

export const callOptions = [
  opt.list('call.codec', {
    help: 'codecs to offer or accept, in order of preference',
    choices: ALL_CODEC_IDS,
    default: CODEC_IDS,
    // A known codec calls cannot use here (wideband before the wideband media path, Opus without its package).
    validate: (ids) => {
      for (const id of ids) {
        const c = registry.byId(id);
        const refused = c && registry.refusal(c);
        if (refused) return `cannot be used: ${refused}`;
      }
      return undefined;
    },
    flag: 'codec',
    argName: 'list',
    commands: ['call', 'serve', 'smoke', 'demo', 'phone', 'ivr'],
  }),
  opt.string('call.play', {
    help:
      'what we send: a WAV file, tone:440, silence, noise, or a device (alsa:default, portaudio:…); serve ' +
      'announce plays it',
    default: 'silence',
    flag: 'play',
    argName: 'uri',
    commands: ['call', 'serve'],
  }),
  opt.string('call.record', {
    help: 'where the audio we receive goes: a WAV file (valid at every moment) or a device (alsa:default)',
    flag: 'record',
    argName: 'file',
    ini: false,
    commands: ['call', 'smoke'],
  }),
  opt.string('call.dtmf', {
    help: 'DTMF keys to send once the call is answered, e.g. "123#"',
    flag: 'dtmf',
    argName: 'keys',
    ini: false,
    env: false,
    commands: ['call'],
    validate: (v) => (DTMF_KEYS.test(v) ? undefined : 'must be DTMF keys: 0-9 * # A-D'),
  }),
  opt.enum('call.dtmf-mode', {
    help:
      'how DTMF is sent: rfc4733 (RTP events), info (SIP INFO), inband (tones in the audio), auto (rfc4733 when ' +
      'the peer has it, else inband)',
    choices: ['auto', 'rfc4733', 'info', 'inband'],
    default: 'auto',
    flag: 'dtmf-mode',
    argName: 'mode',
    commands: ['call', 'phone', 'ivr'],
  }),
  opt.duration('call.dtmf-delay', {
    help: 'wait this long after the answer before sending --dtmf',
    unit: 'ms',
    default: 500,
    min: 0,
    max: 3_600_000,
    flag: 'dtmf-delay',
    commands: ['call'],
  }),
  opt.duration('call.duration', {
    help: 'hang up this long after the answer; 0 waits for the other side to hang up (or Ctrl-C)',
    unit: 's',
    default: 0,
    min: 0,
    max: 86_400_000,
    flag: 'duration',
    commands: ['call'],
  }),
  opt.duration('call.answer-timeout', {
    help: 'give up (CANCEL) when the call is not answered within this time',
    unit: 's',
    default: 60_000,
    min: 1000,
    max: 3_600_000,
    flag: 'answer-timeout',
    commands: ['call', 'smoke', 'phone'],
  }),
  opt.bool('call.require-audio', {
    help: 'exit 1 when the call was answered but no audio (RTP) arrived from the other side',
    default: false,
    flag: 'require-audio',
    commands: ['call'],
  }),
  opt.bool('call.register', {
    help: 'register the account ([account] aor, --user, --password) first, and unregister at the end',
    default: false,
    flag: 'register',
    commands: ['call', 'serve', 'phone'],
  }),
  opt.enum('call.inband-dtmf', {
    help: 'listen for DTMF tones in the received audio: auto (until RFC 4733 events arrive), on, off',
    choices: ['auto', 'on', 'off'],
    default: 'auto',
    flag: 'inband-dtmf',
    argName: 'when',
    commands: ['call', 'serve', 'phone'],
  }),
  opt.string('serve.listen', {
    help:
      'where to take calls: [udp:|tcp:|tls:]ADDR:PORT, comma-separated (default --sip-address and --sip-port; ' +
      'with --tls-cert, TLS on --tls-port unless a tls: entry is given)',
    flag: 'listen',
    argName: 'addr:port',
    commands: ['serve'],
  }),
  opt.int('serve.capacity', {
    help: 'most calls at once; beyond it new calls get 503 Service Unavailable with Retry-After',
    default: 500,
    min: 1,
    max: 100_000,
    flag: 'capacity',
    argName: 'calls',
    commands: ['serve'],
  }),
  opt.int('serve.workers', {
    help:
      "media worker threads: each call's media and app run in one of them (the one with the fewest calls) while " +
      'SIP stays on the main thread (a conference room on one worker); 0: one per core; 1: everything on one ' +
      "thread (calls on workers transfer and follow the other side's transfer)",
    default: 1,
    min: 0,
    max: 256,
    flag: 'workers',
    argName: 'n',
    commands: ['serve'],
  }),
  opt.duration('serve.retry-after', {
    help: 'the Retry-After of a 503 sent beyond --capacity',
    unit: 's',
    default: 10_000,
    min: 1000,
    max: 86_400_000,
    flag: 'retry-after',
    commands: ['serve'],
  }),
  opt.duration('serve.drain-timeout', {
    help:
      'on the first SIGTERM or Ctrl-C, let the calls up finish by themselves for at most this long, answering ' +
      'new INVITEs and OPTIONS 503 (behind a load balancer: it moves new calls to the other nodes); ' +
      '0: end them at once',
    unit: 's',
    default: 0,
    min: 0,
    max: 86_400_000,
    flag: 'drain-timeout',
    commands: ['serve'],
  }),
  opt.duration('serve.max-call-duration', {
    help: 'end any call an app still holds after this long (a stuck app never holds a call forever)',
    unit: 's',
    default: 3_600_000,
    min: 1000,
    max: 86_400_000,
    flag: 'max-call-duration',
    commands: ['serve'],
  }),
  opt.string('serve.say', {
    help: 'text the announce app speaks (text to speech with espeak-ng or flite) when --play is not given',
    flag: 'say',
    argName: 'text',
    commands: ['serve'],
  }),
  opt.duration('smoke.duration', {
    help: 'how long the test signal is sent (one probe a second)',
    unit: 's',
    default: 10_000,
    min: 2000,
    max: 3_600_000,
    flag: 'duration',
    commands: ['smoke'],
  }),
  opt.duration('demo.duration', {
    help: "how long the demo's test signal is sent (one probe a second)",
    unit: 's',
    default: 5_000,
    min: 2000,
    max: 3_600_000,
    flag: 'duration',
    commands: ['demo'],
  }),
  opt.int('smoke.calls', {
    help:
      'smoke calls placed at once (load mode beyond 1): each measured as one smoke call, the thresholds applied to ' +
      'every call; per-call quality percentiles, one JUnit test case per call',
    default: 1,
    min: 1,
    max: 10_000,
    flag: 'calls',
    argName: 'n',
    commands: ['smoke'],
  }),
  opt.string('smoke.rate', {
    help: 'in load mode, place at most this many calls per second (default: all at once)',
    flag: 'rate',
    argName: 'per-second',
    commands: ['smoke'],
    validate: (v) => {
      const n = Number(v);
      return v.trim() !== '' && Number.isFinite(n) && n > 0 && n <= 10_000
        ? undefined
        : 'must be a number of calls per second above 0 (at most 10000)';
    },
  }),
  opt.int('smoke.workers', {
    help:
      'in load mode, worker threads the calls are spread over (each its own SIP port and media clock); 0: one per ' +
      'core',
    default: 1,
    min: 0,
    max: 256,
    flag: 'workers',
    argName: 'n',
    commands: ['smoke'],
  }),
  opt.string('smoke.max-loss', {
    help: 'fail when more than this percentage of packets is lost (both ways together; with --calls: on any call)',
    default: '1',
    flag: 'max-loss',
    argName: 'percent',
    commands: ['smoke', 'demo'],
    validate: percent,
  }),
  opt.duration('smoke.max-latency', {
    help: 'fail when the round-trip audio latency is longer (with --calls: on any call)',
    unit: 'ms',
    default: 400,
    min: 1,
    max: 60_000,
    flag: 'max-latency',
    commands: ['smoke', 'demo'],
  }),
  opt.string('smoke.min-mos', {
    help: 'fail when the estimated MOS (ITU-T G.107 E-model) is lower (with --calls: on any call)',
    default: '3.5',
    flag: 'min-mos',
    argName: 'mos',
    commands: ['smoke', 'demo'],
    validate: (v) => {
      const n = Number(v);
      return v.trim() !== '' && n >= 1 && n <= 4.5 ? undefined : 'must be a MOS from 1 to 4.5';
    },
  }),
  opt.string('smoke.junit', {
    help: 'also write the result as a JUnit XML report to this file',
    flag: 'junit',
    argName: 'file',
    ini: false,
    commands: ['smoke', 'demo'],
  }),
] as const;
