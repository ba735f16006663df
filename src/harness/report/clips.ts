/** Writing a run's audio as WAV files beside a report: each prompt clip and each call's whole received audio. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeWav } from '../../audio/formats/wav-format.js';
import type { RunResult } from '../engine/results.js';

/** Report-relative file names: `clips[scenarioIndex][clipId]` and `calls[scenarioIndex]`. */
export interface ClipFiles {
  readonly clips: Map<number, Map<string, string>>;
  readonly calls: Map<number, string>;
}

/**
 * Write every clip under `dir/clips/` (or `dir/<sub>`) and return their names relative to `dir`.
 *
 * @example const files = writeClips(run, 'report');
 */
export function writeClips(run: RunResult, dir: string, sub = 'clips'): ClipFiles {
  mkdirSync(join(dir, sub), { recursive: true });
  const prefix = sub ? `${sub}/` : '';
  const clips = new Map<number, Map<string, string>>();
  const calls = new Map<number, string>();
  const wav = (pcm: Int16Array) => encodeWav(pcm, { sampleRate: 8000, channels: 1, encoding: 'pcm16' });
  run.scenarios.forEach((r, i) => {
    const m = new Map<string, string>();
    for (const c of r.clips) {
      const name = `${prefix}s${i + 1}-${c.id}.wav`;
      writeFileSync(join(dir, name), wav(c.samples));
      m.set(c.id, name);
    }
    clips.set(i, m);
    if (r.audio) {
      const name = `${prefix}s${i + 1}-call.wav`;
      writeFileSync(join(dir, name), wav(r.audio.samples));
      calls.set(i, name);
    }
  });
  return { clips, calls };
}
