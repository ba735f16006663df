/**
 * The steps that listen and judge: listen, heard, matches, tone, dtmf,
 * silence, duration. Each failure says what was expected and what was found.
 */
import { CallProgressDetector } from '../../audio/dsp/call-progress.js';
import { ToneDetector } from '../../audio/dsp/tone-detector.js';
import { digitDecoys } from '../../asr/decoys.js';
import { RecogniserMissingError } from '../../asr/errors.js';
import { PocketsphinxRecogniser } from '../../asr/pocketsphinx.js';
import type { Recognition, Recogniser } from '../../asr/recogniser.js';
import { wordSimilarity } from '../../asr/similarity.js';
import { normaliseText } from '../../asr/text.js';
import { StepFailure } from '../errors.js';
import { matchReference } from '../match/reference-matcher.js';
import type {
  DtmfStep,
  DurationStep,
  HeardStep,
  ListenStep,
  MatchesStep,
  SilenceStep,
  ToneStep,
} from '../scenario/types.js';
import { readAudioFile } from '../audio-file.js';
import type { Prompt, RunState } from './context.js';
import { interpolate } from './interpolate.js';
import type { StepResult } from './results.js';
import { inputPath } from './steps-call.js';
import { waitFor } from './waiter.js';

const RATE = 8000;
const PAD = 800; // 100 ms of context around a prompt clip
/**
 * Audio a prompt clip keeps before the detected speech onset, samples
 * (150 ms): the voice activity detector starts a segment at its first block
 * above −45 dBFS, after a soft onset has begun. Not more: a far end's
 * digital silence before a recording's own lead-in lifts the utterance
 * verification's score of every text, wrong ones too (at 300 ms near misses
 * passed). Never reaches back past the previous prompt's end plus 100 ms.
 */
const PRE_ROLL = 1200;
/** The longest dropout a tone may have and still count as one, samples (100 ms). */
const BRIDGE = 800;

let defaultRecogniser: Recogniser | undefined;

function need(st: RunState) {
  if (!st.leg || !st.monitor) throw new StepFailure('no call: add a "call" step first', 'a call', 'none');
  return st.monitor;
}

const ms = (samples: number) => Math.round((samples / RATE) * 1000);

/** Wait for the far end's prompt: speech, then `silenceMs` of silence (or `maxMs` of speech). */
export async function runListen(
  st: RunState,
  step: Pick<ListenStep, 'silenceMs' | 'maxMs' | 'startMs' | 'label'>,
  res?: StepResult,
): Promise<Prompt> {
  const m = need(st);
  const windowFrom = Math.min(st.windowStart, m.samples);
  const from = Math.min(st.heardUpTo, m.samples);
  const listenStart = st.now();
  const found = await waitFor<{ start: number; end: number; cut: boolean }>(
    st.timers,
    m,
    st.abort,
    step.startMs + step.maxMs + step.silenceMs,
    () => {
      const segs = m.speech.filter((s) => s.end > from);
      const open = m.openSpeech;
      const first = segs.length ? Math.min(segs[0]!.start, open ?? Infinity) : open;
      if (first === undefined) {
        if (m.ended)
          return {
            fail: new StepFailure(
              'the call ended before any prompt',
              'a prompt',
              m.answered ? 'the call ended' : 'no answer',
            ),
          };
        if (st.now() - listenStart >= step.startMs)
          return { fail: new StepFailure(`no speech within ${step.startMs} ms`, 'a prompt', 'silence') };
        return undefined;
      }
      const start = Math.max(0, first);
      if (m.samples - start >= (step.maxMs * RATE) / 1000) {
        return { done: { start, end: m.samples, cut: true } };
      }
      if (open === undefined) {
        const lastEnd = segs.at(-1)!.end;
        if (m.samples - lastEnd >= (step.silenceMs * RATE) / 1000 || m.ended)
          return { done: { start, end: lastEnd, cut: false } };
      } else if (m.ended) return { done: { start, end: m.samples, cut: false } };
      return undefined;
    },
    () => ({ fail: new StepFailure(`no speech within ${step.startMs} ms`, 'a prompt', 'silence') }),
  );
  // Before the first prompt of a call nothing bounds the pre-roll; after one, its end (and 100 ms of its tail) does.
  const floor = from > 0 ? from + PAD : 0;
  const a = Math.max(0, found.start - PRE_ROLL, Math.min(found.start - PAD, floor));
  const b = Math.min(m.samples, found.end + PAD);
  const id = `c${++st.clipCount}`;
  const clip = { id, label: step.label, startMs: m.msOf(a), endMs: m.msOf(b), samples: m.slice(a, b) };
  if (st.env.keepAudio !== false) st.result.clips.push(clip);
  const prompt: Prompt = {
    clip,
    start: found.start,
    end: found.end,
    speechMs: ms(found.end - found.start),
    cut: found.cut,
  };
  st.prompt = prompt;
  st.windowStart = Math.min(windowFrom, found.start);
  st.heardUpTo = found.end;
  st.timeline({
    kind: 'prompt',
    label: `prompt ${id} (${(prompt.speechMs / 1000).toFixed(1)} s)`,
    startMs: m.msOf(found.start),
    endMs: m.msOf(found.end),
  });
  if (res) {
    res.details = { speechMs: prompt.speechMs, clipId: id };
    res.actual = `${prompt.speechMs} ms of speech${found.cut ? ' (cut at max)' : ''}`;
  }
  return prompt;
}

