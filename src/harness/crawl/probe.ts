/**
 * One probe call as a scenario for the engine: call, expect the answer,
 * then a step of its own that replays the path to a menu — at each menu it
 * waits for the prompts to end and the line to stay quiet, then presses the
 * path's keys — tries the probe's action and observes what follows: the
 * prompts (cut where `listen` would cut them: speech, then `promptGapMs` of
 * silence), and how it ended (quiet: the IVR waits; the far end hung up or
 * transferred; no speech at all; speech past the longest observation).
 */
import { CallProgressDetector } from '../../audio/dsp/call-progress.js';
import type { CodecId } from '../../codecs/codec.js';
import type { CallAccount, DtmfMode } from '../call-port.js';
import type { CallMonitor } from '../engine/call-monitor.js';
import type { StepApi } from '../engine/context.js';
import { scenario } from '../scenario/builder.js';
import type { Scenario } from '../scenario/types.js';
import { holesIn, joinHoles } from './holes.js';
import type { PlannedProbe } from './planner.js';
import { actionLabel, type CrawlAction, type Observation, type ObservedPrompt, type ProbeFailure } from './types.js';

const RATE = 8000;
/** Context kept around a prompt's speech, as `listen` keeps it: 100 ms. */
const PAD = 800;
const POLL_MS = 100;

/** How long the crawler waits for what. */
export interface ProbeTiming {
  /** Silence that ends a prompt (as `listen`'s default, 700 ms). */
  readonly promptGapMs: number;
  /** Quiet after the last prompt that means the IVR waits for a key (default 2000 ms). */
  readonly settleMs: number;
  /** No speech this long after the keys: the outcome is silence (default 4000 ms). */
  readonly responseMs: number;
  /** How long "no key" waits for the IVR's own timeout (default 10 s). */
  readonly noKeyMs: number;
  /** How long the first prompt may take after the answer (default 10 s). */
  readonly firstMs: number;
  /** The longest one observation may last (default 60 s). */
  readonly maxObserveMs: number;
}

export const DEFAULT_TIMING: ProbeTiming = {
  promptGapMs: 700,
  settleMs: 2000,
  responseMs: 4000,
  noKeyMs: 10_000,
  firstMs: 10_000,
  maxObserveMs: 60_000,
};

export interface ProbeCallOptions {
  readonly uri: string;
  readonly codecs?: readonly CodecId[];
  readonly account?: CallAccount;
  readonly dtmfMode: DtmfMode;
  readonly timing: ProbeTiming;
}

/** The probe as a scenario; `onResult` receives what its last action led to, or why it could not tell. */
export function probeScenario(
  probe: PlannedProbe,
  o: ProbeCallOptions,
  onResult: (r: Observation | ProbeFailure) => void,
): Scenario {
  const t = o.timing;
  const actions = probe.path.length + (probe.action ? 1 : 0);
  const stepMs = t.maxObserveMs + t.noKeyMs + t.settleMs + 10_000;
  const budget = (actions + 1) * stepMs;
  return scenario(`crawl probe ${probe.id}`, { timeout: budget + 30_000 })
    .call(o.uri, {
      ...(o.codecs?.length ? { codec: [...o.codecs] } : {}),
      ...(o.account ? { account: { ...o.account } } : {}),
    })
    .expect('answered', { timeout: '60s' })
    .step(
      'crawl',
      async (api) => {
        const m = api.monitor;
        const leg = api.leg;
        if (!m || !leg) return api.fail('no call');
        let obs = await observe(api, m, m.samples, t.firstMs, t);
        for (const [i, a] of probe.path.entries()) {
          if (obs.end !== 'waiting') {
            onResult({ failed: `replaying ${pathText(probe.path.slice(0, i))}: ${obs.end} instead of a menu` });
            return;
          }
          obs = await act(api, m, a, o);
        }
        if (!probe.action) return onResult(obs);
        if (obs.end !== 'waiting') {
          onResult({ failed: `replaying ${pathText(probe.path)}: ${obs.end} instead of a menu` });
          return;
        }
        onResult(await act(api, m, probe.action, o));
      },
      { timeout: budget },
    )
    .build();
}

const pathText = (path: readonly CrawlAction[]) => (path.length ? path.map(actionLabel).join(' ') : 'the first call');

async function act(api: StepApi, m: CallMonitor, a: CrawlAction, o: ProbeCallOptions): Promise<Observation> {
  const from = m.samples;
  if (a.kind === 'none') return observe(api, m, from, o.timing.noKeyMs, o.timing);
  await api.leg!.sendDtmf(a.keys, { mode: o.dtmfMode, durationMs: 100, gapMs: 100 });
  return observe(api, m, from, o.timing.responseMs, o.timing);
}

