/** The TCP transport's limits from shtoom's options (`[sip] tcp-…`). */
import type { Logger } from '../log/logger.js';
import type { ShtoomOptions } from '../options/index.js';
import type { SipTcpOptions } from './sip-tcp.js';

export function tcpOptionsFrom(o: ShtoomOptions, log: Logger): SipTcpOptions {
  return {
    maxConnections: o.get('sip.tcp-max-connections'),
    maxConnectionsPerSource: o.get('sip.tcp-max-connections-per-source'),
    keepAliveMs: o.get('sip.tcp-keepalive'),
    maxQueuedBytes: o.get('sip.tcp-max-queued'),
    // A peer gets as long to take what we send as to send us one message.
    stallMs: o.get('sip.tcp-message-timeout'),
    log: log.child('sip'),
  };
}
