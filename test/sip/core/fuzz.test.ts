/** One peer's garbage gets an answer or nothing — never an exception, never a stuck core. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Probe, rawRequest } from '../support/probe.js';

describe('the core under random input', () => {
  const base = Buffer.from(
    rawRequest('INVITE', { extra: 'Content-Type: application/sdp', body: 'v=0\n' }).replace(/\n/g, '\r\n'),
  );
  it('never throws on mutated datagrams or stream chunks, and still answers OPTIONS afterwards', () => {
    const p = new Probe({
      local: { udp: { address: '192.0.2.2', port: 5060 }, tcp: { address: '192.0.2.2', port: 5060 } },
    });
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          fc
            .array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 })
            .map((edits) => {
              const b = Buffer.from(base);
              for (const [i, v] of edits) b[i] = v;
              return b;
            }),
        ),
        fc.constantFrom('udp' as const, 'tcp' as const),
        (bytes, transport) => {
          p.send(bytes, { transport });
          p.advance(100);
        },
      ),
      { numRuns: 1500 },
    );
    expect(p.send(rawRequest('OPTIONS')).map((r) => r.status)).toEqual([200]);
  });
});
