/** The STUN client core in virtual time: retransmission schedule, responses, errors, credentials. */
import { describe, expect, it } from 'vitest';
import { Driver } from '../../src/clock/drive.js';
import { VirtualScheduler } from '../../src/sim/scheduler.js';
import {
  Attr,
  ClientTransaction,
  StunClient,
  StunTransactionError,
  attr,
  longTermKey,
  parseStunMessage,
  readText,
  shortTermKey,
  totalTimeout,
  verifyIntegrity,
  type StunClientEvent,
  type StunTransmit,
} from '../../src/stun/index.js';
import { LocalError } from '../../src/errors.js';
import { A, answer } from './fake-server.js';

const SERVER = A('192.0.2.10', 3478);
const FROM_NAT = A('203.0.113.5', 40000);

function seq() {
  let n = 0;
  return (len: number) => Uint8Array.from({ length: len }, () => ++n & 0xff);
}

function rig(options: ConstructorParameters<typeof StunClient>[0] = {}) {
  const s = new VirtualScheduler();
  const client = new StunClient({ randomBytes: seq(), ...options });
  const sent: { at: number; t: StunTransmit }[] = [];
  const events: StunClientEvent[] = [];
  const d = new Driver(
    client,
    { transmit: (t) => sent.push({ at: s.now(), t }), event: (e) => events.push(e) },
    s.clock,
    s,
  );
  return { s, client, sent, events, d };
}

describe('RFC 5389 7.2.1 retransmissions', () => {
  it('sends at 0, 500, 1500, 3500, 7500, 15500, 31500 ms and times out at 39500 ms', () => {
    const { s, client, sent, events, d } = rig();
    d.input((now) => client.request(SERVER, {}, now));
    s.runUntilIdle();
    expect(sent.map((x) => x.at)).toEqual([0, 500, 1500, 3500, 7500, 15500, 31500]);
    expect(events).toHaveLength(1);
    const e = events[0]!;
    expect(e.type).toBe('failure');
    if (e.type === 'failure') {
      expect(e.error).toBeInstanceOf(StunTransactionError);
      expect(e.error.code).toBe('timeout');
    }
    expect(s.now()).toBe(39500);
    expect(totalTimeout(500, 7, 16)).toBe(39500);
    expect(s.pending).toBe(0);
    // Every retransmission is the same request.
    expect(new Set(sent.map((x) => Buffer.from(x.t.bytes).toString('hex'))).size).toBe(1);
  });

  it('follows configured RTO, Rc and Rm', () => {
    const { s, client, sent, d } = rig({ rto: 100, rc: 3, rm: 4 });
    d.input((now) => client.request(SERVER, {}, now));
    s.runUntilIdle();
    expect(sent.map((x) => x.at)).toEqual([0, 100, 300]);
    expect(s.now()).toBe(700);
    expect(totalTimeout(100, 3, 4)).toBe(700);
  });

  it('Rc = 1 sends once and waits Rm x RTO', () => {
    const tx = new ClientTransaction({ rto: 10, rc: 1, rm: 2 }, 0);
    expect(tx.state).toBe('waiting');
    expect(tx.deadline).toBe(20);
    tx.handleTimeout(20);
    expect(tx.state).toBe('timed-out');
  });

  it('an input a state does not take is a LocalError naming both', () => {
    const tx = new ClientTransaction({ rto: 10, rc: 1, rm: 2 }, 0);
    tx.input('accept', 1);
    expect(() => tx.input('timer', 2)).toThrow(LocalError);
    expect(() => tx.input('timer', 2)).toThrow(/succeeded.*timer/);
    expect(() => new ClientTransaction({ rto: 0, rc: 1, rm: 1 }, 0)).toThrow(LocalError);
  });

  it('stops retransmitting when the response arrives', () => {
    const { s, client, sent, events, d } = rig();
    d.input((now) => client.request(SERVER, {}, now));
    s.runUntil(1600); // three requests out
    expect(sent).toHaveLength(3);
    const reply = answer(sent[2]!.t.bytes, FROM_NAT);
    d.input((now) => client.handleDatagram(reply, SERVER, now));
    s.runUntilIdle();
    expect(sent).toHaveLength(3);
    expect(events).toHaveLength(1);
    const e = events[0]!;
    expect(e.type).toBe('success');
    if (e.type === 'success') {
      expect(e.mapped).toEqual(FROM_NAT);
      expect(e.attempts).toBe(3);
      expect(e.rtt).toBe(100);
    }
  });
});

