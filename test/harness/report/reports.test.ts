import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readWav } from '../../../src/audio/formats/wav.js';
import type { RunResult } from '../../../src/harness/engine/results.js';
import { runSuite } from '../../../src/harness/load/run-suite.js';
import { writeClips } from '../../../src/harness/report/clips.js';
import { htmlReport, writeHtmlReport } from '../../../src/harness/report/html.js';
import { jsonReport } from '../../../src/harness/report/json.js';
import { junitReport, xmlEscape } from '../../../src/harness/report/junit.js';
import { tapReport } from '../../../src/harness/report/tap.js';
import { IvrSimulator } from '../../../src/harness/sim/ivr-simulator.js';
import { VirtualTime } from '../../../src/harness/virtual-time.js';
import { failing, passing, smallMenu } from '../support/menu.js';

const dir = mkdtempSync(join(tmpdir(), 'shtoom-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(): Promise<RunResult> {
  const vt = new VirtualTime();
  const port = new IvrSimulator({ clock: vt.clock, timers: vt.timers, hold: vt.hold, script: smallMenu });
  return vt.run(() => runSuite([passing, failing], { port, clock: vt.clock, timers: vt.timers, hold: vt.hold }));
}

describe('reports', () => {
  it('TAP: one point per scenario, a YAML block naming the failing step', async () => {
    const tap = tapReport(await run());
    expect(tap).toMatch(/^TAP version 13\n1\.\.2\nok 1 - menu one\nnot ok 2 - menu two <fails>\n {2}---\n/);
    expect(tap).toContain('  step: "6 duration (max_ms=1200)"');
    expect(tap).toContain('  expected: "0..1200 ms"');
    expect(tap).toMatch(/ {2}got: "2\d\d\d ms"/);
    expect(tap).toContain('  clip: "c2"');
    expect(tap).toMatch(/ {2}\.\.\.\n# 1 passed, 1 failed\n$/);
  });

  it('JUnit: one testcase per scenario, steps in system-out, the failure escaped', async () => {
    const xml = junitReport(await run(), 'ivr');
    expect(xml).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites tests="2" failures="1" time="[\d.]+">\n<testsuite name="ivr" tests="2" failures="1" errors="0" skipped="0"/,
    );
    expect(xml.match(/<testcase /g)).toHaveLength(2);
    expect(xml).toContain('<testcase name="menu two &lt;fails&gt;" classname="scenario"');
    expect(xml).toMatch(
      /<failure message="step 6 duration \(max_ms=1200\): the prompt lasted 2\d\d\d ms, outside 0\.\.1200 ms/,
    );
    expect(xml).toContain('<system-out>ok   1 call sip:ivr@127.0.0.1');
    expect(xml).toContain('skip 7 expect hangup');
    // Balanced elements, nothing unescaped inside text.
    for (const tag of ['testsuites', 'testsuite', 'testcase', 'system-out']) {
      expect(xml.match(new RegExp(`<${tag}[ >]`, 'g'))?.length).toBe(xml.match(new RegExp(`</${tag}>`, 'g'))?.length);
    }
    expect(xmlEscape('a<b & "c"\u0001')).toBe('a&lt;b &amp; &quot;c&quot;');
  });

  it('JSON: the run as data with the clips as files beside it', async () => {
    const r = await run();
    const files = writeClips(r, join(dir, 'json'));
    const data = JSON.parse(JSON.stringify(jsonReport(r, files))) as {
      summary: unknown;
      scenarios: { status: string; steps: { status: string }[]; clips: { file: string }[]; audio: { file: string } }[];
    };
    expect(data.summary).toEqual({ total: 2, passed: 1, failed: 1 });
    expect(data.scenarios[1]!.status).toBe('failed');
    expect(data.scenarios[1]!.steps.map((s) => s.status)).toEqual([
      'passed',
      'passed',
      'passed',
      'passed',
      'passed',
      'failed',
      'skipped',
    ]);
    const clip = join(dir, 'json', data.scenarios[1]!.clips[1]!.file);
    expect(readWav(readFileSync(clip)).frames).toBeGreaterThan(8000 * 2);
    expect(existsSync(join(dir, 'json', data.scenarios[0]!.audio.file))).toBe(true);
  });

  it('HTML: a page with a timeline, a marked waveform, the steps and players per scenario', async () => {
    const r = await run();
    const page = writeHtmlReport(r, join(dir, 'html'));
    const html = readFileSync(page, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html.match(/<svg class="timeline"/g)).toHaveLength(2);
    expect(html.match(/<svg class="waveform"/g)).toHaveLength(2);
    expect(html.match(/class="marker marker-failed"/g)).toHaveLength(1);
    expect(html).toContain('menu two &lt;fails&gt;');
    expect(html).not.toContain('<fails>');
    expect(html).toMatch(/<audio controls preload="metadata" src="clips\/s2-c2\.wav"><\/audio>/);
    expect(existsSync(join(dir, 'html', 'clips', 's2-c2.wav'))).toBe(true);
    expect(
      htmlReport(
        { ...r, scenarios: [], summary: { total: 0, passed: 0, failed: 0 } },
        { clips: new Map(), calls: new Map() },
      ),
    ).toContain('0 scenarios');
  });
});