/** Watch the call from sample `from` until the IVR waits, ends, stays silent or talks too long. */
async function observe(
  api: StepApi,
  m: CallMonitor,
  from: number,
  startMs: number,
  t: ProbeTiming,
): Promise<Observation> {
  const began = api.now();
  const settle = (t.settleMs * RATE) / 1000;
  const tones = new ToneWatch(from);
  for (;;) {
    const segs = m.speech.filter((s) => s.end > from);
    const open = m.openSpeech;
    // Ringback, busy or reorder in the audio: the IVR handed the call on (a transfer it bridges itself).
    const tone = tones.feed(m);
    if (tone) {
      const before = segs.filter((s) => s.start < tone.start - TONE_SLACK);
      const prompts = cutPrompts(
        m,
        before.map((s) => ({ start: s.start, end: Math.min(s.end, tone.start) })),
        from,
        t,
      );
      return { prompts, end: 'transfer', transferTo: `tone: ${tone.tone}` };
    }
    const transfer = transferOf(m);
    if (transfer !== undefined || m.ended) {
      const all = open !== undefined ? [...segs, { start: open, end: m.samples }] : segs;
      const prompts = cutPrompts(m, all, from, t);
      if (transfer !== undefined) return { prompts, end: 'transfer', ...(transfer ? { transferTo: transfer } : {}) };
      return { prompts, end: 'hangup' };
    }
    const elapsed = api.now() - began;
    if (segs.length === 0 && open === undefined && elapsed >= startMs) return { prompts: [], end: 'silence' };
    if (segs.length > 0 && open === undefined && m.samples - segs.at(-1)!.end >= settle)
      return { prompts: cutPrompts(m, segs, from, t), end: 'waiting' };
    if (elapsed >= t.maxObserveMs) {
      const all = open !== undefined ? [...segs, { start: open, end: m.samples }] : segs;
      return { prompts: cutPrompts(m, all, from, t), end: 'cut' };
    }
    await api.sleep(POLL_MS);
  }
}

/** Speech that starts this close before a tone is the tone's own onset, not a prompt: 50 ms. */
const TONE_SLACK = 400;

/** Call-progress tones that mean the call went elsewhere. */
const HANDED_ON = new Set(['ringback', 'busy', 'reorder']);

/** The call-progress detector over the received audio from `from` on, fed as it arrives. */
class ToneWatch {
  private readonly detector = new CallProgressDetector();
  private at: number;

  constructor(private readonly from: number) {
    this.at = from;
  }

  /** The first ringback, busy or reorder heard since `from` (`start`: a sample index of the call). */
  feed(m: CallMonitor): { tone: string; start: number } | undefined {
    if (m.samples > this.at) {
      this.detector.process(m.slice(this.at, m.samples));
      this.at = m.samples;
    }
    for (let e = this.detector.pollEvent(); e; e = this.detector.pollEvent())
      if (HANDED_ON.has(e.tone)) return { tone: e.tone, start: this.from + e.start };
    return undefined;
  }
}

/** A transfer seen on the call: its target ('' when unknown), or undefined. */
function transferOf(m: CallMonitor): string | undefined {
  for (const e of m.events) {
    if (e.type === 'transfer') return e.target;
    if (e.type === 'failed' && e.status >= 300 && e.status < 400) return '';
  }
  return undefined;
}

