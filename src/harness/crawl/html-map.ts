/**
 * `DIR/index.html`: the crawl's map for people, one file that works offline
 * (inline CSS and script, nothing fetched but the prompt WAVs beside it).
 * On top a drawing of the menus — a column per depth, a box per menu with
 * its transcript, a line per key that leads to another menu labelled with
 * the key, and in each box the keys that end there (hang-up, transfer,
 * silence…) or repeat the menu — then a card per menu: its transcript, an
 * audio player of its prompt and its keys with their outcomes, and every
 * prompt heard with its player.
 */
import { xmlEscape } from '../report/junit.js';

/** The parts of `tree.json` the page draws. */
export interface HtmlTree {
  readonly uri: string;
  readonly calls: number;
  /** Of the calls, probes made again: a recording too made up by the receiver to judge. */
  readonly reprobes: number;
  readonly unexplored: number;
  readonly durationMs: number;
  readonly entry: { readonly said: readonly string[]; readonly outcome: string; readonly to?: string } | null;
  readonly nodes: readonly {
    readonly id: string;
    readonly kind: string;
    readonly prompt: string;
    readonly transcript: string;
    readonly audio: string;
    readonly durationMs: number;
    readonly path: readonly (string | null)[];
    readonly depth: number;
    readonly truncated: boolean;
  }[];
  readonly edges: readonly {
    readonly from: string;
    readonly key: string | null;
    readonly outcome: string;
    readonly to?: string;
    readonly said: readonly string[];
    readonly detail?: string;
  }[];
  readonly prompts: readonly {
    readonly id: string;
    readonly transcript: string;
    readonly audio: string;
    readonly durationMs: number;
  }[];
  /** Probes not made (limits, interruption): `--resume` goes on with them. */
  readonly pending: readonly { readonly from: string; readonly key: string | null }[];
}

