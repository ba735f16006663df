/**
 * The edge of the SIP stack: what a transport (socket owner) offers the
 * user agent and what it reports back. UDP lives in `sip-udp.ts`, TCP and
 * TLS in `sip-tcp.ts`; WebSocket would be one more implementation of the
 * same interface (whole messages).
 */
import type { Endpoint, Source, Transmit, TransportKind } from '../sip/transport/types.js';

export interface SipTransportHandlers {
  /** A whole message arrived (UDP datagram, WebSocket message). */
  message(bytes: Uint8Array, source: Source): void;
  /** Bytes arrived on a stream connection (TCP, TLS). */
  stream(bytes: Uint8Array, source: Source): void;
  /** A stream connection opened (accepted, or connected by us): the core starts its idle deadline. */
  opened(source: Source): void;
  /** A stream connection closed. */
  closed(connectionId: string): void;
  /** A transmit could not be sent. */
  failed(t: Transmit, error: Error): void;
}

export interface SipTransport {
  readonly kind: TransportKind;
  /** The address and port actually bound (port 0 resolved). */
  readonly local: Endpoint;
  /** False for a transport that only connects out (TLS without a certificate): it has no socket of its own. */
  readonly listening?: boolean;
  /** Send to `address` (an IP: names are resolved before) and `t.destination.port`. */
  send(t: Transmit, address: string): void;
  close(): Promise<void>;
}

export interface ListenSpec {
  readonly transport: TransportKind;
  readonly address: string;
  readonly port: number;
}

/** Creates bound transports: real sockets by default, a simulated network in tests. */
export interface SipTransportFactory {
  bind(spec: ListenSpec, handlers: SipTransportHandlers): Promise<SipTransport>;
}
