/**
 * Reflect mode (`reflect` option): the RTP session echoes every accepted
 * packet itself, a plain audio packet of the current source from its header
 * alone. It must send exactly what relaying each `rtp` event with
 * `RtpSession.relay` sends (the echo's behaviour before the hot path), byte
 * for byte — RTCP reports included — whatever the stream does: CSRCs,
 * header extensions, padding, markers, RFC 4733 events, sequence wrap,
 * loss, duplicates, reordering, an SSRC change, a new address, hold.
 */
import { describe, expect, it } from 'vitest';
import { parseRtcp, serializeRtcp } from '../../src/rtp/rtcp-compound.js';
import { parseRtp, serializeRtp, type RtpPacket } from '../../src/rtp/rtp-packet.js';
import { RtpSession } from '../../src/rtp/rtp-session.js';
import type { RtpSessionEvent, RtpSessionOptions, TransportAddress } from '../../src/rtp/rtp-session-types.js';
import { serializeTelephoneEvent } from '../../src/rtp/telephone-event.js';
import { Random } from '../../src/sim/random.js';

const A = { address: '10.0.0.1', port: 4000 };
const A2 = { address: '10.0.0.9', port: 4100 };
/** PCMU: a byte is a sample. */
const samplesOf = (_pt: number, bytes: number) => bytes;

function options(seed: number, extra: Partial<RtpSessionOptions> = {}): RtpSessionOptions {
  const r = new Random(seed);
  return {
    remoteRtp: A,
    payloadType: 0,
    clockRate: 8000,
    telephoneEventPayloadType: 101,
    jitterBuffer: false,
    rtcpIntervalMs: 1000,
    rtpTimeoutMs: 3000,
    random: () => r.next(),
    ...extra,
  };
}

interface Datagram {
  readonly bytes: Uint8Array;
  readonly from: TransportAddress;
  readonly channel: 'rtp' | 'rtcp';
  /** Milliseconds after the previous datagram. */
  readonly gap: number;
}

function rtp(seq: number, ts: number, opts: Partial<RtpPacket> = {}): Uint8Array {
  return serializeRtp({
    marker: false,
    payloadType: 0,
    sequenceNumber: seq & 0xffff,
    timestamp: ts >>> 0,
    ssrc: 0x1234,
    csrcs: [],
    payload: new Uint8Array(160).fill(seq & 0xff),
    padding: 0,
    ...opts,
  });
}

/** What one session sent, and the events it emitted (without `rtp`). */
interface Outcome {
  sent: { data: string; to: TransportAddress; channel: string }[];
  events: RtpSessionEvent[];
  rtpEvents: number;
  /** Datagrams the session wrote to. */
  inputWritten: number;
  /** Datagrams `reflectDirect` took (sent or not), and those after which the session was not settled. */
  direct: number;
  directUnsettled: number;
}

/**
 * Drive a session through the datagrams (each gets its own copy) with a
 * timer, as the Driver does. `relayEvents`: relay every `rtp` event
 * (the echo before reflect mode). `direct`: offer each RTP datagram to
 * `reflectDirect` first, as `RtpLink` does, sending what it returns at once
 * and draining nothing then.
 */
