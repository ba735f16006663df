/**
 * sip.parse_serialize: a typical 900-byte INVITE (with SDP) parsed — start
 * line, headers, and the structured headers a UAS reads (Via, From, To,
 * CSeq, Contact…) — and serialized again, messages per second on one core.
 */
import { parseMessage } from '../src/sip/message/parse.js';
import { serializeMessage } from '../src/sip/message/serialize.js';
import { checkRequest } from '../src/sip/message/validate.js';
import type { SipRequest } from '../src/sip/message/message.js';
import { note, opsPerSecond, report } from './lib/report.js';

const sdp = [
  'v=0',
  'o=alice 2890844526 2890844526 IN IP4 pc33.atlanta.example.com',
  's=Session SDP',
  'c=IN IP4 192.0.2.101',
  't=0 0',
  'm=audio 49172 RTP/AVP 0 8 3 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:3 GSM/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
  'a=ptime:20',
  'a=sendrecv',
  '',
].join('\r\n');
const head = [
  'INVITE sip:bob@biloxi.example.com SIP/2.0',
  'Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds;rport',
  'Max-Forwards: 70',
  'To: Bob <sip:bob@biloxi.example.com>',
  'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710@pc33.atlanta.example.com',
  'CSeq: 314159 INVITE',
  'Contact: <sip:alice@pc33.atlanta.example.com:5060>',
  'User-Agent: shtoom/0.1.0',
  'Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, MESSAGE',
  'Supported: replaces, timer',
  'Subject: benchmark call',
  'Accept: application/sdp',
  'Organization: shtoom benchmark',
  'Content-Type: application/sdp',
  `Content-Length: ${Buffer.byteLength(sdp)}`,
  '',
  '',
].join('\r\n');
const bytes = Buffer.from(head + sdp);
note(`INVITE of ${bytes.length} bytes`);

let sink = 0;
const full = opsPerSecond(
  () => {
    const r = parseMessage(bytes, { datagram: true });
    const m = r.message as SipRequest;
    if (checkRequest(m)) throw new Error('the benchmark INVITE does not pass the checks');
    sink += serializeMessage(m).length;
  },
  1,
  2000,
);
report('sip.parse_serialize', Math.round(full), 'msgs/s');

const parseOnly = opsPerSecond(
  () => {
    sink += (parseMessage(bytes, { datagram: true }).message as SipRequest).headers.length;
  },
  1,
  1000,
);
report('sip.parse_only', Math.round(parseOnly), 'msgs/s');
if (sink < 0) note(String(sink));
