import { describe, expect, it } from 'vitest';
import { SipStateError } from '../../../src/sip/errors.js';
import { invite, request, responseTo } from '../support/messages.js';
import { TCP, TxHarness, UDP } from '../support/tx-harness.js';

describe('INVITE client transaction (RFC 3261 17.1.1, RFC 6026)', () => {
  it('retransmits with Timer A doubling from T1 and times out with Timer B at 64*T1 over UDP', () => {
    const h = new TxHarness();
    const tx = h.layer.sendRequest(invite(), UDP, h.clientTu(), 0);
    h.runAll();
    expect(h.log()).toEqual([
      '0 INVITE',
      '500 INVITE',
      '1500 INVITE',
      '3500 INVITE',
      '7500 INVITE',
      '15500 INVITE',
      '31500 INVITE',
    ]);
    expect(h.events).toEqual(['32000 timeout']);
    expect(tx.state).toBe('terminated');
    expect(tx.timerCount).toBe(0);
    expect(h.layer.size).toBe(0);
    expect(h.deadlines.size).toBe(0);
  });

  it('sends once over TCP and still times out with Timer B', () => {
    const h = new TxHarness();
    h.layer.sendRequest(invite(), TCP, h.clientTu(), 0);
    h.runAll();
    expect(h.log()).toEqual(['0 INVITE']);
    expect(h.events).toEqual(['32000 timeout']);
  });

  it('uses the configured T1 (a per-instance value)', () => {
    const h = new TxHarness({ t1: 100, t2: 4000, t4: 5000 });
    h.layer.sendRequest(invite(), UDP, h.clientTu(), 0);
    h.runAll();
    expect(h.log()).toEqual([
      '0 INVITE',
      '100 INVITE',
      '300 INVITE',
      '700 INVITE',
      '1500 INVITE',
      '3100 INVITE',
      '6300 INVITE',
    ]);
    expect(h.events).toEqual(['6400 timeout']);
  });

  it('stops retransmitting on a provisional response and waits with no timer in Proceeding', () => {
    const h = new TxHarness();
    const inv = invite();
    const tx = h.layer.sendRequest(inv, UDP, h.clientTu(), 0);
    h.runUntil(600);
    tx.receive(responseTo(inv, 180), 600);
    h.runUntil(100_000);
    expect(h.log()).toEqual(['0 INVITE', '500 INVITE']);
    expect(h.events).toEqual(['600 response 180']);
    expect(tx.state).toBe('proceeding');
    expect(h.deadlines.size).toBe(0);
  });

  it('ACKs a non-2xx final response, absorbs its retransmissions with the same ACK, ends after Timer D', () => {
    const h = new TxHarness();
    const inv = invite();
    const tx = h.layer.sendRequest(inv, UDP, h.clientTu(), 0);
    h.now = 100;
    tx.receive(responseTo(inv, 486), 100);
    h.now = 300;
    tx.receive(responseTo(inv, 486), 300);
    expect(h.log()).toEqual(['0 INVITE', '100 ACK', '300 ACK']);
    expect(h.events).toEqual(['100 response 486']);
    const ack = h.sent[1]!.msg;
    expect(ack.type === 'request' && ack.rawUri).toBe(inv.rawUri);
    expect(ack.header('via')).toBe(inv.header('via'));
    expect(ack.header('to')).toContain('tag=b1');
    expect(ack.header('cseq')).toBe('1 ACK');
    expect(tx.state).toBe('completed');
    h.runAll();
    expect(tx.state).toBe('terminated');
    expect(h.now).toBe(32_100);
    expect(h.layer.size).toBe(0);
  });

  it('Timer D is zero on a reliable transport', () => {
    const h = new TxHarness();
    const inv = invite();
    const tx = h.layer.sendRequest(inv, TCP, h.clientTu(), 0);
    tx.receive(responseTo(inv, 603), 10);
    h.runUntil(10);
    expect(tx.state).toBe('terminated');
  });

  it('passes the 2xx and every 2xx retransmission (or fork) to the TU while Accepted, until Timer M', () => {
    const h = new TxHarness();
    const inv = invite();
    const tx = h.layer.sendRequest(inv, UDP, h.clientTu(), 0);
    tx.receive(responseTo(inv, 200), 50);
    tx.receive(responseTo(inv, 200), 550);
    tx.receive(responseTo(inv, 200, 'other-fork'), 600);
    expect(h.events).toEqual(['50 response 200', '550 response 200', '600 response 200']);
    expect(tx.state).toBe('accepted');
    expect(h.log()).toEqual(['0 INVITE']); // the TU, not the transaction, ACKs a 2xx
    h.runAll();
    expect(tx.state).toBe('terminated');
    expect(h.now).toBe(32_050);
  });

  it('informs the TU of a transport error (RFC 3261 17.1.4)', () => {
    const h = new TxHarness();
    const tx = h.layer.sendRequest(invite(), UDP, h.clientTu(), 0);
    h.layer.transportError(tx.ref, new Error('ECONNREFUSED'), 5);
    expect(h.events).toEqual(['5 transport-error ECONNREFUSED']);
    expect(h.deadlines.size).toBe(0);
  });
});

