/**
 * `shtoom stun [HOST[:PORT]] [--json]`: the public address and port this
 * host has behind its NAT, the NAT's behaviour (RFC 5780 where the server
 * supports it) and the round-trip time to the server.
 */
import { UsageError } from '../../errors.js';
import { discoverNat, resolveStunServer, StunResolveError } from '../../net/stun-discover.js';
import { parseAddress } from '../../options/values.js';
import { DEFAULT_STUN_PORT } from '../../stun/constants.js';
import { totalTimeout } from '../../stun/client.js';
import { StunTransactionError } from '../../stun/errors.js';
import { formatTransportAddress } from '../../stun/ip-address.js';
import { describeNat, type NatDiscoveryResult } from '../../stun/nat-discovery.js';
import { packageInfo } from '../../util/package-info.js';
import type { CommandContext, CommandSpec } from '../command.js';
import { ExitCode } from '../exit-codes.js';

async function run(ctx: CommandContext): Promise<number> {
  const given = ctx.args[0];
  const address = given !== undefined ? parseAddress(given.trim()) : ctx.options.get('stun.server');
  if (given !== undefined && !address)
    throw new UsageError(`"${given}" is not a STUN server; allowed: HOST or HOST:PORT (IPv6 as [::1]:PORT)`);
  if (!address) throw new UsageError('name a STUN server: shtoom stun HOST[:PORT] (or set --stun)');
  const log = ctx.log.child('stun');
  const rto = ctx.options.get('stun.rto');
  const rc = ctx.options.get('stun.rc');
  const rm = ctx.options.get('stun.rm');
  let progress: Progress | undefined;
  try {
    const server = await resolveStunServer(address.host, address.port ?? DEFAULT_STUN_PORT);
    const to = formatTransportAddress(server);
    const waitMs = totalTimeout(rto, rc, rm);
    log.debug(`asking ${to}; without an answer, giving up after ${rc} requests (${seconds(waitMs)})`);
    if (ctx.out.isTTY) progress = new Progress(ctx, to, rc, waitMs);
    const r = await discoverNat(server, {
      localPort: ctx.options.get('stun.local-port'),
      rto,
      rc,
      rm,
      software: `shtoom ${packageInfo().version}`,
      signal: ctx.signal,
      onTransmit: (t) => {
        if (t.socket === 'primary' && t.to.address === server.address && t.to.port === server.port) progress?.sent();
      },
      onTest: (t) =>
        log.debug(`${t.test} via ${t.socket} socket to ${formatTransportAddress(t.to)}: ${t.outcome}`, {
          mapped: t.mapped && formatTransportAddress(t.mapped),
          from: t.from && formatTransportAddress(t.from),
        }),
    });
    progress?.clear();
    ctx.out.data(toJson(r), (c) => human(r, c.bold));
    return ExitCode.OK;
  } catch (err) {
    progress?.clear();
    if (ctx.signal.aborted) return ExitCode.INTERRUPTED;
    if (err instanceof StunTransactionError || err instanceof StunResolveError) {
      log.error(err.message);
      return ExitCode.FAILURE;
    }
    throw err;
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/**
 * A live line on a terminal while the server does not answer: which request
 * went out, how long we waited, and how long we will wait in all (RFC 5389
 * 7.2.1: Rc requests, RTO doubling, then Rm × RTO) — 39.5 s by default.
 */
class Progress {
  private requests = 0;
  private readonly started = performance.now();
  private readonly ticker: ReturnType<typeof setInterval>;
  private shown = false;

  constructor(
    private readonly ctx: CommandContext,
    private readonly to: string,
    private readonly rc: number,
    private readonly waitMs: number,
  ) {
    // The first answer usually comes at once: draw nothing unless it does not.
    this.ticker = setInterval(() => this.draw(), 250);
    this.ticker.unref();
  }

  sent(): void {
    this.requests++;
    if (this.requests > 1) this.draw();
  }

  private draw(): void {
    const waited = performance.now() - this.started;
    if (waited < 400) return;
    this.shown = true;
    this.ctx.out.raw(
      `\r\x1b[K${this.to}: no answer yet, request ${this.requests} of ${this.rc}, ` +
        `${seconds(waited)} of at most ${seconds(this.waitMs)} (Ctrl-C to stop)`,
    );
  }

  clear(): void {
    clearInterval(this.ticker);
    if (this.shown) this.ctx.out.raw('\r\x1b[K');
    this.shown = false;
  }
}

function toJson(r: NatDiscoveryResult) {
  const addr = (a: { address: string; port: number; family: string } | undefined) =>
    a ? { address: a.address, port: a.port, family: a.family } : null;
  return {
    server: addr(r.server),
    local: addr(r.local),
    mapped: addr(r.mapped),
    rttMs: Math.round(r.rtt * 1000) / 1000,
    nat: {
      type: r.natType,
      natted: r.natted ?? null,
      mapping: r.mapping,
      filtering: r.filtering,
      symmetric: r.symmetric ?? null,
      portPreserved: r.portPreserved ?? null,
      description: describeNat(r),
    },
    rfc5780: r.rfc5780,
    otherAddress: addr(r.otherAddress),
    responseOrigin: addr(r.responseOrigin),
    software: r.software ?? null,
    tests: r.tests.map((t) => ({
      test: t.test,
      socket: t.socket,
      to: formatTransportAddress(t.to),
      outcome: t.outcome,
      mapped: t.mapped ? formatTransportAddress(t.mapped) : null,
      from: t.from ? formatTransportAddress(t.from) : null,
    })),
  };
}

function human(r: NatDiscoveryResult, bold: (s: string) => string): string {
  const rows: [string, string][] = [
    ['public address', formatTransportAddress(r.mapped)],
    ['local address', r.local ? formatTransportAddress(r.local) : 'unknown'],
    ['NAT', describeNat(r)],
    ['round trip', `${r.rtt.toFixed(1)} ms`],
    [
      'server',
      `${formatTransportAddress(r.server)}${r.software ? ` (${r.software})` : ''}` +
        (r.otherAddress ? `, other address ${formatTransportAddress(r.otherAddress)}` : ''),
    ],
  ];
  return rows.map(([k, v]) => `${bold(k.padEnd(14))}  ${v}`).join('\n');
}

export const stunCommand: CommandSpec = {
  name: 'stun',
  globals: ['stun.rto', 'stun.rc', 'stun.rm'],
  description: 'show the public address and port behind the NAT, the NAT type and the round-trip time',
  args: [{ name: 'host', description: 'STUN server HOST[:PORT] (default port 3478; default server: --stun)' }],
  run,
  examples: [
    'shtoom stun stun.example.org',
    'shtoom stun 198.51.100.2:3478 --json',
    'shtoom stun [2001:db8::1]:3478 --local-port 5060',
  ],
};
