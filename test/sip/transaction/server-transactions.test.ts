import { describe, expect, it } from 'vitest';
import { buildResponse } from '../../../src/sip/message/build.js';
import { serverKey } from '../../../src/sip/transaction/transaction-layer.js';
import { invite, req, request } from '../support/messages.js';
import { TCP, TxHarness, UDP } from '../support/tx-harness.js';

function ackFor(inviteBranch: string, toTag = 'b1') {
  return req(`ACK sip:bob@192.0.2.2 SIP/2.0
Via: SIP/2.0/UDP 192.0.2.1:5060;branch=${inviteBranch}
Max-Forwards: 70
From: <sip:alice@192.0.2.1>;tag=a1
To: <sip:bob@192.0.2.2>;tag=${toTag}
Call-ID: call-1
CSeq: 1 ACK`);
}

describe('INVITE server transaction (RFC 3261 17.2.1, RFC 6026)', () => {
  it('sends 100 Trying after 200 ms when the TU has not answered, and repeats it on retransmissions', () => {
    const h = new TxHarness();
    const inv = invite();
    const tx = h.layer.receiveRequest(inv, UDP, h.serverTu(), 0, h.trying);
    h.runUntil(500);
    h.layer.matchRequest(inv)!.receive(inv, 500);
    expect(h.log()).toEqual(['200 100', '500 100']);
    expect(tx.state).toBe('proceeding');
  });

  it('sends no 100 when the TU answers within 200 ms', () => {
    const h = new TxHarness();
    const inv = invite();
    const tx = h.layer.receiveRequest(inv, UDP, h.serverTu(), 0, h.trying);
    h.now = 50;
    tx.respond(buildResponse(inv, 180, { toTag: 'b1' }), 50);
    h.runUntil(1000);
    expect(h.log()).toEqual(['50 180']);
  });

  it('retransmits a non-2xx final with Timer G (T1 doubling to T2) until Timer H, then tells the TU', () => {
    const h = new TxHarness();
    const inv = invite();
    const tx = h.layer.receiveRequest(inv, UDP, h.serverTu(), 0, h.trying);
    tx.respond(buildResponse(inv, 486, { toTag: 'b1' }), 0);
    h.runAll();
    expect(h.log()).toEqual(
      [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500].map((t) => `${t} 486`),
    );
    expect(h.events).toEqual(['32000 timeout', '32000 terminated']);
    expect(h.layer.size).toBe(0);
    expect(h.deadlines.size).toBe(0);
  });

  it('stops on the ACK, absorbs further ACKs in Confirmed, and ends after Timer I (T4)', () => {
    const h = new TxHarness();
    const inv = invite('z9hG4bK-inv');
    const tx = h.layer.receiveRequest(inv, UDP, h.serverTu(), 0, h.trying);
    tx.respond(buildResponse(inv, 404, { toTag: 'b1' }), 0);
    h.runUntil(600);
    const ack = ackFor('z9hG4bK-inv');
    expect(h.layer.matchRequest(ack)).toBe(tx);
    tx.receive(ack, 600);
    tx.receive(ack, 700);
    expect(tx.state).toBe('confirmed');
    h.runAll();
    expect(h.log()).toEqual(['0 404', '500 404']);
    expect(h.now).toBe(5600);
    expect(tx.state).toBe('terminated');
  });

  it('resends the final response when the INVITE is retransmitted in Completed', () => {
    const h = new TxHarness();
    const inv = invite();
    const tx = h.layer.receiveRequest(inv, TCP, h.serverTu(), 0, h.trying);
    tx.respond(buildResponse(inv, 603, { toTag: 'b1' }), 0);
    h.now = 100;
    tx.receive(inv, 100);
    h.runUntil(1000);
    expect(h.log()).toEqual(['0 603', '100 603']); // no Timer G over TCP
  });

  it(
    'after a 2xx goes to Accepted: absorbs INVITE retransmissions, sends the TU 2xx retransmissions, ends with ' +
      'Timer L',
    () => {
      const h = new TxHarness();
      const inv = invite();
      const tx = h.layer.receiveRequest(inv, UDP, h.serverTu(), 0, h.trying);
      const ok = buildResponse(inv, 200, { toTag: 'b1' });
      h.now = 10;
      tx.respond(ok, 10);
      h.now = 300;
      tx.receive(inv, 300);
      h.now = 510;
      tx.respond(ok, 510);
      expect(h.log()).toEqual(['10 200', '510 200']);
      expect(tx.state).toBe('accepted');
      h.runAll();
      expect(h.now).toBe(32_010);
      expect(h.events).toEqual(['32010 terminated']);
    },
  );
});

