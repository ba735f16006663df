/**
 * TAP version 13: one test point per scenario run, with a YAML block on a
 * failure (the step, what was expected, what was heard).
 */
import type { RunResult, ScenarioResult, StepResult } from '../engine/results.js';

function firstFailure(steps: readonly StepResult[]): StepResult | undefined {
  for (const s of steps) {
    if (s.status !== 'failed') continue;
    return firstFailure(s.children ?? []) ?? s;
  }
  return undefined;
}

const yamlString = (s: string) => JSON.stringify(s);

/** The test point for one scenario run (numbered `n`). */
export function tapPoint(r: ScenarioResult, n: number): string {
  const name = `${r.name}${r.iteration > 1 ? ` #${r.iteration}` : ''}`.replace(/#(?!\d)/g, '\\#');
  if (r.status === 'passed') return `ok ${n} - ${name}`;
  const f = firstFailure(r.steps);
  const lines = [`not ok ${n} - ${name}`, '  ---', `  message: ${yamlString(r.failure ?? 'failed')}`];
  if (f) {
    lines.push(`  step: ${yamlString(`${f.path} ${f.label}`)}`);
    if (f.expected !== undefined) lines.push(`  expected: ${yamlString(f.expected)}`);
    if (f.actual !== undefined) lines.push(`  got: ${yamlString(f.actual)}`);
    if (f.details?.transcript !== undefined) lines.push(`  transcript: ${yamlString(f.details.transcript)}`);
    if (f.details?.similarity !== undefined) lines.push(`  similarity: ${f.details.similarity.toFixed(3)}`);
    if (f.details?.matchScore !== undefined) lines.push(`  score: ${f.details.matchScore.toFixed(3)}`);
    if (f.details?.tones?.length) lines.push(`  tones: ${yamlString(f.details.tones.join(', '))}`);
    if (f.details?.digits !== undefined) lines.push(`  digits: ${yamlString(f.details.digits)}`);
    if (f.details?.clipId !== undefined) lines.push(`  clip: ${yamlString(f.details.clipId)}`);
  }
  if (r.file) lines.push(`  file: ${yamlString(r.file)}`);
  lines.push('  ...');
  return lines.join('\n');
}

/**
 * The whole run as TAP.
 *
 * @example process.stdout.write(tapReport(run));
 */
export function tapReport(run: RunResult): string {
  const out = ['TAP version 13', `1..${run.scenarios.length}`];
  for (const [i, r] of run.scenarios.entries()) out.push(tapPoint(r, i + 1));
  out.push(`# ${run.summary.passed} passed, ${run.summary.failed} failed`);
  return out.join('\n') + '\n';
}
