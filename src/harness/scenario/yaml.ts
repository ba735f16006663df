/**
 * Scenario files: YAML, one scenario per document (`---` separates several
 * in one file). A syntax error or an invalid scenario is one line naming
 * the file and line; the CLI prints it and exits 2.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Node } from 'yaml';
import { ScenarioFileError } from '../errors.js';
import { parseScenario } from './parse.js';
import type { Scenario } from './types.js';

interface Lines {
  readonly of: WeakMap<object, number>;
  readonly keys: WeakMap<object, Map<string, number>>;
}

function toPlain(node: Node | null | undefined, lc: LineCounter, lines: Lines): unknown {
  if (!node) return null;
  const line = node.range ? lc.linePos(node.range[0]).line : undefined;
  if (isMap(node)) {
    const obj: Record<string, unknown> = {};
    const keyLines = new Map<string, number>();
    for (const pair of node.items) {
      const k = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      obj[k] = toPlain(pair.value as Node | null, lc, lines);
      const kr = (pair.key as Node | null)?.range;
      if (kr) keyLines.set(k, lc.linePos(kr[0]).line);
    }
    if (line !== undefined) lines.of.set(obj, line);
    lines.keys.set(obj, keyLines);
    return obj;
  }
  if (isSeq(node)) {
    const arr = node.items.map((n) => toPlain(n as Node, lc, lines));
    if (line !== undefined) lines.of.set(arr, line);
    const itemLines = new Map<string, number>();
    node.items.forEach((n, i) => {
      const r = (n as Node | null)?.range;
      if (r) itemLines.set(String(i), lc.linePos(r[0]).line);
    });
    lines.keys.set(arr, itemLines);
    return arr;
  }
  if (isScalar(node)) return node.value;
  return null;
}

/**
 * Parse the text of a scenario file.
 *
 * @example
 * const [s] = parseScenarioYaml('name: menu\nsteps:\n  - call: sip:ivr@127.0.0.1\n  - hangup\n', 'menu.yaml');
 */
export function parseScenarioYaml(text: string, file: string): Scenario[] {
  const lc = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (!Array.isArray(docs)) throw new ScenarioFileError(file, undefined, 'no scenario in the file');
  const out: Scenario[] = [];
  for (const doc of docs) {
    const err = doc.errors[0];
    if (err) {
      const line = err.linePos?.[0]?.line ?? lc.linePos(err.pos[0]).line;
      throw new ScenarioFileError(file, line, `YAML: ${err.message.split('\n')[0]}`);
    }
    if (doc.contents === null) continue;
    const lines: Lines = { of: new WeakMap(), keys: new WeakMap() };
    const plain = toPlain(doc.contents as Node, lc, lines);
    out.push(
      parseScenario(plain, {
        file,
        lineOf: (value, key) => {
          if (typeof value === 'object' && value !== null) {
            if (key !== undefined) {
              const kl = lines.keys.get(value)?.get(key);
              if (kl !== undefined) return kl;
            }
            return lines.of.get(value);
          }
          return undefined;
        },
      }),
    );
  }
  if (out.length === 0) throw new ScenarioFileError(file, undefined, 'no scenario in the file');
  return out;
}

/** Read and parse one scenario file. */
export function loadScenarioFile(file: string): Scenario[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ScenarioFileError(
      file,
      undefined,
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : `cannot read (${code ?? String(e)})`,
    );
  }
  return parseScenarioYaml(text, file);
}

/**
 * Every scenario in the given files and directories (a directory's `.yaml`
 * and `.yml` files, its subdirectories' too: `scenarioFiles`). A .ts or .js
 * file is refused with one line: those run through `runScenario`.
 *
 * @example
 * const scenarios = loadScenarios(['examples/']);
 */
export function loadScenarios(paths: readonly string[]): Scenario[] {
  const out: Scenario[] = [];
  for (const p of paths) {
    let isDir = false;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      throw new ScenarioFileError(p, undefined, 'no such file or directory');
    }
    if (!isDir) {
      if (CODE.includes(extname(p)))
        throw new ScenarioFileError(
          p,
          undefined,
          'a TypeScript or JavaScript scenario runs with runScenario() from shtoom/harness (docs/ivr.md), ' +
            'not with shtoom ivr, which takes .yaml files',
        );
      out.push(...loadScenarioFile(p));
      continue;
    }
    const files = scenarioFiles(p);
    if (files.length === 0) throw new ScenarioFileError(p, undefined, 'no .yaml scenario files in this directory');
    for (const f of files) out.push(...loadScenarioFile(f));
  }
  return out;
}

const CODE = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'];

/**
 * The .yaml/.yml files under `dir`, searched recursively: each directory's
 * files in name order, then its subdirectories in name order (hidden ones
 * and node_modules skipped), at most 32 levels deep.
 */
export function scenarioFiles(dir: string, depth = 0): string[] {
  if (depth > 32) return [];
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
  const files = entries
    .filter((e) => e.isFile() && ['.yaml', '.yml'].includes(extname(e.name)))
    .map((e) => join(dir, e.name));
  for (const e of entries) {
    if (e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules')
      files.push(...scenarioFiles(join(dir, e.name), depth + 1));
  }
  return files;
}
