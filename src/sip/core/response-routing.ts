/**
 * Where responses go (RFC 3261 18.2.1, 18.2.2; RFC 3581).
 *
 * On receipt, the server transport records in the top Via where the request
 * really came from: `received` when the sent-by host is a name or another
 * address, and the source port in an empty `rport`. Responses then go back
 * over the same connection (reliable transports), or to `received` and
 * `rport` (or the sent-by port) for UDP.
 */
import type { SipRequest } from '../message/message.js';
import { getParam, setParam } from '../message/params.js';
import type { Via } from '../message/via.js';
import { DEFAULT_PORT, RELIABLE, type Destination, type Source } from '../transport/types.js';

function sameAddress(a: string, b: string): boolean {
  if (a === b) return true;
  const n = (x: string) => x.toLowerCase().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
  return n(a) === n(b);
}

/**
 * The request with `received` and `rport` filled in on its top Via
 * (RFC 3261 18.2.1: "If the host portion of the "sent-by" parameter contains
 * a domain name, or if it contains an IP address that differs from the
 * packet source address, the server MUST add a "received" parameter";
 * RFC 3581 4: with an empty rport, set it to the source port and always add
 * received).
 */
export function stampVia(req: SipRequest, source: Source): SipRequest {
  const via = req.topVia;
  const rport = getParam(via.params, 'rport');
  let params = via.params;
  if (rport === null) {
    params = setParam(params, 'rport', String(source.remote.port));
    params = setParam(params, 'received', source.remote.address);
  } else if (!sameAddress(via.host, source.remote.address)) {
    params = setParam(params, 'received', source.remote.address);
  }
  if (params === via.params) return req;
  return req.withTopVia({ ...via, params });
}

/** RFC 3261 18.2.2: the destination of responses to a request received from `source`. */
export function responseDestination(via: Via, source: Source, forceRport: boolean): Destination {
  const port = via.port ?? DEFAULT_PORT[source.transport];
  const received = getParam(via.params, 'received') ?? undefined;
  if (RELIABLE[source.transport]) {
    // "If the "sent-protocol" is a reliable transport protocol ... the response MUST be sent using the
    // existing connection to the source of the original request ... If that connection is no longer
    // open, the server SHOULD open a connection to the IP address in the "received" parameter ... using
    // the port in the "sent-by" value."
    return {
      transport: source.transport,
      host: received ?? source.remote.address,
      port,
      ...(source.connectionId !== undefined ? { connectionId: source.connectionId } : {}),
    };
  }
  const rport = getParam(via.params, 'rport');
  // RFC 3581 4: "the server MUST send the response to the IP address in received and the port in rport".
  if (forceRport || (rport !== undefined && rport !== null)) {
    return { transport: 'udp', host: source.remote.address, port: source.remote.port };
  }
  // "Otherwise, if it is not receiver-tagged, the response MUST be sent to the address indicated by the
  // "sent-by" value" — the received address when there is one.
  return { transport: 'udp', host: (received ?? via.host).replace(/^\[|\]$/g, ''), port };
}