const esc = xmlEscape;
const BOX_W = 300;
const COL_W = 420;
const HEAD = 44;
const LINE = 16;
const GAP = 30;
const keyText = (k: string | null) => k ?? '(no key)';
const short = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** The page for a map. */
export function crawlMapHtml(tree: HtmlTree): string {
  const transcript = (id: string) => tree.prompts.find((p) => p.id === id)?.transcript ?? '';
  const links = (id: string) =>
    tree.edges.filter((e) => e.from === id && (e.outcome === 'menu' || e.outcome === 'repeat') && e.to !== id);
  const ends = (id: string) => tree.edges.filter((e) => e.from === id && !links(id).includes(e));
  const endText = (e: HtmlTree['edges'][number]) =>
    `${keyText(e.key)} → ${e.outcome}${e.detail ? ` ${e.detail}` : ''}` +
    (e.said.length ? ` (${e.said.map((p) => `"${short(transcript(p), 24)}"`).join(' ')})` : '');

  // Layout: a column per depth, menus stacked in it.
  const pos = new Map<string, { x: number; y: number; h: number }>();
  const colY = new Map<number, number>();
  for (const n of tree.nodes) {
    const y = colY.get(n.depth) ?? 20;
    const h = HEAD + LINE * ends(n.id).length + 8;
    pos.set(n.id, { x: 20 + n.depth * COL_W, y, h });
    colY.set(n.depth, y + h + GAP);
  }
  const width = 40 + (Math.max(0, ...tree.nodes.map((n) => n.depth)) + 1) * COL_W;
  const height = Math.max(60, ...colY.values()) + 20;

  const boxes = tree.nodes.map((n) => {
    const p = pos.get(n.id)!;
    const lines = ends(n.id).map(
      (e, i) =>
        `<text class="end end-${esc(e.outcome)}" x="${p.x + 10}" y="${p.y + HEAD + i * LINE}">` +
        `${esc(short(endText(e), 44))}</text>`,
    );
    return (
      `<g class="node" data-node="${esc(n.id)}" tabindex="0">` +
      `<rect x="${p.x}" y="${p.y}" width="${BOX_W}" height="${p.h}" rx="6"/>` +
      `<text class="title" x="${p.x + 10}" y="${p.y + 18}">${esc(n.id)} ${esc(n.kind)}` +
      `${n.truncated ? ' (not explored)' : ''}</text>` +
      `<text class="words" x="${p.x + 10}" y="${p.y + 34}">${esc(short(`"${n.transcript}"`, 44))}</text>` +
      `${lines.join('')}</g>`
    );
  });
  const arrows = tree.nodes.flatMap((n) =>
    links(n.id).map((e) => {
      const a = pos.get(e.from)!;
      const b = pos.get(e.to!)!;
      const forward = b.x > a.x;
      const [x1, y1] = forward ? [a.x + BOX_W, a.y + 20] : [a.x, a.y + 26];
      const [x2, y2] = forward ? [b.x, b.y + 20] : [b.x + BOX_W, b.y + 26];
      // Back to a shallower menu (a loop): a curve below the straight line.
      const bend = forward ? 0 : 60;
      const mx = (x1 + x2) / 2;
      const my = (y1 + y2) / 2 + bend;
      const label = `${keyText(e.key)}${e.said.length ? ` (${short(transcript(e.said[0]!), 20)})` : ''}`;
      return (
        `<g class="edge" data-from="${esc(e.from)}" data-to="${esc(e.to!)}">` +
        `<path d="M${x1},${y1} Q${mx},${my} ${x2},${y2}" marker-end="url(#arrow)"/>` +
        `<text x="${mx}" y="${(y1 + y2) / 2 + bend / 2 - 4}">${esc(label)}</text></g>`
      );
    }),
  );

  const audio = (src: string) => `<audio controls preload="metadata" src="${esc(src)}"></audio>`;
  const said = (ids: readonly string[]) => ids.map((id) => `"${esc(transcript(id))}"`).join(' ');
  const cards = tree.nodes.map((n) => {
    const rows = tree.edges
      .filter((e) => e.from === n.id)
      .map(
        (e) =>
          `<tr><td class="key">${esc(keyText(e.key))}</td><td>${esc(e.outcome)}</td>` +
          `<td>${e.to ? `<a href="#node-${esc(e.to)}">${esc(e.to)}</a>` : esc(e.detail ?? '')}</td>` +
          `<td>${said(e.said)}</td></tr>`,
      );
    const where = n.path.length ? n.path.map(keyText).join(' ') : 'first menu';
    return (
      `<section class="card" id="node-${esc(n.id)}" data-node="${esc(n.id)}">` +
      `<h2>${esc(n.id)} <small>${esc(n.kind)} · keys ${esc(where)} · depth ${n.depth}` +
      `${n.truncated ? ' · not explored (depth limit)' : ''}</small></h2>` +
      `<p class="transcript">"${esc(n.transcript)}"</p>${audio(n.audio)}` +
      `<table><tr><th>key</th><th>outcome</th><th>to</th><th>said on the way</th></tr>${rows.join('')}</table>` +
      `</section>`
    );
  });
  const promptRows = tree.prompts.map(
    (p) =>
      `<tr id="prompt-${esc(p.id)}"><td>${esc(p.id)}</td><td>"${esc(p.transcript)}"</td>` +
      `<td>${(p.durationMs / 1000).toFixed(1)} s</td><td>${audio(p.audio)}</td></tr>`,
  );
  const e0 = tree.entry;
  const entry = e0
    ? `the first call: ${e0.said.length ? `${said(e0.said)}, then ` : ''}` +
      `${esc(e0.outcome)}${e0.to ? ` <a href="#node-${esc(e0.to)}">${esc(e0.to)}</a>` : ''}`
    : 'no first call';
  const summary =
    `${tree.nodes.length} menus, ${tree.edges.length} keys tried, ${tree.prompts.length} prompts; ` +
    `${tree.calls} calls in ${(tree.durationMs / 1000).toFixed(1)} s` +
    (tree.unexplored ? `; ${tree.unexplored} tries not made (limits)` : '');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>shtoom IVR map</title>
<style>
body{font:14px system-ui,sans-serif;margin:20px;color:#222}
svg.map{border:1px solid #ccc;background:#fafafa;max-width:100%}
g.node rect{fill:#fff;stroke:#357;stroke-width:1.5}
g.node:focus rect,g.node.lit rect{stroke:#e80;stroke-width:3}
g.node{cursor:pointer}
text{font-size:12px}text.title{font-weight:bold}text.words{fill:#333;font-style:italic}
text.end{fill:#555}text.end-hangup{fill:#a22}text.end-transfer{fill:#26a}text.end-failed{fill:#d00}
g.edge path{fill:none;stroke:#579;stroke-width:1.5}g.edge text{fill:#135;font-weight:bold}
section.card{border:1px solid #ccc;border-radius:6px;padding:8px 12px;margin:12px 0}
section.card.lit{border-color:#e80;box-shadow:0 0 0 2px #e80}
table{border-collapse:collapse;margin-top:6px}td,th{border:1px solid #ddd;padding:2px 8px;text-align:left}
td.key{font-family:monospace}small{color:#666;font-weight:normal}
</style></head><body>
<h1>IVR map of ${esc(tree.uri)}</h1>
<p data-testid="summary">${summary}</p>
<p>${entry}</p>
<svg class="map" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" \
viewBox="0 0 ${width} ${height}">
<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto">\
<path d="M0,0 L10,5 L0,10 z" fill="#579"/></marker></defs>
${arrows.join('\n')}
${boxes.join('\n')}
</svg>
${cards.join('\n')}
<h2>Prompts</h2>
<table class="prompts"><tr><th>id</th><th>transcript</th><th>speech</th><th>audio</th></tr>
${promptRows.join('')}</table>
<script>
for (const g of document.querySelectorAll('g.node')) {
  const show = () => {
    for (const el of document.querySelectorAll('.lit')) el.classList.remove('lit');
    const card = document.getElementById('node-' + g.dataset.node);
    g.classList.add('lit');
    card.classList.add('lit');
    card.scrollIntoView({ behavior: 'smooth', block: 'center' });
  };
  g.addEventListener('click', show);
  g.addEventListener('keydown', (e) => { if (e.key === 'Enter') show(); });
}
</script>
</body></html>
`;
}
