/** Feed raw requests to a core and collect what it answers (no network). */
import { SipCore } from '../../../src/sip/core/sip-core.js';
import type { CoreConfig } from '../../../src/sip/core/config.js';
import type { CoreEvent } from '../../../src/sip/core/events.js';
import { parseMessage } from '../../../src/sip/message/parse.js';
import type { SipResponse } from '../../../src/sip/message/message.js';
import type { Transmit } from '../../../src/sip/transport/types.js';
import { Random } from '../../../src/sim/random.js';

export const PEER = { address: '192.0.2.1', port: 5060 };

export class Probe {
  readonly core: SipCore;
  now = 0;
  readonly transmits: Transmit[] = [];
  readonly events: CoreEvent[] = [];

  constructor(config: Partial<CoreConfig> = {}) {
    const r = new Random(7);
    this.core = new SipCore({ local: { udp: { address: '192.0.2.2', port: 5060 } }, random: () => r.u32(), ...config });
  }

  /** Send `text` (\n line ends become CRLF unless `raw`) and return the responses it produced. */
  send(text: string | Uint8Array, opts: { transport?: 'udp' | 'tcp' | 'tls'; raw?: boolean } = {}): SipResponse[] {
    const bytes = typeof text === 'string' ? Buffer.from(opts.raw ? text : text.replace(/\r?\n/g, '\r\n')) : text;
    const source = {
      transport: opts.transport ?? 'udp',
      remote: PEER,
      local: { address: '192.0.2.2', port: 5060 },
      connectionId: 'c1',
    } as const;
    if ((opts.transport ?? 'udp') === 'udp') this.core.handleDatagram(bytes, source, this.now);
    else this.core.handleStream(bytes, source, this.now);
    return this.drain();
  }

  drain(): SipResponse[] {
    const out: SipResponse[] = [];
    for (let t = this.core.pollTransmit(); t; t = this.core.pollTransmit()) {
      this.transmits.push(t);
      if (t.bytes.length === 0) continue;
      const m = parseMessage(t.bytes, { datagram: true }).message;
      if (m?.type === 'response') out.push(m);
    }
    for (let e = this.core.pollEvent(); e; e = this.core.pollEvent()) this.events.push(e);
    return out;
  }

  advance(ms: number): SipResponse[] {
    const end = this.now + ms;
    for (;;) {
      const next = this.core.pollTimeout();
      if (next === undefined || next > end) break;
      this.now = next;
      this.core.handleTimeout(next);
    }
    this.now = end;
    return this.drain();
  }
}

/** A request with the usual headers; `extra` lines go before Content-Length. */
export function rawRequest(
  method: string,
  opts: {
    uri?: string;
    cseq?: string;
    extra?: string;
    branch?: string;
    toTag?: string;
    fromTag?: string;
    callId?: string;
    body?: string;
  } = {},
): string {
  const body = opts.body ?? '';
  return [
    `${method} ${opts.uri ?? 'sip:bob@192.0.2.2'} SIP/2.0`,
    `Via: SIP/2.0/UDP 192.0.2.1:5060;branch=${opts.branch ?? 'z9hG4bK' + Math.random().toString(36).slice(2)}`,
    'Max-Forwards: 70',
    `From: <sip:alice@192.0.2.1>;tag=${opts.fromTag ?? 'a1'}`,
    `To: <sip:bob@192.0.2.2>${opts.toTag ? `;tag=${opts.toTag}` : ''}`,
    `Call-ID: ${opts.callId ?? 'c-' + Math.random().toString(36).slice(2)}`,
    `CSeq: ${opts.cseq ?? `1 ${method}`}`,
    'Contact: <sip:alice@192.0.2.1>',
    ...(opts.extra ? [opts.extra] : []),
    `Content-Length: ${Buffer.byteLength(body.replace(/\r?\n/g, '\r\n'))}`,
    '',
    body,
  ].join('\n');
}
