/**
 * The report's two pictures, drawn as inline SVG: the call's timeline
 * (signalling, prompts, digits and audio sent, digits and tones received,
 * silences) and the waveform of everything heard, with each assertion
 * marked where it was judged (green passed, red failed).
 */
import type { ScenarioResult, StepResult, TimelineEntry } from '../engine/results.js';

export const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const W = 1000;
const LEFT = 90;
const PLOT = W - LEFT - 10;

const LANES: { name: string; kinds: TimelineEntry['kind'][]; color: string }[] = [
  { name: 'call', kinds: ['dial', 'progress', 'answered', 'failed', 'ended', 'hangup'], color: '#555' },
  { name: 'prompts', kinds: ['prompt'], color: '#3b7dd8' },
  { name: 'sent', kinds: ['dtmf-sent', 'say', 'play'], color: '#d8893b' },
  { name: 'received', kinds: ['dtmf-received', 'tone'], color: '#8a3bd8' },
  { name: 'quiet', kinds: ['silence', 'wait'], color: '#999' },
];

function scale(totalMs: number) {
  const t = Math.max(totalMs, 1);
  return (ms: number) => LEFT + (Math.max(0, Math.min(ms, t)) / t) * PLOT;
}

function axis(x: (ms: number) => number, totalMs: number, y: number): string {
  const step = [100, 250, 500, 1000, 2000, 5000, 10_000, 30_000, 60_000].find((s) => totalMs / s <= 12) ?? 120_000;
  const ticks: string[] = [];
  for (let t = 0; t <= totalMs; t += step) {
    ticks.push(
      `<line x1="${x(t)}" y1="${y}" x2="${x(t)}" y2="${y + 4}" stroke="#888"/><text x="${x(t)}" y="${y + 14}" ` +
        `font-size="10" text-anchor="middle" fill="#555">${(t / 1000).toFixed(step < 1000 ? 1 : 0)} s</text>`,
    );
  }
  return `<line x1="${LEFT}" y1="${y}" x2="${LEFT + PLOT}" y2="${y}" stroke="#888"/>${ticks.join('')}`;
}

/** The timeline of one scenario's call. */
export function timelineSvg(r: ScenarioResult): string {
  const total = Math.max(r.durationMs, ...r.timeline.map((e) => e.endMs ?? e.startMs));
  const x = scale(total);
  const laneH = 26;
  const h = LANES.length * laneH + 30;
  const parts: string[] = [];
  LANES.forEach((lane, i) => {
    const y = 6 + i * laneH;
    let labelEnd = -Infinity;
    parts.push(
      `<text x="4" y="${y + 15}" font-size="11" fill="#333">${lane.name}</text><line x1="${LEFT}" ` +
        `y1="${y + laneH - 3}" x2="${LEFT + PLOT}" y2="${y + laneH - 3}" stroke="#eee"/>`,
    );
    for (const e of r.timeline.filter((t) => lane.kinds.includes(t.kind))) {
      const until = e.endMs !== undefined ? `–${(e.endMs / 1000).toFixed(2)} s` : '';
      const title = `<title>${esc(`${e.label} @ ${(e.startMs / 1000).toFixed(2)} s${until}`)}</title>`;
      if (e.endMs !== undefined && e.endMs > e.startMs) {
        const w = Math.max(2, x(e.endMs) - x(e.startMs));
        parts.push(
          `<rect class="tl-${e.kind}" x="${x(e.startMs)}" y="${y + 3}" width="${w}" height="16" rx="3" ` +
            `fill="${lane.color}" fill-opacity="0.55">${title}</rect>`,
        );
        if (w > 40)
          parts.push(
            `<text x="${x(e.startMs) + 3}" y="${y + 15}" font-size="9" ` +
              `fill="#000">${esc(e.label.slice(0, Math.floor(w / 5.5)))}</text>`,
          );
      } else {
        parts.push(
          `<circle class="tl-${e.kind}" cx="${x(e.startMs)}" cy="${y + 11}" r="5" ` +
            `fill="${lane.color}">${title}</circle>`,
        );
        // Label a point only where the previous label has ended (the tooltip always has it).
        const text = e.label.slice(0, 22);
        if (x(e.startMs) + 7 >= labelEnd) {
          parts.push(`<text x="${x(e.startMs) + 7}" y="${y + 15}" font-size="9" fill="#333">${esc(text)}</text>`);
          labelEnd = x(e.startMs) + 7 + text.length * 5 + 6;
        }
      }
    }
  });
  parts.push(axis(x, total, LANES.length * laneH + 8));
  return (
    `<svg class="timeline" data-testid="timeline" viewBox="0 0 ${W} ${h}" width="100%" role="img" ` +
    `aria-label="call timeline" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>`
  );
}

