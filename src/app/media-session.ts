/**
 * One call's media on the media clock: an RTP session on its sockets, the
 * negotiated codec, the jitter buffer, packet loss concealment, RFC 4733 and
 * in-band DTMF, an audio source and sink, and taps on the received audio
 * (recording, detectors, the smoke analyser).
 *
 * Theory of operation. In `media` mode every 20 ms tick of the shared media
 * scheduler does, in this order:
 * 1. send: read a frame from the source (silence when none, or when it has
 *    ended), lay queued in-band DTMF tones over it, encode it, and give it
 *    to the RTP session (which sends an RFC 4733 event instead while a digit
 *    is being sent);
 * 2. hear: pull playout units from the jitter buffer until a frame is full
 *    (units may be longer than a frame: 30 ms packets), decode or conceal
 *    (PLC) each, then write the frame to the sink and to every tap.
 * Buffers are allocated once; a tick of 20 ms packets allocates nothing
 * here (the RTP layer builds each packet).
 *
 * In `reflect` mode (an echo service) there is no tick: the RTP session
 * (its `reflect` option) sends each accepted packet straight back,
 * re-originated, audio and RFC 4733 events alike, so the echo adds no delay
 * and decodes nothing; a plain audio packet of the current source costs no
 * packet object and no event on the way.
 */
import { TypedEmitter } from '../util/emitter.js';
import { AUDIO_RATE, FRAME_SAMPLES, type AudioSink, type AudioSource } from '../audio/device.js';
import { FrameResampler, rateOf } from '../audio/frame-resampler.js';
import { DtmfDetector } from '../audio/dsp/dtmf-detector.js';
import { DtmfGenerator } from '../audio/dsp/dtmf-generator.js';
import type { Codec, FrameDecoder, FrameEncoder } from '../codecs/codec.js';
import { registry } from '../codecs/registry.js';
import type { MediaStream, MediaTick } from '../rtp/media-scheduler.js';
import { PacketLossConcealer } from '../rtp/plc.js';
import { RtpSession } from '../rtp/rtp-session.js';
import { RtpLink } from '../net/rtp-link.js';
import type { MediaDirection, RtpSessionEvent, RtpSessionOptions, TransportAddress } from '../rtp/rtp-session-types.js';
import type { JitterBuffer, PlayoutFrame } from '../rtp/jitter-buffer.js';
import { rtpSessionOptions, type NegotiatedMedia } from '../sdp/offer-answer.js';
import { silentLogger, type Logger } from '../log/logger.js';
import { CallStateError } from './errors.js';
import type { MediaPlatform } from './media-platform.js';
import type { RtpChannel } from '../rtp/rtp-channel.js';
import { SrtpChannel } from '../rtp/srtp/srtp-channel.js';
import { SrtpSession, type SrtpStats } from '../rtp/srtp/srtp-session.js';
import { SRTP_SUITES } from '../rtp/srtp/srtp-suites.js';
import { DEFAULT_REPLAY_WINDOW } from '../rtp/srtp/srtp-replay.js';

/** Samples in a 20 ms frame at 8 kHz: what taps, detectors and a conference room take. */
export const FRAME = FRAME_SAMPLES;
/** The longest playout unit handled, ms; longer packets are concealed. */
const MAX_UNIT_MS = 240;
/** A frame quieter than this RMS (about -50 dBFS) is where the jitter buffer may drop or stretch unheard. */
const QUIET_RMS = 100;

/** The parts of an RTP session the options and the call decide. */
export type MediaRtpOptions = Partial<
  Pick<
    RtpSessionOptions,
    | 'symmetric'
    | 'latch'
    | 'rtcpIntervalMs'
    | 'rtpTimeoutMs'
    | 'jitterBuffer'
    | 'dtmf'
    | 'dtmfReceiver'
    | 'random'
    | 'ssrc'
    | 'cname'
  >
>;

export interface MediaSessionOptions {
  readonly negotiated: NegotiatedMedia;
  readonly channel: RtpChannel;
  readonly platform: MediaPlatform;
  readonly rtp?: MediaRtpOptions;
  /** `media` (default): source, sink, taps on the media clock. `reflect`: echo every packet back at once. */
  readonly mode?: 'media' | 'reflect';
  /**
   * Look for DTMF tones in the received audio: always, never, or until RFC
   * 4733 events arrive (`until-rfc4733`: a peer that sends events is heard
   * by them, one that sends tones although it offered events by its tones).
   */
  readonly detectInbandDtmf?: boolean | 'until-rfc4733';
  /**
   * Send only to where the peer's own packets come from until `confirm()`
   * (the callee before the ACK of its 2xx: the SDP address is not vouched
   * for yet). Default false.
   */
  readonly unconfirmed?: boolean;
  /** The replay window of SRTP streams received, packets (default 64; a peer's larger `WSH=` wins). */
  readonly srtpReplayWindow?: number;
  readonly log?: Logger;
}

