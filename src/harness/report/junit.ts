/**
 * JUnit XML as CI servers read it: one testsuite per run, one testcase per
 * scenario run, its steps in system-out, and a failure element naming the
 * step, what was expected and what was heard.
 */
import type { RunResult } from '../engine/results.js';
import { stepLines } from './step-text.js';

/** Escape text for XML (and drop characters XML 1.0 forbids). */
export function xmlEscape(s: string): string {
  return (
    s
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
  );
}

/**
 * @example writeFileSync('ivr.xml', junitReport(run, 'ivr'));
 */
export function junitReport(run: RunResult, suiteName = 'shtoom ivr'): string {
  const secs = (ms: number) => (ms / 1000).toFixed(3);
  const cases = run.scenarios.map((r) => {
    const name = `${r.name}${r.iteration > 1 ? ` #${r.iteration}` : ''}`;
    const classname = r.file ? r.file.replace(/\.ya?ml$/, '').replace(/[\\/]/g, '.') : 'scenario';
    const out = stepLines(r.steps).join('\n');
    const failure =
      r.status === 'failed'
        ? `\n    <failure message="${xmlEscape(r.failure ?? 'failed')}" ` +
          `type="StepFailure">${xmlEscape(r.failure ?? 'failed')}</failure>`
        : '';
    return (
      `  <testcase name="${xmlEscape(name)}" classname="${xmlEscape(classname)}" ` +
      `time="${secs(r.durationMs)}">${failure}\n    <system-out>${xmlEscape(out)}</system-out>\n  </testcase>`
    );
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites tests="${run.summary.total}" failures="${run.summary.failed}" time="${secs(run.durationMs)}">`,
    `<testsuite name="${xmlEscape(suiteName)}" tests="${run.summary.total}" failures="${run.summary.failed}" ` +
      `errors="0" skipped="0" time="${secs(run.durationMs)}" ` +
      `timestamp="${xmlEscape(run.startedAt.replace(/\.\d+Z$/, ''))}">`,
    ...cases,
    '</testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
