/**
 * Holes in a recording: audio the receiver made up instead of hearing it
 * from the far end. A packet lost or late is concealed (the jitter buffer
 * plays its frame with packet loss concealment: the last pitch period
 * repeated and faded, in the middle of a word); a jitter buffer growing its
 * delay inserts a concealed frame (a stretch: everything after it moves 20
 * ms later); a jitter buffer cutting its delay drops a frame unplayed
 * (the audio skips 20 ms). The receiver knows which frames it made up
 * (`AudioEvent.concealed`, `underrun`) and where it dropped one
 * (`dropped`); a prompt's recording carries them as sample ranges, and the
 * prompt comparison leaves them out: stretches are cut out of the audio
 * (what follows moves back to its place), concealed frames and the frame
 * after a drop are masked where they are, each with `MARGIN` around it (a feature frame's
 * window spans 32 ms, and concealment fades into the next good frame).
 *
 * A recording mostly made up is not excused: when what would be masked is
 * over `MAX_SHARE` of its speech (the active frames of the far end's audio,
 * the stretches cut out), it is judged as recorded, holes and all, as it
 * would be without this knowledge.
 */
import { FEATURE_HOP_MS, spectralFeatures, type SpectralFeatures } from '../match/spectral-features.js';

/**
 * Samples [start, end) of a recording the receiver made up: `lost` replaced
 * the far end's audio, `stretch` was inserted. Or `dropped`: far-end audio
 * the jitter buffer dropped unplayed, absent from the recording — the
 * audio skips at `start`, by `end - start` samples. Absent audio can be
 * neither cut out nor masked in place: the comparison puts that much back
 * at the seam (the timeline restored), masked, with the same margins.
 */
export interface Hole {
  readonly start: number;
  readonly end: number;
  readonly kind: 'lost' | 'stretch' | 'dropped';
}

/** Left out around each hole: 20 ms each side. */
const MARGIN = 160;
/** Past this share of a recording's speech made up, the holes excuse nothing. */
export const MAX_SHARE = 0.2;
const HOP = (8000 * FEATURE_HOP_MS) / 1000;
/** A feature frame's window, samples. */
const WIN = 256;
const ACTIVE_DB = -35;

/** The holes of a list that fall in samples [from, to), moved to start at `from` (and clipped to it). */
export function holesIn(holes: readonly Hole[], from: number, to: number): Hole[] {
  const out: Hole[] = [];
  for (const h of holes) {
    const start = Math.max(from, h.start);
    const end = Math.min(to, h.end);
    if (end > start) out.push({ start: start - from, end: end - from, kind: h.kind });
  }
  return out;
}

/** The holes of `b` after those of `a`, for the two recordings joined (`aLength`: `a`'s samples). */
export function joinHoles(a: readonly Hole[], aLength: number, b: readonly Hole[]): Hole[] {
  return [...a, ...b.map((h) => ({ start: h.start + aLength, end: h.end + aLength, kind: h.kind }))];
}

/** Features of a recording for the prompt comparison, and what its holes took from it. */
export interface JudgedFeatures {
  readonly features: SpectralFeatures;
  /** Share of its speech left out (0 without holes); over `MAX_SHARE`, nothing was left out. */
  readonly share: number;
}

/**
 * The features of a recording with its holes left out: stretches cut out of
 * the audio, concealed frames masked, each with its margin. When that would
 * leave out over `MAX_SHARE` of the speech, the plain features (the
 * recording judged as it is).
 */
export function judgedFeatures(samples: Int16Array, holes: readonly Hole[] = []): JudgedFeatures {
  if (holes.length === 0) return { features: spectralFeatures(samples), share: 0 };
  const sorted = [...holes].sort((a, b) => a.start - b.start);
  // Cut the stretches out, put what was dropped back (as silence); the concealed spans, each cut
  // and each gap put back, to be masked where they land.
  const kept: Int16Array[] = [];
  const spans: { start: number; end: number }[] = [];
  let at = 0;
  // Samples cut out minus samples put back, so far.
  let removed = 0;
  for (const h of sorted) {
    const start = Math.max(at, Math.min(samples.length, h.start));
    if (h.kind === 'dropped') {
      const gap = Math.max(0, h.end - h.start);
      kept.push(samples.subarray(at, start), new Int16Array(gap));
      spans.push({ start: start - removed, end: start - removed + gap });
      removed -= gap;
      at = start;
      continue;
    }
    const end = Math.min(samples.length, Math.max(start, h.end));
    if (h.kind === 'stretch') {
      kept.push(samples.subarray(at, start));
      // The cut: where the audio before and after the stretch now meet.
      spans.push({ start: start - removed, end: start - removed });
      removed += end - start;
      at = end;
    } else spans.push({ start: start - removed, end: end - removed });
  }
  kept.push(samples.subarray(at));
  const cut = new Int16Array(samples.length - removed);
  let o = 0;
  for (const k of kept) {
    cut.set(k, o);
    o += k.length;
  }
  const f = spectralFeatures(cut);
  const masked = new Uint8Array(f.frames);
  for (const s of spans) {
    const a = s.start - MARGIN;
    const b = s.end + MARGIN;
    // Frames whose window [HOP·t, HOP·t + WIN) overlaps [a, b).
    const first = Math.max(0, Math.floor((a - WIN) / HOP) + 1);
    const last = Math.min(f.frames - 1, Math.ceil(b / HOP) - 1);
    for (let t = first; t <= last; t++) masked[t] = 1;
  }
  // The share of the far end's speech (the audio with the stretches cut out) masked.
  let active = 0;
  let left = 0;
  for (let t = 0; t < f.frames; t++) {
    if (f.level[t]! < ACTIVE_DB) continue;
    active++;
    if (masked[t] === 1) left++;
  }
  const share = active > 0 ? left / active : 1;
  if (share > MAX_SHARE) return { features: spectralFeatures(samples), share };
  return { features: { ...f, masked }, share };
}

/**
 * The share of a recording's speech its holes would leave out, when that is
 * over `MAX_SHARE` (too made up to judge: the crawl probes again); undefined
 * when the recording can be judged.
 */
export function tooMadeUp(samples: Int16Array, holes: readonly Hole[]): number | undefined {
  if (holes.length === 0) return undefined;
  const { share } = judgedFeatures(samples, holes);
  return share > MAX_SHARE ? share : undefined;
}
