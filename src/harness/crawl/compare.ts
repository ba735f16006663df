/**
 * What changed between two maps of one IVR, sans I/O: the map a crawl wrote
 * earlier (`tree.json` and its prompt WAVs) and a new crawl of the same
 * IVR. Both are walked together from the entry, menu by menu, pairing the
 * menus each key leads to, and every difference is one change: a prompt that
 * says something else (by audio first, transcripts only as a second opinion:
 * `samePrompt`), a key that now does something where it repeated the menu
 * (added) or the reverse (removed), another outcome, a menu no longer
 * reached (gone) or reached for the first time (new).
 */
import type { CrawlMap } from './crawler.js';
import type { Hole } from './holes.js';
import { samePrompt, type PromptLibraryOptions } from './prompt-library.js';

/** A prompt of a map with its audio: every recording kept (a map read back from disk has one). */
export interface MapPrompt {
  readonly id: string;
  readonly transcript: string;
  readonly speechMs: number;
  readonly recordings: readonly Int16Array[];
  /** The holes of each recording (audio the receiver made up), when known: a crawl's own recordings. */
  readonly holes?: readonly (readonly Hole[])[];
}

/** A map as `tree.json` holds it (key `null` is "no key"). */
export interface MapView {
  readonly entry: {
    readonly said: readonly string[];
    readonly outcome: string;
    readonly to?: string;
    readonly detail?: string;
  } | null;
  readonly nodes: readonly {
    readonly id: string;
    readonly prompt: string;
    readonly path: readonly (string | null)[];
  }[];
  readonly edges: readonly {
    readonly from: string;
    readonly key: string | null;
    readonly outcome: string;
    readonly to?: string;
    readonly said: readonly string[];
    readonly detail?: string;
  }[];
  readonly prompts: readonly MapPrompt[];
}

export type ChangeKind = 'prompt' | 'key-added' | 'key-removed' | 'outcome' | 'node-gone' | 'node-new';

/** One difference, placed at a menu of the earlier map (or of the new one, for `node-new`). */
export interface MapChange {
  readonly kind: ChangeKind;
  /** The menu (earlier map's id; the new map's for `node-new`), or undefined for the entry. */
  readonly node: string | undefined;
  /** The keys that reach the menu, as words (`1 *`, `first menu`). */
  readonly where: string;
  /** The key concerned (`null` for no key), when the change is an edge's. */
  readonly key?: string | null;
  readonly before: string;
  readonly after: string;
}

/** Whether two prompts are the same, and why. */
export type PromptJudge = (before: MapPrompt, after: MapPrompt) => { same: boolean; why: string };

/** The library's own judgement: the audio matches both ways; in the grey zone the transcripts decide. */
export function audioJudge(o: PromptLibraryOptions = {}): PromptJudge {
  return (a, b) => {
    const v = samePrompt(a, b, o);
    return { same: v.same, why: `${v.by} ${v.score.toFixed(2)}` };
  };
}

const keyText = (k: string | null) => k ?? '(no key)';
const pathText = (p: readonly (string | null)[]) => (p.length ? p.map(keyText).join(' ') : 'first menu');

