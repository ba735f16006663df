import { describe, expect, it } from 'vitest';
import { Probe, rawRequest } from '../support/probe.js';

const status = (r: { status: number }[]) => r.map((x) => x.status);

describe('UAS answers to requests it cannot take (RFC 3261 8.2)', () => {
  it('unknown method: 501 with Allow; known but not allowed: 405 with Allow', () => {
    const p = new Probe();
    const r1 = p.send(rawRequest('FROBNICATE'));
    expect(status(r1)).toEqual([501]);
    expect(r1[0]!.header('allow')).toBe('INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, MESSAGE, SUBSCRIBE, NOTIFY, REFER');
    const r2 = p.send(rawRequest('REGISTER'));
    expect(status(r2)).toEqual([405]);
    expect(r2[0]!.header('allow')).toContain('INVITE');
  });

  it('Require with an unknown option tag: 420 with Unsupported listing it', () => {
    const p = new Probe({ supported: ['timer'] });
    const r = p.send(rawRequest('OPTIONS', { extra: 'Require: timer, foo, bar' }));
    expect(status(r)).toEqual([420]);
    expect(r[0]!.header('unsupported')).toBe('foo, bar');
  });

  it('a body type it cannot read: 415 with Accept; an unknown encoding: 415 with Accept-Encoding', () => {
    const p = new Probe();
    const r = p.send(rawRequest('INVITE', { extra: 'Content-Type: application/unknownformat', body: 'hello' }));
    expect(status(r)).toEqual([415]);
    expect(r[0]!.header('accept')).toBe('application/sdp');
    const r2 = p.send(rawRequest('MESSAGE', { extra: 'Content-Type: text/plain\nContent-Encoding: gzip', body: 'x' }));
    expect(status(r2)).toEqual([415]);
    expect(r2[0]!.header('accept-encoding')).toBe('identity');
  });

  it('out of service (draining): OPTIONS outside a dialog is 503 with Retry-After, and 200 again after', () => {
    const p = new Probe();
    expect(status(p.send(rawRequest('OPTIONS', { branch: 'z9hG4bK-o1' })))).toEqual([200]);
    p.core.outOfService = 30;
    const r = p.send(rawRequest('OPTIONS', { branch: 'z9hG4bK-o2' }));
    expect(status(r)).toEqual([503]);
    expect(r[0]!.header('retry-after')).toBe('30');
    p.core.outOfService = undefined;
    expect(status(p.send(rawRequest('OPTIONS', { branch: 'z9hG4bK-o3' })))).toEqual([200]);
  });

  it('a non-SIP Request-URI scheme: 416', () => {
    const p = new Probe();
    expect(status(p.send(rawRequest('OPTIONS', { uri: 'tel:+1-555-0100' })))).toEqual([416]);
  });

  it('Max-Forwards 0: 483, except OPTIONS which is answered (RFC 4475 3.3.11)', () => {
    const p = new Probe();
    const inv = rawRequest('INVITE').replace('Max-Forwards: 70', 'Max-Forwards: 0');
    expect(status(p.send(inv))).toEqual([483]);
    const opt = rawRequest('OPTIONS').replace('Max-Forwards: 70', 'Max-Forwards: 0');
    expect(status(p.send(opt))).toEqual([200]);
  });

  it('a merged request (same From tag, Call-ID, CSeq; another branch): 482', () => {
    const p = new Probe();
    p.send(
      rawRequest('MESSAGE', { callId: 'm1', branch: 'z9hG4bK-one', extra: 'Content-Type: text/plain', body: 'hi' }),
    );
    expect(p.events.map((e) => e.type)).toEqual(['request']);
    const r = p.send(
      rawRequest('MESSAGE', { callId: 'm1', branch: 'z9hG4bK-two', extra: 'Content-Type: text/plain', body: 'hi' }),
    );
    expect(status(r)).toEqual([482]);
  });

  it('a request inside a dialog that does not exist: 481; BYE and INFO outside a dialog: 481', () => {
    const p = new Probe();
    expect(status(p.send(rawRequest('MESSAGE', { toTag: 'nope' })))).toEqual([481]);
    expect(status(p.send(rawRequest('BYE')))).toEqual([481]);
    expect(status(p.send(rawRequest('INFO')))).toEqual([481]);
  });

  it('CANCEL of nothing: 481', () => {
    const p = new Probe();
    expect(status(p.send(rawRequest('CANCEL')))).toEqual([481]);
  });

  it('OPTIONS: 200 with Allow, Accept, Supported and Server', () => {
    const p = new Probe({ userAgent: 'shtoom/test' });
    const r = p.send(rawRequest('OPTIONS'));
    expect(status(r)).toEqual([200]);
    expect(r[0]!.header('allow')).toContain('OPTIONS');
    expect(r[0]!.header('accept')).toBe('application/sdp');
    expect(r[0]!.has('supported')).toBe(true);
    expect(r[0]!.header('server')).toBe('shtoom/test');
    expect(r[0]!.toTag).toBeDefined();
  });

  it('a malformed request: 400 with a Warning saying what was wrong; another version: 505', () => {
    const p = new Probe();
    const r = p.send(rawRequest('OPTIONS', { cseq: 'x OPTIONS' }));
    expect(status(r)).toEqual([400]);
    expect(r[0]!.header('warning')).toMatch(/^399 \S+ ".*CSeq/);
    const v = p.send(rawRequest('OPTIONS').replace('SIP/2.0\n', 'SIP/3.0\n'));
    expect(status(v)).toEqual([505]);
  });

  it('a message over the size limit: 513', () => {
    const p = new Probe({ maxMessageSize: 2000 });
    const r = p.send(rawRequest('MESSAGE', { extra: 'Content-Type: text/plain', body: 'x'.repeat(3000) }));
    expect(status(r)).toEqual([513]);
  });

  it('CSeq method other than the request method: 400', () => {
    const p = new Probe();
    expect(status(p.send(rawRequest('OPTIONS', { cseq: '1 INVITE' })))).toEqual([400]);
  });

  it('answers retransmissions from its transaction (one answer per copy, no new event)', () => {
    const p = new Probe();
    const text = rawRequest('FROBNICATE', { branch: 'z9hG4bK-same' });
    expect(status(p.send(text))).toEqual([501]);
    expect(status(p.send(text))).toEqual([501]);
  });

  it('names that are Object.prototype keys are just names (constructor, __proto__)', () => {
    const p = new Probe({ allow: ['OPTIONS', 'constructor'] });
    expect(
      p
        .send(
          rawRequest('constructor', { extra: 'Content-Type: text/plain\nconstructor: x\n__proto__: y', body: 'hi' }),
        )
        .map((r) => r.status),
    ).toEqual([]);
    expect(p.events.map((e) => e.type)).toEqual(['request']);
    expect(p.send(rawRequest('OPTIONS', { extra: 'toString: 1\nhasOwnProperty: 2' })).map((r) => r.status)).toEqual([
      200,
    ]);
  });

  it('garbage gets no answer and no crash', () => {
    const p = new Probe();
    expect(p.send('\x00\x01garbage\r\n\r\n', { raw: true })).toEqual([]);
    expect(p.send('INVITE sip:x SIP/2.0\r\n\r\n', { raw: true })).toEqual([]); // no Via: nowhere to answer
  });

  it('answers to the Via (received added), or to the source with rport (RFC 3581)', () => {
    const p = new Probe();
    p.send(rawRequest('OPTIONS').replace('Via: SIP/2.0/UDP 192.0.2.1:5060', 'Via: SIP/2.0/UDP host.example.com:5070'));
    let t = p.transmits.at(-1)!;
    expect(t.destination).toMatchObject({ host: '192.0.2.1', port: 5070 });
    expect(t.message?.header('via')).toContain('received=192.0.2.1');
    p.send(rawRequest('OPTIONS').replace(/branch=(\S+)/, 'branch=$1;rport'));
    t = p.transmits.at(-1)!;
    expect(t.destination).toMatchObject({ host: '192.0.2.1', port: 5060 });
    expect(t.message?.header('via')).toMatch(/rport=5060;received=192.0.2.1/);
  });
});

describe('stream transport (TCP framing)', () => {
  it('frames pipelined and fragmented requests and answers a CRLF CRLF ping with CRLF', () => {
    const p = new Probe({
      local: { udp: { address: '192.0.2.2', port: 5060 }, tcp: { address: '192.0.2.2', port: 5060 } },
    });
    const a = Buffer.from(rawRequest('OPTIONS').replace(/\n/g, '\r\n').replace('SIP/2.0/UDP', 'SIP/2.0/TCP'));
    const b = Buffer.from(rawRequest('OPTIONS').replace(/\n/g, '\r\n').replace('SIP/2.0/UDP', 'SIP/2.0/TCP'));
    const all = Buffer.concat([a, b, Buffer.from('\r\n\r\n')]);
    const got: number[] = [];
    for (let i = 0; i < all.length; i += 7) got.push(...status(p.send(all.subarray(i, i + 7), { transport: 'tcp' })));
    expect(got).toEqual([200, 200]);
    const pong = p.transmits.filter((t) => t.bytes.length === 2);
    expect(pong).toHaveLength(1);
    expect(p.transmits.filter((t) => t.message).every((t) => t.destination.connectionId === 'c1')).toBe(true);
  });

  it('a negative Content-Length on a stream: 400, then the connection is closed', () => {
    const p = new Probe({
      local: { udp: { address: '192.0.2.2', port: 5060 }, tcp: { address: '192.0.2.2', port: 5060 } },
    });
    const r = p.send(rawRequest('OPTIONS').replace(/Content-Length: \d+/, 'Content-Length: -5'), { transport: 'tcp' });
    expect(status(r)).toEqual([400]);
    expect(p.transmits.at(-1)!.close).toBe(true);
  });
});
