/**
 * Every malformed-length case we could construct, and fuzzing: bad input is
 * a `StunParseError` with a code, never an exception or an out-of-bounds read.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Attr,
  StunMethod,
  StunParseError,
  attr,
  looksLikeStun,
  parseStunMessage,
  serializeStunMessage,
  type StunParseCode,
} from '../../src/stun/index.js';
import { readVector } from './rfc5769-vectors.js';

const TID = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);

function expectError(bytes: Uint8Array, code: StunParseCode) {
  const r = parseStunMessage(bytes);
  expect(r.ok).toBe(false);
  if (!r.ok) {
    expect(r.error).toBeInstanceOf(StunParseError);
    expect(r.error.code).toBe(code);
  }
}

/** A header with a given length field, followed by `body`. */
function message(body: number[], lengthField = body.length, type = 0x0101): Uint8Array {
  return Uint8Array.from([
    type >> 8,
    type & 0xff,
    lengthField >> 8,
    lengthField & 0xff,
    0x21,
    0x12,
    0xa4,
    0x42,
    ...TID,
    ...body,
  ]);
}

describe('malformed headers', () => {
  it('rejects anything shorter than a header', () => {
    for (let n = 0; n < 20; n++) expectError(new Uint8Array(n), 'not-stun');
  });
  it('rejects the top two bits set (RTP, SIP text)', () => {
    expectError(message([], 0, 0x8101), 'not-stun');
    expectError(new TextEncoder().encode('INVITE sip:bob@example.com SIP/2.0\r\n'), 'not-stun');
  });
  it('rejects a missing magic cookie unless RFC 3489 messages are allowed', () => {
    const b = message([]);
    b[4] = 0;
    expectError(b, 'not-stun');
    const r = parseStunMessage(b, { allowClassic: true });
    expect(r.ok && r.message.classic && r.message.transactionId.length).toBe(16);
  });
  it('rejects a length that is not a multiple of 4', () => {
    expectError(message([0, 0], 2), 'bad-length');
  });
  it('rejects a length longer than the datagram (truncation) and shorter (trailing bytes)', () => {
    expectError(message([0, 0x80, 0, 0], 8), 'bad-length');
    expectError(message([0, 0x80, 0, 0], 0), 'bad-length');
    expectError(message([], 0xfffc), 'bad-length');
  });
});

describe('malformed attributes', () => {
  it('rejects an attribute header cut short', () => {
    // Only possible with a length that is a multiple of 4 and fewer than 4 bytes left: never. So
    // construct the nearest case, an attribute whose declared value runs past the end.
    expectError(message([0x80, 0x22, 0x00, 0x05, 0x61, 0x62, 0x63, 0x64]), 'truncated-attribute');
  });
  it('rejects an attribute length of 0xffff (the underflow of CVE-2021-37706)', () => {
    expectError(message([0x00, 0x20, 0xff, 0xff]), 'truncated-attribute');
  });
  it('rejects an attribute whose padding runs past the end', () => {
    // Length 1 needs 4 bytes of value + padding; give it 4 bytes, then a second header claiming 1.
    expectError(message([0x80, 0x22, 0x00, 0x01, 0x61, 0, 0, 0, 0x80, 0x22, 0x00, 0x01]), 'truncated-attribute');
  });
  it('rejects address attributes of the wrong size or family', () => {
    expectError(message([0x00, 0x20, 0x00, 0x04, 0x00, 0x01, 0x12, 0x34]), 'bad-attribute');
    expectError(message([0x00, 0x01, 0x00, 0x08, 0x00, 0x03, 0x12, 0x34, 1, 2, 3, 4]), 'bad-attribute');
    expectError(message([0x00, 0x01, 0x00, 0x08, 0x00, 0x02, 0x12, 0x34, 1, 2, 3, 4]), 'bad-attribute');
    expectError(message([0x00, 0x01, 0x00, 0x00]), 'bad-attribute');
    expectError(message([0x80, 0x2c, 0x00, 0x02, 0x00, 0x01, 0, 0]), 'bad-attribute');
  });
  it('rejects ERROR-CODE with a bad class or number, or too short', () => {
    expectError(message([0x00, 0x09, 0x00, 0x04, 0, 0, 2, 0]), 'bad-attribute');
    expectError(message([0x00, 0x09, 0x00, 0x04, 0, 0, 7, 0]), 'bad-attribute');
    expectError(message([0x00, 0x09, 0x00, 0x04, 0, 0, 4, 100]), 'bad-attribute');
    expectError(message([0x00, 0x09, 0x00, 0x02, 0, 0, 0, 0]), 'bad-attribute');
  });
  it('rejects UNKNOWN-ATTRIBUTES of odd length', () => {
    expectError(message([0x00, 0x0a, 0x00, 0x03, 0, 1, 0, 0]), 'bad-attribute');
  });
  it('rejects MESSAGE-INTEGRITY, FINGERPRINT, CHANGE-REQUEST and ICE attributes of the wrong size', () => {
    expectError(message([0x00, 0x08, 0x00, 0x04, 0, 0, 0, 0]), 'bad-attribute');
    expectError(message([0x80, 0x28, 0x00, 0x08, 0, 0, 0, 0, 0, 0, 0, 0]), 'bad-attribute');
    expectError(message([0x00, 0x03, 0x00, 0x08, 0, 0, 0, 0, 0, 0, 0, 0]), 'bad-attribute');
    expectError(message([0x80, 0x29, 0x00, 0x04, 0, 0, 0, 0]), 'bad-attribute');
    expectError(message([0x00, 0x25, 0x00, 0x04, 0, 0, 0, 0]), 'bad-attribute');
  });
  it('rejects a wrong FINGERPRINT and anything after FINGERPRINT', () => {
    const good = serializeStunMessage(
      { method: StunMethod.BINDING, class: 'request', transactionId: TID, attributes: [attr.software('x')] },
      { fingerprint: true },
    );
    expect(parseStunMessage(good).ok).toBe(true);
    const bad = good.slice();
    bad[bad.length - 1]! ^= 1;
    expectError(bad, 'bad-fingerprint');
    const flipped = good.slice();
    flipped[24]! ^= 1; // a bit of SOFTWARE
    expectError(flipped, 'bad-fingerprint');
    const after = Uint8Array.from([...good, 0x80, 0x22, 0, 0]);
    after[3]! += 4;
    expectError(after, 'bad-fingerprint');
  });
  it('reports unknown comprehension-required attributes and keeps optional ones quietly', () => {
    const r = parseStunMessage(message([0x7f, 0xff, 0, 0, 0xff, 0xfe, 0, 0, 0x00, 0x99, 0, 0]));
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.message.unknownRequired).toEqual([0x7fff, 0x0099]);
      expect(r.message.attributes).toHaveLength(3);
    }
  });
  it('ignores attributes between MESSAGE-INTEGRITY and FINGERPRINT', () => {
    const mi = [0x00, 0x08, 0x00, 0x14, ...new Array<number>(20).fill(0)];
    const r = parseStunMessage(message([...mi, 0x7f, 0xff, 0, 0]));
    expect(r.ok && r.message.ignoredAfterIntegrity).toBe(1);
    expect(r.ok && r.message.unknownRequired).toEqual([]);
  });
});

