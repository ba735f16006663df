/**
 * The CI smoke call against an echo service: place a call, send a known
 * test signal (a chirp once a second), record what comes back on the same
 * sample clock, find each chirp by cross-correlation (the round-trip audio
 * latency, mouth to ear and back), and read loss both ways (our receive
 * statistics; the peer's RTCP reports on our stream), jitter and the RTCP
 * round-trip time. An estimated MOS comes from the ITU-T G.107 E-model with
 * the codec's Ie and Bpl (G.113), half the round trip as the one-way delay,
 * and the loss of the whole echo path. The result says which thresholds held.
 */
import type { AudioSink } from '../../audio/device.js';
import type { Call } from '../../app/call.js';
import type { CallEnd, CallStats } from '../../app/call-types.js';
import type { Phone } from '../../app/phone.js';
import type { TimerHandle, TimerHost } from '../../clock/timers.js';
import type { Codec, CodecId } from '../../codecs/codec.js';
import { registry } from '../../codecs/registry.js';
import { eModel, eModelWideband } from '../emodel.js';
import { findProbes } from './latency.js';
import { makeProbe, type ProbeSpec } from './probe-signal.js';
import { ProbeSource } from './probe-source.js';

export interface SmokeThresholds {
  /** Most loss of the echo path (both ways together), percent. */
  readonly maxLossPercent: number;
  /** Longest round-trip audio latency, ms. */
  readonly maxLatencyMs: number;
  readonly minMos: number;
}

export interface SmokeOptions {
  readonly phone: Phone;
  readonly uri: string;
  /** How long the signal is sent, ms (one probe a second). */
  readonly durationMs: number;
  readonly answerTimeoutMs?: number;
  readonly codecs?: readonly (Codec | CodecId)[];
  readonly thresholds: SmokeThresholds;
  /** Also write what came back here. */
  readonly record?: AudioSink;
  readonly probe?: ProbeSpec;
  /** Hears the call as soon as it is placed (progress output). */
  readonly onCall?: (call: Call) => void;
}

export interface SmokeCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly message: string;
}

export interface SmokeResult {
  /** The call worked and every threshold held. */
  readonly ok: boolean;
  readonly target: string;
  readonly call: {
    readonly answered: boolean;
    readonly codec?: string;
    /** What the codec carries: `narrowband` (G.711, GSM) or `wideband` (G.722, Opus in calls). */
    readonly bandwidth?: 'narrowband' | 'wideband' | 'super-wideband' | 'fullband';
    readonly setupMs?: number;
    readonly end?: CallEnd;
  };
  readonly latency: {
    readonly roundTripMs?: number;
    readonly probesSent: number;
    readonly probesFound: number;
    readonly perProbeMs: readonly (number | null)[];
  };
  readonly loss: {
    /** Our packets the peer says it lost (its RTCP), percent; absent when it sent no report. */
    readonly sentPercent?: number;
    /** The peer's packets we did not receive, percent. */
    readonly receivedPercent: number;
    /**
     * The whole echo path, percent: 1 − (1 − sent)(1 − received), and at
     * least the share of our packets that never came back (an echo returns
     * one packet per packet; a peer that answers and sends nothing is 100 %).
     */
    readonly roundTripPercent: number;
    readonly packetsSent: number;
    readonly packetsReceived: number;
  };
  readonly jitter: { readonly meanMs: number; readonly maxMs: number };
  readonly rttMs?: number;
  /** The E-model's estimate: `model` G.107 (narrowband codecs) or G.107.1 (wideband, R up to 129). */
  readonly mos?: {
    readonly mos: number;
    readonly r: number;
    readonly ie: number;
    readonly bpl: number;
    readonly model: 'G.107' | 'G.107.1';
  };
  readonly thresholds: SmokeThresholds;
  readonly checks: readonly SmokeCheck[];
  readonly stats?: CallStats;
}

const TAIL_FRAMES = 50;

/**
 * Run one smoke call.
 *
 * @example
 * const r = await smokeCall({ phone, uri: 'sip:echo@127.0.0.1:5070', durationMs: 10_000,
 *   thresholds: { maxLossPercent: 1, maxLatencyMs: 400, minMos: 3.5 } });
 * console.log(r.ok, r.latency.roundTripMs, r.mos?.mos);
 */