/** Speech segments into prompts: a gap of `promptGapMs` or more starts a new one. */
export function cutPrompts(
  m: CallMonitor,
  segs: readonly { start: number; end: number }[],
  from: number,
  t: ProbeTiming,
): ObservedPrompt[] {
  const gap = (t.promptGapMs * RATE) / 1000;
  const groups: { start: number; end: number }[] = [];
  for (const s of segs) {
    const start = Math.max(s.start, from);
    const last = groups.at(-1);
    // The IVR's pause as it sent it: silence the receiver made up in a stall (an underrun found to be
    // a loss) is none of it, quiet frames its jitter buffer dropped to cut its delay are.
    // (Drops in the voice activity's hangover after the speech count: that is the pause too.)
    const pause = last ? start - last.end - stalled(m, last.end, start) + droppedIn(m, last.end - HANGOVER, start) : 0;
    if (last && pause < gap) last.end = Math.max(last.end, s.end);
    else groups.push({ start, end: s.end });
  }
  const clip = (start: number, end: number) => {
    const [s, e] = [Math.max(0, start - PAD), Math.min(m.samples, end + PAD)];
    // A stall inside: its inserted silence is not the far end's speech.
    const inserted = m.stalls.length ? made(m, start, end, 'stretch') : 0;
    return {
      samples: m.slice(s, e),
      speechMs: Math.round(((end - start - inserted) / RATE) * 1000),
      holes: holesIn(m.concealed, s, e),
    };
  };
  const clips = groups.map((g) => clip(g.start, g.end));
  // Each prompt also joined to the one before it, the silence between them left out (their 100 ms of
  // context each side kept): a prompt that a stalled stream cut in two is whole there. When the one
  // before ends in concealment (the stream stopped: the receiver concealed what it could, then played
  // silence), the stall is cut out to the sample: the join is made at the concealment's end and the
  // seam masked, so no silence lands in the middle of a word.
  return clips.map((c, i) => {
    const before = clips[i - 1];
    if (!before) return c;
    const stall = stallEnding(m, groups[i - 1]!);
    if (stall !== undefined) {
      const bs = Math.max(0, groups[i - 1]!.start - PAD);
      const ns = Math.max(stall, groups[i]!.start - FRAME);
      const ne = Math.min(m.samples, groups[i]!.end + PAD);
      const [head, tail] = [m.slice(bs, stall), m.slice(ns, ne)];
      const samples = new Int16Array(head.length + tail.length);
      samples.set(head);
      samples.set(tail, head.length);
      const seam = { start: head.length, end: head.length, kind: 'lost' as const };
      return {
        ...c,
        withPrevious: {
          samples,
          speechMs: Math.round(((head.length + tail.length - 2 * PAD) / RATE) * 1000),
          holes: joinHoles([...holesIn(m.concealed, bs, stall), seam], head.length, holesIn(m.concealed, ns, ne)),
        },
      };
    }
    const samples = new Int16Array(before.samples.length + c.samples.length);
    samples.set(before.samples);
    samples.set(c.samples, before.samples.length);
    return {
      ...c,
      withPrevious: {
        samples,
        speechMs: before.speechMs + c.speechMs + (2 * PAD * 1000) / RATE,
        holes: joinHoles(before.holes, before.samples.length, c.holes),
      },
    };
  });
}

/** A frame, samples. */
const FRAME = 160;
/** The most of a gap's silence a stall excuses: 2 s (a stream dead longer still ends the prompt). */
const MAX_STALL = 2 * RATE;

/** Samples of [a, b) the receiver made up of a kind (or any kind it played: `lost`, `stretch`). */
function made(m: CallMonitor, a: number, b: number, kind?: 'lost' | 'stretch'): number {
  let n = 0;
  for (const h of m.concealed) {
    if (h.kind === 'dropped' || (kind !== undefined && h.kind !== kind)) continue;
    n += Math.max(0, Math.min(b, h.end) - Math.max(a, h.start));
  }
  return n;
}

/** The call monitor's voice activity hangover (200 ms): silence inside a speech segment's end. */
const HANGOVER = 1600;

/** Far-end audio the jitter buffer dropped unplayed at seams in [a, b), samples. */
function droppedIn(m: CallMonitor, a: number, b: number): number {
  let n = 0;
  for (const h of m.concealed) if (h.kind === 'dropped' && h.start >= a && h.start < b) n += h.end - h.start;
  return n;
}

/**
 * How much of the silence [a, b) between two stretches of speech the
 * receiver made up in a stall: the concealment and underrun silence there,
 * when an underrun in it was found to be a loss (`CallMonitor.stalls`);
 * at most `MAX_STALL`. A pause of the sender (real quiet packets, or no
 * packets with no sequence number missing) is none of it.
 */
function stalled(m: CallMonitor, a: number, b: number): number {
  if (!m.stalls.some((s) => s.start < b && s.end > a)) return 0;
  return Math.min(MAX_STALL, made(m, a, b));
}
/** Concealment this long or longer at the end of speech is a stream that stopped: 80 ms. */
const STALL_CONCEAL = 640;

/**
 * Where a stall ends the speech of `g`: the end of concealment (`lost`, 80 ms or more) that the
 * speech ends in; undefined when its speech ends in the far end's own audio.
 */
function stallEnding(m: CallMonitor, g: { start: number; end: number }): number | undefined {
  for (const h of m.concealed) {
    if (h.kind === 'lost' && h.end - h.start >= STALL_CONCEAL && h.start <= g.end && g.end <= h.end + FRAME)
      return h.end;
  }
  return undefined;
}