function drive(
  s: RtpSession,
  datagrams: readonly Datagram[],
  relayEvents: boolean,
  endMs = 0,
  direct = false,
): Outcome {
  const out: Outcome = { sent: [], events: [], rtpEvents: 0, inputWritten: 0, direct: 0, directUnsettled: 0 };
  let now = 0;
  const drain = () => {
    for (let e = s.pollEvent(); e; e = s.pollEvent()) {
      if (e.type !== 'rtp') out.events.push(e);
      else {
        out.rtpEvents++;
        if (relayEvents)
          s.relay(
            e.packet,
            e.kind,
            e.kind === 'audio' ? samplesOf(e.packet.payloadType, e.packet.payload.length) : 0,
            now,
          );
      }
    }
    for (let t = s.pollTransmit(); t; t = s.pollTransmit())
      out.sent.push({ data: Buffer.from(t.data).toString('hex'), to: t.to, channel: t.channel });
  };
  const until = (t: number) => {
    for (let due = s.pollTimeout(); due !== undefined && due <= t; due = s.pollTimeout()) {
      now = Math.max(now, due);
      s.handleTimeout(now);
      drain();
    }
    now = t;
  };
  for (const d of datagrams) {
    until(now + d.gap);
    const copy = d.bytes.slice();
    const before = s.pollTimeout();
    const sentDirect = direct && d.channel === 'rtp' ? s.reflectDirect(copy, d.from, now) : undefined;
    if (sentDirect !== undefined) {
      out.direct++;
      if (sentDirect !== null)
        out.sent.push({ data: Buffer.from(sentDirect).toString('hex'), to: s.remote!, channel: 'rtp' });
      // Nothing to drain, and no deadline earlier than the timer the driver already has.
      const after = s.pollTimeout();
      if (s.pollTransmit() || s.pollEvent() || before === undefined || after === undefined || after < before)
        out.directUnsettled++;
    } else {
      s.handleDatagram(copy, d.from, now, d.channel);
      drain();
    }
    if (Buffer.compare(copy, d.bytes) !== 0) out.inputWritten++; // the input is never written to
  }
  until(now + endMs);
  s.close(now, 'done');
  drain();
  return out;
}

/** The same datagrams through an echo in reflect mode and through the event-relaying echo. */
function twins(
  seed: number,
  datagrams: readonly Datagram[],
  extra: Partial<RtpSessionOptions> = {},
  endMs = 0,
  inPlace = false,
  direct = false,
) {
  const reflect = new RtpSession(options(seed, { ...extra, reflect: { samplesOf, inPlace } }));
  const events = new RtpSession(options(seed, extra));
  const got = drive(reflect, datagrams, false, endMs, direct);
  const want = drive(events, datagrams, true, endMs);
  return { reflect, events, got, want };
}

/**
 * A random impaired stream: loss, duplicates, reordering, talkspurts, events, odd headers, RTCP, a new SSRC and
 * address.
 */
function impairedStream(seed: number, count: number, startSeq: number): Datagram[] {
  const r = new Random(seed);
  const out: Datagram[] = [];
  let seq = startSeq;
  let ts = 0xfffff000; // the timestamp wraps too
  let ssrc = 0x1234;
  let from: TransportAddress = A;
  let pending: Datagram | undefined;
  for (let i = 0; i < count; i++) {
    if (i === Math.floor(count / 2)) {
      ssrc = 0xbeef; // the peer restarted its stream
      seq = r.int(65536);
    }
    if (i === Math.floor((3 * count) / 4)) from = A2; // its NAT binding moved
    let bytes: Uint8Array;
    const kind = r.next();
    if (kind < 0.05) {
      const duration = 160 * (1 + r.int(5));
      bytes = rtp(seq, ts, {
        ssrc,
        payloadType: 101,
        marker: r.chance(0.3),
        payload: serializeTelephoneEvent({ event: r.int(16), end: r.chance(0.3), volume: 10, duration }),
      });
    } else if (kind < 0.1) {
      bytes = rtp(seq, ts, { ssrc, csrcs: [r.u32(), r.u32()] });
    } else if (kind < 0.15) {
      bytes = rtp(seq, ts, { ssrc, extension: { profile: 0xbede, data: new Uint8Array(8).fill(7) } });
    } else if (kind < 0.2) {
      bytes = rtp(seq, ts, { ssrc, padding: 4 });
    } else if (kind < 0.22) {
      bytes = rtp(seq, ts, { ssrc, payloadType: 8 }); // not negotiated
    } else {
      bytes = rtp(seq, ts, { ssrc, marker: r.chance(0.05) });
    }
    // Once the stream stops for longer than the RTP timeout (3 s), then goes on.
    const gap = i === Math.floor((3 * count) / 5) ? 3500 : 20 + r.int(5) - 2;
    const d: Datagram = { bytes, from, channel: 'rtp', gap };
    seq++;
    ts += r.chance(0.05) ? 160 * (2 + r.int(50)) : 160; // a pause now and then
    if (r.chance(0.05)) continue; // lost
    if (pending) {
      out.push(d, pending); // reordered
      pending = undefined;
    } else if (r.chance(0.03)) pending = d;
    else out.push(d);
    if (r.chance(0.03)) out.push({ ...d, gap: 0 }); // duplicated
    // a wild jump (A.1 discards it)
    if (r.chance(0.01)) out.push({ ...d, bytes: rtp(seq + 20000, ts, { ssrc }), gap: 1 });
    if (i % 100 === 50) {
      // The peer's sender report.
      const sr = serializeRtcp([
        {
          type: 'sr',
          ssrc,
          ntpSeconds: 3_900_000_000 + i,
          ntpFraction: 0,
          rtpTimestamp: ts,
          packetCount: i,
          octetCount: i * 160,
          reports: [],
        },
        { type: 'sdes', chunks: [{ ssrc, items: [{ type: 1, text: 'peer@example' }] }] },
      ]);
      out.push({ bytes: sr, from: { address: from.address, port: from.port + 1 }, channel: 'rtcp', gap: 1 });
    }
  }
  return out;
}

