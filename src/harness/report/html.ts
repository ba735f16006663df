/**
 * The HTML report: one self-contained page per run (`index.html`) with the
 * clips as WAV files beside it. For each scenario: its steps, a timeline of
 * the call, the waveform of what was heard with every assertion marked, the
 * transcripts, and audio players for the whole call and each prompt.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResult, ScenarioResult, StepResult } from '../engine/results.js';
import { writeClips, type ClipFiles } from './clips.js';
import { esc, timelineSvg, waveformSvg } from './svg.js';

/** What a step's "got" column shows: the failure and what was found, or what was found. */
function gotText(s: StepResult): string {
  if (s.status !== 'failed') return s.actual ?? '';
  return `${s.message ?? ''}${s.actual ? ` — ${s.actual}` : ''}`;
}

/** An audio player for a clip file, or nothing. */
function audioTag(file: string | undefined): string {
  return file ? `<audio controls preload="metadata" src="${esc(file)}"></audio>` : '';
}

const CSS = `
body{font:14px/1.4 system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:16px;color:#222}
h1{font-size:22px}h2{font-size:18px;margin:0}h3{font-size:14px;margin:16px 0 4px}
.summary{font-size:16px}
.badge{display:inline-block;padding:1px 8px;border-radius:9px;color:#fff;font-size:12px;vertical-align:middle}
.passed>.head .badge,.badge.passed{background:#1a8f3a}.failed>.head .badge,.badge.failed{background:#d0202a}
section.scenario{border:1px solid #ddd;border-radius:6px;padding:12px;margin:16px 0}
section.failed{border-color:#d0202a}.failure{color:#d0202a;font-family:monospace;white-space:pre-wrap}
table{border-collapse:collapse;width:100%;font-size:12px}
td,th{border-bottom:1px solid #eee;padding:3px 6px;text-align:left;vertical-align:top}
tr.failed td{background:#fdecec}tr.skipped td{color:#999}td.num{text-align:right;white-space:nowrap}
audio{height:32px;vertical-align:middle}.clips{display:flex;flex-wrap:wrap;gap:8px}
.clip{border:1px solid #eee;padding:4px;border-radius:4px;font-size:12px}
nav a{margin-right:10px}
`;

function flatten(steps: readonly StepResult[]): StepResult[] {
  return steps.flatMap((s) => [s, ...flatten(s.children ?? [])]);
}

const ms = (x: number) => `${(x / 1000).toFixed(2)} s`;

function scenarioSection(r: ScenarioResult, i: number, files: ClipFiles): string {
  const steps = flatten(r.steps);
  const rows = steps
    .map(
      (s) =>
        `<tr class="${s.status}"><td>${esc(s.path)}</td><td>${esc(s.label)}</td><td>${s.status}</td>` +
        `<td class="num">${ms(s.startMs)}–${ms(s.endMs)}</td><td>${esc(s.expected ?? '')}</td>` +
        `<td>${esc(gotText(s))}</td></tr>`,
    )
    .join('\n');
  const clipFile = (id: string | undefined) => (id ? files.clips.get(i)?.get(id) : undefined);
  const heard = steps.filter((s) => s.kind === 'heard' && s.details?.transcript !== undefined);
  const transcripts = heard.length
    ? '<h3>Transcripts</h3><table class="transcripts">' +
      `<tr><th>step</th><th>expected</th><th>heard</th><th>similarity</th><th>clip</th></tr>${heard
        .map((s) => {
          const f = clipFile(s.details?.clipId);
          const d = s.details!;
          return (
            `<tr class="${s.status}"><td>${esc(s.path)}</td><td>${esc(s.expected ?? '')}</td>` +
            `<td>${esc(d.transcript || '(nothing recognised)')}</td>` +
            `<td class="num">${d.similarity?.toFixed(2) ?? ''} / ${d.threshold ?? ''}</td><td>${audioTag(f)}</td></tr>`
          );
        })
        .join('')}</table>`
    : '';
  const clips = r.clips.length
    ? `<h3>Prompts heard</h3><div class="clips">${r.clips
        .map((c) => {
          const f = clipFile(c.id);
          return (
            `<div class="clip"><div>${esc(c.id)} · ${esc(c.label)} · ` +
            `${ms(c.startMs)}–${ms(c.endMs)}</div>${audioTag(f)}</div>`
          );
        })
        .join('')}</div>`
    : '';
  const call = files.calls.get(i);
  const m = r.media;
  const media = m
    ? `<h3>Media</h3><p>codec ${esc(m.codec ?? '?')}, ${m.packetsSent} packets sent, ${m.packetsReceived} received, ` +
      `${m.packetsLost} lost, jitter ${m.jitterMs.toFixed(1)} ms</p>`
    : '';
  return `<section class="scenario ${r.status}" id="s${i + 1}">
<div class="head"><h2>${esc(r.name)}${
    r.iteration > 1 ? ` ` + `#${r.iteration}` : ''
  } <span class="badge">${r.status}</span></h2><div>${
    r.file ? esc(r.file) + ' · ' + '' : ''
  }${ms(r.durationMs)}</div></div>
${r.failure ? `<p class="failure">${esc(r.failure)}</p>` : ''}
<h3>Timeline</h3>${timelineSvg(r)}
<h3>What was heard</h3>${waveformSvg(r)}
${call ? `<div>whole call: <audio controls preload="metadata" src="${esc(call)}"></audio></div>` : ''}
<h3>Steps</h3><table class="steps">
<tr><th>#</th><th>step</th><th>status</th><th>time</th><th>expected</th><th>got</th></tr>
${rows}</table>
${transcripts}
${clips}
${media}
</section>`;
}

/** The page for a run, given where its clips were written. */
export function htmlReport(run: RunResult, files: ClipFiles): string {
  const nav = run.scenarios
    .map(
      (r, i) =>
        `<a href="#s${i + 1}"><span class="badge ${r.status}">${r.status === 'passed' ? '✓' : '✗'}</span> ` +
        `${esc(r.name)}${r.iteration > 1 ? ` #${r.iteration}` : ''}</a>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>shtoom IVR report</title><style>${CSS}</style></head>
<body>
<h1>IVR test run</h1>
<p class="summary" data-testid="summary">${run.summary.total} scenarios: <b>${run.summary.passed} passed</b>, \
<b>${run.summary.failed} failed</b> · started ${esc(run.startedAt)} · ${ms(run.durationMs)}</p>
<nav>${nav}</nav>
${run.scenarios.map((r, i) => scenarioSection(r, i, files)).join('\n')}
</body></html>
`;
}

/**
 * Write `dir/index.html` and the clips it plays; returns the page's path.
 *
 * @example writeHtmlReport(run, 'ivr-report'); // open ivr-report/index.html
 */
export function writeHtmlReport(run: RunResult, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const files = writeClips(run, dir);
  const page = join(dir, 'index.html');
  writeFileSync(page, htmlReport(run, files));
  return page;
}
