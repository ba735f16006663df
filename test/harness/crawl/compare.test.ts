/**
 * `compareMaps`: each kind of change is found, and an identical map finds
 * nothing — on maps written by hand (prompts judged by their transcript),
 * and on crawls of a simulated IVR in virtual time before and after it
 * changed (prompts judged by their audio).
 */
import { describe, expect, it } from 'vitest';
import { compareJunit, compareText } from '../../../src/harness/crawl/compare-report.js';
import { compareMaps, viewOfCrawl, type MapView, type PromptJudge } from '../../../src/harness/crawl/compare.js';
import { crawl } from '../../../src/harness/crawl/crawler.js';
import { DEFAULT_TIMING } from '../../../src/harness/crawl/probe.js';
import type { IvrScript } from '../../../src/harness/sim/far-end.js';
import { IvrSimulator } from '../../../src/harness/sim/ivr-simulator.js';
import { VirtualTime } from '../../../src/harness/virtual-time.js';

const byWords: PromptJudge = (a, b) => ({ same: a.transcript === b.transcript, why: 'words' });
const prompt = (id: string, transcript: string) => ({ id, transcript, speechMs: 1000, recordings: [] });

/** Main menu: 1 billing (1 hangs up, * back), 2 transfers; other keys repeat. */
function base(): MapView {
  return {
    entry: { said: [], outcome: 'menu', to: 'n1' },
    nodes: [
      { id: 'n1', prompt: 'p1', path: [] },
      { id: 'n2', prompt: 'p2', path: ['1'] },
    ],
    edges: [
      { from: 'n1', key: '1', outcome: 'menu', to: 'n2', said: [] },
      { from: 'n1', key: '2', outcome: 'transfer', said: ['p4'], detail: 'sip:agent@x' },
      { from: 'n1', key: '*', outcome: 'repeat', to: 'n1', said: ['p3'] },
      { from: 'n1', key: null, outcome: 'repeat', to: 'n1', said: [] },
      { from: 'n2', key: '1', outcome: 'hangup', said: ['p5'] },
      { from: 'n2', key: '*', outcome: 'menu', to: 'n1', said: [] },
      { from: 'n2', key: null, outcome: 'repeat', to: 'n2', said: [] },
    ],
    prompts: [
      prompt('p1', 'main menu'),
      prompt('p2', 'billing'),
      prompt('p3', 'not valid'),
      prompt('p4', 'transferring'),
      prompt('p5', 'goodbye'),
    ],
  };
}

interface Mutable {
  entry: { said: string[]; outcome: string; to?: string } | null;
  nodes: { id: string; prompt: string; path: (string | null)[] }[];
  edges: { from: string; key: string | null; outcome: string; to?: string; said: string[]; detail?: string }[];
  prompts: MapView['prompts'][number][];
}
function edit(f: (m: Mutable) => void): MapView {
  const m = structuredClone(base()) as unknown as Mutable;
  f(m);
  return m;
}
const kinds = (before: MapView, after: MapView) =>
  compareMaps(before, after, byWords).map((c) =>
    `${c.kind} ${c.where} ${c.key === undefined ? '' : String(c.key)}`.trim(),
  );

describe('compareMaps on maps written by hand', () => {
  it('finds nothing between a map and itself, or a copy with other ids', () => {
    expect(compareMaps(base(), base(), byWords)).toEqual([]);
    // The same IVR crawled in another order: menus and prompts numbered differently.
    const renumbered = edit((m) => {
      m.entry = { said: [], outcome: 'menu', to: 'n9' };
      m.nodes[0] = { id: 'n9', prompt: 'p1', path: [] };
      for (const e of m.edges) {
        if (e.from === 'n1') e.from = 'n9';
        if (e.to === 'n1') e.to = 'n9';
      }
    });
    expect(compareMaps(base(), renumbered, byWords)).toEqual([]);
  });

  it('finds a changed prompt, at a menu and on the way', () => {
    const menu = edit((m) => (m.prompts[1] = prompt('p2', 'accounts')));
    const [c] = compareMaps(base(), menu, byWords);
    expect(c).toMatchObject({ kind: 'prompt', node: 'n2', where: '1', before: '"billing"' });
    expect(c!.after).toMatch(/^"accounts"/);
    expect(
      kinds(
        base(),
        edit((m) => (m.prompts[4] = prompt('p5', 'bye now'))),
      ),
    ).toEqual(['prompt 1 1']);
  });

  it('finds a key removed (it now repeats the menu) and a key added', () => {
    const removed = edit((m) => (m.edges[1] = { from: 'n1', key: '2', outcome: 'repeat', to: 'n1', said: ['p3'] }));
    const [c] = compareMaps(base(), removed, byWords);
    expect(c).toMatchObject({ kind: 'key-removed', where: 'first menu', key: '2' });
    expect(c!.before).toBe('transfer sip:agent@x after "transferring"');
    expect(c!.after).toBe('repeat after "not valid"');
    expect(kinds(removed, base())).toEqual(['key-added first menu 2']);
    // A key the new crawl did not try at all.
    expect(
      kinds(
        base(),
        edit((m) => m.edges.splice(2, 1)),
      ),
    ).toEqual(['key-removed first menu *']);
  });

  it('finds a changed outcome: another end, another transfer target, another menu', () => {
    expect(
      kinds(
        base(),
        edit((m) => (m.edges[4] = { from: 'n2', key: '1', outcome: 'transfer', said: ['p5'] })),
      ),
    ).toEqual(['outcome 1 1']);
    expect(
      kinds(
        base(),
        edit((m) => (m.edges[1]!.detail = 'sip:other@x')),
      ),
    ).toEqual(['outcome first menu 2']);
    // Billing's * leads to billing's own menu... as another menu: no longer the main menu.
    const loop = edit((m) => (m.edges[5] = { from: 'n2', key: '*', outcome: 'menu', to: 'n2', said: [] }));
    expect(kinds(base(), loop)).toEqual(['outcome 1 *']);
  });

  it('finds a menu gone and a menu new', () => {
    const gone = edit((m) => {
      m.nodes.splice(1, 1);
      m.edges = m.edges.filter((e) => e.from !== 'n2');
      m.edges[0] = { from: 'n1', key: '1', outcome: 'hangup', said: ['p5'] };
    });
    expect(kinds(base(), gone)).toEqual(['outcome first menu 1', 'node-gone 1']);
    expect(kinds(gone, base())).toEqual(['outcome first menu 1', 'node-new 1']);
  });
});