export async function smokeCall(o: SmokeOptions): Promise<SmokeResult> {
  const probe = makeProbe(o.probe);
  const frames = Math.max(1, Math.round(o.durationMs / 20));
  const total = frames + TAIL_FRAMES;
  const received = new Int16Array(total * 160);
  const source = new ProbeSource(probe, frames);
  const clock = o.phone.platform.clock;
  const started = clock.now();
  const call = o.phone.call(o.uri, {
    source,
    ...(o.record ? { sink: o.record } : {}),
    ...(o.codecs ? { codecs: o.codecs } : {}),
    ...(o.answerTimeoutMs !== undefined ? { answerTimeoutMs: o.answerTimeoutMs } : {}),
  });
  o.onCall?.(call);
  let heard = 0;
  let full: () => void = () => {};
  const collected = new Promise<void>((r) => (full = r));
  call.on('answered', () => {
    // Added before the first tick: frame k of what we hear lines up with frame k of what we send.
    const untap = call.media!.addTap((frame) => {
      if (heard < total) received.set(frame, heard * 160);
      if (++heard >= total) {
        untap();
        full();
      }
    });
  });
  let setupMs: number | undefined;
  try {
    await call.answered;
    setupMs = clock.now() - started;
  } catch {
    const end = await call.ended;
    return failed(o, end);
  }
  const end = await Promise.race([collected.then(() => undefined), call.ended]);
  let endedWhileDraining: CallEnd | undefined;
  if (end === undefined) {
    // After a stall (a busy machine) the media clock catches up in a burst, and what was collected may be complete
    // before the echoes of that burst are back: wait for them (at most DRAIN_MS) before counting what never came.
    const found = findProbes(probe, received.subarray(0, Math.min(heard, total) * 160), {
      maxLag: Math.min(probe.period, 8000),
    });
    endedWhileDraining = await drained(call, o.phone.platform.timers, found.medianMs);
  }
  const stats = call.stats();
  const finalEnd = end ?? endedWhileDraining ?? (await call.hangup());
  const after = call.stats() ?? stats;
  return evaluate(o, probe, received.subarray(0, Math.min(heard, total) * 160), {
    setupMs,
    end: finalEnd,
    stats: after,
    codec: call.codec,
    cutShort: end !== undefined,
  });
}

/** The longest wait for the echoes of what was sent last, ms. */
const DRAIN_MS = 1000;

/**
 * Wait until no more of our packets are missing than may still be on their
 * way back (`inFlight`), polling every 20 ms, at most `DRAIN_MS`; the call's
 * end if it ended meanwhile.
 */
function drained(call: Call, timers: TimerHost, roundTripMs: number | undefined): Promise<CallEnd | undefined> {
  const allowed = inFlight(roundTripMs);
  return new Promise((resolve) => {
    let waited = 0;
    let timer: TimerHandle | undefined;
    const done = (end: CallEnd | undefined) => {
      if (timer !== undefined) timers.clearTimer(timer);
      resolve(end);
    };
    void call.ended.then(done);
    const check = () => {
      const s = call.stats();
      if (!s || s.sent.packets - s.received.packets <= allowed || waited >= DRAIN_MS) return done(undefined);
      waited += 20;
      timer = timers.setTimer(20, check);
    };
    check();
  });
}

/** Packets that may still be on their way back: a round trip's worth, and two more. */
function inFlight(roundTripMs: number | undefined): number {
  return Math.ceil((roundTripMs ?? 0) / 20) + 2;
}

/**
 * The share of the packets sent that never came back, percent. The receive
 * statistics count loss only between packets that did arrive (sequence-number
 * gaps): a peer that answers and echoes nothing shows 0 % there. The packets
 * still on their way back when the call ended (a round trip's worth, and two
 * more) are not counted as missing, unless nothing came back at all.
 */
export function missingPercent(sent: number, received: number, roundTripMs: number | undefined): number {
  if (sent <= 0) return 0;
  if (received <= 0) return 100;
  return (100 * Math.max(0, sent - received - inFlight(roundTripMs))) / sent;
}

function failed(o: SmokeOptions, end: CallEnd): SmokeResult {
  return {
    ok: false,
    target: o.uri,
    call: { answered: false, end },
    latency: { probesSent: 0, probesFound: 0, perProbeMs: [] },
    loss: { receivedPercent: 0, roundTripPercent: 0, packetsSent: 0, packetsReceived: 0 },
    jitter: { meanMs: 0, maxMs: 0 },
    thresholds: o.thresholds,
    checks: [
      { name: 'call', ok: false, message: `the call failed: ${end.message}${end.status ? ` (${end.status})` : ''}` },
    ],
  };
}

