/**
 * The steps that act on the call: call, expect, press/send_dtmf, say, play,
 * wait, record, hangup.
 */
import { isAbsolute, resolve } from 'node:path';
import { WavSource } from '../../audio/devices/file.js';
import { speak } from '../../tts/speak.js';
import type { CallPortEvent, FailedEvent } from '../call-port.js';
import { StepFailure } from '../errors.js';
import { PcmSource } from '../pcm-source.js';
import type { CallStep, ExpectStep, PlayStep, RecordStep, SayStep, SendDtmfStep } from '../scenario/types.js';
import { CallMonitor } from './call-monitor.js';
import type { RunState } from './context.js';
import { interpolate } from './interpolate.js';
import type { StepResult } from './results.js';
import { sleep, waitFor } from './waiter.js';
import { NARROWBAND_CODEC_IDS } from '../../codecs/registry.js';

/** An input file named in a scenario: relative to the base directory, else the scenario file's. */
export function inputPath(st: RunState, file: string): string {
  if (isAbsolute(file)) return file;
  const scenarioFile = st.scenario.at?.file;
  const base = st.env.baseDir ?? (scenarioFile ? resolve(scenarioFile, '..') : process.cwd());
  return resolve(base, file);
}

export function outputPath(st: RunState, file: string): string {
  return isAbsolute(file) ? file : resolve(st.env.outputDir ?? process.cwd(), file);
}

function needLeg(st: RunState) {
  if (!st.leg || !st.monitor) throw new StepFailure('no call: add a "call" step first', 'a call', 'none');
  return { leg: st.leg, monitor: st.monitor };
}

export function runCall(st: RunState, step: CallStep, res: StepResult): void {
  if (st.leg && st.monitor && !st.monitor.ended)
    throw new StepFailure('a call is already up: one call per scenario', 'no call', 'a call in progress');
  const uri = interpolate(step.uri, st.vars);
  const monitor = new CallMonitor(st.startedAt);
  st.monitor = monitor;
  st.prompt = undefined;
  st.windowStart = 0;
  st.heardUpTo = 0;
  st.timeline({ kind: 'dial', label: `call ${uri}`, startMs: st.now() });
  res.actual = uri;
  const onEvent = (e: CallPortEvent) => {
    monitor.onEvent(e);
    const ms = e.at - st.startedAt;
    if (e.type === 'progress') st.timeline({ kind: 'progress', label: `${e.status} ${e.reason}`, startMs: ms });
    else if (e.type === 'answered') st.timeline({ kind: 'answered', label: `answered (${e.codec})`, startMs: ms });
    else if (e.type === 'failed') st.timeline({ kind: 'failed', label: `${e.status} ${e.reason}`, startMs: ms });
    else if (e.type === 'ended')
      st.timeline({
        kind: 'ended',
        label: `${e.by === 'remote' ? 'far end hung up' : 'hung up'}: ${e.reason}`,
        startMs: ms,
      });
    else if (e.type === 'dtmf') st.timeline({ kind: 'dtmf-received', label: `${e.digit} (${e.method})`, startMs: ms });
  };
  const account = step.account
    ? Object.fromEntries(
        Object.entries(step.account).map(([k, v]) => [k, typeof v === 'string' ? interpolate(v, st.vars) : v]),
      )
    : undefined;
  st.leg = st.env.port.dial(
    uri,
    {
      // 8 kHz unless the scenario asks: every check of a scenario (speech recognition, heard, matches,
      // DTMF) listens at 8 kHz, so a wideband call would cost CPU and add nothing (docs/ivr.md).
      codecs: step.codecs ?? NARROWBAND_CODEC_IDS,
      ...(step.transport ? { transport: step.transport } : {}),
      ...(account ? { account } : {}),
      ...(step.headers
        ? { headers: Object.fromEntries(Object.entries(step.headers).map(([k, v]) => [k, interpolate(v, st.vars)])) }
        : {}),
    },
    onEvent,
  );
}

const describeFinal = (e: FailedEvent) => `${e.status} ${e.reason}`;

