/**
 * An RTP session as a sans-I/O core (RFC 3550): one local source sending
 * audio and RFC 4733 events, the peer's source received into a jitter buffer
 * and a DTMF receiver, RTCP reports on the RFC 3550 6.2 randomised interval,
 * symmetric RTP (RFC 4961) and rtcp-mux (RFC 5761).
 *
 * Inputs: `handleDatagram(bytes, from, now, channel)`, `handleTimeout(now)`,
 * `sendFrame(payload, now)` once per packet time, `sendDtmf(digits)`,
 * `close(now)`. Outputs: `pollTransmit()`, `pollEvent()`, `pollTimeout()`.
 * With the `reflect` option it is an echo: every accepted packet goes
 * straight back re-originated (`relay`), a plain audio packet of the
 * current source by a hot path that reads its header and nothing more.
 * It never reads a clock or touches a socket (`src/net/rtp-link.ts`
 * joins it to its channel).
 */
import { randomInt } from 'node:crypto';
import { DtmfReceiver } from './dtmf-receiver.js';
import { DtmfSender } from './dtmf-sender.js';
import { MediaStateError, RtcpParseError, RtpParseError } from './errors.js';
import { JitterBuffer } from './jitter-buffer.js';
import { compactNtp, ntpFromUnixMs, roundTripMs } from './ntp-time.js';
import { parseRtcp, serializeRtcp } from './rtcp-compound.js';
import { rtcpIntervalMs, UDP_IPV4_OVERHEAD, updateAvgRtcpSize } from './rtcp-interval.js';
import { SDES_CNAME, type ReportBlock, type RtcpPacket } from './rtcp-types.js';
import { isRtcpPacket, parseRtp, readU32, RTP_HEADER_SIZE, type RtpPacket } from './rtp-packet.js';
import { formatAddress, RtpReceiver, sameAddress } from './rtp-receiver.js';
import { RtpSender } from './rtp-sender.js';
import type {
  MediaDirection,
  PayloadKind,
  RemoteReport,
  RtpSessionEvent,
  RtpSessionOptions,
  RtpSessionStats,
  RtpTransmit,
  RttStats,
  TransportAddress,
} from './rtp-session-types.js';