function evaluate(
  o: SmokeOptions,
  probe: ReturnType<typeof makeProbe>,
  received: Int16Array,
  c: {
    setupMs: number | undefined;
    end: CallEnd;
    stats: CallStats | undefined;
    codec: string | undefined;
    cutShort: boolean;
  },
): SmokeResult {
  const found = findProbes(probe, received, { maxLag: Math.min(probe.period, 8000) });
  const s = c.stats;
  const receivedPercent = s?.received.lossPercent ?? 0;
  const sentPercent = s?.remote?.lossPercent;
  const latency = found.medianMs;
  const roundTripPercent = Math.max(
    100 * (1 - (1 - (sentPercent ?? 0) / 100) * (1 - receivedPercent / 100)),
    missingPercent(s?.sent.packets ?? 0, s?.received.packets ?? 0, latency),
  );
  // By encoding name alone: the call's codec, whatever its clock (Opus: 48000/2).
  const codec = c.codec ? registry.known.find((k) => k.name.toUpperCase() === c.codec!.toUpperCase()) : undefined;
  // A codec whose audio is wider than 8 kHz sampling carries (G.722) is scored by the wideband E-model.
  const wideband = codec !== undefined && codec.sampleRate > 8000;
  // G.113 gives no Ie and Bpl for some codecs (Opus): no MOS is made up for them.
  const unrated = codec !== undefined && !(Number.isFinite(codec.ie) && Number.isFinite(codec.bpl));
  const mos =
    codec && !unrated && latency !== undefined
      ? (() => {
          const e = (wideband ? eModelWideband : eModel)({
            oneWayDelayMs: latency / 2,
            packetLossPercent: roundTripPercent,
            ie: codec.ie,
            bpl: codec.bpl,
          });
          return { mos: e.mos, r: e.r, ie: codec.ie, bpl: codec.bpl, model: wideband ? 'G.107.1' : 'G.107' } as const;
        })()
      : undefined;
  const t = o.thresholds;
  const checks: SmokeCheck[] = [];
  checks.push({
    name: 'call',
    ok: !c.cutShort,
    message: c.cutShort
      ? `the call ended early: ${c.end.message}`
      : `answered in ${Math.round(c.setupMs ?? 0)} ms with ${c.codec ?? '?'}`,
  });
  const half = Math.ceil(found.sent / 2);
  checks.push({
    name: 'echo',
    ok: found.sent > 0 && found.found >= half,
    message:
      `${found.found} of ${found.sent} probes came ` +
      `back${found.found < half ? ' (the echo returned too little of the signal)' : ''}`,
  });
  checks.push({
    name: 'loss',
    ok: roundTripPercent <= t.maxLossPercent,
    message: `loss ${roundTripPercent.toFixed(2)} % (at most ${t.maxLossPercent} %)`,
  });
  checks.push({
    name: 'latency',
    ok: latency !== undefined && latency <= t.maxLatencyMs,
    message:
      latency === undefined
        ? 'latency unknown (no probe found)'
        : `latency ${latency.toFixed(1)} ms (at most ${t.maxLatencyMs} ms)`,
  });
  checks.push(
    unrated
      ? { name: 'mos', ok: true, message: `MOS not estimated: ITU-T G.113 gives no Ie or Bpl for ${codec!.name}` }
      : {
          name: 'mos',
          ok: mos !== undefined && mos.mos >= t.minMos,
          message: mos ? `MOS ${mos.mos.toFixed(2)} (at least ${t.minMos})` : 'MOS unknown',
        },
  );
  const srtp = s?.srtp;
  if (srtp)
    checks.push({
      name: 'srtp',
      ok: srtp.authFailed === 0 && srtp.received.rtp.ok > 0,
      message:
        srtp.authFailed > 0
          ? `SRTP authentication failed: ${srtp.authFailed} packets (${srtp.suite}; a wrong key?)`
          : `SRTP ${srtp.suite}: ${srtp.received.rtp.ok} packets authenticated`,
    });
  return {
    ok: checks.every((k) => k.ok),
    target: o.uri,
    call: {
      answered: true,
      ...(c.codec ? { codec: c.codec } : {}),
      ...(codec ? { bandwidth: bandwidthOf(codec.sampleRate) } : {}),
      ...(c.setupMs !== undefined ? { setupMs: Math.round(c.setupMs * 10) / 10 } : {}),
      end: c.end,
    },
    latency: {
      ...(latency !== undefined ? { roundTripMs: latency } : {}),
      probesSent: found.sent,
      probesFound: found.found,
      perProbeMs: found.matches.map((m) => (m.delaySamples === undefined ? null : m.delaySamples / 8)),
    },
    loss: {
      ...(sentPercent !== undefined ? { sentPercent } : {}),
      receivedPercent,
      roundTripPercent,
      packetsSent: s?.sent.packets ?? 0,
      packetsReceived: s?.received.packets ?? 0,
    },
    jitter: { meanMs: s?.rtp.received?.meanJitterMs ?? 0, maxMs: s?.received.maxJitterMs ?? 0 },
    ...(s?.rttMs !== undefined ? { rttMs: s.rttMs } : {}),
    ...(mos ? { mos } : {}),
    thresholds: t,
    checks,
    ...(s ? { stats: s } : {}),
  };
}

/** The audio bandwidth a codec's sample rate carries (narrowband 300–3400 Hz, wideband 50–7000 Hz). */
export function bandwidthOf(sampleRate: number): 'narrowband' | 'wideband' | 'super-wideband' | 'fullband' {
  return sampleRate <= 8000
    ? 'narrowband'
    : sampleRate <= 16000
      ? 'wideband'
      : sampleRate <= 32000
        ? 'super-wideband'
        : 'fullband';
}