export async function runExpect(st: RunState, step: ExpectStep, timeoutMs: number, res: StepResult): Promise<void> {
  const { monitor } = needLeg(st);
  const want = step.what + (step.status ? ` ${step.status}` : '');
  const check = () => {
    for (const e of monitor.events) {
      switch (step.what) {
        case 'ringing':
        case 'progress':
          if (e.type === 'progress' && (step.what === 'progress' || e.status === 180))
            return { done: `${e.status} ${e.reason}` };
          if (e.type === 'answered')
            return {
              fail: new StepFailure(
                `the call was answered without ${step.what === 'ringing' ? '180 Ringing' : 'a provisional response'}`,
                want,
                'answered',
              ),
            };
          break;
        case 'answered':
          if (e.type === 'answered') return { done: `answered (${e.codec})` };
          break;
        case 'busy':
          if (e.type === 'failed' && (step.status ? e.status === step.status : e.status === 486 || e.status === 600))
            return { done: describeFinal(e) };
          break;
        case 'rejected':
          if (e.type === 'failed' && (step.status ? e.status === step.status : e.status >= 300))
            return { done: describeFinal(e) };
          break;
        case 'hangup':
          if (e.type === 'ended' && e.by === 'remote') return { done: `far end hung up (${e.reason})` };
          break;
        case 'ended':
          if (e.type === 'ended') return { done: `call ended (${e.reason})` };
          break;
        case 'transfer':
          if (e.type === 'transfer') return { done: `transfer to ${e.target}` };
          if (e.type === 'failed' && e.status >= 300 && e.status < 400) return { done: describeFinal(e) };
          break;
      }
      if (e.type === 'failed')
        return { fail: new StepFailure(`the call failed with ${describeFinal(e)}`, want, describeFinal(e)) };
      if (e.type === 'ended')
        return { fail: new StepFailure(`the call ended (${e.by}: ${e.reason})`, want, `ended: ${e.reason}`) };
    }
    return undefined;
  };
  const got = await waitFor(st.timers, monitor, st.abort, timeoutMs, check, () => {
    const last = monitor.events.at(-1);
    const state = last ? (last.type === 'progress' ? `${last.status} ${last.reason}` : last.type) : 'nothing yet';
    return { fail: new StepFailure(`no ${want} within ${timeoutMs} ms`, want, state) };
  });
  res.actual = got;
}

export async function runSendDtmf(st: RunState, step: SendDtmfStep): Promise<void> {
  const { leg, monitor } = needLeg(st);
  if (monitor.ended) throw new StepFailure('the call has ended', 'a call in progress', 'ended');
  const digits = interpolate(step.digits, st.vars);
  const start = st.now();
  for (const [i, d] of [...digits].entries()) {
    st.timeline({
      kind: 'dtmf-sent',
      label: `${d} (${step.mode})`,
      startMs: start + i * (step.durationMs + step.gapMs),
      endMs: start + i * (step.durationMs + step.gapMs) + step.durationMs,
    });
  }
  await leg.sendDtmf(digits, { mode: step.mode, durationMs: step.durationMs, gapMs: step.gapMs });
  st.windowStart = monitor.samples;
  st.prompt = undefined;
}

export async function runSay(st: RunState, step: SayStep): Promise<void> {
  const { leg, monitor } = needLeg(st);
  const text = interpolate(step.text, st.vars);
  const options = {
    ...(step.engine ? { engine: step.engine } : {}),
    ...(step.voice ? { voice: step.voice } : {}),
    ...(step.wordsPerMinute ? { wordsPerMinute: step.wordsPerMinute } : {}),
  };
  const pcm = await st.hold((st.env.tts ?? speak)(text, options));
  const start = st.now();
  await leg.play(new PcmSource(pcm, `tts:${text}`));
  st.timeline({ kind: 'say', label: `say "${text}"`, startMs: start, endMs: st.now() });
  st.windowStart = monitor.samples;
  st.prompt = undefined;
}

export async function runPlay(st: RunState, step: PlayStep): Promise<void> {
  const { leg, monitor } = needLeg(st);
  const file = inputPath(st, interpolate(step.file, st.vars));
  let src: WavSource;
  try {
    src = WavSource.open(`file:${file}`, file);
  } catch (e) {
    throw new StepFailure(`cannot play ${file}: ${(e as Error).message}`, 'a readable WAV file', (e as Error).message);
  }
  const start = st.now();
  try {
    await leg.play(src);
  } finally {
    await src.close();
  }
  st.timeline({ kind: 'play', label: `play ${step.file}`, startMs: start, endMs: st.now() });
  st.windowStart = monitor.samples;
  st.prompt = undefined;
}

export async function runWait(st: RunState, ms: number): Promise<void> {
  const start = st.now();
  await sleep(st.timers, st.abort, ms);
  st.timeline({ kind: 'wait', label: `wait ${ms} ms`, startMs: start, endMs: st.now() });
}

export function runRecord(st: RunState, step: RecordStep): void {
  const { monitor } = needLeg(st);
  st.recordings.push({ file: outputPath(st, interpolate(step.file, st.vars)), from: monitor.samples });
}

export async function runHangup(st: RunState): Promise<void> {
  const { leg } = needLeg(st);
  st.timeline({ kind: 'hangup', label: 'hang up', startMs: st.now() });
  await leg.hangup();
}