describe('RtpSession reflect mode (the echo’s hot path)', () => {
  it.each([
    [false, false],
    [true, false],
    [true, true],
  ])(
    'sends byte for byte what relaying each rtp event sends, over an impaired stream with every kind of packet (in ' +
      'place: %s, direct: %s)',
    (inPlace, direct) => {
      for (const [seed, startSeq] of [
        [11, 65400], // the sequence number wraps early on
        [12, 100],
        [13, 30000],
      ] as const) {
        const { reflect, events, got, want } = twins(
          seed,
          impairedStream(seed, 1200, startSeq),
          { latch: { mode: 'any' } }, // the peer's NAT binding moves to another IP
          4000,
          inPlace,
          direct,
        );
        expect(got.sent.length).toBeGreaterThan(1000);
        // The link's direct path takes the settled stream's plain packets, and leaves the session settled.
        if (direct) expect(got.direct).toBeGreaterThan(800);
        else expect(got.direct).toBe(0);
        expect(got.directUnsettled).toBe(0);
        expect(got.sent).toEqual(want.sent);
        expect(got.events).toEqual(want.events);
        expect(got.rtpEvents).toBe(0); // nothing is emitted packet by packet
        // Without inPlace the input is never written to; with it, plain packets are echoed from their own bytes.
        if (inPlace) expect(got.inputWritten).toBeGreaterThan(800);
        else expect(got.inputWritten).toBe(0);
        expect(want.rtpEvents).toBeGreaterThan(1000);
        expect(reflect.stats()).toEqual(events.stats());
        // The stream went through all of it.
        const st = reflect.stats();
        expect(st.sourceChanges).toBe(1);
        expect(st.received!.duplicates).toBeGreaterThan(0);
        expect(st.received!.reordered).toBeGreaterThan(0);
        expect(st.discarded.unknownPayloadType).toBeGreaterThan(0);
        expect(st.sent.dtmfEvents).toBeGreaterThan(0);
        expect(st.sent.rtcp).toBeGreaterThan(5);
        expect(got.events.some((e) => e.type === 'latched' && e.address === A2)).toBe(true);
        // 3.5 s of silence mid-stream and 4 s at the end.
        expect(got.events.filter((e) => e.type === 'timeout')).toHaveLength(2);
      }
    },
  );

  it('without RTCP, the direct path still leaves the RTP timeout to the driver after the stream comes back', () => {
    // No RTCP interval: after a timeout the session has no deadline, so the driver has no timer; the packet that
    // ends the silence must take the general path (which re-arms), or the next timeout is never noticed.
    const { got, want } = twins(
      14,
      impairedStream(14, 1200, 500),
      {
        rtcpIntervalMs: 0,
        latch: { mode: 'any' },
      },
      4000,
      true,
      true,
    );
    expect(got.direct).toBeGreaterThan(800);
    expect(got.directUnsettled).toBe(0);
    expect(got.sent).toEqual(want.sent);
    expect(got.events).toEqual(want.events);
    expect(got.events.filter((e) => e.type === 'timeout')).toHaveLength(2);
  });

  it(
    're-originates a plain packet: our SSRC and next sequence number, the moved timestamp, its marker, type and ' +
      'payload',
    () => {
      const s = new RtpSession(options(21, { reflect: { samplesOf }, rtcpIntervalMs: 0 }));
      const sent: Uint8Array[] = [];
      let now = 0;
      const feed = (b: Uint8Array) => {
        s.handleDatagram(b, A, (now += 20), 'rtp');
        for (let t = s.pollTransmit(); t; t = s.pollTransmit()) sent.push(t.data);
      };
      feed(rtp(65534, 1000, { marker: true }));
      feed(rtp(65535, 1160));
      feed(rtp(0, 1320)); // wrap
      feed(rtp(1, 5000, { marker: true })); // a new talkspurt after a pause
      feed(
        rtp(2, 5160, {
          payloadType: 101,
          payload: serializeTelephoneEvent({ event: 1, end: false, volume: 10, duration: 160 }),
        }),
      );
      const p = sent.map((b) => parseRtp(b));
      expect(p).toHaveLength(5);
      expect(p.map((x) => x.ssrc)).toEqual(Array(5).fill(s.ssrc));
      for (let i = 1; i < 5; i++) expect(p[i]!.sequenceNumber).toBe((p[i - 1]!.sequenceNumber + 1) & 0xffff);
      expect(p.map((x) => (x.timestamp - p[0]!.timestamp) >>> 0)).toEqual([0, 160, 320, 4000, 4160]);
      expect(p.map((x) => x.marker)).toEqual([true, false, false, true, false]);
      expect(p.map((x) => x.payloadType)).toEqual([0, 0, 0, 0, 101]);
      expect(p.slice(0, 4).map((x) => x.payload[0])).toEqual([0xfe, 0xff, 0, 1]);
      expect(p[2]!.payload).toEqual(new Uint8Array(160).fill(0));
      // Packets of the current source after probation come from one slab, each in its own bytes.
      expect(sent[2]!.buffer).toBe(sent[3]!.buffer);
      expect(sent[3]!.byteOffset).toBeGreaterThanOrEqual(sent[2]!.byteOffset + sent[2]!.length);
      const st = s.stats();
      expect(st.sent).toMatchObject({ packets: 5, bytes: 4 * 160 + 4, dtmfEvents: 0 });
      expect(s.timestamp).toBe((p[3]!.timestamp + 160) >>> 0); // events do not move the media clock
    },
  );

  it('in place, sends a plain packet from its own bytes, and copies nothing', () => {
    const s = new RtpSession(options(23, { reflect: { samplesOf, inPlace: true }, rtcpIntervalMs: 0 }));
    const pairs: [Uint8Array, Uint8Array][] = [];
    let now = 0;
    for (let i = 0; i < 5; i++) {
      const b = rtp(500 + i, i * 160, { marker: i === 0 });
      s.handleDatagram(b, A, (now += 20), 'rtp');
      for (let t = s.pollTransmit(); t; t = s.pollTransmit()) pairs.push([b, t.data]);
    }
    expect(pairs).toHaveLength(5);
    // The first two went through probation (packet objects, new bytes); the rest are the datagrams themselves.
    expect(pairs.slice(2).every(([input, sent]) => input === sent)).toBe(true);
    const p = pairs.map(([, sent]) => parseRtp(sent));
    expect(p.map((x) => x.ssrc)).toEqual(Array(5).fill(s.ssrc));
    for (let i = 1; i < 5; i++) expect(p[i]!.sequenceNumber).toBe((p[i - 1]!.sequenceNumber + 1) & 0xffff);
    expect(p.map((x) => (x.timestamp - p[0]!.timestamp) >>> 0)).toEqual([0, 160, 320, 480, 640]);
    expect(p.map((x) => x.payload[0])).toEqual([500 & 0xff, 501 & 0xff, 502 & 0xff, 503 & 0xff, 504 & 0xff]);
  });

  it('sends an echo with CSRCs, an extension or padding as a plain packet of ours', () => {
    const s = new RtpSession(options(22, { reflect: { samplesOf }, rtcpIntervalMs: 0 }));
    const sent: RtpPacket[] = [];
    let now = 0;
    for (const b of [
      rtp(10, 0),
      rtp(11, 160, { csrcs: [1, 2, 3] }),
      rtp(12, 320, { extension: { profile: 0xbede, data: new Uint8Array(4).fill(9) } }),
      rtp(13, 480, { padding: 7 }),
      rtp(14, 640),
    ]) {
      s.handleDatagram(b, A, (now += 20), 'rtp');
      for (let t = s.pollTransmit(); t; t = s.pollTransmit()) sent.push(parseRtp(t.data));
    }
    expect(sent).toHaveLength(5);
    for (const p of sent) expect(p).toMatchObject({ csrcs: [], padding: 0, ssrc: s.ssrc });
    expect(sent.map((p) => p.extension)).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(sent.map((p) => p.payload[0])).toEqual([10, 11, 12, 13, 14]);
    expect(sent.every((p) => p.payload.length === 160)).toBe(true);
  });

  it('keeps RTCP sender reports right: packets and octets echoed, the peer’s loss and jitter', () => {
    const datagrams: Datagram[] = [];
    for (let i = 0; i < 300; i++)
      if (i % 10 !== 5)
        datagrams.push({
          bytes: rtp(1000 + i, i * 160),
          from: A,
          channel: 'rtp',
          gap: (i % 10 === 6 ? 40 : 20) + (i % 2 ? 2 : -2),
        });
    const { reflect, got, want } = twins(31, datagrams, { rtpTimeoutMs: 0 }, 0);
    expect(got.sent).toEqual(want.sent);
    const reports = got.sent.filter((t) => t.channel === 'rtcp').map((t) => parseRtcp(Buffer.from(t.data, 'hex')));
    const last = reports.at(-1)!;
    const sr = last.find((p) => p.type === 'sr');
    expect(sr).toMatchObject({ type: 'sr', ssrc: reflect.ssrc, packetCount: 270, octetCount: 270 * 160 });
    expect(reflect.stats().received).toMatchObject({ packets: 270, lost: 30 });
    const block = reports.flatMap((r) => r.flatMap((p) => (p.type === 'sr' || p.type === 'rr' ? p.reports : [])));
    expect(block.reduce((m, b) => Math.max(m, b.cumulativeLost), 0)).toBeGreaterThan(0);
    expect(block.some((b) => b.jitter > 0)).toBe(true);
  });

  it('sends nothing on hold but keeps counting, and still times out when the media stops', () => {
    const datagrams: Datagram[] = [];
    for (let i = 0; i < 50; i++) datagrams.push({ bytes: rtp(i, i * 160), from: A, channel: 'rtp', gap: 20 });
    const s = new RtpSession(options(41, { reflect: { samplesOf }, direction: 'recvonly' }));
    const out = drive(s, datagrams, false, 3500);
    expect(out.sent.filter((t) => t.channel === 'rtp')).toHaveLength(0);
    expect(s.stats().received!.packets).toBe(50);
    expect(out.events.filter((e) => e.type === 'timeout')).toHaveLength(1);
  });

  it('with emitPackets still emits each packet, and echoes it too', () => {
    const datagrams: Datagram[] = [];
    for (let i = 0; i < 20; i++) datagrams.push({ bytes: rtp(i, i * 160), from: A, channel: 'rtp', gap: 20 });
    const s = new RtpSession(options(51, { reflect: { samplesOf }, emitPackets: true, rtcpIntervalMs: 0 }));
    const out = drive(s, datagrams, false);
    expect(out.rtpEvents).toBe(20);
    expect(out.sent.filter((t) => t.channel === 'rtp')).toHaveLength(20);
  });
});
