/**
 * A known menu heard inside a longer recording (the IVR says "not a valid
 * option" and the menu again with no pause the prompt gap could cut) is
 * that menu; a new prompt that holds only part of a menu's audio is a new
 * menu; a known menu cut in two by a gap is that menu. The simulator in
 * virtual time, its far end playing exact audio. And
 * the transcripts of new prompts, made beside the calls, all reach the map.
 */
import { describe, expect, it } from 'vitest';
import { crawl, type CrawlMap } from '../../../src/harness/crawl/crawler.js';
import { DEFAULT_TIMING } from '../../../src/harness/crawl/probe.js';
import { actionLabel } from '../../../src/harness/crawl/types.js';
import type { IvrScript } from '../../../src/harness/sim/far-end.js';
import { IvrSimulator } from '../../../src/harness/sim/ivr-simulator.js';
import { VirtualTime } from '../../../src/harness/virtual-time.js';
import { speak } from '../../../src/tts/speak.js';

const MENU = 'For sales, press 1. For support, press 2. To hear your balance, press 3. To hang up, press 9.';
const INVALID = 'Sorry, that is not a valid option.';

const concat = (...parts: Int16Array[]) => {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};
const gain = (pcm: Int16Array, g: number) => Int16Array.from(pcm, (v) => Math.round(v * g));

// Rendered before the calls: the far end plays exact audio, and virtual time waits for nothing.
const menu = await speak(MENU);
const invalid = await speak(INVALID);
const billing = await speak('Billing. For invoices, press 5. For payments, press 6.');

interface MenuShape {
  /** What key 1 plays before it waits for a key (default: goodbye and hang up). */
  readonly one?: Int16Array;
  /** The menu as said again after an invalid key or the timeout (default: as first said). */
  readonly again?: Int16Array;
  /** After an invalid key: a pause this long after the response, and one this long inside the menu. */
  readonly split?: { readonly afterMs: number; readonly insideMs: number };
}

/** One menu; an invalid key is answered "not a valid option" and the menu at once, with no pause. */
function menuIvr(shape: MenuShape = {}): IvrScript {
  return async (call) => {
    call.answer();
    await call.wait(300);
    await call.play(menu);
    for (;;) {
      call.flushDtmf();
      const k = await call.collectDtmf({ max: 1, timeoutMs: 4000 });
      if (k === '1' && shape.one) {
        await call.wait(800);
        await call.play(shape.one);
        await call.collectDtmf({ max: 1, timeoutMs: 4000 });
        return call.hangup();
      }
      if (k === '1') {
        await call.wait(800);
        await call.say('Goodbye.');
        return call.hangup();
      }
      const again = shape.again ?? menu;
      if (k === '') await call.play(again);
      else if (shape.split) {
        await call.wait(500);
        await call.play(invalid);
        await call.wait(shape.split.afterMs);
        const half = Math.floor(again.length / 2);
        await call.play(again.subarray(0, half));
        await call.wait(shape.split.insideMs);
        await call.play(again.subarray(half));
      } else {
        await call.wait(500);
        await call.play(concat(invalid, again));
      }
    }
  };
}

async function crawlMenu(
  script: IvrScript,
  o: { keys?: string; lossRate?: number; transcribe?: (s: Int16Array) => Promise<string> } = {},
): Promise<CrawlMap> {
  const vt = new VirtualTime();
  const port = new IvrSimulator({
    clock: vt.clock,
    timers: vt.timers,
    hold: vt.hold,
    script,
    ...(o.lossRate ? { lossRate: o.lossRate } : {}),
  });
  return vt.run(() =>
    crawl(
      {
        uri: 'sip:ivr@sim',
        dtmfMode: 'rfc4733',
        timing: DEFAULT_TIMING,
        limits: { keys: [...(o.keys ?? '12')], inputs: [], maxDepth: 1, maxCalls: 20 },
        concurrency: 4,
        ...(o.transcribe ? { transcribe: o.transcribe } : {}),
      },
      { port, clock: vt.clock, timers: vt.timers, hold: vt.hold },
    ),
  );
}

const edges = (map: CrawlMap) =>
  map.edges
    .map((e) => `${e.from} ${actionLabel(e.action)} ${e.outcome}${e.to ? ` ${e.to}` : ''} [${e.said.length}]`)
    .sort();

describe('a known menu inside a longer recording (simulator, virtual time)', () => {
  it('takes "not a valid option" and the menu with no pause for that menu again', async () => {
    const map = await crawlMenu(menuIvr());
    expect(map.nodes.map((n) => n.id)).toEqual(['n1']);
    // The invalid response is said before the menu; it is a prompt of its own.
    expect(edges(map)).toEqual(['n1 (no key) repeat n1 [0]', 'n1 1 hangup [1]', 'n1 2 repeat n1 [1]']);
    const said = map.edges.find((e) => actionLabel(e.action) === '2')!.said[0]!;
    const info = map.prompts.find((p) => p.id === said)!;
    const invalidMs = (invalid.length / 8000) * 1000;
    expect(Math.abs(info.speechMs - invalidMs)).toBeLessThan(600);
  }, 120_000);

  it('keeps a new prompt that holds only part of the menu audio a new menu', async () => {
    // Key 1: new words then the first 70 % of the menu, or the menu's last 70 % then new words: longer than the
    // menu, so the menu is looked for inside them, and not all there.
    const part = Math.floor(menu.length * 0.7);
    const head = await crawlMenu(menuIvr({ one: concat(billing, menu.subarray(0, part)) }));
    expect(head.nodes.map((n) => n.id)).toEqual(['n1', 'n2']);
    expect(edges(head)).toContain('n1 1 menu n2 [0]');
    const tail = await crawlMenu(menuIvr({ one: concat(menu.subarray(menu.length - part), billing) }));
    expect(tail.nodes.map((n) => n.id)).toEqual(['n1', 'n2']);
    expect(edges(tail)).toContain('n1 1 menu n2 [0]');
  }, 120_000);

  it('takes the menu cut in two by a gap (a stalled stream) for the menu again', async () => {
    const map = await crawlMenu(menuIvr({ split: { afterMs: 900, insideMs: 1000 } }));
    expect(map.nodes.map((n) => n.id)).toEqual(['n1']);
    expect(edges(map)).toEqual(['n1 (no key) repeat n1 [0]', 'n1 1 hangup [1]', 'n1 2 repeat n1 [1]']);
  }, 120_000);

  it('still finds the menu said at a third of its volume, with 2 % of packets lost', async () => {
    const map = await crawlMenu(menuIvr({ again: gain(menu, 0.3) }), { lossRate: 0.02 });
    expect(map.nodes.map((n) => n.id)).toEqual(['n1']);
    expect(edges(map)).toEqual(['n1 (no key) repeat n1 [0]', 'n1 1 hangup [1]', 'n1 2 repeat n1 [1]']);
  }, 120_000);
});

describe('transcripts of a crawl (simulator, virtual time)', () => {
  it('transcribes new prompts beside the calls, and the map has every transcript', async () => {
    // A slow recogniser (real time: the crawl goes on meanwhile) that names a clip by its length.
    let started = 0;
    const transcribe = async (s: Int16Array) => {
      started++;
      await new Promise((r) => setTimeout(r, 300));
      return `clip of ${s.length} samples`;
    };
    const map = await crawlMenu(menuIvr(), { transcribe });
    expect(started).toBe(map.prompts.length);
    expect(map.prompts.map((p) => p.transcript)).toEqual(map.prompts.map((p) => `clip of ${p.samples.length} samples`));
  }, 120_000);
});
