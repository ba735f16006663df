/** An in-memory STUN server for unit tests, built on shtoom's own codec. */
import {
  Attr,
  StunMethod,
  attr,
  parseStunMessage,
  serializeStunMessage,
  type StunAttribute,
  type TransportAddress,
} from '../../src/stun/index.js';

export interface FakeAnswer {
  readonly class?: 'success' | 'error';
  readonly attributes?: (tid: Uint8Array) => StunAttribute[];
  readonly integrityKey?: Uint8Array;
  readonly fingerprint?: boolean;
}

/** Answer a request with XOR-MAPPED-ADDRESS = `mapped` unless `answer` says otherwise. */
export function answer(request: Uint8Array, mapped: TransportAddress, a: FakeAnswer = {}): Uint8Array {
  const r = parseStunMessage(request);
  if (!r.ok) throw r.error;
  const tid = r.message.transactionId;
  return serializeStunMessage(
    {
      method: StunMethod.BINDING,
      class: a.class ?? 'success',
      transactionId: tid,
      attributes: a.attributes ? a.attributes(tid) : [attr.xorMappedAddress(mapped, tid), attr.software('fake')],
    },
    { integrityKey: a.integrityKey, fingerprint: a.fingerprint ?? true },
  );
}

export const A = (address: string, port: number): TransportAddress => ({
  family: address.includes(':') ? 'IPv6' : 'IPv4',
  address,
  port,
});

export { Attr };
