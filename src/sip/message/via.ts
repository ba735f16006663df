/**
 * Via header values (RFC 3261 20.42, 25.1 via-parm; RFC 3581 rport;
 * RFC 5118 4.5 for bracketed IPv6 in `received`).
 *
 * @example
 * const v = parseVia('SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds;rport');
 * v.transport; // 'UDP'
 * branchOf(v); // 'z9hG4bK776asdhds'
 */
import { SipParseError } from '../errors.js';
import { HOST, inTable, isToken, skipWs } from './grammar.js';
import { formatParams, getParam, parseHeaderParams, type Params } from './params.js';
import { formatHost, looksLikeIpv6 } from './uri.js';

export interface Via {
  readonly protocol: string;
  readonly version: string;
  /** Transport as written, upper-cased: UDP, TCP, TLS, SCTP, WS, WSS or any token (RFC 4475 3.1.1.10). */
  readonly transport: string;
  /** Host name, IPv4, or IPv6 without brackets. */
  readonly host: string;
  readonly port?: number;
  readonly params: Params;
}

/** RFC 3261 8.1.1.7: branches of RFC 3261 elements start with this magic cookie. */
export const MAGIC_COOKIE = 'z9hG4bK';

function fail(what: string): never {
  throw new SipParseError(`Via: ${what}`, 400, 'via');
}

function readToken(s: string, i: number): [string, number] {
  let j = i;
  while (j < s.length && s[j] !== '/' && s.charCodeAt(j) > 32) j++;
  return [s.slice(i, j), j];
}

export function parseVia(value: string): Via {
  const s = value.trim();
  // sent-protocol = protocol-name SLASH protocol-version SLASH transport, SLASH = SWS "/" SWS
  let [protocol, i] = readToken(s, 0);
  i = skipWs(s, i);
  if (s[i] !== '/') fail(`bad sent-protocol in ${JSON.stringify(value)}`);
  let version: string;
  [version, i] = readToken(s, skipWs(s, i + 1));
  i = skipWs(s, i);
  if (s[i] !== '/') fail(`bad sent-protocol in ${JSON.stringify(value)}`);
  let j = skipWs(s, i + 1);
  i = j;
  while (j < s.length && s.charCodeAt(j) > 32 && s[j] !== ';') j++;
  const transport = s.slice(i, j);
  if (!isToken(protocol) || !isToken(version) || !isToken(transport)) fail(`bad sent-protocol in ${JSON.stringify(value)}`);
  i = skipWs(s, j);
  if (i === j) fail(`no space before sent-by in ${JSON.stringify(value)}`);
  let host: string;
  if (s[i] === '[') {
    const close = s.indexOf(']', i);
    if (close < 0) fail('IPv6 reference without "]"');
    host = s.slice(i + 1, close);
    if (!looksLikeIpv6(host)) fail(`bad IPv6 reference [${host}]`);
    i = close + 1;
  } else {
    j = i;
    while (j < s.length && inTable(HOST, s.charCodeAt(j))) j++;
    host = s.slice(i, j);
    if (host.length === 0) fail(`no sent-by host in ${JSON.stringify(value)}`);
    i = j;
  }
  let port: number | undefined;
  const k = skipWs(s, i);
  if (s[k] === ':') {
    i = skipWs(s, k + 1);
    j = i;
    while (j < s.length && s.charCodeAt(j) >= 48 && s.charCodeAt(j) <= 57) j++;
    const digits = s.slice(i, j);
    if (digits.length === 0 || digits.length > 5 || Number(digits) > 65535) fail(`bad port in ${JSON.stringify(value)}`);
    port = Number(digits);
    i = j;
  }
  const params = parseHeaderParams(s, i, 'via');
  const v: Via = { protocol, version, transport: transport.toUpperCase(), host, ...(port !== undefined ? { port } : {}), params };
  checkViaParams(v);
  return v;
}

function checkViaParams(v: Via): void {
  const ttl = getParam(v.params, 'ttl');
  if (ttl !== undefined && (ttl === null || !/^\d{1,3}$/.test(ttl) || Number(ttl) > 255)) fail(`bad ttl ${ttl}`);
  const rport = getParam(v.params, 'rport');
  if (rport !== undefined && rport !== null && (!/^\d{1,5}$/.test(rport) || Number(rport) > 65535)) fail(`bad rport ${rport}`);
  const received = getParam(v.params, 'received');
  if (received === null) fail('received without a value');
  const branch = getParam(v.params, 'branch');
  if (branch === null) fail('branch without a value');
}

export function formatVia(v: Via): string {
  return `${v.protocol}/${v.version}/${v.transport} ${formatHost(v.host)}${v.port !== undefined ? `:${v.port}` : ''}${formatParams(v.params)}`;
}

export function branchOf(v: Via): string | undefined {
  const b = getParam(v.params, 'branch');
  return b === null ? undefined : b;
}

/** The `received` address with RFC 5118 4.5 brackets removed. */
export function receivedOf(v: Via): string | undefined {
  const r = getParam(v.params, 'received');
  return r ? r.replace(/^\[|\]$/g, '') : undefined;
}

/** `host:port` of sent-by, as used in transaction keys. */
export function sentByOf(v: Via): string {
  return `${v.host.toLowerCase()}:${v.port ?? ''}`;
}