export type MediaSessionEvents = {
  /** A key arrived as RFC 4733 events or as tones in the audio. */
  dtmf: [digit: string, durationMs: number, how: 'rfc4733' | 'inband'];
  /** The source ran out (a file ended); silence is sent from now on. */
  'source-end': [source: AudioSource];
  /** No RTP arrived for the RTP timeout while receiving. */
  'rtp-timeout': [silentMs: number];
  /** The peer's RTCP BYE. */
  'rtcp-bye': [reason: string | undefined];
  /** An RTCP report about our stream arrived (`remoteLoss` holds what it said), with the round-trip time it gave. */
  report: [rttMs: number | undefined];
};

/**
 * A listener on received audio: `frame` is reused, copy what you keep. At
 * 8 kHz (160 samples, resampled down from a wideband call) unless added
 * with `addTap(tap, 'call')`: then at the call's rate (`MediaSession.rate`).
 */
export type AudioTap = (frame: Int16Array) => void;

/**
 * A media session driven from outside (a conference room's tick) instead
 * of by its own tick: `media.borrow()`.
 */
export interface MediaPort {
  /** The codec the session sends with: a payload given to `send` must be of it (and only for an 8 kHz codec). */
  readonly codec: Codec;
  /**
   * The next 20 ms received (decoded, or concealed by the session's PLC)
   * into `frame` (160 samples, 8 kHz: a wideband call is resampled down,
   * once); the sink, the taps and in-band DTMF detection see it as on the
   * session's own tick. Silence once the session is closed.
   */
  receive(frame: Int16Array, now: number): void;
  /**
   * Send 20 ms: `payload` as it is when given (encoded with `codec` once
   * for several sessions; ignored in a wideband call, whose codec does not
   * take 8 kHz frames), else `frame` (8 kHz) encoded by the session. In-band
   * DTMF being sent goes over `frame` and is encoded here. Nothing once
   * the session is closed.
   */
  send(frame: Int16Array, payload: Uint8Array | undefined): void;
  /** Give the tick back: the session ticks on its own again (reading its source), unless closed. */
  release(): void;
}

/**
 * @example
 * const media = new MediaSession({ negotiated, channel, platform });
 * media.source = await openSource('tone:440');
 * media.addTap((frame) => detector.process(frame));
 * media.on('dtmf', (digit) => console.log(digit));
 * media.start();
 * await media.sendDtmf('12#', 'rfc4733');
 * await media.close();
 */
export class MediaSession extends TypedEmitter<MediaSessionEvents> {
  readonly session: RtpSession;
  /** The codec we send with. */
  readonly codec: Codec;
  readonly mode: 'media' | 'reflect';
  /** The call's audio rate: its codec's PCM rate (8000, or 16000 for G.722 and Opus). */
  readonly rate: number;
  /**
   * Frames decoded, concealed and played as silence (the `hear` half);
   * `recovered`: lost frames rebuilt from the next packet's in-band FEC (Opus);
   * `stretched`: of the concealed, those the jitter buffer inserted to grow
   * its delay (in speech: a pause grown is played as silence);
   * `dropped`: frames of the far end the jitter buffer dropped unplayed (to
   * cut its delay, on overflow); `underrunLost`/`underrunInserted`: silence
   * played in an underrun that the stream's return showed to be a loss, 20
   * ms frames standing in for media skipped / inserted before the media
   * that came back (a stall). Each counts when it is known: a drop before
   * the frame it precedes is heard, an underrun when the stream is back.
   */
  readonly played = {
    audio: 0,
    concealed: 0,
    silence: 0,
    recovered: 0,
    stretched: 0,
    dropped: 0,
    underrunLost: 0,
    underrunInserted: 0,
  };
  /** The jitter buffer's counts last seen (`played.dropped`, the underruns), and which buffer. */
  private seenJb: { jb: JitterBuffer | undefined; dropped: number; lost: number; inserted: number } = {
    jb: undefined,
    dropped: 0,
    lost: 0,
    inserted: 0,
  };
  /** Packets the peer said it lost and what we had sent when it said so (RTCP). */
  remoteLoss: { readonly lost: number; readonly sent: number } | undefined;