describe('responses', () => {
  function once(reply: (req: Uint8Array) => Uint8Array, options = {}) {
    const r = rig();
    r.d.input((now) => r.client.request(SERVER, options, now));
    const consumed: boolean[] = [];
    r.d.input((now) => consumed.push(r.client.handleDatagram(reply(r.sent[0]!.t.bytes), SERVER, now)));
    return { ...r, consumed };
  }

  it('ignores datagrams that are not responses to its transactions', () => {
    const { s, client, events, sent, d } = rig();
    d.input((now) => client.request(SERVER, {}, now));
    const other = answer(sent[0]!.t.bytes, FROM_NAT);
    other[19]! ^= 0xff; // another transaction ID (and so a wrong FINGERPRINT)
    expect(client.handleDatagram(other, SERVER, s.now())).toBe(false);
    expect(client.handleDatagram(Uint8Array.of(0x80, 0, 0, 0), SERVER, s.now())).toBe(false);
    expect(client.handleDatagram(sent[0]!.t.bytes, SERVER, s.now())).toBe(false); // a request
    expect(events).toHaveLength(0);
  });

  it('an error response fails with its code and reason', () => {
    const { events, consumed } = once((req) =>
      answer(req, FROM_NAT, { class: 'error', attributes: () => [attr.errorCode(400, 'Bad Request')] }),
    );
    expect(consumed).toEqual([true]);
    const e = events[0]!;
    expect(e.type === 'failure' && [e.error.code, e.error.errorCode, e.error.reason]).toEqual([
      'error-response',
      400,
      'Bad Request',
    ]);
  });

  it('a 420 names the unknown attributes', () => {
    const { events } = once((req) =>
      answer(req, FROM_NAT, {
        class: 'error',
        attributes: () => [attr.errorCode(420, 'Unknown Attribute'), attr.unknownAttributes([0x7fff])],
      }),
    );
    const e = events[0]!;
    expect(e.type === 'failure' && e.error.unknownAttributes).toEqual([0x7fff]);
    expect(e.type === 'failure' && e.error.message).toContain('0x7fff');
  });

  it('a success with an unknown comprehension-required attribute fails the transaction', () => {
    const { events } = once((req) =>
      answer(req, FROM_NAT, {
        attributes: (tid) => [attr.xorMappedAddress(FROM_NAT, tid), { type: 0x7ffe, value: new Uint8Array(4) }],
      }),
    );
    const e = events[0]!;
    expect(e.type === 'failure' && [e.error.code, e.error.unknownAttributes]).toEqual(['bad-response', [0x7ffe]]);
  });

  it('a success without a mapped address, or an error without ERROR-CODE, fails as bad-response', () => {
    const a = once((req) => answer(req, FROM_NAT, { attributes: () => [attr.software('x')] }));
    expect(a.events[0]!.type === 'failure' && (a.events[0] as { error: StunTransactionError }).error.code).toBe(
      'bad-response',
    );
    const b = once((req) => answer(req, FROM_NAT, { class: 'error', attributes: () => [] }));
    expect(b.events[0]!.type === 'failure' && (b.events[0] as { error: StunTransactionError }).error.code).toBe(
      'bad-response',
    );
  });

  it('falls back to MAPPED-ADDRESS (RFC 3489 servers)', () => {
    const { events } = once((req) =>
      answer(req, FROM_NAT, { attributes: () => [attr.address(Attr.MAPPED_ADDRESS, FROM_NAT)] }),
    );
    expect(events[0]!.type === 'success' && events[0]!.mapped).toEqual(FROM_NAT);
  });

  it('cancel ends a request with a cancelled failure and no more sends', () => {
    const { s, client, events, sent, d } = rig();
    let id = '';
    d.input((now) => (id = client.request(SERVER, {}, now)));
    d.input((now) => client.cancel(id, now));
    s.runUntilIdle();
    expect(sent).toHaveLength(1);
    expect(events[0]!.type === 'failure' && events[0]!.error.code).toBe('cancelled');
  });
});

