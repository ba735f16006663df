/**
 * `shtoom smoke URI`: the CI smoke call against an echo service — a known
 * test signal, found again in the echoed audio by cross-correlation
 * (round-trip latency), loss both ways, jitter, RTCP round trip and an
 * E-model MOS; exit 0 only when the call worked and every threshold held.
 * With `--calls N` (beyond 1), N such calls at once over worker threads
 * (`smoke-load.ts`): every call must hold the thresholds.
 */
import { writeFileSync } from 'node:fs';
import type { Phone } from '../../app/phone.js';
import type { AudioSink } from '../../audio/device.js';
import { openSink } from '../../audio/open.js';
import { audioOpenOptions, checkSipsTarget } from '../settings.js';
import { UsageError } from '../../errors.js';
import type { ShtoomOptions } from '../../options/index.js';
import { smokeJunit, smokeText } from '../../harness/smoke/report.js';
import { smokeCall, type SmokeResult } from '../../harness/smoke/smoke-call.js';
import { parseUri } from '../../sip/message/uri.js';
import type { CommandContext, CommandSpec } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { aborted, ephemeralSipPort, exitCodeOfEnd, phoneFrom } from './call-common.js';
import { runSmokeLoad } from './smoke-load.js';

/**
 * The RTCP interval of a smoke call unless the options set one: the peer's reports arrive often enough for a short
 * call.
 */
export const SMOKE_RTCP_INTERVAL_MS = 1000;

/** Run one smoke call with the options' thresholds, print it, write the JUnit file; returns the exit code. */
export async function runSmoke(ctx: CommandContext, phone: Phone, uri: string, durationMs: number): Promise<number> {
  const o: ShtoomOptions = ctx.options;
  let record: AudioSink | undefined;
  const rec = o.get('call.record');
  if (rec !== undefined) record = await openSink(/^[a-z]+:/i.test(rec) ? rec : `file:${rec}`, audioOpenOptions(o));
  let interrupted = false;
  const result: SmokeResult = await smokeCall({
    phone,
    uri,
    durationMs,
    answerTimeoutMs: o.get('call.answer-timeout'),
    thresholds: {
      maxLossPercent: Number(o.get('smoke.max-loss')),
      maxLatencyMs: o.get('smoke.max-latency'),
      minMos: Number(o.get('smoke.min-mos')),
    },
    ...(record ? { record } : {}),
    onCall: (call) => {
      call.on('ringing', (s) => ctx.out.line(`ringing (${s})`));
      call.on('answered', (i) =>
        ctx.out.line(
          `answered: ${i.codec}${i.peer ? `, media to ${i.peer}` : ''}; sending the test signal for ` +
            `${(durationMs / 1000).toFixed(0)} s`,
        ),
      );
      void aborted(ctx.signal).then(() => {
        interrupted = true;
        void call.hangup();
      });
    },
  });
  const junit = o.get('smoke.junit');
  if (junit) {
    try {
      writeFileSync(junit, smokeJunit(result, new Date()));
    } catch (e) {
      throw new UsageError(`--junit ${junit}: ${(e as Error).message}`);
    }
  }
  const { stats: _stats, ...json } = result;
  ctx.out.data(json, (c) => smokeText(result, (ok, s) => (ok ? c.green(s) : c.red(s))).trimEnd());
  if (!result.call.answered) return exitCodeOfEnd(result.call.end!, interrupted);
  if (interrupted) return ExitCode.INTERRUPTED;
  return result.ok ? ExitCode.OK : ExitCode.FAILURE;
}

async function run(ctx: CommandContext): Promise<number> {
  const uri = ctx.args[0]!;
  try {
    parseUri(uri);
  } catch (e) {
    throw new UsageError(`URI ${JSON.stringify(uri)}: ${(e as Error).message}`);
  }
  checkSipsTarget(ctx.options, uri);
  if (ctx.options.get('smoke.calls') > 1) return runSmokeLoad(ctx, uri);
  const phone = await phoneFrom(ctx.options, ctx.log, {
    ephemeralPort: ephemeralSipPort('smoke'),
    lingerMs: 300,
    rtcpIntervalMs: SMOKE_RTCP_INTERVAL_MS,
  });
  try {
    return await runSmoke(ctx, phone, uri, ctx.options.get('smoke.duration'));
  } finally {
    await phone.close();
  }
}

export const smokeCommand: CommandSpec = {
  name: 'smoke',
  globals: [
    'account.aor',
    'account.user',
    'account.password',
    'sip.outbound-proxy',
    'sip.transport',
    'sip.port',
    'rtp.address',
  ],
  description:
    'smoke call against an echo service: round-trip latency, loss both ways, jitter, RTT, MOS; exit 0 only if every ' +
    'threshold held (with --calls N: N calls at once over worker threads, every call held to the thresholds)',
  args: [{ name: 'uri', description: 'the echo service, e.g. sip:echo@127.0.0.1:5070', required: true }],
  run,
  examples: [
    'shtoom smoke sip:echo@127.0.0.1:5070',
    'shtoom smoke sip:echo@voip.example.com --duration 30 --max-loss 0.5 --max-latency 250 --min-mos 4 --junit ' +
      'smoke.xml',
    'shtoom smoke sip:echo@127.0.0.1:5070 --json',
    'shtoom smoke sip:echo@127.0.0.1:5070 --calls 200 --rate 20 --workers 2 --max-loss 0.5 --junit load.xml   # ' +
      'load mode: every call must hold the thresholds',
  ],
};