const ASSERTIONS = new Set(['heard', 'matches', 'tone', 'dtmf', 'silence', 'duration', 'listen', 'expect', 'custom']);

function flatten(steps: readonly StepResult[]): StepResult[] {
  return steps.flatMap((s) => [s, ...flatten(s.children ?? [])]);
}

/** The waveform of what was heard, with the assertions marked. */
export function waveformSvg(r: ScenarioResult): string {
  const total = Math.max(r.durationMs, 1);
  const x = scale(total);
  const h = 150;
  const mid = 70;
  const amp = 60;
  const parts: string[] = [`<line x1="${LEFT}" y1="${mid}" x2="${LEFT + PLOT}" y2="${mid}" stroke="#ddd"/>`];
  parts.push(`<text x="4" y="${mid + 4}" font-size="11" fill="#333">heard</text>`);
  for (const e of r.timeline.filter((t) => t.kind === 'prompt' && t.endMs !== undefined)) {
    parts.push(
      `<rect x="${x(e.startMs)}" y="${mid - amp - 4}" width="${Math.max(1, x(e.endMs!) - x(e.startMs))}" ` +
        `height="${2 * amp + 8}" fill="#3b7dd8" fill-opacity="0.08"/>`,
    );
  }
  const a = r.audio;
  if (a && a.samples.length > 0) {
    const pts: string[] = [];
    const cols = PLOT;
    const perCol = ((total / 1000) * 8000) / cols;
    for (let c = 0; c < cols; c++) {
      const t0 = Math.floor(c * perCol - (a.startMs / 1000) * 8000);
      const t1 = Math.floor((c + 1) * perCol - (a.startMs / 1000) * 8000);
      let lo = 0;
      let hi = 0;
      for (let i = Math.max(0, t0); i < Math.min(a.samples.length, t1); i++) {
        const v = a.samples[i]!;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      if (hi - lo < 1) continue;
      const px = LEFT + c + 0.5;
      pts.push(
        `M${px.toFixed(1)} ${(mid - (hi / 32768) * amp).toFixed(1)}V${(mid - (lo / 32768) * amp + 0.5).toFixed(1)}`,
      );
    }
    parts.push(`<path class="wave" d="${pts.join('')}" stroke="#2a5" stroke-width="1" fill="none"/>`);
  } else {
    parts.push(`<text x="${LEFT + 10}" y="${mid - 8}" font-size="11" fill="#999">no audio received</text>`);
  }
  for (const s of flatten(r.steps).filter((s) => ASSERTIONS.has(s.kind) && s.status !== 'skipped')) {
    const color = s.status === 'passed' ? '#1a8f3a' : '#d0202a';
    const px = x(s.endMs);
    const text =
      `${s.path} ${s.label}: ${s.status}${s.actual ? ` — ${s.actual}` : ''}` +
      (s.message && s.status === 'failed' ? ` — ${s.message}` : '');
    const title = `<title>${esc(text)}</title>`;
    parts.push(
      `<g class="marker marker-${s.status}"><line x1="${px}" y1="${mid - amp - 6}" x2="${px}" y2="${mid + amp + 6}" ` +
        `stroke="${color}" stroke-width="${s.status === 'failed' ? 2 : 1}"/><circle cx="${px}" ` +
        `cy="${mid - amp - 6}" r="3.5" fill="${color}"/>${title}</g>`,
    );
  }
  parts.push(axis(x, total, h - 20));
  return (
    `<svg class="waveform" data-testid="waveform" viewBox="0 0 ${W} ${h}" width="100%" role="img" ` +
    `aria-label="waveform of what was heard" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>`
  );
}
