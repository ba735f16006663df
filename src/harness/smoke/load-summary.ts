/**
 * Many smoke calls at once (`shtoom smoke URI --calls N`): each call is an
 * ordinary smoke result (`smoke-call.ts`, the thresholds applied to it
 * alone); here they are joined into per-call quality percentiles (latency,
 * loss, jitter: p50/p95/p99/max; MOS: min and p5, the low end being the bad
 * one), counts (answered, passed, refused by status), and the calls that
 * failed with the checks they failed. For people (text) and CI (JUnit, one
 * test case per call).
 */
import { percentile } from '../load/percentile.js';
import type { SmokeResult } from './smoke-call.js';

/**
 * The check of a call that has no smoke result because its worker thread
 * died or never answered in time: such calls are counted as lost (by
 * reason), not among the calls never answered, since whether they were
 * answered is not known.
 */
export const LOST_CHECK = 'worker';

const lostWhy = (r: SmokeResult) => r.checks.find((k) => k.name === LOST_CHECK && !k.ok)?.message;

/** One call of a load run: its number (from 0, in the order they were placed) and its smoke result. */
export interface SmokeLoadCall {
  readonly index: number;
  readonly result: SmokeResult;
}

/** Percentiles of one figure over the calls that have it. */
export interface Spread {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

export interface SmokeLoadSummary {
  readonly target: string;
  readonly calls: number;
  readonly answered: number;
  readonly passed: number;
  readonly failed: number;
  /** Calls never answered, by how they ended (status and message), most frequent first. */
  readonly notAnswered: readonly { readonly status?: number; readonly message: string; readonly count: number }[];
  /** Calls with no result from their worker (it died with them in flight, or never answered), by why. */
  readonly lost: readonly { readonly message: string; readonly count: number }[];
  /** Round-trip audio latency of each answered call that found its probes, ms. */
  readonly latencyMs: Spread;
  /** Round-trip loss of each answered call, percent. */
  readonly lossPercent: Spread;
  /** Mean interarrival jitter of each answered call, ms. */
  readonly jitterMs: Spread;
  /** The E-model MOS of each call that has one: the lowest and the 5th percentile. */
  readonly mos: { readonly count: number; readonly min: number; readonly p5: number };
  /** Each failed call, in order, with the checks it failed. */
  readonly failures: readonly { readonly index: number; readonly checks: readonly string[] }[];
  readonly wallMs: number;
  /** With worker threads: how many, how many died, were started again, were given up (too many deaths in a row). */
  readonly workers?: SmokeLoadWorkers;
}

export interface SmokeLoadWorkers {
  readonly workers: number;
  readonly deaths: number;
  readonly restarts: number;
  readonly abandoned: number;
}

export function spread(values: readonly number[]): Spread {
  return {
    count: values.length,
    p50: percentile(values, 50),
    p95: percentile(values, 95),
    p99: percentile(values, 99),
    max: values.length ? Math.max(...values) : NaN,
  };
}

/**
 * @example
 * const s = smokeLoadSummary('sip:echo@127.0.0.1:5070', calls, 12_000);
 * console.log(s.failed, s.latencyMs.p99, s.mos.min);
 */
export function smokeLoadSummary(
  target: string,
  calls: readonly SmokeLoadCall[],
  wallMs: number,
  workers?: SmokeLoadWorkers,
): SmokeLoadSummary {
  const sorted = [...calls].sort((a, b) => a.index - b.index);
  const answered = sorted.filter((c) => c.result.call.answered);
  const refused = new Map<string, { status?: number; message: string; count: number }>();
  const lost = new Map<string, number>();
  for (const c of sorted) {
    if (c.result.call.answered) continue;
    const why = lostWhy(c.result);
    if (why !== undefined) {
      lost.set(why, (lost.get(why) ?? 0) + 1);
      continue;
    }
    const end = c.result.call.end;
    const key = `${end?.status ?? ''} ${end?.message ?? 'no answer'}`;
    const r = refused.get(key) ?? {
      ...(end?.status !== undefined ? { status: end.status } : {}),
      message: end?.message ?? 'no answer',
      count: 0,
    };
    r.count++;
    refused.set(key, r);
  }
  const mos = answered.flatMap((c) => (c.result.mos ? [c.result.mos.mos] : []));
  return {
    target,
    calls: sorted.length,
    answered: answered.length,
    passed: sorted.filter((c) => c.result.ok).length,
    failed: sorted.filter((c) => !c.result.ok).length,
    notAnswered: [...refused.values()].sort((a, b) => b.count - a.count),
    lost: [...lost].map(([message, count]) => ({ message, count })).sort((a, b) => b.count - a.count),
    latencyMs: spread(
      answered.flatMap((c) => (c.result.latency.roundTripMs !== undefined ? [c.result.latency.roundTripMs] : [])),
    ),
    lossPercent: spread(answered.map((c) => c.result.loss.roundTripPercent)),
    jitterMs: spread(answered.map((c) => c.result.jitter.meanMs)),
    mos: { count: mos.length, min: mos.length ? Math.min(...mos) : NaN, p5: percentile(mos, 5) },
    failures: sorted
      .filter((c) => !c.result.ok)
      .map((c) => ({ index: c.index, checks: c.result.checks.filter((k) => !k.ok).map((k) => k.message) })),
    wallMs,
    ...(workers ? { workers } : {}),
  };
}

const n2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '-');
const n1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '-');

