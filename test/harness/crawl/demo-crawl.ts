/**
 * The demo IVR crawled in virtual time through the IVR simulator, and what
 * its map must be: shared by the crawl tests that impair the receiver
 * (concealment, re-probes, stalls) and compare with the truth.
 */
import { crawl, type CrawlMap } from '../../../src/harness/crawl/crawler.js';
import { DEFAULT_TIMING } from '../../../src/harness/crawl/probe.js';
import { actionLabel } from '../../../src/harness/crawl/types.js';
import { demoIvr } from '../../../src/harness/sim/demo-ivr.js';
import { IvrSimulator, type IvrSimulatorOptions } from '../../../src/harness/sim/ivr-simulator.js';
import { VirtualTime } from '../../../src/harness/virtual-time.js';

/** The demo IVR's edges, as `shape` writes them: the truth a crawl must find. */
export const DEMO_EDGES: readonly string[] = [
  'top (no key) -> repeat top (0)',
  'top 0 -> repeat top (1)',
  'top * -> repeat top (1)',
  'top 1 -> hangup (2)',
  'top 2 -> menu 2 (0)',
  'top 3 -> menu 3 (0)',
  'top 9 -> hangup (1)',
  '2 (no key) -> menu top (1)',
  '2 0 -> menu top (1)',
  '2 1 -> hangup (2)',
  '2 2 -> hangup (2)',
  '2 3 -> menu top (1)',
  '2 9 -> menu top (1)',
  '2 * -> menu top (0)',
  '3 (no key) -> repeat 3 (1)',
  '3 0 -> silence (0)',
  '3 0000# -> repeat 3 (1)',
  '3 1234# -> hangup (2)',
].sort();

/** Edges as `menu key -> outcome menu (prompts said on the way)`, menus named by their path ('top' for the first). */
export function shape(map: CrawlMap): string[] {
  const name = (id: string | undefined) => {
    const n = map.nodes.find((x) => x.id === id);
    return !n ? '-' : n.path.length === 0 ? 'top' : n.path.map(actionLabel).join(' ');
  };
  return map.edges
    .map(
      (e) =>
        `${name(e.from)} ${actionLabel(e.action)} -> ${e.outcome}${e.to ? ` ${name(e.to)}` : ''} (${e.said.length})`,
    )
    .sort();
}

type Receiver = Omit<IvrSimulatorOptions, 'clock' | 'timers' | 'hold' | 'script'>;

/**
 * The demo IVR crawled (keys 0123*9, inputs 1234# and 0000#, depth 3, 60
 * calls or `o.maxCalls`, 4 at once) through a simulator whose receiver is
 * `receiver`; the probes' log lines with it.
 */
export async function crawlDemoSim(
  receiver: Receiver,
  o: { readonly reprobe?: boolean; readonly maxCalls?: number } = {},
): Promise<{ map: CrawlMap; lines: string[] }> {
  const vt = new VirtualTime();
  const port = new IvrSimulator({ clock: vt.clock, timers: vt.timers, hold: vt.hold, script: demoIvr(), ...receiver });
  const lines: string[] = [];
  const map = await vt.run(() =>
    crawl(
      {
        uri: 'sip:ivr@sim',
        dtmfMode: 'rfc4733',
        timing: DEFAULT_TIMING,
        limits: { keys: [...'0123*9'], inputs: ['1234#', '0000#'], maxDepth: 3, maxCalls: o.maxCalls ?? 60 },
        concurrency: 4,
        ...(o.reprobe !== undefined ? { reprobe: o.reprobe } : {}),
        onProbe: (l) => lines.push(l),
      },
      { port, clock: vt.clock, timers: vt.timers, hold: vt.hold },
    ),
  );
  return { map, lines };
}