const cryptoRandom = () => randomInt(0, 0x1000000) / 0x1000000;
/** Reflect mode copies echoed packets into slabs of this size (about 380 G.711 packets each). */
const SLAB_BYTES = 64 * 1024;

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

  private readonly opts: RtpSessionOptions;
  private readonly random: () => number;
  private readonly sender: RtpSender;
  private readonly receiver: RtpReceiver;
  private readonly frameSamples: number;
  /** RTP and RTCP on one port (RFC 5761). */
  readonly rtcpMux: boolean;
  private readonly symmetric: boolean;
  private remoteRtp: TransportAddress | undefined;
  private remoteRtcp: TransportAddress | undefined;
  private latchedRtcp: TransportAddress | undefined;
  private dir: MediaDirection;
  private readonly transmits: RtpTransmit[] = [];
  private readonly events: RtpSessionEvent[] = [];
  private closed = false;

  // RTCP (RFC 3550 6.3)
  private readonly rtcpMin: number;
  private readonly rtcpBw: number;
  private rtcpNext: number | undefined;
  private rtcpLast: number | undefined;
  private rtcpInitial = true;
  private avgRtcpSize: number;
  private rtcpSent = 0;
  private rtcpReceived = 0;
  private rtcpMalformed = 0;
  private weSentSince = false;
  private remoteSentSince = false;
  private rtt: { last: number; min: number; max: number; sum: number; n: number } | undefined;
  private remoteReport: RemoteReport | undefined;
  private readonly pendingSr = new Map<number, { compact: number; at: number }>();

  // RTP timeout
  private readonly rtpTimeout: number;
  // When RTP last arrived; a number from the start (an unboxed double, no allocation per packet), valid once `heardRtp`.
  private lastRtpAt = 0;
  private heardRtp = false;
  private startedAt: number | undefined;
  private timedOut = false;

  private malformed = 0;

  // relay(): per remote source, the offset from its timestamps to ours (the last one looked up at hand).
  private readonly relayOffsets = new Map<number, number>();
  private relaySsrc: number | undefined;
  private relayOffset = 0;
  // Reflect mode: echoed packets are copied into slices of a slab, never reused (a send may still hold one).
  private readonly reflect: RtpSessionOptions['reflect'];
  private readonly reflectFast: boolean;
  private readonly reflectInPlace: boolean;
  private slab = new Uint8Array(0);
  private slabUsed = 0;

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
    this.sender = new RtpSender(this.ssrc, opts.clockRate, this.random);
    const types = new Map<number, PayloadKind>(opts.receivePayloadTypes ?? [[opts.payloadType, 'audio']]);
    if (opts.telephoneEventPayloadType !== undefined && !types.has(opts.telephoneEventPayloadType))
      types.set(opts.telephoneEventPayloadType, 'telephone-event');
    for (const pt of types.keys())
      if (pt >= 64 && pt <= 95 && this.rtcpMux)
        // RFC 5761 4: payload types 64-95 collide with RTCP packet types on a multiplexed port.
        throw new MediaStateError(`payload type ${pt} cannot be used with rtcp-mux (RFC 5761 4)`);
    this.receiver = new RtpReceiver(types, opts.clockRate, this.symmetric, opts.remoteRtp);
    this.setRemote(opts.remoteRtp, opts.remoteRtcp);
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
    this.rtcpMin = opts.rtcpIntervalMs ?? 5000;
    this.rtcpBw = opts.rtcpBandwidth ?? 500;
    // RFC 3550 6.3.2: "avg_rtcp_size is set to the probable size of the first RTCP packet".
    this.avgRtcpSize = 8 + 24 + 10 + this.cname.length + UDP_IPV4_OVERHEAD;
    this.rtpTimeout = opts.rtpTimeoutMs ?? 0;
    this.reflect = opts.reflect;
    this.reflectFast = opts.reflect !== undefined && this.jitterBuffer === undefined && !opts.emitPackets;
    this.reflectInPlace = opts.reflect?.inPlace ?? false;
  }

  /** Where RTP goes now (latched, else the SDP address). */
  get remote(): TransportAddress | undefined {
    return (this.symmetric && this.receiver.latched) || this.remoteRtp;
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
  }

  /** Change direction (hold: `sendonly`/`inactive`; RTCP goes on). */
  setDirection(d: MediaDirection): void {
    this.dir = d;
  }

  private get sending(): boolean {
    return this.dir === 'sendrecv' || this.dir === 'sendonly';
  }

  private get receiving(): boolean {
    return this.dir === 'sendrecv' || this.dir === 'recvonly';
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
    this.armRtcp(now);
    let sent: 'audio' | 'event' | 'none' = 'none';
    const to = this.remote;
    const te = this.opts.telephoneEventPayloadType;
    const ev = te !== undefined ? this.dtmfSender.poll(this.sender.timestamp) : undefined;
    if (ev && te !== undefined) {
      if (this.sending && to) {
        this.transmits.push({
          data: this.sender.packet(te, ev.payload, { marker: ev.marker, timestamp: ev.timestamp, now, event: true }),
          to,
          channel: 'rtp',
        });
        if (ev.marker) this.sender.events++;
        this.weSentSince = true;
        sent = 'event';
      }
    } else if (payload && !this.dtmfSender.active) {
      if (this.sending && to) {
        this.transmits.push({ data: this.sender.packet(this.opts.payloadType, payload, { now }), to, channel: 'rtp' });
        this.weSentSince = true;
        sent = 'audio';
      }
    } else if (!payload) {
      this.sender.silence();
    }
    this.sender.advance(this.frameSamples, now);
    return sent;
  }

  /**
   * Echo a received packet back to the peer at once, re-originated: our
   * SSRC and sequence numbers, its timestamp moved onto our timeline by a
   * fixed offset per remote source (so pauses, packet times and RFC 4733
   * events keep their timing), its marker and payload unchanged. `samples`
   * is the media time the packet covers (audio); events do not move our
   * clock. Returns whether it was sent (not while we do not send, or have
   * nowhere to send to). This is what an echo service adds no delay with.
   */
  relay(p: RtpPacket, kind: PayloadKind, samples: number, now: number): boolean {
    if (this.closed) throw new MediaStateError('relay on a closed RTP session');
    this.startedAt ??= now;
    this.armRtcp(now);
    const to = this.remote;
    if (!this.sending || !to) return false;
    const timestamp = (p.timestamp + this.relayOffsetOf(p.ssrc, p.timestamp)) >>> 0;
    const event = kind === 'telephone-event';
    this.transmits.push({
      data: this.sender.packet(p.payloadType, p.payload, { marker: p.marker, timestamp, now, event }),
      to,
      channel: 'rtp',
    });
    this.relayed(p.marker, event, timestamp, samples, now);
    return true;
  }

  /**
   * The offset from a remote source's timestamps to ours: the first packet
   * of a source (`timestamp`) lands on our clock as it is now.
   */
  private relayOffsetOf(ssrc: number, timestamp: number): number {
    if (ssrc === this.relaySsrc) return this.relayOffset;
    let offset = this.relayOffsets.get(ssrc);
    if (offset === undefined) {
      if (this.relayOffsets.size >= 8) this.relayOffsets.clear();
      offset = (this.sender.timestamp - timestamp) >>> 0;
      this.relayOffsets.set(ssrc, offset);
    }
    this.relaySsrc = ssrc;
    this.relayOffset = offset;
    return offset;
  }

  /** What follows a relayed packet: events count, audio moves our media clock past it. */
  private relayed(marker: boolean, event: boolean, timestamp: number, samples: number, now: number): void {
    if (event) {
      if (marker) this.sender.events++;
    } else {
      this.sender.moveTo((timestamp + samples) >>> 0, now);
    }
    this.weSentSince = true;
  }

  /**
   * The echo's hot path (reflect mode, no jitter buffer): an audio packet
   * with a plain 12-byte header (no CSRC, extension or padding) from the
   * current source at the address it came from so far is accounted for and
   * echoed from its header alone — no packet object, no event — from a
   * copy in the slab, or from the datagram's own bytes with `inPlace`.
   * Returns false, having changed nothing, for any other datagram:
   * `handleRtp` takes it.
   */
  private reflectPlain(data: Uint8Array, from: TransportAddress, now: number): boolean {
    const n = data.length;
    // V=2, P=0, X=0, CC=0.
    if (n < RTP_HEADER_SIZE || data[0] !== 0x80) return false;
    const b1 = data[1]!;
    const pt = b1 & 0x7f;
    if (this.receiver.kindOf(pt) !== 'audio') return false;
    const stats = this.receiver.currentAudioFrom(readU32(data, 8), from);
    if (stats === undefined) return false;
    const seq = (data[2]! << 8) | data[3]!;
    const ts = readU32(data, 4);
    const v = stats.update(seq, ts, now, n - RTP_HEADER_SIZE, true);
    // What `receive` decides for the current source from its own address: only these three verdicts.
    if (v === 'invalid') return true;
    this.lastRtpAt = now;
    this.heardRtp = true;
    this.timedOut = false;
    this.remoteSentSince = true;
    if (v === 'duplicate') return true;
    const to = this.remote;
    if (!this.sending || to === undefined) return true;
    const timestamp = (ts + this.relayOffsetOf(stats.ssrc, ts)) >>> 0;
    let out = data;
    if (!this.reflectInPlace) {
      out = this.slice(n);
      out.set(data);
    }
    this.sender.stamp(out, timestamp, now, false);
    this.transmits.push({ data: out, to, channel: 'rtp' });
    this.relayed((b1 & 0x80) !== 0, false, timestamp, this.reflect!.samplesOf(pt, n - RTP_HEADER_SIZE), now);
    return true;
  }

  /** `n` fresh bytes from the slab (a new slab when it is full; a slice is never handed out twice). */
  private slice(n: number): Uint8Array {
    if (this.slabUsed + n > this.slab.length) {
      this.slab = new Uint8Array(Math.max(SLAB_BYTES, n));
      this.slabUsed = 0;
    }
    const out = this.slab.subarray(this.slabUsed, this.slabUsed + n);
    this.slabUsed += n;
    return out;
  }

  /** A datagram arrived on the RTP socket (`rtp`) or the RTCP socket (`rtcp`). */
  handleDatagram(data: Uint8Array, from: TransportAddress, now: number, channel: 'rtp' | 'rtcp' = 'rtp'): void {
    if (this.closed) return;
    this.startedAt ??= now;
    this.armRtcp(now);
    // RFC 5761 4: on a multiplexed port, RTCP is told apart by its packet type.
    if (channel === 'rtcp' || (this.rtcpMux && isRtcpPacket(data))) this.handleRtcp(data, from, now);
    else this.handleRtp(data, from, now);
  }

  private handleRtp(data: Uint8Array, from: TransportAddress, now: number): void {
    if (this.reflectFast && this.reflectPlain(data, from, now)) return;
    let p: RtpPacket;
    try {
      p = parseRtp(data);
    } catch (e) {
      if (!(e instanceof RtpParseError)) throw e;
      this.malformed++;
      return;
    }
    const d = this.receiver.receive(p, from, now);
    if (d.action === 'discard' || d.action === 'hold') return;
    this.lastRtpAt = now;
    this.heardRtp = true;
    this.timedOut = false;
    this.remoteSentSince = true;
    if (d.action === 'duplicate') {
      // The jitter buffer counts and drops repeats itself; RFC 4733 end repeats are ignored by the receiver.
      if (d.kind === 'audio') this.jitterBuffer?.put(p, now);
      return;
    }
    if (d.newSource) {
      this.events.push({ type: 'source', ...d.newSource });
      const sr = this.pendingSr.get(d.newSource.ssrc);
      if (sr) this.receiver.source?.noteSenderReport(sr.compact, sr.at);
    }
    if (d.latched) this.events.push({ type: 'latched', channel: 'rtp', address: d.latched });
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
    if (this.opts.emitPackets || (!this.jitterBuffer && !this.reflect))
      this.events.push({ type: 'rtp', packet: p, kind, arrival: now });
    const reflect = this.reflect;
    if (reflect) this.relay(p, kind, kind === 'audio' ? reflect.samplesOf(p.payloadType, p.payload.length) : 0, now);
  }

  private handleRtcp(data: Uint8Array, from: TransportAddress, now: number): void {
    let packets: RtcpPacket[];
    try {
      packets = parseRtcp(data);
    } catch (e) {
      if (!(e instanceof RtcpParseError)) throw e;
      this.rtcpMalformed++;
      return;
    }
    this.rtcpReceived++;
    // RFC 3550 6.3.3: the average RTCP size includes received packets.
    this.avgRtcpSize = updateAvgRtcpSize(this.avgRtcpSize, data.length + UDP_IPV4_OVERHEAD);
    const arrival = compactNtp(ntpFromUnixMs(now + (this.opts.wallClockOffsetMs ?? 0)));
    for (const pkt of packets) {
      if (pkt.type === 'sr' || pkt.type === 'rr') {
        const current = this.receiver.source;
        if (pkt.type === 'sr') {
          // RFC 3550 6.4.1 LSR: "the middle 32 bits out of 64 in the NTP timestamp ... received as part of
          // the most recent RTCP sender report (SR) packet from source SSRC_n".
          const compact = compactNtp({ seconds: pkt.ntpSeconds, fraction: pkt.ntpFraction });
          const stats = this.receiver.statsOf(pkt.ssrc);
          if (stats) stats.noteSenderReport(compact, now);
          else this.pendingSr.set(pkt.ssrc, { compact, at: now });
          if (this.pendingSr.size > 8) this.pendingSr.delete(this.pendingSr.keys().next().value!);
        }
        if (this.symmetric && current && pkt.ssrc === current.ssrc && !sameAddress(from, this.latchedRtcp)) {
          // Symmetric RTCP: answer to where the current source's reports come from.
          this.latchedRtcp = from;
          this.events.push({ type: 'latched', channel: 'rtcp', address: from });
        }
        const block = pkt.reports.find((b) => b.ssrc === this.ssrc);
        let rttMs: number | undefined;
        let remote: RemoteReport | undefined;
        if (block) {
          remote = this.remoteReport = {
            fractionLost: block.fractionLost / 256,
            cumulativeLost: block.cumulativeLost,
            jitterMs: (block.jitter * 1000) / this.opts.clockRate,
            highestSequence: block.highestSequence,
          };
          rttMs = roundTripMs(arrival, block.lastSr, block.delaySinceLastSr);
          if (rttMs !== undefined) {
            const r = this.rtt;
            this.rtt = r
              ? {
                  last: rttMs,
                  min: Math.min(r.min, rttMs),
                  max: Math.max(r.max, rttMs),
                  sum: r.sum + rttMs,
                  n: r.n + 1,
                }
              : { last: rttMs, min: rttMs, max: rttMs, sum: rttMs, n: 1 };
          }
        }
        this.events.push({
          type: 'report',
          ssrc: pkt.ssrc,
          ...(remote ? { remote } : {}),
          ...(rttMs !== undefined ? { rttMs } : {}),
        });
      } else if (pkt.type === 'bye') {
        for (const ssrc of pkt.ssrcs)
          this.events.push({ type: 'bye', ssrc, ...(pkt.reason !== undefined ? { reason: pkt.reason } : {}) });
      }
    }
  }

  handleTimeout(now: number): void {
    if (this.closed) return;
    this.dtmfReceiver.handleTimeout(now);
    for (let e = this.dtmfReceiver.pollEvent(); e; e = this.dtmfReceiver.pollEvent())
      this.events.push({ type: 'dtmf', event: e });
    if (this.rtcpNext !== undefined && now >= this.rtcpNext) {
      // RFC 3550 6.3.6 (timer reconsideration): recompute the interval with the
      // current state; send only if the previous report is that long ago.
      const t = this.interval();
      if (this.rtcpLast === undefined || this.rtcpLast + t <= now) {
        this.sendReport(now, []);
        this.rtcpLast = now;
        this.rtcpInitial = false;
        this.rtcpNext = now + this.interval();
      } else {
        this.rtcpNext = this.rtcpLast + t;
      }
    }
    const deadline = this.rtpDeadline();
    if (deadline !== undefined && now >= deadline) {
      this.timedOut = true;
      this.events.push({ type: 'timeout', silentMs: now - (this.heardRtp ? this.lastRtpAt : (this.startedAt ?? now)) });
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
    let t = this.rtcpNext;
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
    if (this.rtcpMin > 0 && this.remoteRtcpAddress())
      this.sendReport(now, [{ type: 'bye', ssrcs: [this.ssrc], ...(reason !== undefined ? { reason } : {}) }]);
    this.closed = true;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private rtpDeadline(): number | undefined {
    if (this.rtpTimeout <= 0 || this.timedOut || !this.receiving) return undefined;
    const since = this.heardRtp ? this.lastRtpAt : this.startedAt;
    return since === undefined ? undefined : since + this.rtpTimeout;
  }

  private armRtcp(now: number): void {
    if (this.rtcpNext === undefined && this.rtcpMin > 0) this.rtcpNext = now + this.interval();
  }

  private interval(): number {
    const remote = this.receiver.source !== undefined;
    const members = 1 + (remote ? 1 : 0);
    const senders = (this.weSentSince ? 1 : 0) + (this.remoteSentSince ? 1 : 0);
    return rtcpIntervalMs(
      {
        members,
        senders,
        rtcpBandwidth: this.rtcpBw,
        weSent: this.weSentSince,
        avgRtcpSize: this.avgRtcpSize,
        initial: this.rtcpInitial,
        minIntervalMs: this.rtcpMin,
      },
      this.random(),
    );
  }

  private remoteRtcpAddress(): TransportAddress | undefined {
    if (this.rtcpMux) return this.remote;
    return (this.symmetric && this.latchedRtcp) || this.remoteRtcp;
  }

  private sendReport(now: number, extra: RtcpPacket[]): void {
    const to = this.remoteRtcpAddress();
    const blocks: ReportBlock[] = [];
    const src = this.receiver.source;
    // RFC 3550 6.4.1: report blocks for the sources heard from since the last report.
    if (src && this.remoteSentSince) blocks.push(src.reportBlock(now));
    const ntp = ntpFromUnixMs(now + (this.opts.wallClockOffsetMs ?? 0));
    // RFC 3550 6.4: an SR if we sent data since the last report, else an RR.
    const report: RtcpPacket = this.weSentSince
      ? {
          type: 'sr',
          ssrc: this.ssrc,
          ntpSeconds: ntp.seconds,
          ntpFraction: ntp.fraction,
          rtpTimestamp: this.sender.timestampAt(now),
          packetCount: this.sender.packets >>> 0,
          octetCount: this.sender.bytes >>> 0,
          reports: blocks,
        }
      : { type: 'rr', ssrc: this.ssrc, reports: blocks };
    // RFC 3550 6.1: every compound packet carries an SDES CNAME.
    const data = serializeRtcp([
      report,
      { type: 'sdes', chunks: [{ ssrc: this.ssrc, items: [{ type: SDES_CNAME, text: this.cname }] }] },
      ...extra,
    ]);
    this.avgRtcpSize = updateAvgRtcpSize(this.avgRtcpSize, data.length + UDP_IPV4_OVERHEAD);
    this.weSentSince = false;
    this.remoteSentSince = false;
    if (!to) return;
    this.transmits.push({ data, to, channel: 'rtcp' });
    this.rtcpSent++;
  }

  /** The session's statistics as plain JSON. */
  stats(): RtpSessionStats {
    const src = this.receiver.source;
    const remote = this.remote;
    const rtt: RttStats | undefined = this.rtt && {
      lastMs: this.rtt.last,
      minMs: this.rtt.min,
      maxMs: this.rtt.max,
      meanMs: this.rtt.sum / this.rtt.n,
      samples: this.rtt.n,
    };
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
        rtcp: this.rtcpSent,
      },
      ...(src ? { received: src.toJSON() } : {}),
      rtcpReceived: this.rtcpReceived,
      discarded: {
        malformed: this.malformed,
        unknownPayloadType: this.receiver.unknownPayloadType,
        foreign: this.receiver.foreign,
        rtcpMalformed: this.rtcpMalformed,
      },
      sourceChanges: this.receiver.sourceChanges,
      ...(rtt ? { rtt } : {}),
      ...(this.remoteReport ? { remoteReport: this.remoteReport } : {}),
      ...(this.jitterBuffer ? { jitterBuffer: this.jitterBuffer.stats() } : {}),
    };
  }
}
