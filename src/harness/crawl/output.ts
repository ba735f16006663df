/**
 * What a crawl leaves behind: `tree.json` (the map), `index.html` (the map
 * drawn, see `html-map.ts`), `prompts/*.wav` (each
 * prompt once, as recorded) and `scenarios/*.yaml`, one regression scenario
 * per path to a leaf (a hang-up, a transfer, silence): the keys, `matches:`
 * on every prompt on the way, `heard:` where a transcript verified against
 * its own recording (see `verified-transcripts.ts`), and the expected end.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { encodeWav } from '../../audio/formats/wav-format.js';
import type { CodecId } from '../../codecs/codec.js';
import type { DtmfMode } from '../call-port.js';
import type { CrawlMap } from './crawler.js';
import { DEFAULT_TIMING, type ProbeTiming } from './probe.js';
import { crawlMapHtml, type HtmlTree } from './html-map.js';
import { bestRecording } from './prompt-library.js';
import type { CrawlAction, CrawlEdge } from './types.js';

/** The `matches` threshold of generated scenarios. */
export const MATCH_THRESHOLD = 0.75;

export interface CrawlOutputOptions {
  /** More scenario variables (`--var`). */
  readonly vars?: Readonly<Record<string, string>>;
  readonly codecs?: readonly CodecId[];
  readonly dtmfMode: DtmfMode;
  readonly timing: ProbeTiming;
  /** Transcripts fit for `heard:`, by prompt id. */
  readonly heard?: ReadonlyMap<string, string>;
}

/** A path from the first call to a leaf, as the scenario walks it. */
export interface LeafPath {
  readonly name: string;
  readonly file: string;
  /** What to do, in order: listen to a prompt, press keys, wait for the IVR's own timeout. */
  readonly walk: readonly ({ kind: 'prompt'; id: string } | { kind: 'action'; action: CrawlAction })[];
  readonly end: CrawlEdge;
}

