/**
 * What the SIP core knows about transports: their kind, whether they are
 * reliable and stream-framed, and the addresses of a message's source and
 * destination. Sockets live at the edge (`src/net/sip-*.ts`); a new
 * transport (TLS, WebSocket) is a new edge class and one row in the tables
 * below — the core does not change.
 */
import type { SipMessage } from '../message/message.js';

export type TransportKind = 'udp' | 'tcp' | 'tls' | 'ws' | 'wss';

export const TRANSPORTS: readonly TransportKind[] = ['udp', 'tcp', 'tls', 'ws', 'wss'];

/** RFC 3261 17: reliable transports get no retransmissions and zero wait timers (D, I, J, K). */
export const RELIABLE: Readonly<Record<TransportKind, boolean>> = {
  udp: false,
  tcp: true,
  tls: true,
  ws: true,
  wss: true,
};

/** Byte streams framed by Content-Length (RFC 3261 18.3); the others carry whole messages. */
export const STREAM: Readonly<Record<TransportKind, boolean>> = {
  udp: false,
  tcp: true,
  tls: true,
  ws: false,
  wss: false,
};

/** Secure transports (sips: needs one). */
export const SECURE: Readonly<Record<TransportKind, boolean>> = {
  udp: false,
  tcp: false,
  tls: true,
  ws: false,
  wss: true,
};

/** Default ports (RFC 3261 19.1.2, RFC 7118). */
export const DEFAULT_PORT: Readonly<Record<TransportKind, number>> = {
  udp: 5060,
  tcp: 5060,
  tls: 5061,
  ws: 80,
  wss: 443,
};

/** The Via transport token (RFC 3261 18.1.1, RFC 7118). */
export function viaTransport(t: TransportKind): string {
  return t.toUpperCase();
}

export function transportFromVia(token: string): TransportKind | undefined {
  const t = token.toLowerCase();
  return (TRANSPORTS as readonly string[]).includes(t) ? (t as TransportKind) : undefined;
}

export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

/** Where a received message came from. */
export interface Source {
  readonly transport: TransportKind;
  readonly remote: Endpoint;
  /** The local address and port it arrived on. */
  readonly local: Endpoint;
  /** The connection it arrived on (stream and WebSocket transports). */
  readonly connectionId?: string;
}

/**
 * Where to send: a host (name or IP, resolved by the edge, RFC 3263) and a
 * port, over a transport; on a connection when one is named and still open.
 */
export interface Destination {
  readonly transport: TransportKind;
  readonly host: string;
  readonly port: number;
  readonly connectionId?: string;
  /**
   * Set when `host` is a name and the URI gave no port: the edge locates
   * the server by RFC 3263 (SRV, and NAPTR when `naptr`: the URI named no
   * transport) instead of `port`, and tries the next target on failure.
   */
  readonly locate?: {
    readonly naptr: boolean;
    /** Targets to skip: the request was answered 503, or timed out, at that many before (RFC 3263 4.3). */
    readonly skip?: number;
  };
}

/** One message (or keep-alive) for the edge to send. */
export interface Transmit {
  readonly destination: Destination;
  readonly bytes: Uint8Array;
  /** The message, for trace logging (absent for keep-alives). */
  readonly message?: SipMessage;
  /** Set on transmits whose failure the core wants to hear about (`handleTransportError`). */
  readonly ref?: number;
  /** Close the connection after sending (the stream could not be framed any more). */
  readonly close?: boolean;
}

/** The code of the transport error a retry on the next server gets when there is none (RFC 3263 4.3). */
export const NO_MORE_SERVERS = 'SIP_NO_MORE_SERVERS';

/** Whether `error` says that no server was left to try: the outcome is then what the last one did. */
export function noMoreServers(error: Error): boolean {
  return (error as { code?: unknown }).code === NO_MORE_SERVERS;
}

export function formatEndpoint(e: Endpoint): string {
  return e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
}
