/**
 * Which transcripts may become `heard:` steps. A free transcription of a
 * synthetic voice over G.711 is rough, and a `heard:` that only just passed
 * on the crawl's recording flakes on replay. So each transcript is put to
 * the same verification a `heard` step makes (no `prompts:` list: forced
 * alignment against a phone loop) on the prompt's own recording, and kept
 * only when it passes every threshold with a margin.
 */
import type { Recogniser } from '../../asr/recogniser.js';
import { wordSimilarity } from '../../asr/similarity.js';
import { DEFAULT_VERIFY_THRESHOLDS } from '../../asr/verify.js';
import type { PromptInfo } from './types.js';

export interface HeardMargins {
  /** Above the whole-clip threshold (−15), per 10 ms frame (default 6). */
  readonly score: number;
  /** Above the worst-stretch threshold (−60) (default 20). */
  readonly window: number;
  /** Least share of the clip the alignment reaches (default 0.99). */
  readonly coverage: number;
  /** Fewest words a transcript needs (default 3). */
  readonly words: number;
  /** Word similarity every other recording's transcript must reach (default 0.9). */
  readonly sameWords: number;
}

export const DEFAULT_HEARD_MARGINS: HeardMargins = {
  score: 6,
  window: 25,
  coverage: 0.99,
  words: 3,
  sameWords: 0.9,
};

/** The verdict on one prompt's transcript. */
export interface HeardCheck {
  readonly id: string;
  readonly transcript: string;
  readonly kept: boolean;
  readonly why: string;
}

/** Check every prompt's transcript against its own recording; `kept` ones are fit for `heard:`. */
export async function verifyTranscripts(
  prompts: readonly PromptInfo[],
  asr: Recogniser,
  margins: HeardMargins = DEFAULT_HEARD_MARGINS,
): Promise<HeardCheck[]> {
  const t = DEFAULT_VERIFY_THRESHOLDS;
  const out: HeardCheck[] = [];
  for (const p of prompts) {
    const words = p.transcript.split(/\s+/).filter(Boolean);
    if (words.length < margins.words || !asr.verify) {
      out.push({ id: p.id, transcript: p.transcript, kept: false, why: `${words.length} words` });
      continue;
    }
    if (p.recordings.length < 2) {
      out.push({ id: p.id, transcript: p.transcript, kept: false, why: 'heard once' });
      continue;
    }
    // The words must come out the same from every recording: a transcript
    // the recogniser makes up differently each time ("transferring you plan
    // a dump" / "transferring new planet") aligns with its own recording
    // and fails on the next.
    let unstable: string | undefined;
    for (const rec of p.recordings.slice(1)) {
      const again = (await asr.recognise(rec)).text;
      if (wordSimilarity(again, p.transcript) < margins.sameWords) unstable = again;
    }
    if (unstable !== undefined) {
      out.push({ id: p.id, transcript: p.transcript, kept: false, why: `another recording heard as "${unstable}"` });
      continue;
    }
    const v = (await asr.verify(p.samples, p.transcript)).verdict;
    const clear =
      v.accepted &&
      v.score >= t.minScore + margins.score &&
      v.worstWindow >= t.minWindow + margins.window &&
      v.coverage >= margins.coverage;
    const why =
      `score ${v.score.toFixed(1)}, worst stretch ${v.worstWindow.toFixed(1)}, ` + `coverage ${v.coverage.toFixed(2)}`;
    out.push({ id: p.id, transcript: p.transcript, kept: clear, why });
  }
  return out;
}
