/**
 * Reading a crawl's map in the interop tests: `tree.json` in words, each
 * prompt named by the known prompt (a text flite renders, or a recording)
 * its WAV matches.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { readWavFile } from '../../../src/audio/formats/wav.js';
import { comparePrompts } from '../../../src/harness/crawl/prompt-library.js';
import { speak } from '../../../src/tts/speak.js';

export interface Tree {
  entry: { said: string[]; outcome: string; to?: string };
  nodes: { id: string; prompt: string; depth: number; kind: string }[];
  edges: { from: string; key: string | null; outcome: string; to?: string; said: string[]; detail?: string }[];
  prompts: { id: string; audio: string; durationMs: number }[];
}

/** The map's edges in words: prompts and menus named by the known prompt their recording matches. */
export async function describeMap(
  out: string,
  known: Record<string, string | Int16Array>,
): Promise<{ entry: string; edges: string[]; kinds: string[] }> {
  const tree = JSON.parse(readFileSync(join(out, 'tree.json'), 'utf8')) as Tree;
  const names = new Map<string, string>();
  for (const [name, text] of Object.entries(known)) {
    // A text is rendered by flite (the IVR's own voice); a recording is the IVR's own audio.
    const ref = typeof text === 'string' ? await speak(text) : text;
    for (const p of tree.prompts) {
      const rec = readWavFile(join(out, p.audio)).samples as Int16Array;
      // TTS output starts and ends in silence: compare by the recording's speech length.
      if (comparePrompts(rec, p.durationMs, ref, p.durationMs).score >= 0.8) {
        expect(names.get(p.id), `${p.id} matches both ${names.get(p.id)} and ${name}`).toBeUndefined();
        names.set(p.id, name);
      }
    }
  }
  const promptName = (id: string) => names.get(id) ?? `unknown ${id}`;
  const menu = (id: string | undefined) => promptName(tree.nodes.find((n) => n.id === id)?.prompt ?? '');
  const entry = `${tree.entry.said.map(promptName).join(' ')} -> ${tree.entry.outcome} ${menu(tree.entry.to)}`;
  const edges = tree.edges
    .map(
      (e) =>
        `${menu(e.from)} ${e.key ?? '(no key)'} -> ${e.outcome}${e.to ? ` ${menu(e.to)}` : ''}` +
        (e.said.length ? ` [${e.said.map(promptName).join(' ')}]` : '') +
        (e.detail ? ` ${e.detail}` : ''),
    )
    .sort();
  const kinds = tree.nodes.map((n) => `${menu(n.id)} ${n.kind}`).sort();
  return { entry, edges, kinds };
}