describe('credentials', () => {
  it('short-term: signs the request, and discards a success without a valid MESSAGE-INTEGRITY', () => {
    const { s, client, events, sent, d } = rig();
    const credentials = { kind: 'short-term', username: 'alice', password: 'secret' } as const;
    d.input((now) => client.request(SERVER, { credentials }, now));
    const req = parseStunMessage(sent[0]!.t.bytes);
    expect(req.ok && verifyIntegrity(req.message, shortTermKey('secret'))).toBe(true);
    expect(req.ok && readText(req.message, Attr.USERNAME)).toBe('alice');
    d.input((now) =>
      client.handleDatagram(answer(sent[0]!.t.bytes, FROM_NAT, { integrityKey: shortTermKey('wrong') }), SERVER, now),
    );
    d.input((now) => client.handleDatagram(answer(sent[0]!.t.bytes, FROM_NAT), SERVER, now));
    expect(events).toHaveLength(0);
    d.input((now) =>
      client.handleDatagram(answer(sent[0]!.t.bytes, FROM_NAT, { integrityKey: shortTermKey('secret') }), SERVER, now),
    );
    expect(events[0]!.type).toBe('success');
    s.runUntilIdle();
  });

  it('long-term: retries a 401 with USERNAME, REALM, NONCE and MESSAGE-INTEGRITY under the same id', () => {
    const { client, events, sent, d } = rig();
    const credentials = { kind: 'long-term', username: 'bob', password: 'pw' } as const;
    let id = '';
    d.input((now) => (id = client.request(SERVER, { credentials }, now)));
    const challenge = answer(sent[0]!.t.bytes, FROM_NAT, {
      class: 'error',
      attributes: () => [attr.errorCode(401, 'Unauthorized'), attr.realm('example.org'), attr.nonce('n0nce')],
    });
    d.input((now) => client.handleDatagram(challenge, SERVER, now));
    expect(sent).toHaveLength(2);
    const retry = parseStunMessage(sent[1]!.t.bytes);
    expect(retry.ok).toBe(true);
    if (!retry.ok) return;
    expect(readText(retry.message, Attr.REALM)).toBe('example.org');
    expect(readText(retry.message, Attr.NONCE)).toBe('n0nce');
    const key = longTermKey('bob', 'example.org', 'pw');
    expect(verifyIntegrity(retry.message, key)).toBe(true);
    d.input((now) => client.handleDatagram(answer(sent[1]!.t.bytes, FROM_NAT, { integrityKey: key }), SERVER, now));
    expect(events.map((e) => [e.type, e.id])).toEqual([['success', id]]);
  });

  it('300 Try Alternate goes once to ALTERNATE-SERVER', () => {
    const { client, events, sent, d } = rig();
    const alt = A('192.0.2.20', 3478);
    d.input((now) => client.request(SERVER, {}, now));
    const redirect = answer(sent[0]!.t.bytes, FROM_NAT, {
      class: 'error',
      attributes: () => [attr.errorCode(300, 'Try Alternate'), attr.address(Attr.ALTERNATE_SERVER, alt)],
    });
    d.input((now) => client.handleDatagram(redirect, SERVER, now));
    expect(sent[1]!.t.to).toEqual(alt);
    d.input((now) =>
      client.handleDatagram(
        answer(sent[1]!.t.bytes, FROM_NAT, {
          class: 'error',
          attributes: () => [attr.errorCode(300, 'Try Alternate'), attr.address(Attr.ALTERNATE_SERVER, SERVER)],
        }),
        alt,
        now,
      ),
    );
    expect(sent).toHaveLength(2);
    expect(events[0]!.type === 'failure' && events[0]!.error.errorCode).toBe(300);
  });
});
