/**
 * The HTML report in a real browser: the demo IVR examples (one passing, one
 * failing on purpose) run against the simulator, the report is written, and
 * headless Chromium opens it: it renders, its timeline and waveform plots
 * are drawn with the assertions marked, and every audio player loads its clip.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runSuite } from '../../src/harness/load/run-suite.js';
import { writeHtmlReport } from '../../src/harness/report/html.js';
import { loadScenarioFile } from '../../src/harness/scenario/yaml.js';
import { demoIvr } from '../../src/harness/sim/demo-ivr.js';
import { IvrSimulator } from '../../src/harness/sim/ivr-simulator.js';
import { VirtualTime } from '../../src/harness/virtual-time.js';
import { audioPlayers, launchChromium } from './support/ivr-browser.js';

const EXAMPLES = join(import.meta.dirname, '..', '..', 'examples');
const dir = mkdtempSync(join(tmpdir(), 'shtoom-html-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('HTML report in headless Chromium', () => {
  it('renders, draws its plots and loads its audio', async () => {
    const scenarios = [
      ...loadScenarioFile(join(EXAMPLES, 'demo-sales.yaml')),
      ...loadScenarioFile(join(EXAMPLES, 'failing', 'demo-wrong-menu.yaml')),
    ];
    const vt = new VirtualTime();
    const port = new IvrSimulator({ clock: vt.clock, timers: vt.timers, hold: vt.hold, script: demoIvr() });
    const run = await vt.run(() => runSuite(scenarios, { port, clock: vt.clock, timers: vt.timers, hold: vt.hold }));
    expect(run.summary).toEqual({ total: 2, passed: 1, failed: 1 });
    const page = writeHtmlReport(run, join(dir, 'report'));
    const assertions = run.scenarios.map(
      (r) =>
        r.steps.filter((s) => ['heard', 'matches', 'listen', 'expect'].includes(s.kind) && s.status !== 'skipped')
          .length,
    );

    const browser = await launchChromium();
    try {
      const tab = await browser.context.newPage();
      const errors: string[] = [];
      tab.on('pageerror', (e) => errors.push(e.message));
      await tab.goto(pathToFileURL(page).href, { waitUntil: 'load' });
      expect(await tab.title()).toBe('shtoom IVR report');
      expect(await tab.textContent('[data-testid=summary]')).toContain('2 scenarios: 1 passed, 1 failed');
      const sections = tab.locator('section.scenario');
      expect(await sections.count()).toBe(2);
      expect(await tab.locator('section.failed .failure').textContent()).toContain('heard a different prompt');
      for (let i = 0; i < 2; i++) {
        const s = sections.nth(i);
        const timeline = s.locator('svg.timeline');
        expect(await timeline.count()).toBe(1);
        const box = await timeline.boundingBox();
        expect(box!.width).toBeGreaterThan(500);
        expect(await timeline.locator('rect.tl-prompt').count()).toBeGreaterThanOrEqual(2);
        expect(await timeline.locator('circle.tl-answered').count()).toBe(1);
        const wave = s.locator('svg.waveform');
        expect((await wave.boundingBox())!.height).toBeGreaterThan(50);
        const d = await wave.locator('path.wave').getAttribute('d');
        expect(d!.split('M').length).toBeGreaterThan(300);
        expect(await wave.locator('g.marker').count()).toBe(assertions[i]);
      }
      expect(await tab.locator('section.failed svg.waveform g.marker-failed').count()).toBe(1);
      // Every player loads its WAV: metadata read, a duration that matches the clip.
      const audio = await audioPlayers(tab);
      const clips = run.scenarios.reduce((n, r) => n + r.clips.length + 1, 0);
      expect(audio.length).toBeGreaterThanOrEqual(clips);
      for (const a of audio) {
        expect(a.error, a.src!).toBe(0);
        expect(a.ready, a.src!).toBeGreaterThanOrEqual(1);
        expect(a.duration, a.src!).toBeGreaterThan(0.5);
      }
      await tab.screenshot({ path: process.env.SHTOOM_SCREENSHOT ?? join(dir, 'report.png'), fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
