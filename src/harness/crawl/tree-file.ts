/**
 * A map a crawl wrote, read back: `DIR/tree.json` and its prompt WAVs, as
 * `compareMaps` reads a map. A missing or malformed file is a `UsageError`
 * naming it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readWavFile } from '../../audio/formats/wav.js';
import { UsageError } from '../../errors.js';
import type { MapView } from './compare.js';
import type { PlannerState } from './planner.js';
import type { CrawlAction, CrawlNode, PromptInfo } from './types.js';

interface TreeFile {
  readonly entry: MapView['entry'];
  readonly nodes: MapView['nodes'];
  readonly edges: MapView['edges'];
  readonly prompts: readonly { id: string; transcript: string; audio: string; durationMs: number }[];
}

/** The parsed `DIR/tree.json`, checked for the fields a map must have. */
export function readTreeJson(dir: string): TreeFile & Record<string, unknown> {
  const file = join(dir, 'tree.json');
  if (!existsSync(file)) throw new UsageError(`no crawl map in ${dir}: ${file} does not exist`);
  let tree: unknown;
  try {
    tree = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`${file}: not JSON (${(e as Error).message})`);
  }
  const t = tree as Partial<TreeFile>;
  if (!t || !Array.isArray(t.nodes) || !Array.isArray(t.edges) || !Array.isArray(t.prompts) || !('entry' in t))
    throw new UsageError(`${file}: not a crawl map (entry, nodes, edges and prompts expected)`);
  return tree as TreeFile & Record<string, unknown>;
}

/** The prompts of the map in `dir`, with their audio. */
function readPrompts(dir: string, tree: Pick<TreeFile, 'prompts'>) {
  return tree.prompts.map((p) => {
    const wav = join(dir, p.audio);
    let samples: Int16Array;
    try {
      samples = readWavFile(wav).samples as Int16Array;
    } catch (e) {
      throw new UsageError(`${wav}: ${(e as Error).message}`);
    }
    return { id: p.id, transcript: p.transcript, speechMs: p.durationMs, recordings: [samples] };
  });
}

/** The map in `dir` with each prompt's audio. */
export function readMap(dir: string): MapView {
  const tree = readTreeJson(dir);
  return { entry: tree.entry, nodes: tree.nodes, edges: tree.edges, prompts: readPrompts(dir, tree) };
}

const action = (key: string | null): CrawlAction => (key === null ? { kind: 'none' } : { kind: 'keys', keys: key });

/** The crawl in `dir` to go on with (`--resume`): its graph, the probes it had not made, its prompts. */
export function readResume(dir: string): PlannerState & { readonly prompts: readonly PromptInfo[] } {
  const tree = readTreeJson(dir) as unknown as Omit<TreeFile, 'nodes'> & {
    calls?: number;
    reprobes?: number;
    pending?: { from: string; key: string | null }[];
    nodes: readonly (MapView['nodes'][number] & { kind: CrawlNode['kind']; depth: number; truncated: boolean })[];
  };
  if (!Array.isArray(tree.pending) || typeof tree.calls !== 'number')
    throw new UsageError(`${join(dir, 'tree.json')}: no pending probes and call count (written by an older crawl)`);
  const e = tree.entry;
  return {
    entry: e
      ? {
          said: e.said,
          outcome: e.outcome as never,
          ...(e.to ? { to: e.to } : {}),
          ...(e.detail ? { detail: e.detail } : {}),
        }
      : undefined,
    nodes: tree.nodes.map((n) => ({
      id: n.id,
      prompt: n.prompt,
      path: n.path.map(action),
      depth: n.depth,
      kind: n.kind,
      truncated: n.truncated,
    })),
    edges: tree.edges.map((x) => ({
      from: x.from,
      action: action(x.key),
      said: x.said,
      outcome: x.outcome as never,
      ...(x.to ? { to: x.to } : {}),
      ...(x.detail ? { detail: x.detail } : {}),
    })),
    pending: tree.pending.map((p) => ({ node: p.from, action: action(p.key) })),
    callsUsed: tree.calls,
    ...(typeof tree.reprobes === 'number' ? { reprobes: tree.reprobes } : {}),
    prompts: readPrompts(dir, tree).map((p) => ({ ...p, samples: p.recordings[0]!, recordings: [...p.recordings] })),
  };
}
