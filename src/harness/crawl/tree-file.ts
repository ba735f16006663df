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

/** The map in `dir` with each prompt's audio. */
export function readMap(dir: string): MapView {
  const tree = readTreeJson(dir);
  const prompts = tree.prompts.map((p) => {
    const wav = join(dir, p.audio);
    let samples: Int16Array;
    try {
      samples = readWavFile(wav).samples as Int16Array;
    } catch (e) {
      throw new UsageError(`${wav}: ${(e as Error).message}`);
    }
    return { id: p.id, transcript: p.transcript, speechMs: p.durationMs, recordings: [samples] };
  });
  return { entry: tree.entry, nodes: tree.nodes, edges: tree.edges, prompts };
}
