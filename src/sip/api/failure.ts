/** Turning a request's outcome into the error the public API throws. */
import { SipAuthError, SipClosedError, SipRequestFailedError } from '../errors.js';
import type { RequestOutcome } from '../core/outgoing-request.js';

/**
 * The error for an outcome that is not a 2xx, with one clear line:
 * `REGISTER sip:example.com: 403 Forbidden`, `… no response (timeout)`,
 * `… authentication failed for realm "x": wrong user name or password`.
 */
export function failureOf(what: string, o: RequestOutcome): Error {
  switch (o.kind) {
    case 'response':
      return new SipRequestFailedError(
        `${what}: ${o.response.status} ${o.response.reason}`.trim(),
        o.response.status,
        o.response.reason,
        o.response,
        'status',
      );
    case 'timeout':
      return new SipRequestFailedError(`${what}: no response (timeout)`, 408, 'Request Timeout', undefined, 'timeout');
    case 'transport-error':
      return new SipRequestFailedError(
        // Nothing listens there (ICMP port unreachable, a TCP connection refused): say that, plainly.
        (o.error as NodeJS.ErrnoException).code === 'ECONNREFUSED'
          ? `${what}: ${o.error.message}`
          : `${what}: cannot send (${o.error.message})`,
        503,
        'Service Unavailable',
        undefined,
        'transport',
      );
    case 'auth-failed': {
      const realm = o.realm !== undefined ? ` for realm "${o.realm}"` : '';
      const why =
        o.reason === 'rejected'
          ? 'wrong user name or password'
          : o.reason === 'no-credentials'
            ? 'no credentials configured (give --user and --password)'
            : 'the server asked for an authentication scheme shtoom does not support';
      return new SipAuthError(
        `${what}: authentication failed${realm}: ${why} (${o.response.status} ${o.response.reason})`,
        o.response.status,
        o.response.reason,
        o.response,
        'auth',
      );
    }
    case 'cancelled':
      return new SipRequestFailedError(
        `${what}: cancelled`,
        o.response?.status ?? 487,
        o.response?.reason ?? 'Request Terminated',
        o.response,
        'status',
      );
    case 'closed':
      return new SipClosedError(`${what}: the user agent was closed`);
  }
}
