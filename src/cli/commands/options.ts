/**
 * `shtoom options URI [--count N] [--interval S] [--json]`: the SIP ping for
 * monitoring — status, round-trip time, and the peer's Allow, Supported and
 * User-Agent. Exit 0 only when every answer was a 2xx.
 */
import { UsageError } from '../../errors.js';
import { checkSipsTarget, userAgentOptionsFrom } from '../settings.js';
import { UserAgent } from '../../sip/api/user-agent.js';
import { SipUsageError } from '../../sip/errors.js';
import { parseUri } from '../../sip/message/uri.js';
import type { CommandContext, CommandSpec } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { ephemeralSipPort } from './call-common.js';
import { exitCodeOf, reportSipFailure } from './sip-failure.js';

interface Ping {
  readonly seq: number;
  readonly status?: number;
  readonly reason?: string;
  readonly rttMs?: number;
  readonly allow?: string;
  readonly supported?: string;
  readonly userAgent?: string;
  readonly error?: string;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });
}

async function run(ctx: CommandContext): Promise<number> {
  const o = ctx.options;
  const target = ctx.args[0];
  if (!target) throw new UsageError('options needs the URI to ping, e.g. shtoom options sip:example.com');
  try {
    parseUri(target);
  } catch (e) {
    throw new UsageError(`URI ${JSON.stringify(target)}: ${(e as Error).message}`);
  }
  checkSipsTarget(o, target);
  const count = o.get('options.count');
  const interval = o.get('options.interval');
  const timeout = o.get('options.timeout');
  let ua: UserAgent;
  try {
    ua = await UserAgent.create(userAgentOptionsFrom(o, ctx.log, { ephemeralPort: ephemeralSipPort('options') }));
  } catch (e) {
    if (e instanceof SipUsageError) throw new UsageError(e.message);
    throw e;
  }
  const pings: Ping[] = [];
  let worst: number = ExitCode.OK;
  try {
    for (let seq = 1; seq <= count && !ctx.signal.aborted; seq++) {
      if (seq > 1) await sleep(interval, ctx.signal);
      if (ctx.signal.aborted) break;
      const start = performance.now();
      try {
        const res = await ua.request('OPTIONS', target, { timeout, signal: ctx.signal });
        const rttMs = Math.round((performance.now() - start) * 100) / 100;
        const ping: Ping = {
          seq,
          status: res.status,
          reason: res.reason,
          rttMs,
          ...(res.header('allow') !== undefined ? { allow: res.header('allow')! } : {}),
          ...(res.header('supported') !== undefined ? { supported: res.header('supported')! } : {}),
          ...((res.header('user-agent') ?? res.header('server')) !== undefined
            ? { userAgent: (res.header('user-agent') ?? res.header('server'))! }
            : {}),
        };
        pings.push(ping);
        if (res.status >= 300 && worst === ExitCode.OK) worst = ExitCode.REJECTED;
        if (!ctx.out.json) {
          const ok = res.status < 300;
          const line = `${seq}: ${res.status} ${res.reason} from ${target} in ${rttMs} ms`;
          ctx.out.line(ok ? line : ctx.out.chalk.red(line));
          if (ping.allow !== undefined) ctx.out.line(`   Allow: ${ping.allow}`);
          if (ping.supported !== undefined) ctx.out.line(`   Supported: ${ping.supported}`);
          if (ping.userAgent !== undefined) ctx.out.line(`   User-Agent: ${ping.userAgent}`);
        }
      } catch (e) {
        if (e instanceof SipUsageError) throw new UsageError(e.message);
        if (ctx.signal.aborted) break; // Ctrl-C or SIGTERM: the ping in flight is abandoned
        if (count === 1) return reportSipFailure(ctx, e, { target });
        pings.push({ seq, error: (e as Error).message });
        ctx.log.error((e as Error).message);
        if (worst === ExitCode.OK) worst = exitCodeOf(e);
      }
    }
    const answered = pings.filter((p) => p.rttMs !== undefined).map((p) => p.rttMs!);
    const summary = {
      target,
      sent: pings.length,
      answered: answered.length,
      ok: pings.filter((p) => p.status !== undefined && p.status < 300).length,
      ...(answered.length
        ? {
            rttMinMs: Math.min(...answered),
            rttMaxMs: Math.max(...answered),
            rttAvgMs: Math.round((answered.reduce((a, b) => a + b, 0) / answered.length) * 100) / 100,
          }
        : {}),
    };
    if (ctx.out.json) ctx.out.data({ ...summary, pings }, () => '');
    else if (count > 1)
      ctx.out.line(
        `${summary.sent} sent, ${summary.answered} answered, ${summary.ok} ok` +
          ('rttAvgMs' in summary
            ? `, rtt min/avg/max ${summary.rttMinMs}/${summary.rttAvgMs}/${summary.rttMaxMs} ms`
            : ''),
      );
    if (ctx.signal.aborted && pings.length < count) return ExitCode.INTERRUPTED;
    return worst;
  } finally {
    await ua.close();
  }
}

export const optionsCommand: CommandSpec = {
  name: 'options',
  globals: ['sip.outbound-proxy', 'sip.transport', 'sip.port'],
  description: "SIP ping: send OPTIONS, print status, round-trip time and the peer's Allow/Supported/User-Agent",
  args: [
    {
      name: 'uri',
      description: 'who to ping, e.g. sip:example.com or sip:bob@10.0.0.1:5060;transport=tcp',
      required: true,
    },
  ],
  run,
  examples: ['shtoom options sip:127.0.0.1:5060', 'shtoom options sip:pbx.example.com --count 10 --interval 2 --json'],
};
