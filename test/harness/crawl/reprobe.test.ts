/**
 * A recording too made up by the receiver to judge (over a fifth of its
 * speech concealed, inserted or skipped) is heard again on a fresh call
 * before a new prompt is made of it: in virtual time, the demo IVR with one
 * call's receiver losing 15 % of its frames (60 ms bursts, concealed).
 */
import { describe, expect, it } from 'vitest';
import { crawlDemoSim, DEMO_EDGES, shape } from './demo-crawl.js';

/** The demo IVR crawled, the calls numbered in `bad` (in the order dialled) heard through a heavy loss. */
function crawlDemo(bad: readonly number[], o: { reprobe?: boolean; maxCalls?: number } = {}) {
  return crawlDemoSim(
    { conceal: true, perCall: (n) => (bad.includes(n) ? { lossRate: 0.15, lossBurst: 3, seed: 5 } : undefined) },
    o,
  );
}

// Call 3 is the main menu's "no key": the main menu heard again (call 4 is its re-probe). Alone,
// call 6 is the main menu's key 3: the PIN prompt, heard for the first time.
describe('a recording too made up to judge', () => {
  it('is probed again, and the known menu is found in the second recording (one call more)', async () => {
    const { map, lines } = await crawlDemo([3]);
    expect(shape(map)).toEqual(DEMO_EDGES);
    expect(map.prompts.length).toBe(11);
    expect(map.reprobes).toBe(1);
    expect(map.callsUsed).toBe(20);
    expect(lines.find((l) => l.startsWith('probe 3 '))).toMatch(
      /too made up to judge \(60 % .*probing again as probe 4$/,
    );
    expect(lines.find((l) => l.startsWith('probe 4 '))).toBe(
      'probe 4 (n1 (no key)) (again for probe 3): waiting after p2',
    );
  }, 300_000);

  it('makes a spurious menu when judged as recorded (no re-probe)', async () => {
    const { map, lines } = await crawlDemo([3], { reprobe: false });
    expect(map.nodes.length).toBe(4);
    expect(shape(map)).not.toEqual(DEMO_EDGES);
    expect(map.reprobes).toBe(0);
    expect(lines.find((l) => l.startsWith('probe 3 '))).toMatch(
      /judged as recorded: 60 % of a prompt's speech made up\)$/,
    );
  }, 300_000);

  it('is judged as recorded when the second recording is too made up as well', async () => {
    const { map, lines } = await crawlDemo([3, 4]);
    expect(map.reprobes).toBe(1);
    expect(lines.find((l) => l.startsWith('probe 4 '))).toMatch(
      /\(again for probe 3\): waiting after p\d+ .*\(judged as recorded: 60 % of a prompt's speech made up, the second time\)$/,
    );
    // As without the re-probe: the recording makes a new prompt, and a spurious menu.
    expect(map.nodes.length).toBe(4);
  }, 300_000);

  it('a prompt that really is new, recorded badly once, is a new prompt after the re-probe', async () => {
    const { map, lines } = await crawlDemo([6]);
    expect(shape(map)).toEqual(DEMO_EDGES);
    expect(map.prompts.length).toBe(11);
    expect(map.reprobes).toBe(1);
    expect(map.callsUsed).toBe(20);
    expect(lines.some((l) => /^probe 6 \(n1 3\): a prompt too made up to judge/.test(l))).toBe(true);
  }, 300_000);

  it('counts the re-probe within --max-calls', async () => {
    const four = await crawlDemo([3], { maxCalls: 4 });
    expect(four.map.callsUsed).toBe(4);
    expect(four.map.reprobes).toBe(1);
    expect(four.map.unexplored).toBeGreaterThan(0);
    // No call left for it: judged as recorded, and said so.
    const three = await crawlDemo([3], { maxCalls: 3 });
    expect(three.map.callsUsed).toBe(3);
    expect(three.map.reprobes).toBe(0);
    expect(three.lines.find((l) => l.startsWith('probe 3 '))).toMatch(/no call left to probe again\)$/);
  }, 300_000);
});
