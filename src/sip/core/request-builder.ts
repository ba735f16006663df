/**
 * Building requests we send (RFC 3261 8.1.1): Via with a fresh branch and
 * rport, Max-Forwards, Route, From, To, Call-ID, CSeq, Contact, our
 * User-Agent, the caller's extra headers, the body. Also the next hop of a
 * request (RFC 3261 8.1.2, 16.12.1.1) and the transport it goes over.
 */
import type { Credentials } from '../auth/digest-client.js';
import { bodyFields } from '../message/build.js';
import { field, SipRequest, type HeaderField, type HeaderInit } from '../message/message.js';
import { parseNameAddr } from '../message/name-addr.js';
import { getParam, hasParam } from '../message/params.js';
import { formatHost, formatUri, sipUri, type SipUri, type Uri } from '../message/uri.js';
import { serializeMessage } from '../message/serialize.js';
import {
  DEFAULT_PORT,
  TRANSPORTS,
  viaTransport,
  type Destination,
  type Endpoint,
  type TransportKind,
} from '../transport/types.js';
import { SipUsageError } from '../errors.js';
import { agentHeader, type ResolvedConfig } from './config.js';

export type { Credentials };

/** Everything about a request except what changes per attempt (CSeq, branch, credentials, transport). */
export interface RequestTemplate {
  readonly method: string;
  readonly uri: Uri;
  /** From header value (with our tag). */
  readonly from: string;
  /** To header value (with the remote tag inside a dialog). */
  readonly to: string;
  readonly callId: string;
  /** Route header values, in order. */
  readonly routes: readonly string[];
  /** Add our Contact (INVITE, REGISTER, target refreshes). A string is used as the Contact value itself. */
  readonly contact?: boolean | string;
  readonly headers?: HeaderInit;
  readonly body?: Uint8Array;
  readonly contentType?: string;
  /** Transport to prefer when the next hop's URI names none (a dialog's transport). */
  readonly transport?: TransportKind;
}

/**
 * Whether a request must be secure on every hop (RFC 3261 26.2.2: "a SIPS
 * URI ... the request MUST be sent over TLS ... to each hop"): its
 * Request-URI, or the first Route it is sent to, is a `sips:` URI.
 */
export function isSipsRequest(uri: Uri, routes: readonly string[]): boolean {
  if (uri.kind === 'sip' && uri.scheme === 'sips') return true;
  if (routes.length === 0) return false;
  try {
    const first = parseNameAddr(routes[0]!, 'Route').uri;
    return first.kind === 'sip' && first.scheme === 'sips';
  } catch {
    // A route that does not parse is refused where it is used; it does not make anything secure.
    return false;
  }
}

/**
 * The transport a URI asks for (RFC 3263 4.1 simplified: its transport
 * parameter, TLS for `sips:`, else the preferred or the default one). With
 * `secure` (a request to a `sips:` URI, any hop) only TLS will do: RFC 5630
 * 3.1.3 reads `sips:…;transport=tcp` as TLS over TCP; UDP has no TLS.
 */
export function transportFor(
  uri: Uri,
  config: ResolvedConfig,
  preferred?: TransportKind,
  secure = false,
): TransportKind {
  if (uri.kind === 'sip') {
    const t = getParam(uri.params, 'transport')?.toLowerCase();
    if (uri.scheme === 'sips' || secure) {
      if (!t || t === 'tcp' || t === 'tls') return 'tls';
      if (t === 'ws' || t === 'wss') return 'wss';
      throw new SipUsageError(
        `${formatUri(uri)}: a sips: request goes over TLS on every hop (RFC 3261 26.2.2), not transport=${t}`,
      );
    }
    if (t && (TRANSPORTS as readonly string[]).includes(t)) return t as TransportKind;
  }
  if (secure) return 'tls';
  if (preferred && config.local[preferred]) return preferred;
  return config.defaultTransport;
}

/**
 * Why a request to `uri` through `routes` cannot go the way the user asked
 * (`transport`: an explicit choice of transport, e.g. `--sip-transport`),
 * or undefined when it can. A `sips:` request (its Request-URI or first
 * Route) goes over TLS on every hop (RFC 3261 26.2.2, RFC 5630): never over
 * UDP or plain TCP, whatever the URI's transport parameter, a route or the
 * user's choice says.
 *
 * @example
 * sipsTransportProblem(parseUri('sips:bob@example.com'), [], 'udp');
 * // 'sips:bob@example.com: a sips: request goes over TLS on every hop (RFC 3261 26.2.2), not over udp'
 */
