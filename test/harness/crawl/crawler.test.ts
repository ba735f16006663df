/**
 * The crawler against the demo IVR in the simulator, in virtual time: the
 * menus, keys and outcomes it finds are the script's known structure.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeCrawl } from '../../../src/harness/crawl/output.js';
import { loadScenarios } from '../../../src/harness/scenario/yaml.js';
import { runSim } from '../support/sim.js';
import { crawl, type CrawlMap } from '../../../src/harness/crawl/crawler.js';
import { DEFAULT_TIMING } from '../../../src/harness/crawl/probe.js';
import { comparePrompts } from '../../../src/harness/crawl/prompt-library.js';
import { actionLabel } from '../../../src/harness/crawl/types.js';
import { DEMO_PROMPTS, demoIvr } from '../../../src/harness/sim/demo-ivr.js';
import { speak } from '../../../src/tts/speak.js';
import { IvrSimulator } from '../../../src/harness/sim/ivr-simulator.js';
import type { IvrScript } from '../../../src/harness/sim/far-end.js';
import { VirtualTime } from '../../../src/harness/virtual-time.js';

async function crawlSim(script: IvrScript, keys: string, extra: { maxCalls?: number; depth?: number } = {}) {
  const vt = new VirtualTime();
  const port = new IvrSimulator({ clock: vt.clock, timers: vt.timers, hold: vt.hold, script });
  return vt.run(() =>
    crawl(
      {
        uri: 'sip:ivr@sim',
        dtmfMode: 'rfc4733',
        timing: DEFAULT_TIMING,
        limits: {
          keys: [...keys],
          inputs: ['1234#', '0000#'],
          maxDepth: extra.depth ?? 3,
          maxCalls: extra.maxCalls ?? 100,
        },
        concurrency: 4,
      },
      { port, clock: vt.clock, timers: vt.timers, hold: vt.hold },
    ),
  );
}

/** Edges as `menu key -> outcome target [said…]`, menus and prompts named by the test's own names. */
function shape(map: CrawlMap, names: Record<string, string>): string[] {
  const nodeName = (id: string | undefined) => {
    const n = map.nodes.find((x) => x.id === id);
    return n ? (names[n.prompt] ?? n.prompt) : '-';
  };
  return map.edges
    .map(
      (e) =>
        `${nodeName(e.from)} ${actionLabel(e.action)} -> ${e.outcome}${e.to ? ` ${nodeName(e.to)}` : ''}` +
        (e.said.length ? ` [${e.said.map((p) => names[p] ?? p).join(' ')}]` : ''),
    )
    .sort();
}