/** The changes from `before` to `after`; none when they are the same map. */
export function compareMaps(before: MapView, after: MapView, judge: PromptJudge = audioJudge()): MapChange[] {
  const changes: MapChange[] = [];
  const oldPrompt = new Map(before.prompts.map((p) => [p.id, p]));
  const newPrompt = new Map(after.prompts.map((p) => [p.id, p]));
  const oldNode = new Map(before.nodes.map((n) => [n.id, n]));
  const newNode = new Map(after.nodes.map((n) => [n.id, n]));
  const verdicts = new Map<string, { same: boolean; why: string }>();
  const judged = (a: string, b: string) => {
    const k = `${a}\n${b}`;
    let v = verdicts.get(k);
    if (!v) {
      const pa = oldPrompt.get(a);
      const pb = newPrompt.get(b);
      v = pa && pb ? judge(pa, pb) : { same: false, why: 'no audio' };
      verdicts.set(k, v);
    }
    return v;
  };
  const words = (id: string, m: Map<string, MapPrompt>) => `"${m.get(id)?.transcript ?? ''}"`;
  const promptsText = (ids: readonly string[], m: Map<string, MapPrompt>) =>
    ids.length ? ids.map((id) => words(id, m)).join(' ') : 'nothing';

  const pairs = new Map<string, string>();
  const paired = new Set<string>();
  const queue: [string, string][] = [];
  /** Pair a menu of each map; false when either is already paired with another. */
  const pair = (o: string, n: string): boolean => {
    if (pairs.has(o)) return pairs.get(o) === n;
    if (paired.has(n)) return false;
    pairs.set(o, n);
    paired.add(n);
    queue.push([o, n]);
    return true;
  };
  const menuText = (
    id: string | undefined,
    nodes: Map<string, MapView['nodes'][number]>,
    m: Map<string, MapPrompt>,
  ) => {
    const n = id ? nodes.get(id) : undefined;
    return n ? `menu ${words(n.prompt, m)} [${pathText(n.path)}]` : 'no menu';
  };
  type Edge = MapView['edges'][number];
  const outcomeText = (e: Edge, side: 'old' | 'new') => {
    const [nodes, m] = side === 'old' ? [oldNode, oldPrompt] : [newNode, newPrompt];
    const target = e.outcome === 'menu' ? ` ${menuText(e.to, nodes, m)}` : e.detail !== undefined ? ` ${e.detail}` : '';
    return `${e.outcome}${target}${e.said.length ? ` after ${promptsText(e.said, m)}` : ''}`;
  };
  /** Announcements on the way: the same number of prompts, each the same. */
  const saidChanged = (a: readonly string[], b: readonly string[]) =>
    a.length !== b.length || a.some((id, i) => !judged(id, b[i]!).same);

  // The entry: what the first call heard, and its first menu.
  const oe = before.entry;
  const ne = after.entry;
  if (oe && ne) {
    if (oe.outcome !== ne.outcome)
      changes.push({
        kind: 'outcome',
        node: undefined,
        where: 'the first call',
        before: oe.outcome,
        after: `${ne.outcome}${ne.detail ? ` (${ne.detail})` : ''}`,
      });
    else if (saidChanged(oe.said, ne.said))
      changes.push({
        kind: 'prompt',
        node: undefined,
        where: 'the first call',
        before: promptsText(oe.said, oldPrompt),
        after: promptsText(ne.said, newPrompt),
      });
    if (oe.to && ne.to) pair(oe.to, ne.to);
  } else if (oe || ne)
    changes.push({
      kind: 'outcome',
      node: undefined,
      where: 'the first call',
      before: oe ? oe.outcome : 'no map',
      after: ne ? ne.outcome : 'no answer',
    });

  for (let i = 0; i < queue.length; i++) {
    const [o, n] = queue[i]!;
    const on = oldNode.get(o)!;
    const nn = newNode.get(n)!;
    const where = pathText(on.path);
    const v = judged(on.prompt, nn.prompt);
    if (!v.same)
      changes.push({
        kind: 'prompt',
        node: o,
        where,
        before: words(on.prompt, oldPrompt),
        after: `${words(nn.prompt, newPrompt)} (${v.why})`,
      });
    const oldEdges = before.edges.filter((e) => e.from === o);
    const newEdges = after.edges.filter((e) => e.from === n);
    const keys = [...new Set([...oldEdges, ...newEdges].map((e) => e.key))];
    for (const key of keys) {
      const a = oldEdges.find((e) => e.key === key);
      const b = newEdges.find((e) => e.key === key);
      const at = { node: o, where, key };
      if (!a || !b) {
        changes.push({
          kind: a ? 'key-removed' : 'key-added',
          ...at,
          before: a ? outcomeText(a, 'old') : 'not tried',
          after: b ? outcomeText(b, 'new') : 'not tried',
        });
        continue;
      }
      const change = (kind: ChangeKind) =>
        changes.push({ kind, ...at, before: outcomeText(a, 'old'), after: outcomeText(b, 'new') });
      // A key that repeats the menu does nothing there (an invalid key): one that did something and now
      // repeats the menu was removed, and the reverse added.
      if (a.outcome !== 'repeat' && b.outcome === 'repeat') change('key-removed');
      else if (a.outcome === 'repeat' && b.outcome !== 'repeat') change('key-added');
      else if (a.outcome !== b.outcome) change('outcome');
      else if (a.outcome === 'menu' && !(a.to && b.to && pair(a.to, b.to))) change('outcome');
      else if (a.outcome === 'transfer' && (a.detail ?? '') !== (b.detail ?? '')) change('outcome');
      else if (saidChanged(a.said, b.said)) change('prompt');
    }
  }
  for (const n of before.nodes)
    if (!pairs.has(n.id))
      changes.push({
        kind: 'node-gone',
        node: n.id,
        where: pathText(n.path),
        before: menuText(n.id, oldNode, oldPrompt),
        after: 'not reached',
      });
  for (const n of after.nodes)
    if (!paired.has(n.id))
      changes.push({
        kind: 'node-new',
        node: n.id,
        where: pathText(n.path),
        before: 'not reached',
        after: menuText(n.id, newNode, newPrompt),
      });
  return changes;
}

/** A crawl's map as `compareMaps` reads it (every recording of each prompt kept). */
export function viewOfCrawl(map: CrawlMap): MapView {
  const key = (a: CrawlMap['edges'][number]['action']) => (a.kind === 'none' ? null : a.keys);
  return {
    entry: map.entry ?? null,
    nodes: map.nodes.map((n) => ({ id: n.id, prompt: n.prompt, path: n.path.map(key) })),
    edges: map.edges.map((e) => ({
      from: e.from,
      key: key(e.action),
      outcome: e.outcome,
      said: e.said,
      ...(e.to ? { to: e.to } : {}),
      ...(e.detail ? { detail: e.detail } : {}),
    })),
    prompts: map.prompts.map((p) => ({
      id: p.id,
      transcript: p.transcript,
      speechMs: p.speechMs,
      recordings: p.recordings,
      ...(p.holes ? { holes: p.holes } : {}),
    })),
  };
}