export function sipsTransportProblem(
  uri: Uri,
  routes: readonly string[],
  transport?: TransportKind,
): string | undefined {
  if (!isSipsRequest(uri, routes)) return undefined;
  // The hop we send to (the first Route, else the Request-URI) and the Request-URI itself: a transport
  // parameter of tcp there means TLS over TCP (RFC 5630 3.1.3), udp cannot carry TLS.
  const hops = routes.length > 0 ? [uri, parseNameAddr(routes[0]!, 'Route').uri] : [uri];
  for (const hop of hops) {
    const t = hop.kind === 'sip' ? getParam(hop.params, 'transport')?.toLowerCase() : undefined;
    if (t === 'udp' || t === 'sctp')
      return `${formatUri(hop)}: a sips: request goes over TLS on every hop (RFC 3261 26.2.2), not transport=${t}`;
  }
  if (transport === 'udp' || transport === 'tcp' || transport === 'ws')
    return `${formatUri(uri)}: a sips: request goes over TLS on every hop (RFC 3261 26.2.2), not over ${transport}`;
  return undefined;
}

/** Servers tried at most for one request by RFC 3263 4.3 failover on a 503 or a timeout. */
export const MAX_SERVER_TRIES = 4;

/**
 * The destination of the next try after a 503 or a timeout (RFC 3263 4.3:
 * "the element SHOULD try the next element in the list"), when `hop` was
 * located by DNS and fewer than `MAX_SERVER_TRIES` servers were tried;
 * undefined otherwise.
 */
export function nextServer(hop: Destination): Destination | undefined {
  if (!hop.locate) return undefined;
  const skip = (hop.locate.skip ?? 0) + 1;
  if (skip >= MAX_SERVER_TRIES) return undefined;
  return { ...hop, locate: { ...hop.locate, skip } };
}

/** Whether a URI host is an IP literal (IPv4 dotted, or IPv6 with or without brackets). */
function isIpHost(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(':');
}

/**
 * The next hop (RFC 3261 8.1.2): the first Route if there is one, else the
 * Request-URI; its maddr, host and port. The host may be a name: the edge
 * resolves it (RFC 3263). A `sips:` Request-URI makes the hop TLS even
 * when it is a `sip:` route (an outbound proxy).
 */
export function nextHop(
  uri: Uri,
  routes: readonly string[],
  config: ResolvedConfig,
  preferred?: TransportKind,
): Destination {
  let target: Uri = uri;
  if (routes.length > 0) target = parseNameAddr(routes[0]!, 'Route').uri;
  if (target.kind !== 'sip')
    throw new SipUsageError(`cannot send to a ${target.scheme}: URI (${target.scheme}:…); use a sip: URI or a route`);
  const transport = transportFor(target, config, preferred, uri.kind === 'sip' && uri.scheme === 'sips');
  const maddr = getParam(target.params, 'maddr');
  const host = maddr || target.host;
  // RFC 3263 4.2: a name without a port is looked up (SRV; NAPTR too when no transport is named).
  const locate =
    target.port === undefined && !isIpHost(host) ? { locate: { naptr: !hasParam(target.params, 'transport') } } : {};
  return { transport, host, port: target.port ?? DEFAULT_PORT[transport], ...locate };
}

/**
 * What we advertise (Via sent-by, Contact, the host of our From without an
 * AOR) over `transport` towards `host`: the configured address, or, when it
 * depends on the destination (a wildcard bind), the one we send from
 * towards `host`.
 */
export function localEndpoint(config: ResolvedConfig, transport: TransportKind, host?: string): Endpoint {
  const base = config.local[transport] ?? config.local[config.defaultTransport]!;
  if (host === undefined || config.localAddressFor === undefined || config.pinned.has(transport)) return base;
  const address = config.localAddressFor(host);
  return address === undefined || address === base.address ? base : { address, port: base.port };
}

/**
 * Our Contact URI for a transport (towards `host`, when known: see
 * `localEndpoint`): `sip:…;transport=tcp|tls`, or with `sips` a `sips:`
 * URI (RFC 3261 8.1.1.8: "If the Request-URI or top Route header field
 * value contains a SIPS URI, the Contact header field MUST contain a SIPS
 * URI as well"; TLS is implied, RFC 5630 3.1.3).
 */