describe('non-INVITE client transaction (RFC 3261 17.1.2)', () => {
  it('retransmits with Timer E doubling up to T2 and times out with Timer F over UDP', () => {
    const h = new TxHarness();
    h.layer.sendRequest(request('OPTIONS'), UDP, h.clientTu(), 0);
    h.runAll();
    expect(h.log()).toEqual(
      [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500].map((t) => `${t} OPTIONS`),
    );
    expect(h.events).toEqual(['32000 timeout']);
    expect(h.deadlines.size).toBe(0);
  });

  it('retransmits every T2 once Proceeding', () => {
    const h = new TxHarness();
    const r = request('BYE');
    const tx = h.layer.sendRequest(r, UDP, h.clientTu(), 0);
    tx.receive(responseTo(r, 100), 10);
    h.runUntil(13_000);
    expect(h.log()).toEqual(['0 BYE', '500 BYE', '4500 BYE', '8500 BYE', '12500 BYE']);
    expect(h.events).toEqual(['10 response 100']);
  });

  it('passes the final response once and absorbs retransmissions until Timer K (T4)', () => {
    const h = new TxHarness();
    const r = request('REGISTER');
    const tx = h.layer.sendRequest(r, UDP, h.clientTu(), 0);
    tx.receive(responseTo(r, 200), 20);
    tx.receive(responseTo(r, 200), 520);
    expect(h.events).toEqual(['20 response 200']);
    h.runAll();
    expect(h.now).toBe(5020);
    expect(tx.state).toBe('terminated');
    expect(h.layer.size).toBe(0);
  });

  it('does not retransmit over TCP, and Timer K is zero', () => {
    const h = new TxHarness();
    const r = request('MESSAGE');
    const tx = h.layer.sendRequest(r, TCP, h.clientTu(), 0);
    h.runUntil(20);
    tx.receive(responseTo(r, 202), 20);
    h.runUntil(20);
    expect(h.log()).toEqual(['0 MESSAGE']);
    expect(tx.state).toBe('terminated');
  });

  it('an impossible input names the state and the input', () => {
    const h = new TxHarness();
    const tx = h.layer.sendRequest(request('OPTIONS'), UDP, h.clientTu(), 0);
    const call = () => (tx as unknown as { input(i: string, n: number): void }).input('timer K', 1);
    expect(call).toThrow(SipStateError);
    expect(call).toThrow(/timer K.*trying/);
  });
});

describe('client transaction matching (RFC 3261 17.1.3)', () => {
  it('matches on branch and CSeq method, so a CANCEL response does not reach the INVITE', () => {
    const h = new TxHarness();
    const inv = invite('z9hG4bK-x');
    h.layer.sendRequest(inv, UDP, h.clientTu(), 0);
    const cancel = request('CANCEL', 'z9hG4bK-x', 1);
    h.layer.sendRequest(cancel, UDP, h.clientTu(), 0);
    expect(h.layer.matchResponse(responseTo(cancel, 200))?.request.method).toBe('CANCEL');
    expect(h.layer.matchResponse(responseTo(inv, 487))?.request.method).toBe('INVITE');
    expect(h.layer.matchResponse(responseTo(invite('z9hG4bK-other'), 200))).toBeUndefined();
  });
});