/** The name of call `index` in reports: `call 7` (from 1, as people count). */
export function callName(index: number): string {
  return `call ${index + 1}`;
}

/**
 * The summary for a terminal: counts, the percentiles, and each failed call
 * (at most `maxListed`, then how many more).
 */
export function smokeLoadText(
  s: SmokeLoadSummary,
  mark: (ok: boolean, s: string) => string = (_ok, t) => t,
  maxListed = 50,
): string {
  const ok = s.failed === 0 && s.calls > 0;
  const lines = [
    `smoke ${s.target}: ${s.calls} calls: ${mark(ok, ok ? 'PASS' : 'FAIL')}`,
    `  calls     ${s.answered} answered, ${s.passed} passed, ${s.failed} failed (${(s.wallMs / 1000).toFixed(1)} s)`,
  ];
  for (const r of s.notAnswered)
    lines.push(`  refused   ${r.count}× ${r.status !== undefined ? `${r.status} ` : ''}${r.message}`);
  for (const r of s.lost) lines.push(`  lost      ${r.count}× ${r.message}`);
  const row = (k: string, x: Spread, unit: string, f: (v: number) => string) =>
    lines.push(
      `  ${k.padEnd(9)} p50 ${f(x.p50)}  p95 ${f(x.p95)}  p99 ${f(x.p99)}  max ${f(x.max)} ${unit} (${x.count} calls)`,
    );
  row('latency', s.latencyMs, 'ms', n1);
  row('loss', s.lossPercent, '%', n2);
  row('jitter', s.jitterMs, 'ms', n2);
  lines.push(`  MOS       min ${n2(s.mos.min)}  p5 ${n2(s.mos.p5)} (${s.mos.count} calls)`);
  const w = s.workers;
  if (w) {
    const died = w.deaths ? `: ${w.deaths} died, ${w.restarts} restarted` : ', none died';
    const gaveUp = w.abandoned ? `, ${w.abandoned} given up after deaths in a row` : '';
    lines.push(`  workers   ${w.workers} thread${w.workers === 1 ? '' : 's'}${died}${gaveUp}`);
  }
  for (const f of s.failures.slice(0, maxListed))
    lines.push(`  ${mark(false, 'FAILED')}    ${callName(f.index)}: ${f.checks.join('; ')}`);
  if (s.failures.length > maxListed) lines.push(`  … and ${s.failures.length - maxListed} more failed calls`);
  return lines.join('\n') + '\n';
}

function xml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/**
 * JUnit XML with one test case per call (`call 1`, `call 2`, … so CI
 * history sees the same cases every run): a failed call's failure lists
 * the checks it failed; each case's system-out has its figures; the
 * suite's system-out the summary as JSON.
 */
export function smokeLoadJunit(s: SmokeLoadSummary, calls: readonly SmokeLoadCall[], at: Date): string {
  const sorted = [...calls].sort((a, b) => a.index - b.index);
  const cases = sorted
    .map(({ index, result: r }) => {
      const secs = ((r.call.end?.durationMs ?? 0) / 1000).toFixed(3);
      const head = `    <testcase classname="shtoom.smoke" name="${callName(index)}" time="${secs}">`;
      const bad = r.checks.filter((k) => !k.ok).map((k) => k.message);
      const failure = r.ok
        ? ''
        : `\n      <failure message="${xml(bad.join('; '))}" type="threshold">${xml(bad.join('\n'))}</failure>`;
      const out = r.checks.map((k) => `${k.ok ? 'ok' : 'FAILED'} ${k.message}`).join('\n');
      return `${head}${failure}\n      <system-out>${xml(out)}</system-out>\n    </testcase>`;
    })
    .join('\n');
  const seconds = (s.wallMs / 1000).toFixed(3);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="shtoom smoke" tests="${s.calls}" failures="${s.failed}" time="${seconds}">`,
    `  <testsuite name="smoke ${xml(s.target)} (${s.calls} calls)" tests="${s.calls}" failures="${s.failed}" ` +
      `errors="0" time="${seconds}" timestamp="${at.toISOString().replace(/\.\d+Z$/, '')}">`,
    cases,
    `    <system-out>${xml(JSON.stringify(s))}</system-out>`,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
