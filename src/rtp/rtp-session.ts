/**
 * An RTP session as a sans-I/O core (RFC 3550): one local source sending
 * audio and RFC 4733 events, the peer's source received into a jitter buffer
 * and a DTMF receiver, RTCP reports (`rtcp-reporter.ts`), symmetric RTP
 * (RFC 4961) and rtcp-mux (RFC 5761).
 *
 * Inputs: `handleDatagram(bytes, from, now, channel)`, `handleTimeout(now)`,
 * `start(now)`, `sendFrame(payload, now)` once per packet time,
 * `sendDtmf(digits)`, `confirm()`, `close(now)`. Outputs: `pollTransmit()`,
 * `pollEvent()`, `pollTimeout()`. With the `reflect` option it is an echo:
 * every accepted packet goes straight back re-originated
 * (`rtp-reflector.ts`). It never reads a clock or touches a socket
 * (`src/net/rtp-link.ts` joins it to its channel).
 */
import { randomInt } from 'node:crypto';
import { DtmfReceiver } from './dtmf-receiver.js';
import { DtmfSender } from './dtmf-sender.js';
import { MediaStateError, RtpParseError } from './errors.js';
import { JitterBuffer } from './jitter-buffer.js';
import { RtcpReporter } from './rtcp-reporter.js';
import { RtpLatch } from './rtp-latch.js';
import type { RtcpPacket } from './rtcp-types.js';
import { isRtcpPacket, parseRtp, type RtpPacket } from './rtp-packet.js';
import { formatAddress, RtpReceiver } from './rtp-receiver.js';
import { RtpReflector } from './rtp-reflector.js';
import { RtpSender } from './rtp-sender.js';
import type {
  MediaDirection,
  PayloadKind,
  RtpActivity,
  RtpRoute,
  RtpSessionEvent,
  RtpSessionOptions,
  RtpSessionStats,
  RtpTransmit,
  TransportAddress,
} from './rtp-session-types.js';

const cryptoRandom = () => randomInt(0, 0x1000000) / 0x1000000;

/**
 * @example
 * const s = new RtpSession({ remoteRtp: { address: '192.0.2.7', port: 4000 }, payloadType: 0, clockRate: 8000,
 *   telephoneEventPayloadType: 101 });
 * // per 20 ms tick:   s.sendFrame(encodeUlaw(pcm), now); then drain s.pollTransmit()
 * // per datagram:     s.handleDatagram(bytes, from, now, 'rtp')
 * // per playout tick: const f = s.jitterBuffer!.pull(now)
 */
export class RtpSession {
  readonly ssrc: number;
  readonly cname: string;
  readonly jitterBuffer: JitterBuffer | undefined;
  readonly dtmfSender: DtmfSender;
  readonly dtmfReceiver: DtmfReceiver;
  /** RTP and RTCP on one port (RFC 5761). */
  readonly rtcpMux: boolean;

  private readonly opts: RtpSessionOptions;
  private readonly random: () => number;
  private readonly sender: RtpSender;
  private readonly receiver: RtpReceiver;
  private readonly rtcp: RtcpReporter;
  /** Re-originates echoed packets: every accepted one with the `reflect` option, or what `relay` is given. */
  private readonly reflector: RtpReflector;
  /** The `reflect` option: echo every accepted packet. */
  private readonly reflecting: boolean;
  /** Whether the hot path may take a datagram (reflect mode, no jitter buffer, no packet events). */
  private readonly reflectFast: boolean;
  private readonly frameSamples: number;
  private readonly symmetric: boolean;
  private remoteRtp: TransportAddress | undefined;
  private remoteRtcp: TransportAddress | undefined;
  private dir: MediaDirection;
  private confirmed: boolean;
  /** Unconfirmed, the one packet that opens our NAT's mapping towards the SDP address went out. */
  private opened = false;
  private readonly route: RtpRoute = { to: undefined, sending: true };
  private readonly activity: RtpActivity = {
    lastRtpAt: 0,
    heard: false,
    timedOut: false,
    remoteSentSince: false,
    weSentSince: false,
  };
  private readonly transmits: RtpTransmit[] = [];
  private readonly events: RtpSessionEvent[] = [];
  private closed = false;
  private readonly rtpTimeout: number;
  private startedAt: number | undefined;
  private malformed = 0;

