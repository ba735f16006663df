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
import { codeAt, HOST, inTable, isToken, skipWs } from './grammar.js';
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

/** The characters up to the next "/" or white space (or control character). */
function tokenEnd(s: string, i: number): number {
  let j = i;
  for (let c = codeAt(s, j); c !== 47 /* / */ && c > 32; c = codeAt(s, ++j));
  return j;
}

/** The strings every Via holds, shared rather than copied per message. */
function common(x: string): string {
  switch (x) {
    case 'SIP':
      return 'SIP';
    case '2.0':
      return '2.0';
    case 'UDP':
      return 'UDP';
    case 'TCP':
      return 'TCP';
    default:
      return x;
  }
}

export function parseVia(value: string): Via {
  const s = value.trim();
  const n = s.length;
  // sent-protocol = protocol-name SLASH protocol-version SLASH transport, SLASH = SWS "/" SWS
  let j = tokenEnd(s, 0);
  const protocol = s.slice(0, j);
  let i = skipWs(s, j);
  if (codeAt(s, i) !== 47) fail(`bad sent-protocol in ${JSON.stringify(value)}`);
  i = skipWs(s, i + 1);
  j = tokenEnd(s, i);
  const version = s.slice(i, j);
  i = skipWs(s, j);
  if (codeAt(s, i) !== 47) fail(`bad sent-protocol in ${JSON.stringify(value)}`);
  j = skipWs(s, i + 1);
  i = j;
  for (let c = codeAt(s, j); c > 32 && c !== 59 /* ; */; c = codeAt(s, ++j));
  const transport = s.slice(i, j);
  if (!isToken(protocol) || !isToken(version) || !isToken(transport))
    fail(`bad sent-protocol in ${JSON.stringify(value)}`);
  i = skipWs(s, j);
  if (i === j) fail(`no space before sent-by in ${JSON.stringify(value)}`);
  let host: string;
  if (codeAt(s, i) === 91 /* [ */) {
    const close = s.indexOf(']', i);
    if (close < 0) fail('IPv6 reference without "]"');
    host = s.slice(i + 1, close);
    if (!looksLikeIpv6(host)) fail(`bad IPv6 reference [${host}]`);
    i = close + 1;
  } else {
    j = i;
    while (j < n && inTable(HOST, s.charCodeAt(j))) j++;
    host = s.slice(i, j);
    if (host.length === 0) fail(`no sent-by host in ${JSON.stringify(value)}`);
    i = j;
  }
  let port: number | undefined;
  const k = skipWs(s, i);
  if (codeAt(s, k) === 58 /* : */) {
    i = skipWs(s, k + 1);
    j = i;
    let p = 0;
    for (let c = codeAt(s, j); c >= 48 && c <= 57; c = codeAt(s, ++j)) p = p * 10 + (c - 48);
    if (j === i || j - i > 5 || p > 65535) fail(`bad port in ${JSON.stringify(value)}`);
    port = p;
    i = j;
  }
  const params = parseHeaderParams(s, i, 'via');
  checkViaParams(params);
  // The port is left out rather than set to undefined, and the keys keep this order.
  const v: { -readonly [K in keyof Via]: Via[K] } = {
    protocol: common(protocol),
    version: common(version),
    transport: common(transport.toUpperCase()),
    host,
  } as Via;
  if (port !== undefined) v.port = port;
  v.params = params;
  return v;
}

/** RFC 3261 25.1 via-ttl, RFC 3581 rport, via-received, via-branch: the first of each (any case) checked. */
function checkViaParams(params: Params): void {
  let ttl: string | null | undefined;
  let rport: string | null | undefined;
  let received: string | null | undefined;
  let branch: string | null | undefined;
  for (const [name, value] of params) {
    switch (
      name.length === 3 || name.length === 5 || name.length === 6 || name.length === 8 ? name.toLowerCase() : ''
    ) {
      case 'ttl':
        if (ttl === undefined) ttl = value;
        break;
      case 'rport':
        if (rport === undefined) rport = value;
        break;
      case 'branch':
        if (branch === undefined) branch = value;
        break;
      case 'received':
        if (received === undefined) received = value;
        break;
    }
  }
  if (ttl !== undefined && (ttl === null || !/^\d{1,3}$/.test(ttl) || Number(ttl) > 255)) fail(`bad ttl ${ttl}`);
  if (rport !== undefined && rport !== null && (!/^\d{1,5}$/.test(rport) || Number(rport) > 65535))
    fail(`bad rport ${rport}`);
  if (received === null) fail('received without a value');
  if (branch === null) fail('branch without a value');
}

export function formatVia(v: Via): string {
  return (
    `${v.protocol}/${v.version}/${v.transport} ` +
    `${formatHost(v.host)}${v.port !== undefined ? `:${v.port}` : ''}${formatParams(v.params)}`
  );
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
