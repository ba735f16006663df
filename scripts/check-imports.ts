/**
 * The layer rule of docs/architecture.md, checked: which part of `src/`
 * may import which. Run by `npm run lint`; exits 1 and names every import
 * against the rule.
 *
 * Each layer lists the layers it builds on directly; it may import those
 * and everything they build on (the closure), and its own files. Nothing
 * imports upwards, and nothing imports sideways unless the table says so.
 * Besides, sockets and name resolution (`node:dgram`, `node:dns`,
 * `node:tls`, and `node:net` but for its address checks) are imported only
 * by `src/net`, the edge; elsewhere only their types.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface Layer {
  readonly name: string;
  /** Paths from the repository root: a directory ends with `/`, else a file. */
  readonly paths: readonly string[];
  /** The layers it builds on directly. */
  readonly uses: readonly string[];
}

/** Bottom to top. */
export const LAYERS: readonly Layer[] = [
  { name: 'base', paths: ['src/errors.ts', 'src/exit-codes.ts', 'src/util/', 'src/clock/', 'src/log/'], uses: [] },
  { name: 'sim', paths: ['src/sim/'], uses: ['base'] },
  { name: 'codecs', paths: ['src/codecs/'], uses: ['base'] },
  { name: 'options', paths: ['src/options/'], uses: ['codecs'] },
  { name: 'audio', paths: ['src/audio/'], uses: ['codecs', 'sim'] },
  { name: 'tts', paths: ['src/tts/'], uses: ['audio'] },
  { name: 'asr', paths: ['src/asr/'], uses: ['audio', 'sim'] },
  { name: 'stun', paths: ['src/stun/'], uses: ['base'] },
  { name: 'rtp', paths: ['src/rtp/'], uses: ['base'] },
  { name: 'sdp', paths: ['src/sdp/'], uses: ['rtp'] },
  { name: 'sip', paths: ['src/sip/'], uses: ['base'] },
  { name: 'net', paths: ['src/net/'], uses: ['sip', 'rtp', 'stun'] },
  { name: 'ua', paths: ['src/sip/api/', 'src/sip/index.ts'], uses: ['net'] },
  { name: 'app', paths: ['src/app/'], uses: ['ua', 'sdp', 'audio'] },
  { name: 'doug', paths: ['src/doug/'], uses: ['app', 'tts'] },
  { name: 'harness', paths: ['src/harness/'], uses: ['doug', 'asr'] },
  { name: 'apps', paths: ['src/apps/'], uses: ['harness'] },
  { name: 'cli', paths: ['src/cli/'], uses: ['apps', 'options'] },
  { name: 'package', paths: ['src/index.ts', 'src/public/'], uses: ['cli'] },
  { name: 'bin', paths: ['bin/'], uses: ['cli'] },
];

/** Modules that open sockets or resolve names: only the edge imports them (types excepted). */
const EDGE_MODULES = new Set(['node:dgram', 'node:dns', 'node:dns/promises', 'node:tls']);
/** What of `node:net` is pure (address checks) and may be imported anywhere. */
const PURE_NET = new Set(['isIP', 'isIPv4', 'isIPv6']);

export interface Violation {
  /** The importing file, from the repository root. */
  readonly file: string;
  readonly line: number;
  readonly specifier: string;
  readonly why: string;
}

/** One import or re-export of a file. */
export interface ImportRef {
  readonly specifier: string;
  readonly line: number;
  /** `import type` / `export type`: erased at run time. */
  readonly typeOnly: boolean;
  /** Names imported, for `import { a, b } from`. */
  readonly names: readonly string[];
}

const STATIC =
  /^[ \t]*(import|export)\s+(type\s+)?((?:[\w$]+\s*,\s*)?(?:\{[^}]*\}|\*(?:\s+as\s+[\w$]+)?|[\w$]+))\s+from\s+['"]([^'"]+)['"]/gm;
const BARE = /^[ \t]*import\s+['"]([^'"]+)['"]/gm;
const DYNAMIC = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

