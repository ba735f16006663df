/**
 * Control characters and bytes that are not UTF-8 in SIP messages (RFC 3261
 * 25.1): a control character outside a quoted-pair makes a request a 400
 * (with a Warning naming the header) and a response dropped; a quoted-pair
 * may carry one (RFC 4475 3.1.1.2); bodies are not looked at; bytes that
 * are not UTF-8 are read as U+FFFD, so what goes back out is valid UTF-8;
 * reason phrases and warnings we build never carry a control character.
 */
import { describe, expect, it } from 'vitest';
import { buildResponse, warningValue } from '../../../src/sip/message/build.js';
import type { SipRequest } from '../../../src/sip/message/message.js';
import { parseMessage } from '../../../src/sip/message/parse.js';
import { serializeMessage } from '../../../src/sip/message/serialize.js';
import { Probe, rawRequest } from '../support/probe.js';

const parse = (text: string | Buffer) =>
  parseMessage(typeof text === 'string' ? Buffer.from(text) : text, { datagram: true });

const crlf = (s: string) => s.replace(/\r?\n/g, '\r\n');

describe('control characters in headers', () => {
  it.each([
    ['a NUL in Subject', 'Subject: hello\x00world', 'Subject', '0x00'],
    ['an escape sequence in User-Agent', 'User-Agent: evil\x1b[2J\x1b[H', 'User-Agent', '0x1b'],
    ['a lone CR in a header value', 'X-Smuggle: a\rInjected: yes', 'X-Smuggle', '0x0d'],
    ['a raw NUL inside a quoted string', 'Subject: "a\x00b"', 'Subject', '0x00'],
    ['a DEL outside quotes', 'Subject: a\x7fb', 'Subject', '0x7f'],
  ])('%s: 400 with a Warning naming the header', (_what, line, header, code) => {
    const p = new Probe();
    const [res] = p.send(crlf(rawRequest('OPTIONS', { extra: 'EXTRA' })).replace('EXTRA', line), { raw: true });
    expect(res?.status).toBe(400);
    expect(res!.header('warning')).toContain(`${header} has a control character (${code}) outside a quoted string`);
    // Nothing went up to the application.
    expect(p.events).toEqual([]);
  });

  it('quoted-pairs may carry them (RFC 4475 intmeth: NUL, BEL, DEL in a display name), and comments too', () => {
    const msg = crlf(rawRequest('OPTIONS', { extra: 'EXTRA' })).replace(
      'EXTRA',
      'X-Name: "BEL:\\\x07 NUL:\\\x00 DEL:\\\x7f" <sip:x@example.com>\r\nServer: thing (made \\\x01 here)',
    );
    const r = parse(msg);
    expect(r.error).toBeUndefined();
    expect(new Probe().send(msg, { raw: true }).map((x) => x.status)).toEqual([200]);
  });

  it('a quoted-pair cannot hide a CR', () => {
    const msg = crlf(rawRequest('OPTIONS', { extra: 'EXTRA' })).replace('EXTRA', 'X-Name: "a\\\rb"');
    expect(parse(msg).error?.message).toMatch(/X-Name has a control character \(0x0d\)/);
  });

  it('a control character in a response (reason phrase or header) drops it', () => {
    const res = (status: string, extra = '') =>
      crlf(`SIP/2.0 ${status}
Via: SIP/2.0/UDP 192.0.2.2:5060;branch=z9hG4bKx
From: <sip:a@192.0.2.2>;tag=1
To: <sip:b@192.0.2.1>;tag=2
Call-ID: c1
CSeq: 1 OPTIONS
${extra}Content-Length: 0

`);
    expect(parse(res('200 OK')).error).toBeUndefined();
    expect(parse(res('200 O\x1bK')).error?.message).toMatch(/the start line has a control character \(0x1b\)/);
    expect(parse(res('200 OK', 'Server: x\x00y\r\n')).error?.message).toMatch(/Server has a control character/);
  });

  it('bodies are not looked at (RFC 4475 mpart01 carries NUL bytes)', () => {
    const p = new Probe();
    const body = 'bin\x00ary\x1b';
    const msg = rawRequest('MESSAGE', { extra: 'Content-Type: application/octet-stream', body });
    expect(p.send(msg)).toEqual([]);
    const e = p.events[0];
    expect(e?.type).toBe('request');
    expect(e?.type === 'request' && Buffer.from(e.request.request.body).toString()).toBe(body);
  });
});

describe('bytes that are not UTF-8', () => {
  it('are read as U+FFFD and accepted: the answer is valid UTF-8', () => {
    const text = crlf(rawRequest('OPTIONS')).replace('From: <sip:alice', 'From: "Jos\u00e9" <sip:alice');
    // The display name as Latin-1: é is the one byte 0xE9.
    const bytes = Buffer.from(text, 'latin1');
    const r = parse(bytes);
    expect(r.error).toBeUndefined();
    expect((r.message as SipRequest).header('from')).toMatch(/^"Jos\ufffd" <sip:alice/);
    const p = new Probe();
    const [res] = p.send(bytes);
    expect(res?.status).toBe(200);
    const out = serializeMessage(res!);
    expect(new TextDecoder('utf-8', { fatal: true }).decode(out)).toContain('From: "Jos\ufffd"');
  });
});

describe('what we build', () => {
  it('a reason phrase or a warning with control characters gets spaces instead', () => {
    const req = parse(crlf(rawRequest('INVITE'))).message as SipRequest;
    const res = buildResponse(req, 488, { reason: 'no codec: PC\r\nX-Injected: 1' });
    expect(res.reason).toBe('no codec: PC X-Injected: 1');
    expect(serializeMessage(res).toString()).not.toMatch(/^X-Injected/m);
    expect(warningValue('192.0.2.2', 'offered \x1b[31mred\r\nX: y "q"')).toBe(
      '399 192.0.2.2 "offered  [31mred X: y \\"q\\""',
    );
  });
});