async function promptFor(st: RunState): Promise<Prompt> {
  return st.prompt ?? runListen(st, { ...st.scenario.settings.listen, label: 'listen (implicit)' });
}

/** The recogniser `heard` uses: the environment's, else pocketsphinx (its decoders pooled, one per CPU of each kind). */
export function recogniserOf(st: Pick<RunState, 'env'>): Recogniser {
  return st.env.recogniser ?? (defaultRecogniser ??= new PocketsphinxRecogniser());
}

/** Whether `heard` chooses among listed phrases (prompts, competitors, decoys) rather than verifying. */
function listsPhrases(st: RunState, step: Pick<HeardStep, 'competitors'>): boolean {
  return st.scenario.prompts.length > 0 || (step.competitors?.length ?? 0) > 0 || st.scenario.settings.decoys;
}

/**
 * Before the call: let the recogniser learn the scenario's phrases and
 * start its decoders, so the first prompt is judged as fast as the others
 * (a decoder loads its model in about a second, more on a busy machine),
 * and so that the processes it needs are forked before any call's media
 * runs on this thread. Resolves when the words are known and the decoders
 * asked for (not loaded); a failure shows at the first `heard`.
 */
export async function prepareRecogniser(st: RunState, steps: readonly HeardStep[]): Promise<void> {
  if (steps.length === 0) return;
  const asr = recogniserOf(st);
  if (!asr.prepare) return;
  const text = (p: string) => {
    try {
      return [interpolate(p, st.vars)];
    } catch {
      return [];
    }
  };
  const phrases = [...st.scenario.prompts, ...steps.flatMap((s) => [s.text, ...(s.competitors ?? [])])].flatMap(text);
  const verify = steps.some((s) => !listsPhrases(st, s)) && !!asr.verify;
  await st.hold(asr.prepare({ phrases, verify })).catch(() => undefined);
}

