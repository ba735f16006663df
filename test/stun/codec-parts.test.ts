/** The small pieces of the codec: message types, IP text, attribute encoders, CRC, SASLprep. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  StunEncodeError,
  attr,
  attrName,
  bytesToIp,
  canonicalIp,
  crc32,
  decodeErrorCode,
  decodeMessageType,
  encodeErrorCode,
  encodeMessageType,
  formatTransportAddress,
  ipToBytes,
  Malformed,
  saslprep,
} from '../../src/stun/index.js';

describe('message type (RFC 5389 6)', () => {
  it('interleaves class bits C1 C0 with the method', () => {
    expect(encodeMessageType(0x001, 'request')).toBe(0x0001);
    expect(encodeMessageType(0x001, 'indication')).toBe(0x0011);
    expect(encodeMessageType(0x001, 'success')).toBe(0x0101);
    expect(encodeMessageType(0x001, 'error')).toBe(0x0111);
    expect(encodeMessageType(0x003, 'request')).toBe(0x0003); // TURN Allocate
  });
  it('round-trips every method and class', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xfff }),
        fc.constantFrom('request', 'indication', 'success', 'error' as const),
        (m, c) => {
          expect(decodeMessageType(encodeMessageType(m, c))).toEqual({ method: m, class: c });
        },
      ),
    );
  });
});

describe('IP addresses', () => {
  it('parses and prints IPv4 and IPv6 (RFC 5952 form)', () => {
    expect(bytesToIp(ipToBytes('192.0.2.1')!)).toBe('192.0.2.1');
    expect(canonicalIp('2001:DB8:0:0:0:0:0:1')).toBe('2001:db8::1');
    expect(canonicalIp('2001:db8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1');
    expect(canonicalIp('::')).toBe('::');
    expect(canonicalIp('::ffff:192.0.2.1')).toBe('::ffff:c000:201');
    expect(canonicalIp('2001:db8:1234:5678:11:2233:4455:6677')).toBe('2001:db8:1234:5678:11:2233:4455:6677');
    for (const bad of ['1.2.3', '1.2.3.256', '01.2.3.4', '1::2::3', '12345::', 'g::1', '1:2:3:4:5:6:7:8:9', 'x']) {
      expect(ipToBytes(bad), bad).toBeUndefined();
    }
    expect(formatTransportAddress({ address: '::1', port: 5 })).toBe('[::1]:5');
  });
  it('round-trips any 16 bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (b) => {
        expect(ipToBytes(bytesToIp(b))).toEqual(b);
      }),
    );
  });
});

describe('attribute encoders', () => {
  it('refuse what cannot be encoded', () => {
    expect(() => attr.errorCode(200, 'OK')).toThrow(StunEncodeError);
    expect(() => attr.errorCode(400, 'x'.repeat(128))).toThrow(StunEncodeError);
    expect(() => attr.username('u'.repeat(513))).toThrow(StunEncodeError);
    expect(() => attr.address(0x0001, { family: 'IPv4', address: '::1', port: 1 })).toThrow(StunEncodeError);
    expect(() => attr.address(0x0001, { family: 'IPv4', address: '1.2.3.4', port: 70000 })).toThrow(StunEncodeError);
  });
  it('encode and decode ERROR-CODE', () => {
    expect(decodeErrorCode(encodeErrorCode(438, 'Stale Nonce'))).toEqual({ code: 438, reason: 'Stale Nonce' });
    expect(decodeErrorCode(Uint8Array.of(0, 0, 4))).toBeInstanceOf(Malformed);
  });
  it('names attributes', () => {
    expect(attrName(0x0020)).toBe('XOR-MAPPED-ADDRESS');
    expect(attrName(0x7abc)).toBe('0x7abc');
  });
});

describe('CRC-32 and SASLprep', () => {
  it('CRC-32 of "123456789" is the check value 0xCBF43926', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });
  it('SASLprep maps, normalizes and prohibits (RFC 4013 3 examples)', () => {
    expect(saslprep('I\u00adX')).toBe('IX');
    expect(saslprep('user')).toBe('user');
    expect(saslprep('USER')).toBe('USER');
    expect(saslprep('\u00aa')).toBe('a');
    expect(saslprep('\u2168')).toBe('IX');
    expect(saslprep('a\u00a0b')).toBe('a b');
    expect(saslprep('\u0007')).toBeUndefined();
    expect(saslprep('\u0627\u0031')).toBeUndefined();
    expect(saslprep('\u0627\u0031\u0628')).toBe('\u0627\u0031\u0628');
    expect(saslprep('a\u05d0')).toBeUndefined();
  });
});