  constructor(opts: RtpSessionOptions) {
    this.opts = opts;
    this.random = opts.random ?? cryptoRandom;
    this.ssrc = opts.ssrc ?? Math.floor(this.random() * 0x100000000) >>> 0;
    this.cname =
      opts.cname ??
      `shtoom@${Math.floor(this.random() * 0x100000000)
        .toString(16)
        .padStart(8, '0')}`;
    this.frameSamples = opts.samplesPerFrame ?? Math.round(opts.clockRate / 50);
    this.rtcpMux = opts.rtcpMux ?? false;
    this.symmetric = opts.symmetric ?? true;
    this.dir = opts.direction ?? 'sendrecv';
    this.confirmed = !(opts.unconfirmed ?? false);
    this.sender = new RtpSender(this.ssrc, opts.clockRate, this.random);
    const types = new Map<number, PayloadKind>(opts.receivePayloadTypes ?? [[opts.payloadType, 'audio']]);
    if (opts.telephoneEventPayloadType !== undefined && !types.has(opts.telephoneEventPayloadType))
      types.set(opts.telephoneEventPayloadType, 'telephone-event');
    for (const pt of types.keys())
      if (pt >= 64 && pt <= 95 && this.rtcpMux)
        // RFC 5761 4: payload types 64-95 collide with RTCP packet types on a multiplexed port.
        throw new MediaStateError(`payload type ${pt} cannot be used with rtcp-mux (RFC 5761 4)`);
    const latch = new RtpLatch({ ...opts.latch, ...(this.symmetric ? {} : { mode: 'off' as const }) }, opts.remoteRtp);
    this.receiver = new RtpReceiver(types, opts.clockRate, latch, opts.remoteRtp);
    this.setRemote(opts.remoteRtp, opts.remoteRtcp);
    this.setDirection(this.dir);
    this.jitterBuffer =
      opts.jitterBuffer === false
        ? undefined
        : new JitterBuffer({ clockRate: opts.clockRate, frameSamples: this.frameSamples, ...opts.jitterBuffer });
    this.dtmfSender = new DtmfSender({
      clockRate: opts.clockRate,
      packetTimeMs: (this.frameSamples * 1000) / opts.clockRate,
      ...opts.dtmf,
    });
    this.dtmfReceiver = new DtmfReceiver({ clockRate: opts.clockRate, ...opts.dtmfReceiver });
    this.rtcp = new RtcpReporter(
      {
        ssrc: this.ssrc,
        cname: this.cname,
        clockRate: opts.clockRate,
        minIntervalMs: opts.rtcpIntervalMs ?? 5000,
        bandwidth: opts.rtcpBandwidth ?? 500,
        wallClockOffsetMs: opts.wallClockOffsetMs ?? 0,
        symmetric: this.symmetric,
        random: this.random,
      },
      this.sender,
      this.receiver,
      this.activity,
    );
    this.rtpTimeout = opts.rtpTimeoutMs ?? 0;
    this.reflecting = opts.reflect !== undefined;
    this.reflector = new RtpReflector(
      opts.reflect ?? { samplesOf: () => this.frameSamples },
      this.sender,
      this.receiver,
      this.route,
      this.activity,
      this.transmits,
    );
    this.reflectFast = this.reflecting && this.jitterBuffer === undefined && !opts.emitPackets;
  }

  /** Where RTP goes now: the latched address, else the SDP address (only the latched one until confirmed). */
  get remote(): TransportAddress | undefined {
    return this.route.to;
  }

  get direction(): MediaDirection {
    return this.dir;
  }

  /** The RTP timestamp of the next packet time (what `sendFrame` will use). */
  get timestamp(): number {
    return this.sender.timestamp;
  }

  /** Change the peer's addresses (a re-INVITE). */
  setRemote(rtp: TransportAddress | undefined, rtcp?: TransportAddress): void {
    this.remoteRtp = rtp;
    this.receiver.sdpAddress = rtp;
    this.remoteRtcp = rtcp ?? (rtp && (this.rtcpMux ? rtp : { address: rtp.address, port: rtp.port + 1 }));
    this.reroute();
  }