export async function runHeard(st: RunState, step: HeardStep, res: StepResult): Promise<void> {
  need(st);
  const expected = interpolate(step.text, st.vars);
  const threshold = step.threshold ?? st.scenario.settings.heardThreshold;
  const prompt = await promptFor(st);
  const others = [...st.scenario.prompts, ...st.allPhrases, ...(step.competitors ?? [])].flatMap((p) => {
    try {
      return [interpolate(p, st.vars)];
    } catch {
      return [];
    }
  });
  const want = normaliseText(expected);
  const phrases = [
    ...new Set([want, ...others.map(normaliseText), ...(st.scenario.settings.decoys ? digitDecoys(want) : [])]),
  ].filter(Boolean);
  const asr = recogniserOf(st);
  res.details = {
    clipId: prompt.clip.id,
    threshold,
    phrases: phrases.length,
    recogniser: asr.name,
    speechMs: prompt.speechMs,
  };
  res.expected = `"${expected}"`;
  try {
    await st.hold(asr.check());
  } catch (e) {
    if (e instanceof RecogniserMissingError) throw new StepFailure(e.message, res.expected, 'no recogniser');
    throw e;
  }
  // What was heard is transcribed freely, knowing neither the expected text
  // nor the listed prompts: never the expectation echoed back. It runs
  // beside the decision and holds nothing up, pass or fail (a failing step
  // inside a retry must be retried while the IVR still listens): the step's
  // report is completed when it is ready; the progress lines after it and
  // the scenario's result wait for it.
  const transcript = asr.recognise(prompt.clip.samples).then(
    (r) => r,
    (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
  );
  const heard = (t: Recognition | Error): string => {
    const text = t instanceof Error ? '' : t.text;
    Object.assign(res.details!, { transcript: text, similarity: wordSimilarity(text, want) });
    return t instanceof Error ? `(no transcript: ${t.message})` : `"${text || '(nothing recognised)'}"`;
  };
  const PENDING = '(transcript pending)';
  const passLater = (actual: (h: string) => string) => {
    res.actual = actual(PENDING);
    st.later.set(
      res,
      transcript.then((t) => () => {
        res.actual = actual(heard(t));
      }),
    );
  };
  /** Fail now; the message and `actual` get the transcript when it comes. */
  const failLater = (why: (h: string) => string, actual: (h: string) => string): never => {
    res.actual = actual(PENDING);
    st.later.set(
      res,
      transcript.then((t) => () => {
        const h = heard(t);
        res.actual = actual(h);
        res.message = why(h);
      }),
    );
    throw new StepFailure(why(PENDING), res.expected, res.actual);
  };
  // Without the IVR's prompts (or competitors, or decoys) to choose among, a
  // grammar would be forced onto the expected phrase: verify it instead.
  if (!listsPhrases(st, step) && asr.verify) {
    const v = await st.hold(asr.verify(prompt.clip.samples, expected));
    Object.assign(res.details, {
      recognitionMs: Math.round(v.elapsedMs),
      phrases: 1,
      verification: {
        score: round1(v.verdict.score),
        worstWindow: round1(v.verdict.worstWindow),
        worstWords: v.verdict.worstWords,
        coverage: Math.round(v.verdict.coverage * 100) / 100,
      },
    });
    const score = `score ${v.verdict.score.toFixed(1)}`;
    if (!v.verdict.accepted)
      failLater(
        (h) => `not what was said: ${v.verdict.reason}; heard ${h}`,
        (h) => `${h} (not verified, ${score})`,
      );
    passLater((h) => `${h} (verified, ${score})`);
    return;
  }
  // The recogniser chooses among the phrases: the decision.
  const r = await st.hold(asr.recognise(prompt.clip.samples, { phrases }));
  const similarity = wordSimilarity(r.text, want);
  Object.assign(res.details, {
    chosen: r.text,
    recognitionMs: Math.round(r.elapsedMs),
    ...(r.acousticScore !== undefined ? { acousticScore: r.acousticScore } : {}),
  });
  const chose = r.text ? `"${r.text}"` : 'nothing';
  // Picking another listed prompt (or a near-miss decoy) is a positive
  // identification of a different prompt, however many words it shares
  // with the expected one.
  const other = r.text !== want && phrases.includes(r.text);
  if (other || similarity < threshold) {
    const why = other
      ? `heard a different prompt: ${chose} (similarity ${similarity.toFixed(2)})`
      : `no listed prompt fits: chose ${chose}, similarity ${similarity.toFixed(2)} < ${threshold}`;
    failLater(
      (h) => `${why}; heard freely ${h}`,
      (h) => `${h} (chose ${chose})`,
    );
  }
  const rivals = phrases.length - 1;
  passLater((h) => `${h} (chose the expected phrase over ${rivals} other${rivals === 1 ? '' : 's'})`);
}

const round1 = (x: number) => (Number.isFinite(x) ? Math.round(x * 10) / 10 : x);

export async function runMatches(st: RunState, step: MatchesStep, res: StepResult): Promise<void> {
  need(st);
  const file = inputPath(st, interpolate(step.file, st.vars));
  const threshold = step.threshold ?? st.scenario.settings.matchThreshold;
  let reference: Int16Array;
  try {
    reference = readAudioFile(file);
  } catch (e) {
    throw new StepFailure(
      `cannot read the reference ${file}: ${(e as Error).message}`,
      'a readable WAV file',
      (e as Error).message,
    );
  }
  const prompt = await promptFor(st);
  const r = matchReference(prompt.clip.samples, reference);
  res.details = {
    clipId: prompt.clip.id,
    matchScore: r.score,
    offsetMs: r.offsetMs,
    coverage: r.coverage,
    threshold,
    speechMs: prompt.speechMs,
  };
  res.expected = `${step.file} (score ≥ ${threshold})`;
  res.actual =
    `score ${r.score.toFixed(2)} (correlation ${r.correlation.toFixed(2)} × coverage ` +
    `${(r.coverage * 100).toFixed(0)} %), offset ${r.offsetMs} ms`;
  if (r.score < threshold)
    throw new StepFailure(
      `the prompt does not match ${step.file}: score ${r.score.toFixed(2)} < ${threshold}`,
      res.expected,
      res.actual,
    );
}

export async function runDuration(st: RunState, step: DurationStep, res: StepResult): Promise<void> {
  need(st);
  const prompt = await promptFor(st);
  res.details = { clipId: prompt.clip.id, speechMs: prompt.speechMs };
  res.expected = `${step.minMs ?? 0}..${step.maxMs ?? '∞'} ms`;
  res.actual = `${prompt.speechMs} ms`;
  if (
    (step.minMs !== undefined && prompt.speechMs < step.minMs) ||
    (step.maxMs !== undefined && prompt.speechMs > step.maxMs)
  ) {
    throw new StepFailure(`the prompt lasted ${prompt.speechMs} ms, outside ${res.expected}`, res.expected, res.actual);
  }
}

export async function runTone(st: RunState, step: ToneStep, timeoutMs: number, res: StepResult): Promise<void> {
  const m = need(st);
  const from = st.windowStart;
  const minSamples = (step.minMs * RATE) / 1000;
  const found: string[] = [];
  let fed = from;
  const name = step.progress ?? `${step.freqs!.join('+')}Hz`;
  res.expected = step.progress ? `${step.progress} tone` : `${name} for ≥ ${step.minMs} ms`;
  const cp = step.progress ? new CallProgressDetector() : undefined;
  const td = step.freqs ? new ToneDetector([{ name, freqs: step.freqs }]) : undefined;
  let hit: string | undefined;
  // The tone as heard: detector segments joined across dropouts of up to
  // BRIDGE (a few lost or late packets concealed into silence).
  let seg: { start: number; end: number } | undefined;
  let open = false;
  res.details = { tones: found };
  const feed = () => {
    if (m.samples > fed) {
      const chunk = m.view(fed);
      fed = m.samples;
      if (cp) {
        cp.process(chunk);
        for (let e; (e = cp.pollEvent()); ) {
          const at = (m.msOf(from + e.start) / 1000).toFixed(1);
          found.push(`${e.tone} at ${at} s`);
          if (e.tone === step.progress && !hit) hit = `${e.tone} from ${at} s`;
        }
      }
      if (td) {
        td.process(chunk);
        for (let e; (e = td.pollEvent()); ) {
          if (e.type === 'start') {
            if (seg && e.start - seg.end <= BRIDGE) found.pop();
            else seg = { start: e.start, end: e.start };
            open = true;
          } else {
            open = false;
            seg!.end = e.start + e.duration!;
            const a = m.msOf(from + seg!.start) / 1000;
            found.push(`${name} ${a.toFixed(2)}-${(a + (seg!.end - seg!.start) / RATE).toFixed(2)} s`);
            if (seg!.end - seg!.start >= minSamples && !hit) hit = `${name} for ${ms(seg!.end - seg!.start)} ms`;
          }
        }
        if (open && fed - from - seg!.start >= minSamples && !hit) hit = `${name} for ≥ ${step.minMs} ms`;
      }
    }
  };
  const got = await waitFor<string>(
    st.timers,
    m,
    st.abort,
    timeoutMs,
    () => {
      feed();
      if (hit) return { done: hit };
      if (m.ended)
        return {
          fail: new StepFailure(`no ${res.expected} before the call ended`, res.expected, found.join(', ') || 'none'),
        };
      return undefined;
    },
    () => ({
      fail: new StepFailure(`no ${res.expected} within ${timeoutMs} ms`, res.expected, found.join(', ') || 'no tone'),
    }),
  );
  res.actual = got;
  st.timeline({ kind: 'tone', label: got, startMs: st.now() });
}

export async function runDtmf(st: RunState, step: DtmfStep, timeoutMs: number, res: StepResult): Promise<void> {
  const m = need(st);
  const want = interpolate(step.digits, st.vars).toUpperCase();
  const fromMs = m.msOf(st.windowStart);
  res.expected = `digits ${want}${step.method ? ` by ${step.method}` : ''}`;
  const seen = () => {
    const ds = m.digits.filter((d) => d.atMs >= fromMs - 1 && (!step.method || d.method === step.method));
    res.details = { digits: ds.map((d) => d.digit).join(''), digitMethods: ds.map((d) => d.method) };
    return ds;
  };
  const got = await waitFor<ReturnType<typeof seen>>(
    st.timers,
    m,
    st.abort,
    timeoutMs,
    () => {
      const ds = seen();
      const text = ds.map((d) => d.digit).join('');
      if (text.includes(want)) return { done: ds };
      if (m.ended)
        return {
          fail: new StepFailure(`digits ${want} not received before the call ended`, res.expected, text || 'none'),
        };
      return undefined;
    },
    () => {
      const ds = seen();
      return {
        fail: new StepFailure(
          `digits ${want} not received within ${timeoutMs} ms`,
          res.expected,
          ds.map((d) => `${d.digit} (${d.method})`).join(' ') || 'none',
        ),
      };
    },
  );
  res.actual = got.map((d) => d.digit).join('');
}

export async function runSilence(st: RunState, step: SilenceStep, res: StepResult): Promise<void> {
  const m = need(st);
  const from = m.samples;
  const start = st.now();
  res.expected = `silence for ${step.minMs} ms`;
  await waitFor(
    st.timers,
    m,
    st.abort,
    step.minMs,
    () => {
      const open = m.openSpeech;
      const heard = m.speech.find((s) => s.end > from) ?? (open !== undefined ? { start: open } : undefined);
      if (heard) {
        const after = Math.max(0, Math.round(m.msOf(Math.max(heard.start, from)) - m.msOf(from)));
        return {
          fail: new StepFailure(
            `sound after ${after} ms of the ${step.minMs} ms that should be silent`,
            res.expected,
            `sound after ${after} ms`,
          ),
        };
      }
      return undefined;
    },
    () => ({ done: undefined }),
  );
  res.actual = `silent for ${step.minMs} ms`;
  st.timeline({ kind: 'silence', label: `silence ${step.minMs} ms`, startMs: start, endMs: st.now() });
  st.windowStart = m.samples;
}