describe('fuzzing (fast-check)', () => {
  const vectors = [
    'sample-request.txt',
    'sample-ipv4-response.txt',
    'sample-ipv6-response.txt',
    'sample-request-long-term.txt',
  ].map((f) => readVector(f).bytes);

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        const r = parseStunMessage(b, { allowClassic: true });
        expect(typeof r.ok).toBe('boolean');
        if (!r.ok) expect(r.error).toBeInstanceOf(StunParseError);
      }),
      { numRuns: 3000 },
    );
  });

  it('never throws on mutations of the RFC 5769 vectors, and a valid parse re-serializes', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...vectors),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.option(fc.nat(), { nil: undefined }),
        (base, edits, cut) => {
          let b = base.slice();
          for (const [i, v] of edits) b[i % b.length] = v;
          if (cut !== undefined) b = b.slice(0, cut % (b.length + 1));
          const r = parseStunMessage(b);
          if (r.ok) {
            // Padding is not kept, so the FINGERPRINT is recomputed rather than copied.
            const attributes = r.message.attributes.filter((a) => a.type !== Attr.FINGERPRINT);
            const again = parseStunMessage(
              serializeStunMessage({ ...r.message, attributes }, { fingerprint: r.message.hasFingerprint }),
            );
            expect(again.ok).toBe(true);
          } else expect(r.error).toBeInstanceOf(StunParseError);
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('round-trips generated messages byte for byte', () => {
    const attribute = fc.record({
      type: fc
        .integer({ min: 0x8000, max: 0xffff })
        .filter(
          (t) =>
            t !== Attr.FINGERPRINT &&
            t !== Attr.ICE_CONTROLLED &&
            t !== Attr.ICE_CONTROLLING &&
            t !== Attr.CACHE_TIMEOUT &&
            t !== Attr.ALTERNATE_SERVER &&
            t !== Attr.RESPONSE_ORIGIN &&
            t !== Attr.OTHER_ADDRESS,
        ),
      value: fc.uint8Array({ maxLength: 40 }),
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xfff }),
        fc.constantFrom('request', 'indication', 'success', 'error' as const),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.array(attribute, { maxLength: 6 }),
        fc.boolean(),
        (method, cls, transactionId, attributes, fingerprint) => {
          const bytes = serializeStunMessage({ method, class: cls, transactionId, attributes }, { fingerprint });
          expect(looksLikeStun(bytes)).toBe(true);
          const r = parseStunMessage(bytes);
          expect(r.ok).toBe(true);
          if (!r.ok) return;
          expect(r.message.method).toBe(method);
          expect(r.message.class).toBe(cls);
          expect(r.message.attributes.length).toBe(attributes.length + (fingerprint ? 1 : 0));
          expect(serializeStunMessage(r.message)).toEqual(bytes);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('input buffers', () => {
  it('parses a Node Buffer (as dgram delivers) without changing it, twice alike', () => {
    const v = readVector('sample-ipv4-response.txt').bytes;
    const buf = Buffer.from(v);
    const a = parseStunMessage(buf);
    const b = parseStunMessage(buf);
    expect(a.ok && b.ok).toBe(true);
    expect(Buffer.compare(buf, Buffer.from(v))).toBe(0);
    if (a.ok) expect(a.message.transactionId).toBeInstanceOf(Uint8Array);
  });
});