export function contactUri(config: ResolvedConfig, transport: TransportKind, host?: string, sips = false): SipUri {
  const local = localEndpoint(config, transport, host);
  const user = config.aor?.user;
  return sipUri({
    ...(user !== undefined ? { user } : {}),
    ...(sips ? { scheme: 'sips' as const } : {}),
    host: local.address,
    port: local.port,
    params: transport === 'udp' || (sips && transport === 'tls') ? [] : [['transport', transport]],
  });
}

/** The Via of a request we send over `transport` towards `host` (with rport, RFC 3581 3). */
export function viaValue(config: ResolvedConfig, transport: TransportKind, branch: string, host?: string): string {
  const local = localEndpoint(config, transport, host);
  return `SIP/2.0/${viaTransport(transport)} ${formatHost(local.address)}:${local.port};branch=${branch};rport`;
}

export interface Attempt {
  readonly cseq: number;
  readonly branch: string;
  /** Authorization / Proxy-Authorization fields. */
  readonly auth: readonly (readonly [string, string])[];
  readonly transport: TransportKind;
  /** The next hop's host: what we advertise may depend on it. */
  readonly host?: string;
}

export function buildRequest(config: ResolvedConfig, t: RequestTemplate, a: Attempt): SipRequest {
  const h: HeaderField[] = [field('Via', viaValue(config, a.transport, a.branch, a.host)), field('Max-Forwards', '70')];
  for (const r of t.routes) h.push(field('Route', r));
  h.push(field('From', t.from), field('To', t.to), field('Call-ID', t.callId), field('CSeq', `${a.cseq} ${t.method}`));
  if (t.contact)
    h.push(
      field(
        'Contact',
        typeof t.contact === 'string'
          ? t.contact
          : `<${formatUri(contactUri(config, a.transport, a.host, isSipsRequest(t.uri, t.routes)))}>`,
      ),
    );
  for (const [n, v] of a.auth) h.push(field(n, v));
  for (const [n, v] of agentHeader(config, 'User-Agent')) h.push(field(n, v));
  if (t.method === 'INVITE' || t.method === 'OPTIONS' || t.method === 'REGISTER') {
    h.push(field('Allow', config.allow.join(', ')));
    if (config.supported.length > 0) h.push(field('Supported', config.supported.join(', ')));
  }
  const extra = t.headers ?? [];
  let hasCt = false;
  for (const x of extra) {
    const f =
      'key' in x ? (x as HeaderField) : field((x as readonly [string, string])[0], (x as readonly [string, string])[1]);
    if (f.key === 'content-length') continue;
    if (f.key === 'content-type') hasCt = true;
    h.push(f);
  }
  const body = t.body ?? new Uint8Array(0);
  h.push(...bodyFields(body, hasCt ? undefined : t.contentType));
  return new SipRequest(t.method, t.uri, h, body);
}

/**
 * Build and pick the transport: over UDP a request larger than the MTU
 * limit goes over TCP instead, with the Via changed to say so (RFC 3261
 * 18.1.1), when we listen on TCP — unless `keepUdp`: the peer refused the
 * TCP connection, so the request goes over UDP after all (fragmented,
 * as a UDP-only server can take it).
 */
export function buildForDestination(
  config: ResolvedConfig,
  t: RequestTemplate,
  a: Omit<Attempt, 'transport' | 'host'>,
  destination: Destination,
  keepUdp = false,
): { request: SipRequest; bytes: Uint8Array; destination: Destination } {
  const host = destination.host;
  let request = buildRequest(config, t, { ...a, transport: destination.transport, host });
  let bytes = serializeMessage(request);
  if (!keepUdp && destination.transport === 'udp' && bytes.length > config.udpMtuLimit && config.local.tcp) {
    destination = { ...destination, transport: 'tcp' };
    request = buildRequest(config, t, { ...a, transport: 'tcp', host });
    bytes = serializeMessage(request);
  }
  return { request, bytes, destination };
}

/** Whether a Route value names a loose router (has `lr`). */
export function isLooseRoute(route: string): boolean {
  const u = parseNameAddr(route, 'Route').uri;
  return u.kind === 'sip' && hasParam(u.params, 'lr');
}