describe('non-INVITE server transaction (RFC 3261 17.2.2)', () => {
  it('discards retransmissions while Trying, resends the final one in Completed, ends after Timer J', () => {
    const h = new TxHarness();
    const bye = request('BYE');
    const tx = h.layer.receiveRequest(bye, UDP, h.serverTu(), 0, h.trying);
    tx.receive(bye, 100);
    expect(h.log()).toEqual([]);
    h.now = 200;
    tx.respond(buildResponse(bye, 200, { toTag: 'b1' }), 200);
    h.now = 700;
    tx.receive(bye, 700);
    tx.respond(buildResponse(bye, 500, { toTag: 'b1' }), 700); // discarded in Completed
    h.runAll();
    expect(h.log()).toEqual(['200 200', '700 200']);
    expect(h.now).toBe(32_200);
    expect(h.events).toEqual(['32200 terminated']);
  });

  it('resends the last provisional response while Proceeding', () => {
    const h = new TxHarness();
    const r = request('MESSAGE');
    const tx = h.layer.receiveRequest(r, UDP, h.serverTu(), 0, h.trying);
    tx.respond(buildResponse(r, 100), 0);
    h.now = 500;
    tx.receive(r, 500);
    expect(h.log()).toEqual(['0 100', '500 100']);
  });

  it('Timer J is zero over TCP', () => {
    const h = new TxHarness();
    const r = request('OPTIONS');
    const tx = h.layer.receiveRequest(r, TCP, h.serverTu(), 0, h.trying);
    tx.respond(buildResponse(r, 200, { toTag: 'b1' }), 0);
    h.runAll();
    expect(tx.state).toBe('terminated');
    expect(h.now).toBe(0);
  });
});

describe('server transaction matching (RFC 3261 17.2.3)', () => {
  it('ACK for a non-2xx and CANCEL find the INVITE transaction by branch and sent-by', () => {
    const h = new TxHarness();
    const inv = invite('z9hG4bK-m');
    const tx = h.layer.receiveRequest(inv, UDP, h.serverTu(), 0, h.trying);
    expect(h.layer.matchRequest(ackFor('z9hG4bK-m'))).toBe(tx);
    expect(h.layer.matchCancelled(request('CANCEL', 'z9hG4bK-m', 1))).toBe(tx);
    expect(h.layer.matchRequest(request('CANCEL', 'z9hG4bK-m', 1))).toBeUndefined();
    expect(h.layer.matchRequest(invite('z9hG4bK-n'))).toBeUndefined();
  });

  it('falls back to RFC 2543 matching when the branch lacks the magic cookie', () => {
    const a = req(`INVITE sip:UserB@example.com SIP/2.0
Via: SIP/2.0/UDP iftgw.example.com
From: <sip:+13035551111@ift.client.example.net;user=phone>
To: sip:+16505552222@ss1.example.net;user=phone
Call-ID: inv2543.1717@ift.client.example.com
CSeq: 56 INVITE`);
    const ack = req(`ACK sip:UserB@example.com SIP/2.0
Via: SIP/2.0/UDP iftgw.example.com
From: <sip:+13035551111@ift.client.example.net;user=phone>
To: sip:+16505552222@ss1.example.net;user=phone;tag=xyz
Call-ID: inv2543.1717@ift.client.example.com
CSeq: 56 ACK`);
    expect(serverKey(ack)).toBe(serverKey(a));
    const other = req(`INVITE sip:UserB@example.com SIP/2.0
Via: SIP/2.0/UDP iftgw.example.com
From: <sip:+13035551111@ift.client.example.net;user=phone>
To: sip:+16505552222@ss1.example.net;user=phone
Call-ID: inv2543.1717@ift.client.example.com
CSeq: 57 INVITE`);
    expect(serverKey(other)).not.toBe(serverKey(a));
  });
});