  /** Change direction (hold: `sendonly`/`inactive`; RTCP goes on). */
  setDirection(d: MediaDirection): void {
    this.dir = d;
    this.route.sending = d === 'sendrecv' || d === 'sendonly';
  }

  /**
   * The peer is vouched for (the ACK of our 2xx arrived): send to its SDP
   * address too from now on (see the `unconfirmed` option).
   */
  confirm(): void {
    this.confirmed = true;
    this.reroute();
  }

  /**
   * Unconfirmed and not latched: the first packet we send goes to the SDP
   * address once, and no other. Behind a NAT that filters by destination
   * (most do: Linux conntrack), our own packet is what lets the caller's
   * RTP in; the caller starts sending on our 2xx, and if its packets reach
   * our NAT before one of ours has gone out they are refused for good (the
   * mapping is taken). One packet per INVITE is no amplification; the
   * stream waits for the ACK or the caller's own packets.
   */
  private openingTarget(): TransportAddress | undefined {
    if (this.confirmed || this.opened || this.remoteRtp === undefined) return undefined;
    this.opened = true;
    return this.remoteRtp;
  }

  /** Where RTP goes: the latched address (symmetric RTP), else the SDP address once confirmed. */
  private reroute(): void {
    const latched = this.symmetric ? this.receiver.latched : undefined;
    this.route.to = latched ?? (this.confirmed ? this.remoteRtp : undefined);
  }

  private get receiving(): boolean {
    return this.dir === 'sendrecv' || this.dir === 'recvonly';
  }

  /**
   * The call is answered: the RTP timeout counts from now (or from the last
   * packet heard, when one arrives), whether or not a packet ever arrives,
   * and the RTCP interval runs.
   */
  start(now: number): void {
    if (this.closed) return;
    this.startedAt = now;
    this.activity.timedOut = false;
    this.rtcp.arm(now);
  }

  /** Queue RFC 4733 digits (0-9 * # A-D, F for flash). Needs a negotiated telephone-event payload type. */
  sendDtmf(digits: string): void {
    if (this.opts.telephoneEventPayloadType === undefined)
      throw new MediaStateError('the peer did not negotiate telephone-event: cannot send RFC 4733 DTMF');
    this.dtmfSender.send(digits);
  }

  /**
   * One packet time passes: send `payload` (an encoded frame), an RFC 4733
   * event in its place while a digit is being sent, or nothing for silence
   * (`undefined`: the next audio packet starts a talkspurt). Returns what was
   * sent.
   */
  sendFrame(payload: Uint8Array | undefined, now: number): 'audio' | 'event' | 'none' {
    if (this.closed) throw new MediaStateError('sendFrame on a closed RTP session');
    this.startedAt ??= now;
    this.rtcp.arm(now);
    let sent: 'audio' | 'event' | 'none' = 'none';
    const to = this.route.to ?? this.openingTarget();
    const sending = this.route.sending;
    const te = this.opts.telephoneEventPayloadType;
    const ev = te !== undefined ? this.dtmfSender.poll(this.sender.timestamp) : undefined;
    if (ev && te !== undefined) {
      if (sending && to) {
        this.transmits.push({
          data: this.sender.packet(te, ev.payload, { marker: ev.marker, timestamp: ev.timestamp, now, event: true }),
          to,
          channel: 'rtp',
        });
        if (ev.marker) this.sender.events++;
        this.activity.weSentSince = true;
        sent = 'event';
      }
    } else if (payload && !this.dtmfSender.active) {
      if (sending && to) {
        this.transmits.push({ data: this.sender.packet(this.opts.payloadType, payload, { now }), to, channel: 'rtp' });
        this.activity.weSentSince = true;
        sent = 'audio';
      }
    } else if (!payload) {
      this.sender.silence();
    }
    this.sender.advance(this.frameSamples, now);
    return sent;
  }

  /**
   * Echo a received packet back to the peer at once, re-originated (see
   * `rtp-reflector.ts`). `samples` is the media time the packet covers
   * (audio). Returns whether it was sent (not while we do not send, or have
   * nowhere to send to).
   */
  relay(p: RtpPacket, kind: PayloadKind, samples: number, now: number): boolean {
    if (this.closed) throw new MediaStateError('relay on a closed RTP session');
    this.startedAt ??= now;
    this.rtcp.arm(now);
    return this.reflector.relay(p, kind, samples, now);
  }

