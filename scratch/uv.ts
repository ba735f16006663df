import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { encodeWav } from '../src/audio/formats/wav-format.js';
import { wideband } from '../src/asr/front-end.js';
import { parseHypseg, type Hypseg } from '../src/asr/pocketsphinx.js';
import { PronunciationDictionary } from '../src/asr/dictionary.js';
import { normaliseWords, normaliseText } from '../src/asr/text.js';
import { wordSimilarity } from '../src/asr/similarity.js';
import { readAudioFile } from '../src/harness/audio-file.js';
import { throughCodec } from '../test/harness/support/codec.js';

const DIR = '/usr/share/asterisk/sounds/en_US_f_Allison';
const MODEL = '/usr/share/pocketsphinx/model/en-us';
const txt = gunzipSync(readFileSync('/usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz')).toString('utf8');
const items: { name: string; text: string; words: string[] }[] = [];
for (const line of txt.split('\n')) {
  const m = /^([\w/.-]+):\s*(.*)$/.exec(line);
  if (!m || /[[(]/.test(m[2]!) || m[1]!.startsWith('silence/')) continue;
  const words = normaliseWords(m[2]!);
  if (words.length < 4 || !existsSync(join(DIR, `${m[1]}.wav`))) continue;
  items.push({ name: m[1]!, text: m[2]!, words });
}
const N = Number(process.env.N ?? 40);
const step = Math.max(1, Math.floor(items.length / N));
const sel = items.filter((_, i) => i % step === 0).slice(0, N);
console.error(`${items.length} prompts, using ${sel.length}`);
const codec = (process.env.CODEC ?? 'pcmu') as 'pcmu' | 'gsm';
const audio = sel.map((s) => throughCodec(codec, readAudioFile(join(DIR, `${s.name}.wav`))));
// near miss: most similar other text
const near = sel.map((s, i) => {
  let best = -1, bj = -1;
  items.forEach((o) => { if (o.name === s.name || normaliseText(o.text) === normaliseText(s.text)) return; const v = wordSimilarity(o.text, s.text); if (v > best) { best = v; bj = items.indexOf(o); } });
  return items[bj]!;
});
const other = sel.map((_, i) => sel[(i + 7) % sel.length]!);

const dir = mkdtempSync(join(tmpdir(), 'uv-'));
const ids = audio.map((_, i) => `u${i}`);
audio.forEach((a, i) => writeFileSync(join(dir, `${ids[i]}.wav`), encodeWav(wideband(a), { sampleRate: 16000, channels: 1, encoding: 'pcm16' })));
writeFileSync(join(dir, 'ctl'), ids.join('\n') + '\n');
const common = (hyp: string, extra: string[] = []) => ['-adcin', 'yes', '-adchdr', '44', '-cepdir', dir, '-cepext', '.wav', '-ctl', join(dir, 'ctl'), '-hmm', join(MODEL, 'en-us'), '-hypseg', join(dir, hyp), '-logfn', '/dev/null', '-dither', 'yes', '-seed', '1', '-samprate', '16000', ...(process.env.ALLSEN ? ['-compallsen', 'yes'] : []), ...extra];
const read = (f: string) => { const m = new Map<string, Hypseg>(); for (const l of readFileSync(join(dir, f), 'utf8').split('\n')) { const h = parseHypseg(l); if (h) m.set(h.id, h); } return m; };
function fsg(words: string[]) { return `FSG_BEGIN p\nNUM_STATES ${words.length + 1}\nSTART_STATE 0\nFINAL_STATE ${words.length}\n${words.map((w, i) => `TRANSITION ${i} ${i + 1} 1.0 ${w}`).join('\n')}\nFSG_END\n`; }
function forced(texts: string[][], tag: string) {
  const allw = new Set(texts.flat());
  writeFileSync(join(dir, `${tag}.dict`), PronunciationDictionary.load(join(MODEL, 'cmudict-en-us.dict')).format(allw));
  texts.forEach((w, i) => writeFileSync(join(dir, `${tag}${i}.fsg`), fsg(w)));
  writeFileSync(join(dir, 'sil.fdict'), '<s> SIL\n</s> SIL\n<sil> SIL\n');
  writeFileSync(join(dir, `${tag}.fsgctl`), texts.map((_, i) => `${tag}${i}`).join('\n') + '\n');
  const t = performance.now();
  execFileSync('pocketsphinx_batch', common(`${tag}.hyp`, ['-fsgctl', join(dir, `${tag}.fsgctl`), '-fsgdir', dir, '-fsgext', '.fsg', ...(process.env.SILONLY ? ['-fdict', join(dir, 'sil.fdict')] : []), '-dict', join(dir, `${tag}.dict`), '-beam', '1e-80', '-pbeam', '1e-80', '-wbeam', '1e-60']));
  console.error(`${tag} ${(performance.now() - t).toFixed(0)} ms`);
  return read(`${tag}.hyp`);
}
let t = performance.now();
execFileSync('pocketsphinx_batch', common('ph.hyp', ['-allphone', join(MODEL, 'en-us-phone.lm.bin'), '-allphone_ci', 'yes', '-lw', '2.0', '-beam', '1e-20', '-pbeam', '1e-20', '-dict', join(MODEL, 'cmudict-en-us.dict'), ]));
console.error(`phone loop ${(performance.now() - t).toFixed(0)} ms`);
const ph = read('ph.hyp');
t = performance.now();
if (process.env.FREE) execFileSync('pocketsphinx_batch', common('free.hyp', ['-lm', join(MODEL, 'en-us.lm.bin'), '-dict', join(MODEL, 'cmudict-en-us.dict')]));
console.error(`free ${(performance.now() - t).toFixed(0)} ms`);
const free = process.env.FREE ? read('free.hyp') : new Map<string, Hypseg>();
const own = forced(sel.map((s) => s.words), 'own');
const nm = forced(near.map((s) => s.words), 'near');
const ot = forced(other.map((s) => s.words), 'other');
const rawPh = new Map<string, string>();
for (const l of readFileSync(join(dir, 'ph.hyp'), 'utf8').split('\n')) { const id = l.split(' ')[0]; if (id) rawPh.set(id, l); }
function phSegs(id: string) { const t = rawPh.get(id)!.trim().split(/\s+/); const segs: { s: number; a: number; w: string }[] = []; for (let i = 9; i + 3 < t.length; i += 4) segs.push({ s: +t[i]!, a: +t[i + 1]!, w: t[i + 3]! }); return segs; }
function rawWords(line: string) { const t = line.trim().split(/\s+/); const segs: { s: number; e: number; a: number; w: string }[] = []; for (let i = 9; i + 3 < t.length; i += 4) segs.push({ s: +t[i]!, e: +(t[i + 4] ?? t[i]!), a: +t[i + 1]!, w: t[i + 3]! }); return segs; }
const rawOf = (f: string) => { const m = new Map<string, string>(); for (const l of readFileSync(join(dir, f), 'utf8').split('\n')) { const id = l.split(' ')[0]; if (id) m.set(id, l); } return m; };
const raws = { own: rawOf('own.hyp'), near: rawOf('near.hyp'), other: rawOf('other.hyp') };
// phone loop score in [s,e)
function ploopRange(id: string, s: number, e: number) { const segs = phSegs(id); const end = ph.get(id)!.frames; let sum = 0; segs.forEach((g, k) => { const ge = segs[k + 1]?.s ?? end; const ov = Math.max(0, Math.min(e, ge) - Math.max(s, g.s)); if (ov > 0 && ge > g.s) sum += (g.a * ov) / (ge - g.s); }); return sum; }
function detail(kind: 'own' | 'near' | 'other', map: Map<string, Hypseg>, i: number) {
  const id = ids[i]!; const h = map.get(id); const p = ph.get(id)!;
  if (!h || h.words.length === 0) return null;
  const words = rawWords(raws[kind].get(id)!);
  return { g: (h.acoustic - p.acoustic) / p.frames, frames: p.frames, words: words.map((w) => ({ w: w.w, s: w.s, e: w.e, a: w.a, p: ploopRange(id, w.s, w.e) })) };
}
function score(kind: 'own' | 'near' | 'other', map: Map<string, Hypseg>, i: number) {
  const id = ids[i]!; const h = map.get(id); const p = ph.get(id)!;
  if (!h || h.frames === 0) return { g: -999, w: -999 };
  const g = (h.acoustic - p.acoustic) / p.frames;
  const words = rawWords(raws[kind].get(id)!).filter((x) => !/^(<s>|<\/s>|<sil>|\[.*\]|\+\+.*)$/.test(x.w));
  let worst = 0;
  for (const w of words) { const d = w.e - w.s; if (d <= 0) { worst = Math.min(worst, -99); continue; } const lr = (w.a - ploopRange(id, w.s, w.e)) / d; worst = Math.min(worst, lr); }
  return { g, w: worst };
}
const rows: string[] = [];
for (let i = 0; i < sel.length; i++) {
  const a = score('own', own, i), b = score('near', nm, i), c = score('other', ot, i);
  rows.push([sel[i]!.name, a.g, a.w, b.g, b.w, c.g, c.w].map((x) => typeof x === 'number' ? x.toFixed(0) : x).join('\t') + `\t| ${free.get(ids[i]!)?.words.map((w) => w.word).join(' ')} | near: ${near[i]!.text}`);
}
writeFileSync(process.env.OUT ?? '/tmp/uv.json', JSON.stringify(sel.map((s, i) => ({ name: s.name, text: s.text, near: near[i]!.text, other: other[i]!.text, own: detail('own', own, i), nearD: detail('near', nm, i), otherD: detail('other', ot, i) }))));
console.log('name\town.g\town.w\tnear.g\tnear.w\toth.g\toth.w');
console.log(rows.join('\n'));