function lineOf(text: string, index: number): number {
  let n = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

/** The imports of a TypeScript source. */
export function importsOf(text: string): ImportRef[] {
  const out: ImportRef[] = [];
  for (const m of text.matchAll(STATIC)) {
    const clause = m[3]!;
    const brace = /\{([^}]*)\}/.exec(clause);
    const items = brace ? brace[1]!.split(',').map((x) => x.trim()) : [];
    const names = items.filter((x) => x && !x.startsWith('type ')).map((x) => x.split(/\s+as\s+/)[0]!.trim());
    // `import { type A, type B }` is as type-only as `import type { A, B }`.
    const allTypes =
      brace !== null && items.filter(Boolean).every((x) => x.startsWith('type ')) && !/^[\w$]/.test(clause);
    out.push({ specifier: m[4]!, line: lineOf(text, m.index), typeOnly: m[2] !== undefined || allTypes, names });
  }
  for (const m of text.matchAll(BARE))
    out.push({ specifier: m[1]!, line: lineOf(text, m.index), typeOnly: false, names: [] });
  for (const m of text.matchAll(DYNAMIC))
    out.push({ specifier: m[1]!, line: lineOf(text, m.index), typeOnly: false, names: [] });
  return out;
}

/** The layer a repository path belongs to (the longest matching path wins), if any. */
export function layerOf(path: string, layers: readonly Layer[] = LAYERS): Layer | undefined {
  let best: Layer | undefined;
  let bestLength = -1;
  for (const l of layers) {
    for (const p of l.paths) {
      const hit = p.endsWith('/') ? path.startsWith(p) : path === p;
      if (hit && p.length > bestLength) {
        best = l;
        bestLength = p.length;
      }
    }
  }
  return best;
}

/** For each layer, the layers it may import (itself included). Throws on an unknown name or a cycle. */
export function allowedLayers(layers: readonly Layer[] = LAYERS): Map<string, Set<string>> {
  const byName = new Map(layers.map((l) => [l.name, l]));
  const out = new Map<string, Set<string>>();
  const visiting = new Set<string>();
  const visit = (name: string): Set<string> => {
    const done = out.get(name);
    if (done) return done;
    const l = byName.get(name);
    if (!l) throw new Error(`layer rule: unknown layer "${name}"`);
    if (visiting.has(name)) throw new Error(`layer rule: "${name}" builds on itself`);
    visiting.add(name);
    const set = new Set([name]);
    for (const u of l.uses) for (const x of visit(u)) set.add(x);
    visiting.delete(name);
    out.set(name, set);
    return set;
  };
  for (const l of layers) visit(l.name);
  return out;
}

/** Check one file's imports (`file` and the sources are repository-relative, `/`-separated). */
export function checkFile(
  file: string,
  text: string,
  layers: readonly Layer[] = LAYERS,
  allowed: Map<string, Set<string>> = allowedLayers(layers),
): Violation[] {
  const from = layerOf(file, layers);
  if (!from) return [];
  const out: Violation[] = [];
  for (const ref of importsOf(text)) {
    const s = ref.specifier;
    if (s.startsWith('node:')) {
      if (from.name === 'net' || ref.typeOnly) continue;
      const socket =
        EDGE_MODULES.has(s) ||
        (s === 'node:net' && (ref.names.length === 0 || ref.names.some((n) => !PURE_NET.has(n))));
      if (socket)
        out.push({
          file,
          line: ref.line,
          specifier: s,
          why: `${from.name} opens no sockets: only src/net imports ${s}`,
        });
      continue;
    }
    if (!s.startsWith('.')) continue; // a package from node_modules
    const target = normalize(join(dirname(file), s))
      .split(sep)
      .join('/')
      .replace(/\.js$/, '.ts');
    const to = layerOf(target, layers);
    if (!to || allowed.get(from.name)!.has(to.name)) continue;
    out.push({ file, line: ref.line, specifier: s, why: `${from.name} may not import ${to.name} (${target})` });
  }
  return out;
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Check every TypeScript file under `src/` and `bin/` of the repository at `root`. */
export function checkTree(root: string, layers: readonly Layer[] = LAYERS): Violation[] {
  const allowed = allowedLayers(layers);
  const files = ['src', 'bin'].flatMap((d) => walk(join(root, d)));
  return files.flatMap((f) => {
    const rel = relative(root, f).split(sep).join('/');
    return checkFile(rel, readFileSync(f, 'utf8'), layers, allowed);
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const violations = checkTree(root);
  for (const v of violations) console.error(`${v.file}:${v.line}: import '${v.specifier}': ${v.why}`);
  if (violations.length > 0) {
    console.error(`check-imports: ${violations.length} import(s) against the layer rule (docs/architecture.md)`);
    process.exit(1);
  }
  console.log(`check-imports: every import of src/ and bin/ follows the layer rule`);
}