  /** A datagram arrived on the RTP socket (`rtp`) or the RTCP socket (`rtcp`). */
  handleDatagram(data: Uint8Array, from: TransportAddress, now: number, channel: 'rtp' | 'rtcp' = 'rtp'): void {
    if (this.closed) return;
    this.startedAt ??= now;
    this.rtcp.arm(now);
    // RFC 5761 4: on a multiplexed port, RTCP is told apart by its packet type.
    if (channel === 'rtcp' || (this.rtcpMux && isRtcpPacket(data))) this.rtcp.handle(data, from, now, this.events);
    else this.handleRtp(data, from, now);
  }

  /**
   * An echo's datagram for a driver that sends at once (`src/net/rtp-link.ts`):
   * when the session is settled — started, its RTCP interval running, RTP
   * heard and not timed out — and the datagram is a plain audio packet of the
   * current source, the reflected bytes to send to `remote` (null: taken, not
   * echoed). Nothing is queued and no deadline comes earlier (the RTP
   * timeout's only moves later), so the driver need not drain or re-arm.
   * Undefined, having changed nothing: give it to `handleDatagram`.
   */
  reflectDirect(data: Uint8Array, from: TransportAddress, now: number): Uint8Array | null | undefined {
    if (!this.reflectFast || this.closed || this.startedAt === undefined) return undefined;
    const a = this.activity;
    if (!a.heard || a.timedOut || (this.rtcp.deadline === undefined && this.rtcp.enabled)) return undefined;
    if (this.rtcpMux && isRtcpPacket(data)) return undefined;
    return this.reflector.plainOut(data, from, now);
  }

  private handleRtp(data: Uint8Array, from: TransportAddress, now: number): void {
    if (this.reflectFast && this.reflector.reflectPlain(data, from, now)) return;
    let p: RtpPacket;
    try {
      p = parseRtp(data);
    } catch (e) {
      if (!(e instanceof RtpParseError)) throw e;
      this.malformed++;
      return;
    }
    const d = this.receiver.receive(p, from, now, this.activity.heard ? this.activity.lastRtpAt : undefined);
    if (d.action === 'discard' || d.action === 'hold') return;
    const a = this.activity;
    a.lastRtpAt = now;
    a.heard = true;
    a.timedOut = false;
    a.remoteSentSince = true;
    if (d.action === 'duplicate') {
      // The jitter buffer counts and drops repeats itself; RFC 4733 end repeats are ignored by the receiver.
      if (d.kind === 'audio') this.jitterBuffer?.put(p, now);
      return;
    }
    if (d.newSource) {
      this.events.push({ type: 'source', ...d.newSource });
      this.rtcp.sourceValidated(d.newSource.ssrc);
    }
    if (d.latched) {
      this.reroute();
      this.events.push({ type: 'latched', channel: 'rtp', address: d.latched });
    }
    // Each held packet by its own kind: audio and RFC 4733 events may share the SSRC under probation.
    for (const h of d.held) this.deliver(h, this.receiver.kindOf(h.payloadType) ?? d.kind, now);
    this.deliver(p, d.kind, now);
  }

  private deliver(p: RtpPacket, kind: PayloadKind, now: number): void {
    if (kind === 'telephone-event') {
      // Events sharing the audio stream's SSRC use up its sequence numbers.
      if (p.ssrc === this.receiver.source?.ssrc) this.jitterBuffer?.noteOtherPacket(p.sequenceNumber);
      this.dtmfReceiver.handlePacket(p, now);
      for (let e = this.dtmfReceiver.pollEvent(); e; e = this.dtmfReceiver.pollEvent())
        this.events.push({ type: 'dtmf', event: e });
    } else if (this.receiving) {
      this.jitterBuffer?.put(p, now);
    }
    if (this.opts.emitPackets || (!this.jitterBuffer && !this.reflecting))
      this.events.push({ type: 'rtp', packet: p, kind, arrival: now });
    if (this.reflecting) {
      const r = this.reflector;
      r.relay(p, kind, kind === 'audio' ? r.samplesOf(p.payloadType, p.payload.length) : 0, now);
    }
  }

