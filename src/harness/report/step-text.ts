/** One line per step, shared by the TAP diagnostics, JUnit system-out and terminal progress. */
import type { StepResult } from '../engine/results.js';

const MARK = { passed: 'ok  ', failed: 'FAIL', skipped: 'skip' } as const;

/** `ok   4 listen  (620–4440 ms) 2820 ms of speech` */
export function stepLine(s: StepResult): string {
  const span = `${Math.round(s.startMs)}–${Math.round(s.endMs)} ms`;
  const detail =
    s.status === 'failed'
      ? (s.message ?? 'failed') +
        (s.expected !== undefined ? ` | expected ${s.expected} | got ${s.actual ?? 'nothing'}` : '')
      : (s.actual ?? '');
  return `${MARK[s.status]} ${s.path} ${s.label}  (${span})${detail ? ` ${detail}` : ''}`;
}

/** Every step, nested ones indented. */
export function stepLines(steps: readonly StepResult[], indent = ''): string[] {
  return steps.flatMap((s) => [indent + stepLine(s), ...stepLines(s.children ?? [], indent + '  ')]);
}
