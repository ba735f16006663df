/** A smoke result for people (a few aligned lines) and for CI (JUnit XML: one test case per check). */
import type { SmokeResult } from './smoke-call.js';

function pct(v: number | undefined): string {
  return v === undefined ? 'unknown' : `${v.toFixed(2)} %`;
}

/**
 * @example
 * process.stdout.write(smokeText(result));
 */
export function smokeText(r: SmokeResult, mark: (ok: boolean, s: string) => string = (_ok, s) => s): string {
  const lines = [`smoke ${r.target}: ${mark(r.ok, r.ok ? 'PASS' : 'FAIL')}`];
  const row = (k: string, v: string) => lines.push(`  ${k.padEnd(9)} ${v}`);
  const end = r.call.end;
  if (!r.call.answered) {
    row('call', `not answered: ${end?.message ?? '?'}${end?.status ? ` (${end.status})` : ''}`);
  } else {
    row(
      'call',
      `${r.call.codec ?? '?'}${r.call.bandwidth ? ` (${r.call.bandwidth})` : ''}, ` +
        `answered in ${r.call.setupMs ?? '?'} ms, ` +
        `${((end?.durationMs ?? 0) / 1000).toFixed(1)} s`,
    );
    row(
      'latency',
      r.latency.roundTripMs === undefined
        ? `unknown (${r.latency.probesFound}/${r.latency.probesSent} probes back)`
        : `${r.latency.roundTripMs.toFixed(1)} ms round trip (${r.latency.probesFound}/${r.latency.probesSent} ` +
            `probes back)`,
    );
    row(
      'loss',
      `${pct(r.loss.sentPercent)} sent (peer's RTCP), ${pct(r.loss.receivedPercent)} received; ` +
        `${pct(r.loss.roundTripPercent)} round trip (${r.loss.packetsSent} packets out, ${r.loss.packetsReceived} in)`,
    );
    row('jitter', `${r.jitter.meanMs.toFixed(2)} ms mean, ${r.jitter.maxMs.toFixed(2)} ms max`);
    row('RTT', r.rttMs === undefined ? 'unknown (no RTCP report from the peer)' : `${r.rttMs.toFixed(2)} ms (RTCP)`);
    row(
      'MOS',
      r.mos
        ? `${r.mos.mos.toFixed(2)} (E-model ${r.mos.model} R ${r.mos.r.toFixed(1)}, Ie ${r.mos.ie}, Bpl ${r.mos.bpl})`
        : 'unknown',
    );
  }
  for (const c of r.checks) row(c.ok ? 'ok' : 'FAILED', c.message);
  return lines.join('\n') + '\n';
}

function xml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/**
 * JUnit XML (the dialect Jenkins, GitLab and GitHub reporters read): one
 * suite, one test case per check named for the check (`loss`, `latency`…), its
 * measured value in the case's system-out, the whole result as JSON in the
 * suite's system-out.
 *
 * @example
 * writeFileSync('smoke.xml', smokeJunit(result, new Date()));
 */
export function smokeJunit(r: SmokeResult, at: Date): string {
  const failures = r.checks.filter((c) => !c.ok).length;
  const seconds = ((r.call.end?.durationMs ?? 0) / 1000).toFixed(3);
  // The test case is named for the check alone, so CI history sees the same
  // test every run; the measured value goes to its system-out.
  const cases = r.checks
    .map((c) => {
      const head = `    <testcase classname="shtoom.smoke" name="${xml(c.name)}" time="0">`;
      const failure = c.ok
        ? ''
        : `\n      <failure message="${xml(c.message)}" type="threshold">${xml(c.message)}</failure>`;
      return `${head}${failure}\n      <system-out>${xml(c.message)}</system-out>\n    </testcase>`;
    })
    .join('\n');
  const { stats: _stats, ...summary } = r;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="shtoom smoke" tests="${r.checks.length}" failures="${failures}" time="${seconds}">`,
    `  <testsuite name="smoke ${xml(r.target)}" tests="${r.checks.length}" failures="${failures}" errors="0" ` +
      `time="${seconds}" timestamp="${at.toISOString().replace(/\.\d+Z$/, '')}">`,
    cases,
    `    <system-out>${xml(JSON.stringify(summary))}</system-out>`,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
