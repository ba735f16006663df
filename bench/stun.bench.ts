/**
 * STUN codec throughput: a Binding success response as coturn sends it
 * (XOR-MAPPED-ADDRESS, MAPPED-ADDRESS, RESPONSE-ORIGIN, OTHER-ADDRESS,
 * SOFTWARE, FINGERPRINT) parsed and serialized again, and the RFC 5769 2.1
 * request (with MESSAGE-INTEGRITY) parsed and verified.
 */
import {
  Attr,
  StunMethod,
  attr,
  parseStunMessage,
  readMappedAddress,
  serializeStunMessage,
  shortTermKey,
  verifyIntegrity,
} from '../src/stun/index.js';
import { note, opsPerSecond, report } from './lib/report.js';

const tid = Uint8Array.from([0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae]);
const mapped = { family: 'IPv4' as const, address: '198.51.100.1', port: 40000 };
const response = serializeStunMessage(
  {
    method: StunMethod.BINDING,
    class: 'success',
    transactionId: tid,
    attributes: [
      attr.xorMappedAddress(mapped, tid),
      attr.address(Attr.MAPPED_ADDRESS, mapped),
      attr.address(Attr.RESPONSE_ORIGIN, { family: 'IPv4', address: '198.51.100.2', port: 3478 }),
      attr.address(Attr.OTHER_ADDRESS, { family: 'IPv4', address: '198.51.100.3', port: 3479 }),
      attr.software("Coturn-4.6.1 'Gorst'"),
    ],
  },
  { fingerprint: true },
);
note(`response of ${response.length} bytes`);

const BATCH = 1000;
report(
  'stun.parse_serialize',
  Math.round(
    opsPerSecond(() => {
      for (let i = 0; i < BATCH; i++) {
        const r = parseStunMessage(response);
        if (!r.ok || !readMappedAddress(r.message)) throw new Error('parse failed');
        const attributes = r.message.attributes.filter((a) => a.type !== Attr.FINGERPRINT);
        serializeStunMessage({ ...r.message, attributes }, { fingerprint: true });
      }
    }, BATCH),
  ),
  'msgs/s',
);

// RFC 5769 2.1: parse + HMAC-SHA1 check of a request with short-term credentials.
const request = Buffer.from(
  '000100582112a442b7e7a701bc34d686fa87dfae802200105354554e207465737420636c69656e74' +
    '002400046e0001ff80290008932ff9b151263b36000600096576746a3a6836765920202000080014' +
    '9aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a2802800 04e57a3bcf'.replace(/ /g, ''),
  'hex',
);
const key = shortTermKey('VOkJxbRl1RmTxUk/WvJxBt');
report(
  'stun.parse_verify_integrity',
  Math.round(
    opsPerSecond(() => {
      for (let i = 0; i < BATCH; i++) {
        const r = parseStunMessage(request);
        if (!r.ok || !verifyIntegrity(r.message, key)) throw new Error('verify failed');
      }
    }, BATCH),
  ),
  'msgs/s',
);
