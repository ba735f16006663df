/**
 * The summary of a load run: pass/fail counts, per-step latency percentiles
 * (steps grouped by kind and label, so "press 1" and "press 2" are apart),
 * scenario durations, recognition times, and the media statistics of all
 * calls together.
 */
import type { RunResult, StepResult } from '../engine/results.js';
import { percentile } from './percentile.js';

export interface LatencyStats {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

export interface LoadSummary {
  readonly total: number;
  readonly passed: number;
  readonly failed: number;
  /** Scenario runs per second of the run's wall (or virtual) time. */
  readonly throughput: number;
  readonly scenarioMs: LatencyStats;
  /** By `kind label`, in the order first seen. */
  readonly steps: readonly { readonly step: string; readonly failed: number; readonly ms: LatencyStats }[];
  /** Time the recogniser took per `heard`, wall-clock ms. */
  readonly recognitionMs?: LatencyStats;
  readonly media: {
    readonly calls: number;
    readonly packetsSent: number;
    readonly packetsReceived: number;
    readonly packetsLost: number;
    /** Lost / (received + lost), percent. */
    readonly lossPercent: number;
    readonly meanJitterMs: number;
    readonly maxJitterMs: number;
  };
  /** The distinct failure lines and how often each occurred. */
  readonly failures: readonly { readonly failure: string; readonly count: number }[];
}

export function latency(values: readonly number[]): LatencyStats {
  return {
    count: values.length,
    p50: percentile(values, 50),
    p90: percentile(values, 90),
    p99: percentile(values, 99),
    max: values.length ? Math.max(...values) : NaN,
  };
}

function flatten(steps: readonly StepResult[]): StepResult[] {
  return steps.flatMap((s) => [s, ...flatten(s.children ?? [])]);
}

/**
 * Summarise a run.
 *
 * @example
 * const s = loadSummary(run);
 * console.log(s.passed, s.steps.find((x) => x.step.startsWith('heard'))?.ms.p99);
 */
export function loadSummary(run: RunResult): LoadSummary {
  const groups = new Map<string, { failed: number; ms: number[] }>();
  const asr: number[] = [];
  const failures = new Map<string, number>();
  let sent = 0;
  let received = 0;
  let lost = 0;
  const jitters: number[] = [];
  for (const r of run.scenarios) {
    for (const s of flatten(r.steps)) {
      if (s.status === 'skipped' || s.kind === 'repeat' || s.kind === 'retry') continue;
      const key = `${s.kind === 'send_dtmf' ? 'press' : s.kind} ${s.label.replace(/^(\w+) /, '')}`.replace(
        /^(\w+) \1$/,
        '$1',
      );
      const g = groups.get(key) ?? { failed: 0, ms: [] };
      g.ms.push(s.endMs - s.startMs);
      if (s.status === 'failed') g.failed++;
      groups.set(key, g);
      if (s.details?.recognitionMs !== undefined) asr.push(s.details.recognitionMs);
    }
    if (r.failure) failures.set(r.failure, (failures.get(r.failure) ?? 0) + 1);
    if (r.media) {
      sent += r.media.packetsSent;
      received += r.media.packetsReceived;
      lost += r.media.packetsLost;
      jitters.push(r.media.jitterMs);
    }
  }
  return {
    total: run.summary.total,
    passed: run.summary.passed,
    failed: run.summary.failed,
    throughput: run.durationMs > 0 ? (run.summary.total * 1000) / run.durationMs : 0,
    scenarioMs: latency(run.scenarios.map((r) => r.durationMs)),
    steps: [...groups].map(([step, g]) => ({ step, failed: g.failed, ms: latency(g.ms) })),
    ...(asr.length ? { recognitionMs: latency(asr) } : {}),
    media: {
      calls: jitters.length,
      packetsSent: sent,
      packetsReceived: received,
      packetsLost: lost,
      lossPercent: received + lost > 0 ? (100 * lost) / (received + lost) : 0,
      meanJitterMs: jitters.length ? jitters.reduce((a, b) => a + b, 0) / jitters.length : 0,
      maxJitterMs: jitters.length ? Math.max(...jitters) : 0,
    },
    failures: [...failures].map(([failure, count]) => ({ failure, count })).sort((a, b) => b.count - a.count),
  };
}

const f = (x: number) => (Number.isFinite(x) ? String(Math.round(x)) : '-');

/** The summary as text, one block for a terminal. */
export function formatLoadSummary(s: LoadSummary): string {
  const lines = [
    `${s.total} scenario runs: ${s.passed} passed, ${s.failed} failed (${s.throughput.toFixed(2)} per second)`,
    `scenario duration ms: p50 ${f(s.scenarioMs.p50)}  p90 ${f(s.scenarioMs.p90)}  p99 ${f(s.scenarioMs.p99)}  max ` +
      `${f(s.scenarioMs.max)}`,
    'step latency ms (p50 / p90 / p99 / max, failures):',
    ...s.steps.map(
      (x) =>
        `  ${x.step.padEnd(48).slice(0, 48)} ${f(x.ms.p50).padStart(6)} ${f(x.ms.p90).padStart(6)} ` +
        `${f(x.ms.p99).padStart(6)} ${f(x.ms.max).padStart(6)}  ${x.failed ? `${x.failed} failed` : ''}`.trimEnd(),
    ),
  ];
  if (s.recognitionMs) lines.push(`recognition ms: p50 ${f(s.recognitionMs.p50)}  p99 ${f(s.recognitionMs.p99)}`);
  const m = s.media;
  lines.push(
    `media: ${m.calls} calls, ${m.packetsSent} packets sent, ${m.packetsReceived} received, ${m.packetsLost} lost ` +
      `(${m.lossPercent.toFixed(2)} %), jitter mean ${m.meanJitterMs.toFixed(1)} ms, max ` +
      `${m.maxJitterMs.toFixed(1)} ms`,
  );
  for (const x of s.failures.slice(0, 10)) lines.push(`  ${x.count}× ${x.failure}`);
  return lines.join('\n');
}
