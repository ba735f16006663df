/** Small message factories for SIP unit tests. */
import { parseMessage } from '../../../src/sip/message/parse.js';
import type { SipRequest, SipResponse } from '../../../src/sip/message/message.js';

/** Parse a message written with \n line ends (converted to CRLF) and Content-Length filled in. */
export function msg(text: string): SipRequest | SipResponse {
  const [head, ...rest] = text.replace(/^\n/, '').split('\n\n');
  const body = rest.join('\n\n').replace(/\n/g, '\r\n');
  const withLen = head!.includes('Content-Length') ? head! : `${head}\nContent-Length: ${Buffer.byteLength(body)}`;
  const bytes = Buffer.from(`${withLen.replace(/\n/g, '\r\n')}\r\n\r\n${body}`);
  const r = parseMessage(bytes, { datagram: true });
  if (!r.message || r.error) throw new Error(`test message does not parse: ${r.error?.message}`);
  return r.message;
}

export function req(text: string): SipRequest {
  const m = msg(text);
  if (m.type !== 'request') throw new Error('expected a request');
  return m;
}

export function res(text: string): SipResponse {
  const m = msg(text);
  if (m.type !== 'response') throw new Error('expected a response');
  return m;
}

export function invite(branch = 'z9hG4bK-1', extra = ''): SipRequest {
  return req(`INVITE sip:bob@192.0.2.2 SIP/2.0
Via: SIP/2.0/UDP 192.0.2.1:5060;branch=${branch}
Max-Forwards: 70
From: <sip:alice@192.0.2.1>;tag=a1
To: <sip:bob@192.0.2.2>
Call-ID: call-1
CSeq: 1 INVITE
Contact: <sip:alice@192.0.2.1:5060>${extra}`);
}

export function request(method: string, branch = 'z9hG4bK-2', cseq = 2): SipRequest {
  return req(`${method} sip:bob@192.0.2.2 SIP/2.0
Via: SIP/2.0/UDP 192.0.2.1:5060;branch=${branch}
Max-Forwards: 70
From: <sip:alice@192.0.2.1>;tag=a1
To: <sip:bob@192.0.2.2>
Call-ID: call-1
CSeq: ${cseq} ${method}`);
}

/** A response to `r` with the given status (To tag b1 on everything but 100). */
export function responseTo(r: SipRequest, status: number, toTag = 'b1'): SipResponse {
  const to = r.header('to')! + (status > 100 && !r.toTag ? `;tag=${toTag}` : '');
  return res(`SIP/2.0 ${status} Whatever
${r
  .headerValues('via')
  .map((v) => `Via: ${v}`)
  .join('\n')}
From: ${r.header('from')}
To: ${to}
Call-ID: ${r.callId}
CSeq: ${r.cseq.seq} ${r.cseq.method}`);
}