  handleTimeout(now: number): void {
    if (this.closed) return;
    this.dtmfReceiver.handleTimeout(now);
    for (let e = this.dtmfReceiver.pollEvent(); e; e = this.dtmfReceiver.pollEvent())
      this.events.push({ type: 'dtmf', event: e });
    if (this.rtcp.due(now)) {
      this.sendReport(now, []);
      this.rtcp.reported(now);
    }
    const deadline = this.rtpDeadline();
    if (deadline !== undefined && now >= deadline) {
      this.activity.timedOut = true;
      this.events.push({ type: 'timeout', silentMs: now - (this.silentSince() ?? now) });
    }
  }

  pollTransmit(): RtpTransmit | undefined {
    return this.transmits.shift();
  }

  pollEvent(): RtpSessionEvent | undefined {
    return this.events.shift();
  }

  pollTimeout(): number | undefined {
    if (this.closed) return undefined;
    let t = this.rtcp.deadline;
    const dtmf = this.dtmfReceiver.pollTimeout();
    if (dtmf !== undefined && (t === undefined || dtmf < t)) t = dtmf;
    const rtp = this.rtpDeadline();
    if (rtp !== undefined && (t === undefined || rtp < t)) t = rtp;
    return t;
  }

  /**
   * End the session: a final compound RTCP packet with BYE (RFC 3550 6.6).
   * Later inputs are ignored.
   */
  close(now: number, reason?: string): void {
    if (this.closed) return;
    if (this.rtcp.enabled && this.remoteRtcpAddress())
      this.sendReport(now, [{ type: 'bye', ssrcs: [this.ssrc], ...(reason !== undefined ? { reason } : {}) }]);
    this.closed = true;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private rtpDeadline(): number | undefined {
    if (this.rtpTimeout <= 0 || this.activity.timedOut || !this.receiving) return undefined;
    const since = this.silentSince();
    return since === undefined ? undefined : since + this.rtpTimeout;
  }

  /** Since when no RTP has arrived: the last packet, or the start when none came since. */
  private silentSince(): number | undefined {
    const a = this.activity;
    const started = this.startedAt;
    return a.heard && (started === undefined || a.lastRtpAt > started) ? a.lastRtpAt : started;
  }

  /** Where RTCP goes: with rtcp-mux where RTP goes; else where the peer's reports come from, or its SDP's. */
  private remoteRtcpAddress(): TransportAddress | undefined {
    if (this.rtcpMux) return this.route.to;
    const latched = this.symmetric ? this.rtcp.latched : undefined;
    return latched ?? (this.confirmed ? this.remoteRtcp : undefined);
  }

  private sendReport(now: number, extra: RtcpPacket[]): void {
    const to = this.remoteRtcpAddress();
    const data = this.rtcp.report(now, extra);
    if (!to) return;
    this.transmits.push({ data, to, channel: 'rtcp' });
    this.rtcp.sent++;
  }

  /** The session's statistics as plain JSON. */
  stats(): RtpSessionStats {
    const src = this.receiver.source;
    const remote = this.route.to;
    const rtt = this.rtcp.rttStats();
    const remoteReport = this.rtcp.remoteReport;
    return {
      ssrc: this.ssrc,
      ...(src ? { remoteSsrc: src.ssrc } : {}),
      ...(remote ? { remote: formatAddress(remote) } : {}),
      latched: this.receiver.latched !== undefined,
      direction: this.dir,
      sent: {
        packets: this.sender.packets,
        bytes: this.sender.bytes,
        dtmfEvents: this.sender.events,
        rtcp: this.rtcp.sent,
      },
      ...(src ? { received: src.toJSON() } : {}),
      rtcpReceived: this.rtcp.received,
      discarded: {
        malformed: this.malformed,
        unknownPayloadType: this.receiver.unknownPayloadType,
        foreign: this.receiver.foreign,
        rtcpMalformed: this.rtcp.malformed,
      },
      sourceChanges: this.receiver.sourceChanges,
      ...(rtt ? { rtt } : {}),
      ...(remoteReport ? { remoteReport } : {}),
      ...(this.jitterBuffer ? { jitterBuffer: this.jitterBuffer.stats() } : {}),
    };
  }
}