  private readonly negotiated: NegotiatedMedia;
  private readonly platform: MediaPlatform;
  private readonly log: Logger;
  private readonly link: RtpLink;
  /** SRTP (RFC 3711) when the negotiation agreed it: protects and checks at the channel. */
  readonly srtp: SrtpSession | undefined;
  private readonly srtpChannel: SrtpChannel | undefined;
  private readonly encoder: FrameEncoder;
  private readonly decoders = new Map<number, { codec: Codec; decoder: FrameDecoder } | null>();
  private readonly quietDecoders = new Map<number, FrameDecoder | null>();
  private quietScratch = new Int16Array(0);
  /** G.711 Appendix I concealment at the call's rate, for codecs without their own (all but Opus). */
  private readonly plc: PacketLossConcealer;
  /** PCM samples per RTP timestamp unit (2 for G.722, 1/3 for Opus at 16 kHz, else 1). */
  private readonly pcmPerTick: number;
  /** The decoder that played last: it conceals a loss when it can (Opus). */
  private lastDecoder: FrameDecoder | undefined;
  private snk: AudioSink | undefined;
  /** Converters to and from devices and 8 kHz consumers of another rate (one per leg). */
  private srcAdapter: { readonly frame: Int16Array; readonly conv: FrameResampler } | undefined;
  private sinkAdapter: { readonly frame: Int16Array; readonly conv: FrameResampler } | undefined;
  private readonly down: FrameResampler | undefined;
  private readonly up: FrameResampler | undefined;
  private readonly rx8: Int16Array;
  private rx8Fresh = false;
  private readonly inbandOut: DtmfGenerator;
  private inbandIn: DtmfDetector | undefined;
  /** In-band detection stops once RFC 4733 events arrive. */
  private readonly inbandUntilEvents: boolean;
  /** The last key heard in-band (a peer's first RFC 4733 event may be the same key, heard twice). */
  private lastInband: { digit: string; at: number } | undefined;
  private src: AudioSource | undefined;
  private stream: MediaStream | undefined;
  private started = false;
  /** Driven by a `MediaPort` (a conference) instead of its own tick. */
  private borrowed = false;
  private closed = false;
  /** Copy-on-write: a tap may remove itself (or another) while the taps run. */
  private taps: readonly AudioTap[] = [];
  private callTaps: readonly AudioTap[] = [];
  private readonly dtmfWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];

  // Buffers, allocated once, at the call's rate.
  /** Samples in 20 ms at the call's rate. */
  private readonly frame: number;
  private readonly tx: Int16Array;
  private readonly txBuf: Uint8Array;
  private txPayload: Uint8Array;
  private readonly rx: Int16Array;
  private readonly zero: Int16Array;
  private readonly dec: Int16Array;
  private readonly unit: Int16Array;
  private readonly unitOut: Int16Array;
  private readonly fifo: Int16Array;
  private fifoLen = 0;

  constructor(opts: MediaSessionOptions) {
    super();
    this.negotiated = opts.negotiated;
    this.platform = opts.platform;
    this.log = opts.log ?? silentLogger;
    this.mode = opts.mode ?? 'media';
    const send = opts.negotiated.send;
    const codec = registry.byName(send.name, send.clockRate, send.channels ?? 1);
    if (!codec) throw new CallStateError(`no codec for the negotiated ${send.name}/${send.clockRate}`);
    this.codec = codec;
    this.encoder = codec.createEncoder(opts.negotiated.send.fmtp);
    this.rate = codec.sampleRate;
    this.pcmPerTick = codec.sampleRate / codec.clockRate;
    const frame = (this.frame = codec.samplesPerFrame);
    const maxUnit = (this.rate * MAX_UNIT_MS) / 1000;
    this.tx = new Int16Array(frame);
    this.rx = new Int16Array(frame);
    this.zero = new Int16Array(frame);
    this.dec = new Int16Array(frame);
    this.unit = new Int16Array(maxUnit);
    this.unitOut = new Int16Array(maxUnit);
    this.fifo = new Int16Array(frame + 8 * maxUnit);
    this.plc = new PacketLossConcealer(this.rate % 8000 === 0 && this.rate <= 48000 ? this.rate : AUDIO_RATE);
    this.down = this.rate === AUDIO_RATE ? undefined : new FrameResampler(this.rate, AUDIO_RATE);
    this.up = this.rate === AUDIO_RATE ? undefined : new FrameResampler(AUDIO_RATE, this.rate);
    this.rx8 = this.down ? new Int16Array(FRAME) : this.rx;
    this.txBuf = new Uint8Array(codec.bytesPerFrame);
    this.txPayload = this.txBuf;
    const rtp = opts.rtp ?? {};
    const jb = rtp.jitterBuffer;
    let channel = opts.channel;
    const agreed = opts.negotiated.srtp;
    if (agreed) {
      const keyLength = SRTP_SUITES[agreed.suite].keyLength;
      const split = (b: Uint8Array) => ({ key: b.subarray(0, keyLength), salt: b.subarray(keyLength) });
      this.srtp = new SrtpSession({
        suite: agreed.suite,
        local: split(agreed.local),
        remote: split(agreed.remote),
        replayWindow: Math.max(opts.srtpReplayWindow ?? DEFAULT_REPLAY_WINDOW, agreed.replayWindow ?? 0),
      });
      this.srtpChannel = channel = new SrtpChannel(opts.channel, this.srtp, opts.negotiated.rtcpMux, (from) =>
        this.log.warn(
          `SRTP: a packet from ${from.address}:${from.port} failed authentication (a wrong key?): ` +
            'dropped, as every such packet will be',
        ),
      );
    }
    this.session = new RtpSession({
      ...rtpSessionOptions(opts.negotiated),
      ...rtp,
      samplesPerFrame: codec.ticksPerFrame,
      ...(opts.unconfirmed ? { unconfirmed: true } : {}),
      wallClockOffsetMs: opts.platform.wallClockOffsetMs(),
      jitterBuffer:
        this.mode === 'reflect' || jb === false
          ? false
          : {
              ...(jb ?? {}),
              frameSamples: codec.ticksPerFrame,
              samplesOf: (payload: Uint8Array, pt: number) => this.samplesOf(payload, pt),
              // Delay changes go where they cannot be heard: quiet frames (or, forced, anywhere).
              isQuiet: (payload: Uint8Array, pt: number) => this.isQuiet(payload, pt),
            },
      ...(this.mode === 'reflect'
        ? { reflect: { samplesOf: this.reflectSamples(), inPlace: channel.ownDatagrams ?? false } }
        : {}),
    });
    const dtmf = rtp.dtmf ?? {};
    this.inbandOut = new DtmfGenerator({ toneMs: dtmf.durationMs ?? 100, pauseMs: dtmf.gapMs ?? 100, rate: this.rate });
    this.inbandIn = opts.detectInbandDtmf && this.mode === 'media' ? new DtmfDetector() : undefined;
    this.inbandUntilEvents = opts.detectInbandDtmf === 'until-rfc4733';
    this.link = new RtpLink(this.session, channel, {
      clock: opts.platform.clock,
      timers: opts.platform.timers,
      onEvent: (e) => this.onSessionEvent(e),
      onError: (err) => this.log.debug(`RTP socket: ${err.message}`),
      rtcpMux: opts.negotiated.rtcpMux,
    });
  }

  /**
   * What we send (undefined: silence). Setting it does not close the
   * previous one. A source that can (`follow`) is asked for the call's
   * rate; one of another rate is resampled to it.
   */
  get source(): AudioSource | undefined {
    return this.src;
  }
  set source(s: AudioSource | undefined) {
    this.src = s;
    if (s !== undefined && this.mode === 'media') {
      if (rateOf(s) !== this.rate) s.follow?.(this.rate);
      this.srcAdapter = this.adapter(rateOf(s), this.rate, this.srcAdapter);
    }
  }

  /**
   * Where received audio goes (besides the taps); written once per tick. A
   * sink that can (`follow`: a file not yet written, null) is asked for the
   * call's rate — `--record` keeps the call's own rate; one of another rate
   * is given the call resampled to it.
   */
  get sink(): AudioSink | undefined {
    return this.snk;
  }
  set sink(s: AudioSink | undefined) {
    this.snk = s;
    if (s !== undefined && this.mode === 'media') {
      if (rateOf(s) !== this.rate) s.follow?.(this.rate);
      this.sinkAdapter = this.adapter(this.rate, rateOf(s), this.sinkAdapter);
    }
  }

  /** A converter between `from` and `to`, reusing `had` when it is the same one; none when the rates agree. */
  private adapter(
    from: number,
    to: number,
    had: { readonly frame: Int16Array; readonly conv: FrameResampler } | undefined,
  ): { readonly frame: Int16Array; readonly conv: FrameResampler } | undefined {
    if (from === to) return undefined;
    if (had && had.conv.inputRate === from && had.conv.outputRate === to) return had;
    const other = from === this.rate ? to : from;
    return { frame: new Int16Array(other / 50), conv: new FrameResampler(from, to) };
  }

  /** Whether the peer negotiated RFC 4733 telephone-event. */
  get telephoneEvent(): boolean {
    return this.negotiated.telephoneEvent !== undefined;
  }

  /** Where our RTP goes now (`host:port`). */
  get peer(): string | undefined {
    const r = this.session.remote;
    return r ? `${r.address.includes(':') ? `[${r.address}]` : r.address}:${r.port}` : undefined;
  }

  /** Start ticking (media mode); reflect mode needs no tick. */
  start(): void {
    if (this.closed) throw new CallStateError('the media session is closed');
    this.started = true;
    if (this.mode === 'media' && !this.stream && !this.borrowed) this.stream = this.platform.scheduler.add(this.tick);
    // An echo has no tick, but its packets want the same promptness (after the answer is out: it may spawn chrt).
    if (this.mode === 'reflect' && this.platform.raisePriority) setImmediate(() => this.platform.raisePriority?.());
  }

  /**
   * The call is answered (we got the 2xx, or the ACK of ours arrived): the
   * peer's SDP address is vouched for, and the RTP timeout counts from now
   * whether or not a packet ever arrives.
   */
  answered(): void {
    if (this.closed) return;
    this.link.input((now) => {
      this.session.confirm();
      this.session.start(now);
    });
  }

  /**
   * Listen to every received frame, at 8 kHz (`narrow`, the default: what
   * the detectors and analysers take) or at the call's rate (`call`);
   * returns the function that stops it.
   */
  addTap(tap: AudioTap, at: 'narrow' | 'call' = 'narrow'): () => void {
    if (at === 'call' && this.down !== undefined) {
      this.callTaps = [...this.callTaps, tap];
      return () => {
        this.callTaps = this.callTaps.filter((t) => t !== tap);
      };
    }
    this.taps = [...this.taps, tap];
    return () => {
      this.taps = this.taps.filter((t) => t !== tap);
    };
  }

  /** New remote addresses and direction (a re-INVITE). */
  update(
    remoteRtp: TransportAddress | undefined,
    remoteRtcp: TransportAddress | undefined,
    direction: MediaDirection,
  ): void {
    this.link.input(() => {
      this.session.setRemote(remoteRtp, remoteRtcp);
      this.session.setDirection(direction);
    });
  }

  get direction(): MediaDirection {
    return this.session.direction;
  }

  /**
   * Send DTMF keys as RFC 4733 events or as in-band tones; resolves when the
   * last one has been sent.
   */
  sendDtmf(digits: string, how: 'rfc4733' | 'inband'): Promise<void> {
    if (this.closed) return Promise.reject(new CallStateError('the media session is closed'));
    if (this.mode !== 'media') return Promise.reject(new CallStateError('an echo session sends no DTMF of its own'));
    if (how === 'rfc4733') {
      if (!this.telephoneEvent)
        return Promise.reject(
          new CallStateError('the peer did not negotiate telephone-event: RFC 4733 DTMF cannot be sent'),
        );
      this.link.sendDtmf(digits);
    } else {
      this.inbandOut.send(digits);
    }
    return new Promise((resolve, reject) => this.dtmfWaiters.push({ resolve, reject }));
  }

  /**
   * Hand the tick to someone else — a conference room, whose one tick
   * receives, mixes and sends for all its participants — until `release()`.
   * The session stops ticking on its own (its source is not read
   * meanwhile); everything else (RTCP, DTMF events, the RTP timeout, the
   * sink and taps) goes on.
   *
   * @example
   * const port = call.media.borrow();
   * // each 20 ms: port.receive(frame, now); ...mix...; port.send(heard, sharedPayload);
   * port.release();
   */
  borrow(): MediaPort {
    if (this.closed) throw new CallStateError('the media session is closed');
    if (this.mode !== 'media') throw new CallStateError('an echo session cannot be mixed');
    if (this.borrowed) throw new CallStateError('the media session is already driven from outside');
    this.borrowed = true;
    this.stream?.stop();
    this.stream = undefined;
    let released = false;
    return {
      codec: this.codec,
      receive: (frame, now) => {
        if (this.closed || released) {
          frame.fill(0);
          return;
        }
        this.hearAndTell(now);
        frame.set(this.narrow());
      },
      send: (frame, payload) => {
        if (this.closed || released) return;
        if (this.up !== undefined) {
          // A wideband leg of an 8 kHz room: its own encoding, of the room's audio resampled once.
          this.up.convert(frame, this.tx);
          payload = undefined;
          frame = this.tx;
        }
        if (this.inbandOut.busy) {
          this.tx.set(frame);
          this.inbandOut.fill(this.tx);
          payload = undefined;
          frame = this.tx;
        }
        this.txPayload = payload ?? this.encoder.encode(frame, this.txBuf);
        this.link.sendFrame(this.txPayload, this.platform.clock.now());
        this.tellDtmfWaiters();
      },
      release: () => {
        if (released) return;
        released = true;
        this.borrowed = false;
        if (this.started && !this.closed && this.mode === 'media' && !this.stream)
          this.stream = this.platform.scheduler.add(this.tick);
      },
    };
  }

  /** Whether a conference (a `MediaPort`) drives the session now. */
  get isBorrowed(): boolean {
    return this.borrowed;
  }

  /** The media time of an echoed payload; a stream's packets are all alike, so the last answer is kept. */
  private reflectSamples(): (pt: number, bytes: number) => number {
    let lastPt = -1;
    let lastBytes = -1;
    let last = this.codec.ticksPerFrame;
    return (pt, bytes) => {
      if (pt !== lastPt || bytes !== lastBytes) {
        const d = this.decoderFor(pt);
        const pcm = d?.codec.payloadSamples(bytes);
        last = d && pcm !== undefined ? (pcm * d.codec.clockRate) / d.codec.sampleRate : this.codec.ticksPerFrame;
        lastPt = pt;
        lastBytes = bytes;
      }
      return last;
    };
  }

  /**
   * Whether a payload is quiet (RMS below `QUIET_RMS`): measured from the
   * bytes when the codec can (G.711), else decoded by a decoder of its own
   * (a stateful codec's — GSM, Opus — playout decoder must see its frames in
   * order). Asked for every frame played (the jitter buffer counts quiet
   * frames in a row to know a pause).
   */
  private isQuiet(payload: Uint8Array, pt: number): boolean {
    // G.711: the power straight from the bytes (a table of squares), no decoding.
    const meanSquare = this.decoderFor(pt)?.codec.meanSquare;
    if (meanSquare !== undefined) return meanSquare(payload) < QUIET_RMS * QUIET_RMS;
    let q = this.quietDecoders.get(pt);
    if (q === undefined) {
      const d = this.decoderFor(pt);
      q = d ? d.codec.createDecoder() : null;
      this.quietDecoders.set(pt, q);
    }
    if (!q) return true;
    // Into a buffer of the frame's length, kept between frames: this runs for every frame played.
    const n = this.decoderFor(pt)?.codec.payloadSamples(payload.length);
    if (n !== undefined && this.quietScratch.length !== n) this.quietScratch = new Int16Array(n);
    let pcm: Int16Array;
    try {
      pcm = n === undefined ? q.decode(payload) : q.decode(payload, this.quietScratch);
    } catch {
      return true;
    }
    let sum = 0;
    for (let i = 0; i < pcm.length; i++) sum += pcm[i]! * pcm[i]!;
    return pcm.length === 0 || sum / pcm.length < QUIET_RMS * QUIET_RMS;
  }

  /** RTP timestamp units `payload` spans (the jitter buffer's unit). */
  private samplesOf(payload: Uint8Array, pt: number): number {
    const d = this.decoderFor(pt);
    if (d === undefined) return this.codec.ticksPerFrame;
    const c = d.codec;
    const pcm = c.payloadSamples(payload.length) ?? c.samplesIn(payload);
    return pcm === undefined ? c.ticksPerFrame : (pcm * c.clockRate) / c.sampleRate;
  }

  private decoderFor(pt: number): { codec: Codec; decoder: FrameDecoder } | undefined {
    let d = this.decoders.get(pt);
    if (d === undefined) {
      const f = this.negotiated.receive.get(pt);
      const codec = f ? registry.byName(f.name, f.clockRate, f.channels ?? 1) : undefined;
      d = codec ? { codec, decoder: codec.createDecoder() } : null;
      this.decoders.set(pt, d);
    }
    return d ?? undefined;
  }

  private onSessionEvent(e: RtpSessionEvent): void {
    switch (e.type) {
      case 'rtp':
        // Only with `emitPackets` (not set here): a reflecting session echoes every packet itself.
        return;
      case 'dtmf': {
        if (this.inbandUntilEvents && this.inbandIn !== undefined) {
          // The peer sends RFC 4733 events: listen to them only from now on. The key that made it do so
          // may have been heard in its tones a moment ago: that is one key, not two.
          this.inbandIn = undefined;
          const last = this.lastInband;
          if (last && last.digit === e.event.digit && this.platform.clock.now() - last.at < 1000) return;
        }
        this.emit('dtmf', e.event.digit, e.event.durationMs, 'rfc4733');
        return;
      }
      case 'timeout':
        this.emit('rtp-timeout', e.silentMs);
        return;
      case 'bye':
        this.emit('rtcp-bye', e.reason);
        return;
      case 'report':
        if (e.remote) this.remoteLoss = { lost: e.remote.cumulativeLost, sent: this.session.stats().sent.packets };
        this.emit('report', e.rttMs);
        return;
      case 'source':
        if (e.previous !== undefined) this.plc.reset();
        this.log.debug(
          `RTP ${e.kind} source ${e.ssrc.toString(16)}` +
            (e.previous !== undefined ? ` replaced ${e.previous.toString(16)}` : ''),
        );
        return;
      case 'latched':
        this.log.debug(`RTP ${e.channel} latched to ${e.address.address}:${e.address.port}`);
        return;
    }
  }

  private readonly tick = (t: MediaTick): void => {
    if (this.closed) return;
    const now = t.now;
    // 1. What we send.
    const f = this.tx;
    const src = this.src;
    let ended: AudioSource | undefined;
    if (src === undefined) f.set(this.zero);
    else {
      const a = this.srcAdapter;
      if (!src.read(a === undefined ? f : a.frame)) {
        ended = src;
        this.src = undefined;
      }
      if (a !== undefined) a.conv.convert(a.frame, f);
    }
    if (this.inbandOut.busy) this.inbandOut.fill(f);
    this.txPayload = this.encoder.encode(f, this.txBuf);
    this.link.sendFrame(this.txPayload, this.platform.clock.now());
    // 2. What we hear.
    this.hearAndTell(now);
    // 3. Tell who waits.
    if (ended !== undefined) this.emit('source-end', ended);
    this.tellDtmfWaiters();
  };

  /** The next frame into `rx`, then to the sink, the taps and the in-band DTMF detector. */
  private hearAndTell(now: number): void {
    this.hear(now);
    this.rx8Fresh = false;
    const rx = this.rx;
    const sink = this.snk;
    if (sink !== undefined) {
      try {
        const a = this.sinkAdapter;
        if (a === undefined) sink.write(rx);
        else {
          a.conv.convert(rx, a.frame);
          sink.write(a.frame);
        }
      } catch (err) {
        this.log.error(`cannot write received audio to ${sink.uri}: ${(err as Error).message}`);
        this.snk = undefined;
      }
    }
    const wide = this.callTaps;
    for (let i = 0; i < wide.length; i++) wide[i]!(rx);
    const taps = this.taps;
    if (taps.length > 0) {
      const rx8 = this.narrow();
      for (let i = 0; i < taps.length; i++) taps[i]!(rx8);
    }
    const det = this.inbandIn;
    if (det !== undefined) {
      det.process(this.narrow());
      for (let e = det.pollEvent(); e; e = det.pollEvent()) {
        if (e.type !== 'end') continue;
        if (this.inbandUntilEvents) this.lastInband = { digit: e.digit, at: this.platform.clock.now() };
        this.emit('dtmf', e.digit, Math.round((e.duration ?? 0) / 8), 'inband');
      }
    }
  }

  /** The frame just heard at 8 kHz (resampled once per tick, when someone wants it). */
  private narrow(): Int16Array {
    if (this.down !== undefined && !this.rx8Fresh) {
      this.down.convert(this.rx, this.rx8);
      this.rx8Fresh = true;
    }
    return this.rx8;
  }

  /** DTMF sent to its end: whoever waits for it is told. */
  private tellDtmfWaiters(): void {
    if (this.dtmfWaiters.length > 0 && !this.inbandOut.busy && this.session.dtmfSender.pending === 0) {
      for (const w of this.dtmfWaiters.splice(0)) w.resolve();
    }
  }

  /** Fill `rx` with the next 20 ms of received audio (units from the jitter buffer are in RTP timestamp units). */
  private hear(now: number): void {
    const jb = this.session.jitterBuffer;
    if (jb === undefined) {
      this.rx.set(this.zero);
      return;
    }
    const frame = this.frame;
    if (this.fifoLen === 0) {
      const u = jb.pull(now, 0);
      // The usual case: one 20 ms packet per frame, straight into `rx`.
      if (u.samples === this.codec.ticksPerFrame) {
        this.produce(u, this.rx, this.dec);
        this.noteSkips(jb);
        return;
      }
      this.push(u);
    }
    for (let guard = 0; this.fifoLen < frame && guard < 8; guard++) {
      const u = jb.pull(now, Math.round(this.fifoLen / this.pcmPerTick));
      if (!(u.samples > 0)) break;
      this.push(u);
    }
    if (this.fifoLen < frame) {
      this.fifo.fill(0, this.fifoLen, frame);
      this.fifoLen = frame;
    }
    this.rx.set(this.fifo.subarray(0, frame));
    this.fifo.copyWithin(0, frame, this.fifoLen);
    this.fifoLen -= frame;
    this.noteSkips(jb);
  }

  /** What the jitter buffer skipped or found to be an underrun's loss since the last frame, into `played`. */
  private noteSkips(jb: JitterBuffer): void {
    const seen = this.seenJb;
    if (seen.jb !== jb) {
      // Another buffer (a new stream): its counts start from here.
      seen.jb = jb;
      seen.dropped = jb.droppedFrames;
      seen.lost = jb.underrunLost;
      seen.inserted = jb.underrunInserted;
      return;
    }
    if (jb.droppedFrames !== seen.dropped) {
      this.played.dropped += jb.droppedFrames - seen.dropped;
      seen.dropped = jb.droppedFrames;
    }
    const tpf = this.codec.ticksPerFrame;
    if (jb.underrunLost !== seen.lost || jb.underrunInserted !== seen.inserted) {
      this.played.underrunLost += Math.round((jb.underrunLost - seen.lost) / tpf);
      this.played.underrunInserted += Math.round((jb.underrunInserted - seen.inserted) / tpf);
      seen.lost = jb.underrunLost;
      seen.inserted = jb.underrunInserted;
    }
  }

  private push(u: PlayoutFrame): void {
    const n = Math.min(Math.round(u.samples * this.pcmPerTick), this.unit.length, this.fifo.length - this.fifoLen);
    if (n <= 0) return;
    this.produce(u, this.unitOut.subarray(0, n), this.unit.subarray(0, n));
    this.fifo.set(this.unitOut.subarray(0, n), this.fifoLen);
    this.fifoLen += n;
  }

  /**
   * One playout unit into `out` (decode, conceal or silence); `scratch` is
   * as long as `out`. A lost frame is rebuilt from the next packet's in-band
   * FEC when the decoder has it and that packet is here (Opus), else
   * concealed by the decoder's own PLC (Opus) or by G.711 Appendix I.
   */
  private produce(u: PlayoutFrame, out: Int16Array, scratch: Int16Array): void {
    const n = out.length;
    const plc = n % this.plc.block10ms === 0;
    if (u.kind === 'audio') {
      const d = this.decoderFor(u.packet.payloadType);
      const payload = u.packet.payload;
      const samples =
        d === undefined ? undefined : (d.codec.payloadSamples(payload.length) ?? d.codec.samplesIn(payload));
      if (d !== undefined && samples === n) {
        try {
          d.decoder.decode(payload, scratch);
          this.lastDecoder = d.decoder;
          if (plc && d.decoder.conceal === undefined) this.plc.good(scratch, out);
          else out.set(scratch);
          this.played.audio++;
          return;
        } catch {
          // A frame the codec refuses: conceal it like a lost one.
        }
      }
    } else if (u.kind === 'silence' || u.inPause === true) {
      // Silence, or a frame the jitter buffer inserts in a pause to grow its delay (quiet either way).
      scratch.fill(0);
      if (plc && this.lastDecoder?.conceal === undefined) this.plc.good(scratch, out);
      else out.fill(0);
      this.played.silence++;
      return;
    }
    if (u.kind === 'conceal' && u.reason === 'stretch') this.played.stretched++;
    const own = this.lastDecoder;
    if (own?.conceal !== undefined) {
      try {
        const next = u.kind === 'conceal' && u.reason === 'lost' ? this.session.jitterBuffer?.peekNext() : undefined;
        if (next !== undefined && own.decodeFec !== undefined && this.decoders.get(next.payloadType)?.decoder === own) {
          own.decodeFec(next.payload, n, out);
          this.played.recovered++;
        } else own.conceal(n, out);
        this.played.concealed++;
        return;
      } catch {
        // A length the decoder cannot conceal: the generic concealment below.
      }
    }
    if (plc) this.plc.conceal(n, out);
    else out.fill(0);
    this.played.concealed++;
  }

  /**
   * Stop the tick and send the RTCP BYE (after `lingerMs`, to hear the
   * peer's last report), then let go of the channel. Nothing it borrowed is
   * closed: the channel, the source and the sink belong to whoever gave
   * them (the call closes its sockets after this).
   */
  async close(reason?: string, lingerMs = 0): Promise<void> {
    if (this.closed) return;
    this.stream?.stop();
    this.stream = undefined;
    if (lingerMs > 0) await new Promise<void>((r) => this.platform.timers.setTimer(lingerMs, r));
    this.closed = true;
    this.link.close(reason);
    this.srtpChannel?.detach();
    for (const w of this.dtmfWaiters.splice(0))
      w.reject(new CallStateError('the media session closed before the DTMF was sent'));
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** What SRTP did (packets protected, checked, dropped), when the call uses it. */
  srtpStats(): SrtpStats | undefined {
    return this.srtp?.stats();
  }
}
