/**
 * `shtoom demo`: the first command to try. Starts an echo server in this
 * process on loopback (free ports), places a smoke call to it and prints
 * what it measured. No configuration, no network beyond 127.0.0.1.
 */
import { echo } from '../../apps/echo.js';
import { DougServer } from '../../doug/server.js';
import type { CommandContext, CommandSpec } from '../command.js';
import { phoneFrom } from './call-common.js';
import { runSmoke, SMOKE_RTCP_INTERVAL_MS } from './smoke.js';

async function run(ctx: CommandContext): Promise<number> {
  const o = ctx.options;
  // Both phones on loopback whatever --sip-address, --sip-port and --rtp-address say (SIP_PORT_USE.demo).
  const loopback = { listen: 'udp:127.0.0.1:0', rtpAddress: '127.0.0.1', rtcpIntervalMs: SMOKE_RTCP_INTERVAL_MS };
  const server = await phoneFrom(o, ctx.log.child('echo'), loopback);
  const client = await phoneFrom(o, ctx.log, { ...loopback, lingerMs: 300 });
  const doug = new DougServer({ phone: server, app: echo, name: 'echo', log: ctx.log }).start();
  try {
    const port = server.ua.localAddress.port;
    const uri = `sip:echo@127.0.0.1:${port}`;
    const durationMs = o.get('demo.duration');
    ctx.out.line(`shtoom demo: an echo server on ${uri}, and a smoke call to it from ${client.ua.contact()}`);
    return await runSmoke(ctx, client, uri, durationMs);
  } finally {
    await client.close();
    await doug.close();
    await server.close();
  }
}

export const demoCommand: CommandSpec = {
  name: 'demo',
  description:
    'try shtoom: an echo server and a smoke call to it, both on loopback in this process; prints latency, loss, ' +
    'jitter and MOS',
  run,
  examples: ['shtoom demo', 'shtoom demo --codec gsm --json'],
};