const keyName = (a: CrawlAction) => (a.kind === 'none' ? 'wait' : a.keys.replace(/\*/g, 'star').replace(/#/g, 'pound'));
const keyLabel = (a: CrawlAction) => (a.kind === 'none' ? '(no key)' : a.keys);

/** Every path from the entry to a leaf edge (hang-up, transfer, silence), by each menu's shortest path. */
export function leafPaths(map: CrawlMap): LeafPath[] {
  if (!map.entry?.to) return [];
  const entryWalk: LeafPath['walk'] = [
    ...map.entry.said.map((id) => ({ kind: 'prompt' as const, id })),
    { kind: 'prompt', id: map.nodes.find((n) => n.id === map.entry!.to)!.prompt },
  ];
  const edgeAt = (from: string, a: CrawlAction) =>
    map.edges.find(
      (e) => e.from === from && e.action.kind === a.kind && keyLabel(e.action) === keyLabel(a) && e.to !== undefined,
    );
  const out: LeafPath[] = [];
  for (const end of map.edges) {
    if (end.outcome !== 'hangup' && end.outcome !== 'transfer' && end.outcome !== 'silence') continue;
    const node = map.nodes.find((n) => n.id === end.from)!;
    const walk = [...entryWalk];
    let at = map.entry.to;
    let ok = true;
    for (const a of node.path) {
      const e = edgeAt(at, a);
      if (!e) {
        ok = false;
        break;
      }
      walk.push({ kind: 'action', action: a });
      for (const id of e.said) walk.push({ kind: 'prompt', id });
      walk.push({ kind: 'prompt', id: map.nodes.find((n) => n.id === e.to)!.prompt });
      at = e.to!;
    }
    if (!ok) continue;
    walk.push({ kind: 'action', action: end.action });
    for (const id of end.said) walk.push({ kind: 'prompt', id });
    const keys = [...node.path, end.action];
    out.push({
      name: `crawl: ${keys.map(keyLabel).join(' ')} -> ${end.outcome}`,
      file: `${keys.map(keyName).join('-')}-${end.outcome}.yaml`,
      walk,
      end,
    });
  }
  return out.sort((a, b) => (a.file < b.file ? -1 : 1));
}

/** A prompt at step `i` of a walk may carry a `heard:` only when no key follows it (see `leafScenarioYaml`). */
const heardAllowed = (walk: LeafPath['walk'], i: number) => {
  const next = walk[i + 1];
  return !(next?.kind === 'action' && next.action.kind === 'keys');
};

/** The prompts some scenario could check with `heard:`: the only ones worth verifying a transcript of. */
export function heardCandidates(map: CrawlMap): Set<string> {
  const out = new Set<string>();
  for (const leaf of leafPaths(map))
    for (const [i, w] of leaf.walk.entries()) if (w.kind === 'prompt' && heardAllowed(leaf.walk, i)) out.add(w.id);
  return out;
}

/** The scenario of one leaf path, as YAML. */
export function leafScenarioYaml(map: CrawlMap, leaf: LeafPath, o: CrawlOutputOptions): string {
  const t = o.timing;
  const steps: unknown[] = [
    { call: '${ivr}', ...(o.codecs?.length ? { codec: [...o.codecs] } : {}) },
    { expect: 'answered', timeout: '30s' },
  ];
  let afterNone = false;
  let budgetMs = 40_000;
  for (const [i, w] of leaf.walk.entries()) {
    if (w.kind === 'action') {
      if (w.action.kind === 'none') afterNone = true;
      else steps.push({ press: w.action.keys, ...(o.dtmfMode !== 'rfc4733' ? { mode: o.dtmfMode } : {}) });
      budgetMs += t.noKeyMs;
      continue;
    }
    const p = map.prompts.find((x) => x.id === w.id)!;
    // After "no key" the IVR speaks only once its own timeout has passed.
    // The prompts cut where the crawl cut them: `listen`'s own gap is the crawl's default.
    const gap = t.promptGapMs !== DEFAULT_TIMING.promptGapMs ? { silence: `${t.promptGapMs}ms` } : {};
    const listen = { ...gap, ...(afterNone ? { start: `${t.noKeyMs + 5000}ms` } : {}) };
    steps.push(Object.keys(listen).length ? { listen } : 'listen');
    afterNone = false;
    steps.push({ matches: `../prompts/${p.id}.wav` });
    // Not before a key: recognition on a busy machine can take seconds, and
    // a key pressed after the menu's own timeout finds the menu said again.
    const text = o.heard?.get(p.id);
    if (text && heardAllowed(leaf.walk, i)) steps.push({ heard: text });
    budgetMs += p.speechMs + 5000;
  }
  if (leaf.end.outcome === 'hangup') steps.push({ expect: 'hangup', timeout: '15s' });
  else if (leaf.end.outcome === 'transfer' && leaf.end.detail?.startsWith('tone: '))
    // Handed on in the audio (ringback, busy): the scenario waits for the same tone.
    steps.push({ tone: leaf.end.detail.slice('tone: '.length), timeout: '15s' });
  else if (leaf.end.outcome === 'transfer') steps.push({ expect: 'transfer', timeout: '15s' });
  else steps.push({ silence: { min_ms: Math.max(1000, t.responseMs - 1000) } });
  const doc = {
    name: leaf.name,
    description: `written by shtoom ivr crawl from ${map.uri}`,
    timeout: `${Math.ceil(budgetMs / 1000) + 30}s`,
    vars: { ivr: map.uri, ...o.vars },
    // A recording replayed on a loaded machine scores 0.8-0.9 against itself
    // now and then (a stretch concealed or stretched by the jitter buffer);
    // another prompt scores under 0.5 (docs/ivr.md, reference matching).
    settings: { match_threshold: MATCH_THRESHOLD },
    steps,
  };
  return stringify(doc, { lineWidth: 0 });
}

/** The map as JSON: nodes with their prompt's transcript and audio file, edges with key and outcome. */
export function treeJson(map: CrawlMap): HtmlTree {
  const prompt = (id: string) => map.prompts.find((p) => p.id === id)!;
  return {
    uri: map.uri,
    calls: map.callsUsed,
    reprobes: map.reprobes,
    unexplored: map.unexplored,
    durationMs: Math.round(map.durationMs),
    entry: map.entry ?? null,
    nodes: map.nodes.map((n) => ({
      id: n.id,
      kind: n.kind,
      prompt: n.prompt,
      transcript: prompt(n.prompt).transcript,
      audio: `prompts/${n.prompt}.wav`,
      durationMs: prompt(n.prompt).speechMs,
      path: n.path.map((a) => (a.kind === 'none' ? null : a.keys)),
      depth: n.depth,
      truncated: n.truncated,
    })),
    edges: map.edges.map((e) => ({
      from: e.from,
      key: e.action.kind === 'none' ? null : e.action.keys,
      outcome: e.outcome,
      ...(e.to ? { to: e.to } : {}),
      said: e.said,
      ...(e.detail ? { detail: e.detail } : {}),
    })),
    prompts: map.prompts.map((p) => ({
      id: p.id,
      transcript: p.transcript,
      audio: `prompts/${p.id}.wav`,
      durationMs: p.speechMs,
    })),
    pending: map.pending.map((p) => ({ from: p.node, key: p.action.kind === 'none' ? null : p.action.keys })),
  };
}

/** Write tree.json, prompts/ and scenarios/ into `dir`; returns the scenario files written. */
export function writeCrawl(map: CrawlMap, dir: string, o: CrawlOutputOptions): string[] {
  mkdirSync(join(dir, 'prompts'), { recursive: true });
  mkdirSync(join(dir, 'scenarios'), { recursive: true });
  for (const p of map.prompts)
    writeFileSync(
      join(dir, 'prompts', `${p.id}.wav`),
      encodeWav(bestRecording(p), { sampleRate: 8000, channels: 1, encoding: 'pcm16' }),
    );
  const tree = treeJson(map);
  writeFileSync(join(dir, 'tree.json'), `${JSON.stringify(tree, null, 2)}\n`);
  writeFileSync(join(dir, 'index.html'), crawlMapHtml(tree));
  const files: string[] = [];
  for (const leaf of leafPaths(map)) {
    const f = join(dir, 'scenarios', leaf.file);
    writeFileSync(f, leafScenarioYaml(map, leaf, o));
    files.push(f);
  }
  return files;
}
