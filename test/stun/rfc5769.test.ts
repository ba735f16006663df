/** RFC 5769 test vectors: parse, verify MESSAGE-INTEGRITY and FINGERPRINT, and rebuild byte for byte. */
import { describe, expect, it } from 'vitest';
import {
  Attr,
  StunMethod,
  attr,
  longTermKey,
  parseStunMessage,
  readAddress,
  readMappedAddress,
  readText,
  saslprep,
  serializeStunMessage,
  shortTermKey,
  verifyIntegrity,
  type ParsedStunMessage,
} from '../../src/stun/index.js';
import { readVector } from './rfc5769-vectors.js';

function parse(bytes: Uint8Array): ParsedStunMessage {
  const r = parseStunMessage(bytes);
  if (!r.ok) throw r.error;
  return r.message;
}

const withoutAuth = (m: ParsedStunMessage) =>
  m.attributes.filter((a) => a.type !== Attr.MESSAGE_INTEGRITY && a.type !== Attr.FINGERPRINT);

describe('RFC 5769 2.1 sample request', () => {
  const v = readVector('sample-request.txt');
  const m = parse(v.bytes);

  it('is a Binding request with the stated attributes', () => {
    expect(v.bytes.length).toBe(108);
    expect(m.method).toBe(StunMethod.BINDING);
    expect(m.class).toBe('request');
    expect(Buffer.from(m.transactionId).toString('hex')).toBe('b7e7a701bc34d686fa87dfae');
    expect(readText(m, Attr.SOFTWARE)).toBe(v.params.software);
    expect(readText(m, Attr.USERNAME)).toBe(v.params.username);
    expect(m.attributes.map((a) => a.type)).toEqual([
      Attr.SOFTWARE,
      Attr.PRIORITY,
      Attr.ICE_CONTROLLED,
      Attr.USERNAME,
      Attr.MESSAGE_INTEGRITY,
      Attr.FINGERPRINT,
    ]);
    expect(m.hasFingerprint).toBe(true);
    expect(m.unknownRequired).toEqual([]);
  });

  it('has a valid short-term MESSAGE-INTEGRITY, and not for another password', () => {
    expect(verifyIntegrity(m, shortTermKey(v.params.password!))).toBe(true);
    expect(verifyIntegrity(m, shortTermKey('wrong'))).toBe(false);
  });

  it('re-serializes byte for byte, as parsed and with integrity and fingerprint recomputed', () => {
    expect(serializeStunMessage(m, { padding: v.padding })).toEqual(v.bytes);
    const rebuilt = serializeStunMessage(
      { ...m, attributes: withoutAuth(m) },
      { padding: v.padding, integrityKey: shortTermKey(v.params.password!), fingerprint: true },
    );
    expect(Buffer.from(rebuilt).toString('hex')).toBe(Buffer.from(v.bytes).toString('hex'));
  });
});

for (const file of ['sample-ipv4-response.txt', 'sample-ipv6-response.txt']) {
  describe(`RFC 5769 ${file === 'sample-ipv4-response.txt' ? '2.2' : '2.3'} ${file}`, () => {
    const v = readVector(file);
    const m = parse(v.bytes);
    const [host, port] = /^\[?([^\]]+?)\]?:(\d+)$/.exec(v.params.mapped!)!.slice(1);

    it('decodes XOR-MAPPED-ADDRESS', () => {
      expect(m.class).toBe('success');
      expect(readMappedAddress(m)).toEqual({
        family: host!.includes(':') ? 'IPv6' : 'IPv4',
        address: host,
        port: Number(port),
      });
      expect(readText(m, Attr.SOFTWARE)).toBe(v.params.software);
    });

    it('verifies and rebuilds byte for byte', () => {
      const key = shortTermKey(v.params.password!);
      expect(verifyIntegrity(m, key)).toBe(true);
      const mapped = readAddress(m, Attr.XOR_MAPPED_ADDRESS)!;
      const rebuilt = serializeStunMessage(
        {
          method: StunMethod.BINDING,
          class: 'success',
          transactionId: m.transactionId,
          attributes: [attr.software(v.params.software!), attr.xorMappedAddress(mapped, m.transactionId)],
        },
        { padding: v.padding, integrityKey: key, fingerprint: true },
      );
      expect(Buffer.from(rebuilt).toString('hex')).toBe(Buffer.from(v.bytes).toString('hex'));
    });
  });
}

describe('RFC 5769 2.4 sample request with long-term authentication', () => {
  const v = readVector('sample-request-long-term.txt');
  const m = parse(v.bytes);

  it('SASLprep maps the password as the RFC says', () => {
    expect(saslprep(v.params.password!)).toBe(v.params['prepared-password']);
  });

  it('has USERNAME, NONCE, REALM and a valid long-term MESSAGE-INTEGRITY', () => {
    expect(readText(m, Attr.USERNAME)).toBe(v.params.username);
    expect(readText(m, Attr.NONCE)).toBe(v.params.nonce);
    expect(readText(m, Attr.REALM)).toBe(v.params.realm);
    expect(m.hasFingerprint).toBe(false);
    const key = longTermKey(v.params.username!, v.params.realm!, v.params.password!);
    expect(verifyIntegrity(m, key)).toBe(true);
    expect(verifyIntegrity(m, longTermKey(v.params.username!, v.params.realm!, 'TheMatrix'))).toBe(false);
  });

  it('rebuilds byte for byte from its parts', () => {
    const key = longTermKey(v.params.username!, v.params.realm!, v.params['prepared-password']!);
    const rebuilt = serializeStunMessage(
      {
        method: StunMethod.BINDING,
        class: 'request',
        transactionId: m.transactionId,
        attributes: [attr.username(v.params.username!), attr.nonce(v.params.nonce!), attr.realm(v.params.realm!)],
      },
      { integrityKey: key },
    );
    expect(Buffer.from(rebuilt).toString('hex')).toBe(Buffer.from(v.bytes).toString('hex'));
  });
});
