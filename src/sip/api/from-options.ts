/**
 * A `UserAgent`'s options from shtoom's effective options (command line,
 * environment, ini), so every command that speaks SIP configures it the
 * same way.
 */
import type { Credentials } from '../auth/digest-client.js';
import type { Logger } from '../../log/logger.js';
import type { ShtoomOptions } from '../../options/index.js';
import { nodeTransportsWith } from '../../net/sip-node-transports.js';
import { tcpOptionsFrom } from '../../net/tcp-options.js';
import { packageInfo } from '../../util/package-info.js';
import type { UserAgentOptions } from './user-agent.js';

export interface FromOptionsExtra {
  /** The AOR when a command takes it as an argument. */
  readonly aor?: string;
  /** Use a free port unless --sip-port was given (for one-shot client commands). */
  readonly ephemeralPort?: boolean;
}

/** Credentials from --user/--password/--realm and --credentials realm=user:password,… */
export function credentialsFrom(o: ShtoomOptions, aorUser?: string): Credentials[] {
  const out: Credentials[] = [];
  for (const item of o.get('account.credentials') ?? []) {
    const eq = item.indexOf('=');
    const colon = item.indexOf(':', eq);
    out.push({ realm: item.slice(0, eq), username: item.slice(eq + 1, colon), password: item.slice(colon + 1) });
  }
  const password = o.get('account.password');
  const username = o.get('account.user') ?? aorUser;
  const realm = o.get('account.realm');
  if (password !== undefined && username !== undefined) out.push({ username, password, ...(realm ? { realm } : {}) });
  return out;
}

export function userAgentOptionsFrom(o: ShtoomOptions, log: Logger, extra: FromOptionsExtra = {}): UserAgentOptions {
  const address = o.get('sip.address');
  const portSet = o.entry('sip.port').source.kind !== 'default';
  const port = extra.ephemeralPort && !portSet ? 0 : o.get('sip.port');
  const host = address.includes(':') ? `[${address}]` : address;
  const aor = extra.aor ?? o.get('account.aor');
  const aorUser = aor ? /^sips?:([^@;:]+)@/i.exec(aor)?.[1] : undefined;
  const publicAddress = o.get('sip.public-address');
  const outboundProxy = o.get('sip.outbound-proxy');
  return {
    listen: `${host}:${port}`,
    ...(aor ? { aor } : {}),
    credentials: credentialsFrom(o, aorUser ? decodeURIComponent(aorUser) : undefined),
    log,
    timers: { t1: o.get('sip.t1'), t2: o.get('sip.t2'), t4: o.get('sip.t4') },
    userAgent: o.get('sip.user-agent').replaceAll('{version}', packageInfo().version),
    ...(publicAddress ? { publicAddress } : {}),
    ...(outboundProxy ? { outboundProxy } : {}),
    transport: o.get('sip.transport'),
    forceRport: o.get('sip.force-rport'),
    maxMessageSize: o.get('sip.max-message-size'),
    stream: { idleMs: o.get('sip.tcp-idle-timeout'), messageMs: o.get('sip.tcp-message-timeout') },
    transports: nodeTransportsWith(tcpOptionsFrom(o, log)),
  };
}
