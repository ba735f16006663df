/**
 * The changes `compareMaps` found, for people (lines on stdout) and for CI
 * (JUnit XML: one testcase per menu of the earlier map and one for the first
 * call, failed where something changed, and one failed testcase per new menu).
 */
import { xmlEscape } from '../report/junit.js';
import type { ChangeKind, MapChange, MapView } from './compare.js';

const TITLE: Record<ChangeKind, string> = {
  prompt: 'PROMPT CHANGED',
  'key-added': 'KEY ADDED',
  'key-removed': 'KEY REMOVED',
  outcome: 'OUTCOME CHANGED',
  'node-gone': 'MENU GONE',
  'node-new': 'MENU NEW',
};

/** One change in words: `KEY REMOVED at first menu, key 2: was …, now …`. */
export function changeLine(c: MapChange): string {
  const key = c.key === undefined ? '' : `, key ${c.key ?? '(no key)'}`;
  return `${TITLE[c.kind]} at ${c.where}${key}: was ${c.before}, now ${c.after}`;
}

/** The report on stdout: a line per change, and a summary. */
export function compareText(changes: readonly MapChange[], against: string): string[] {
  if (changes.length === 0) return [`no change against ${against}`];
  return [...changes.map(changeLine), `${changes.length} change(s) against ${against}`];
}

/** JUnit XML of a comparison; `durationMs` is the crawl's. */
export function compareJunit(
  before: MapView,
  changes: readonly MapChange[],
  o: { readonly against: string; readonly durationMs: number; readonly startedAt: string },
): string {
  const secs = (ms: number) => (ms / 1000).toFixed(3);
  const cases: { name: string; changes: readonly MapChange[] }[] = [
    { name: 'the first call', changes: changes.filter((c) => c.node === undefined) },
    ...before.nodes.map((n) => ({
      name: `menu ${n.path.length ? n.path.map((k) => k ?? '(no key)').join(' ') : '(first menu)'} (${n.id})`,
      changes: changes.filter((c) => c.node === n.id && c.kind !== 'node-new'),
    })),
    ...changes
      .filter((c) => c.kind === 'node-new')
      .map((c) => ({ name: `new menu ${c.where} (${c.node})`, changes: [c] })),
  ];
  const failed = cases.filter((c) => c.changes.length > 0).length;
  const body = cases.map((c) => {
    const text = c.changes.map(changeLine).join('\n');
    const message = c.changes.length ? xmlEscape(changeLine(c.changes[0]!)) : '';
    const failure = c.changes.length
      ? `\n    <failure message="${message}" type="MapChanged">${xmlEscape(text)}</failure>`
      : '';
    return `  <testcase name="${xmlEscape(c.name)}" classname="crawl.compare" time="0.000">${failure}\n  </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites tests="${cases.length}" failures="${failed}" time="${secs(o.durationMs)}">`,
    `<testsuite name="${xmlEscape(`shtoom ivr crawl --compare ${o.against}`)}" tests="${cases.length}" ` +
      `failures="${failed}" errors="0" skipped="0" time="${secs(o.durationMs)}" ` +
      `timestamp="${xmlEscape(o.startedAt.replace(/\.\d+Z$/, ''))}">`,
    ...body,
    '</testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