describe('crawl the demo IVR (simulator, virtual time)', () => {
  it('finds every menu, key and outcome of the known structure', async () => {
    const map = await crawlSim(demoIvr(), '0123*9');
    // Name each prompt found by the demo prompt whose speech it matches (flite, as the simulator speaks).
    const names: Record<string, string> = {};
    for (const [name, text] of Object.entries(DEMO_PROMPTS)) {
      const ref = await speak(text);
      for (const p of map.prompts) {
        if (comparePrompts(p.samples, p.speechMs, ref, (ref.length / 8000) * 1000 - 100).score >= 0.8) {
          expect(names[p.id], `${p.id} is both ${names[p.id]} and ${name}`).toBeUndefined();
          names[p.id] = name;
        }
      }
    }
    expect(map.entry?.outcome).toBe('menu');
    expect(map.entry?.said.map((p) => names[p])).toEqual(['welcome']);
    // Every prompt heard is one of the demo's, found once.
    expect(map.prompts.map((p) => names[p.id]).sort()).toEqual(
      [
        'welcome',
        'menu',
        'support',
        'pin',
        'invalid',
        'goodbye',
        'sales',
        'internet',
        'telephone',
        'rejected',
        'accepted',
      ].sort(),
    );
    const s = shape(map, names);
    expect(s).toEqual(
      [
        'menu 0 -> repeat menu [invalid]',
        'menu 1 -> hangup [sales goodbye]',
        'menu 2 -> menu support',
        'menu 3 -> menu pin',
        'menu 9 -> hangup [goodbye]',
        'menu * -> repeat menu [invalid]',
        'menu (no key) -> repeat menu',
        'support 0 -> menu menu [invalid]',
        'support 1 -> hangup [internet goodbye]',
        'support 2 -> hangup [telephone goodbye]',
        'support 3 -> menu menu [invalid]',
        'support 9 -> menu menu [invalid]',
        'support * -> menu menu',
        'support (no key) -> menu menu [invalid]',
        'pin 0 -> silence',
        'pin (no key) -> repeat pin [rejected]',
        'pin 1234# -> hangup [accepted goodbye]',
        'pin 0000# -> repeat pin [rejected]',
      ].sort(),
    );
    expect(map.nodes.map((n) => n.kind).sort()).toEqual(['digits', 'menu', 'menu']);
    expect(map.callsUsed).toBe(19);
    expect(map.unexplored).toBe(0);

    // The scenarios it writes: one per leaf; they pass against the same IVR
    // and fail against one whose prompts are spoken by another voice.
    const dir = mkdtempSync(join(tmpdir(), 'shtoom-crawl-'));
    try {
      const files = writeCrawl(map, dir, { dtmfMode: 'rfc4733', timing: DEFAULT_TIMING });
      expect(files.map((f) => basename(f))).toEqual([
        '1-hangup.yaml',
        '2-1-hangup.yaml',
        '2-2-hangup.yaml',
        '3-0-silence.yaml',
        '3-1234pound-hangup.yaml',
        '9-hangup.yaml',
      ]);
      const tree = JSON.parse(readFileSync(join(dir, 'tree.json'), 'utf8')) as { nodes: unknown[]; edges: unknown[] };
      expect([tree.nodes.length, tree.edges.length]).toEqual([3, 18]);
      const [pinScenario] = loadScenarios([join(dir, 'scenarios', '3-1234pound-hangup.yaml')]);
      const same = await runSim(pinScenario!, demoIvr());
      expect(same.result.status, same.result.failure).toBe('passed');
      const other = await runSim(pinScenario!, demoIvr({ voice: { engine: 'espeak-ng' } }));
      expect(other.result.status).toBe('failed');
      expect(other.result.failure).toMatch(/matches \.\.\/prompts\/p\d+\.wav/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);

  it('stops at the call budget and at the depth limit', async () => {
    const few = await crawlSim(demoIvr(), '0123*9', { maxCalls: 5 });
    expect(few.callsUsed).toBe(5);
    expect(few.edges).toHaveLength(4);
    expect(few.unexplored).toBeGreaterThan(0);
    const shallow = await crawlSim(demoIvr(), '23', { depth: 1 });
    // The main menu is explored; support and PIN are found at depth 1 and recorded, not explored.
    expect(shallow.nodes.map((n) => [n.depth, n.truncated])).toEqual([
      [0, false],
      [1, true],
      [1, true],
    ]);
    expect(shallow.edges.every((e) => e.from === shallow.entry!.to)).toBe(true);
  }, 120_000);
});

/** Two menus one word apart (accounts, cards) that both lead to one announcement, and `*` back to the top. */
const sharedMenu: IvrScript = async (call) => {
  call.answer();
  await call.wait(300);
  const say = (t: string) => call.say(t);
  for (let level = 'main'; ; ) {
    call.flushDtmf();
    if (level === 'main') await say('Main menu. For accounts, press 1. For cards, press 2.');
    else if (level === 'accounts') await say('Accounts. For your balance, press 1. For the main menu, press star.');
    else if (level === 'cards') await say('Cards. For your balance, press 1. For the main menu, press star.');
    else await say('Your balance is twelve dollars. Goodbye.');
    if (level === 'balance') {
      await call.wait(300);
      return call.hangup();
    }
    const k = await call.collectDtmf({ max: 1, timeoutMs: 4000 });
    await call.wait(600);
    if (level === 'main') level = k === '1' ? 'accounts' : k === '2' ? 'cards' : 'main';
    else if (k === '1') level = 'balance';
    else if (k === '*') level = 'main';
  }
};

describe('crawl a menu with a shared branch (simulator, virtual time)', () => {
  it('keeps menus one word apart as two, makes one prompt of a shared announcement, finds the loop', async () => {
    const map = await crawlSim(sharedMenu, '12*');
    expect(map.nodes.map((n) => n.depth)).toEqual([0, 1, 1]);
    const main = map.entry!.to!;
    const to = (key: string) => map.edges.find((e) => e.from === main && actionLabel(e.action) === key)!.to!;
    const [a, b] = [to('1'), to('2')];
    const edges = map.edges.map((e) => `${e.from} ${actionLabel(e.action)} ${e.outcome} ${e.to ?? ''}`.trim()).sort();
    expect(edges).toEqual(
      [
        `${main} 1 menu ${a}`,
        `${main} 2 menu ${b}`,
        `${main} * repeat ${main}`,
        `${main} (no key) repeat ${main}`,
        `${a} 1 hangup`,
        `${a} 2 repeat ${a}`,
        `${a} * menu ${main}`,
        `${a} (no key) repeat ${a}`,
        `${b} 1 hangup`,
        `${b} 2 repeat ${b}`,
        `${b} * menu ${main}`,
        `${b} (no key) repeat ${b}`,
      ].sort(),
    );
    // The balance announcement after either branch is one prompt.
    const balance = map.edges.filter((e) => e.outcome === 'hangup').map((e) => e.said.join(' '));
    expect(balance).toHaveLength(2);
    expect(balance[0]).toBe(balance[1]);
    expect(map.prompts).toHaveLength(4);
  }, 120_000);
});