describe('the comparison report', () => {
  it('says no change, or a line per change and a failed JUnit testcase at each menu changed', () => {
    expect(compareText([], 'old/tree.json')).toEqual(['no change against old/tree.json']);
    const after = edit((m) => {
      m.prompts[1] = prompt('p2', 'accounts');
      m.edges[1] = { from: 'n1', key: '2', outcome: 'repeat', to: 'n1', said: ['p3'] };
    });
    const changes = compareMaps(base(), after, byWords);
    expect(compareText(changes, 'old/tree.json')).toEqual([
      'KEY REMOVED at first menu, key 2: was transfer sip:agent@x after "transferring", now repeat after "not valid"',
      'PROMPT CHANGED at 1: was "billing", now "accounts" (words)',
      '2 change(s) against old/tree.json',
    ]);
    const xml = compareJunit(base(), changes, {
      against: 'old',
      durationMs: 1500,
      startedAt: '2026-01-01T00:00:00.000Z',
    });
    expect(xml).toMatch(/<testsuites tests="3" failures="2" time="1.500">/);
    expect(xml).toMatch(/<testcase name="the first call"[^>]*>\n {2}<\/testcase>/);
    expect(xml).toMatch(/<testcase name="menu \(first menu\) \(n1\)"[^>]*>\n {4}<failure message="KEY REMOVED/);
    expect(xml).toMatch(
      /<testcase name="menu 1 \(n2\)"[^>]*>\n {4}<failure message="PROMPT CHANGED at 1: was &quot;billing/,
    );
    expect(compareJunit(base(), [], { against: 'old', durationMs: 0, startedAt: '' })).toMatch(/failures="0"/);
  });
});

/** A main menu and a billing menu; `changed`: billing says something else and the main menu's 2 does nothing. */
const smallIvr =
  (changed: boolean): IvrScript =>
  async (call) => {
    call.answer();
    await call.wait(300);
    for (let level = 'main'; ; ) {
      call.flushDtmf();
      if (level === 'main') await call.say('Main menu. For billing, press 1. For sales, press 2.');
      else if (changed) await call.say('Accounts department. To hear your statement, press 1.');
      else await call.say('Billing. For your last bill, press 1.');
      const k = await call.collectDtmf({ max: 1, timeoutMs: 3000 });
      await call.wait(500);
      if (level === 'main' && k === '1') level = 'billing';
      else if ((level === 'main' && k === '2' && !changed) || (level === 'billing' && k === '1')) {
        await call.say('Goodbye.');
        await call.wait(300);
        return call.hangup();
      } else if (k !== '') {
        await call.say('That key is not valid.');
        await call.wait(800);
      }
    }
  };

async function crawlSim(script: IvrScript) {
  const vt = new VirtualTime();
  const port = new IvrSimulator({ clock: vt.clock, timers: vt.timers, hold: vt.hold, script });
  const map = await vt.run(() =>
    crawl(
      {
        uri: 'sip:ivr@sim',
        dtmfMode: 'rfc4733',
        timing: DEFAULT_TIMING,
        limits: { keys: ['1', '2'], inputs: [], maxDepth: 3, maxCalls: 40 },
        concurrency: 3,
      },
      { port, clock: vt.clock, timers: vt.timers, hold: vt.hold },
    ),
  );
  return viewOfCrawl(map);
}

describe('compareMaps on crawls of a simulated IVR (virtual time, audio judged)', () => {
  it('finds the changed prompt and the removed key, and nothing against the same IVR', async () => {
    const [before, again, after] = [
      await crawlSim(smallIvr(false)),
      await crawlSim(smallIvr(false)),
      await crawlSim(smallIvr(true)),
    ];
    expect(compareMaps(before, again)).toEqual([]);
    const changes = compareMaps(before, after);
    expect(changes.map((c) => `${c.kind} ${c.where} ${c.key ?? ''}`.trim()).sort()).toEqual([
      'key-removed first menu 2',
      'prompt 1',
    ]);
  }, 120_000);
});
