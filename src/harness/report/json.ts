/**
 * The JSON report: the run as data, with audio replaced by the names of the
 * WAV files written beside it (when a directory is given) and its length.
 */
import type { RunResult } from '../engine/results.js';
import type { ClipFiles } from './clips.js';

/**
 * @example writeFileSync('ivr.json', JSON.stringify(jsonReport(run), null, 2));
 */
export function jsonReport(run: RunResult, files?: ClipFiles): unknown {
  return {
    startedAt: run.startedAt,
    durationMs: run.durationMs,
    summary: run.summary,
    scenarios: run.scenarios.map((r, i) => ({
      name: r.name,
      file: r.file,
      iteration: r.iteration,
      status: r.status,
      startedAt: r.startedAt,
      durationMs: r.durationMs,
      failure: r.failure,
      steps: r.steps,
      timeline: r.timeline,
      media: r.media,
      recordings: r.recordings,
      clips: r.clips.map((c) => ({
        id: c.id,
        label: c.label,
        startMs: c.startMs,
        endMs: c.endMs,
        file: files?.clips.get(i)?.get(c.id),
      })),
      audio: r.audio
        ? { startMs: r.audio.startMs, durationMs: (r.audio.samples.length / 8000) * 1000, file: files?.calls.get(i) }
        : undefined,
    })),
  };
}
