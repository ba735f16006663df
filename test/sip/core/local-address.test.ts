/**
 * What the core advertises when it depends on the destination (a wildcard
 * bind): Via, Contact and the From of a request without an AOR name the
 * address we send from towards the next hop; the Contact of our answer to
 * an INVITE the address we send from towards the caller; an address set
 * with `advertise` (a NAT's public mapping) wins everywhere.
 */
import { describe, expect, it } from 'vitest';
import { parseMessage } from '../../../src/sip/message/parse.js';
import type { SipMessage } from '../../../src/sip/message/message.js';
import { parseUri } from '../../../src/sip/message/uri.js';
import { Probe, rawRequest } from '../support/probe.js';

/** Loopback towards loopback, the LAN address towards the rest (as the kernel would route). */
function routes(host: string): string | undefined {
  if (host === '127.0.0.1') return '127.0.0.1';
  if (host === '::1') return '::1';
  if (host === 'pbx.example.com') return undefined; // a name not resolved yet
  return '192.0.2.2';
}

function sent(p: Probe): SipMessage[] {
  return p.transmits.filter((t) => t.bytes.length > 0).map((t) => parseMessage(t.bytes, { datagram: true }).message!);
}

function probe(): Probe {
  return new Probe({ local: { udp: { address: '198.51.100.1', port: 5060 } }, localAddressFor: routes });
}

describe('the address advertised per destination', () => {
  it('Via, Contact and From of an INVITE to loopback name loopback; towards ::1, [::1]', () => {
    const p = probe();
    p.core.invite(parseUri('sip:echo@127.0.0.1:5070'), {}, 0);
    p.core.invite(parseUri('sip:echo@[::1]:5070'), {}, 0);
    p.drain();
    const [v4, v6] = sent(p);
    expect(v4!.header('via')).toMatch(/^SIP\/2\.0\/UDP 127\.0\.0\.1:5060;/);
    expect(v4!.header('contact')).toBe('<sip:127.0.0.1:5060>');
    expect(v4!.header('from')).toMatch(/^<sip:shtoom@127\.0\.0\.1>;tag=/);
    expect(v6!.header('via')).toMatch(/^SIP\/2\.0\/UDP \[::1\]:5060;/);
    expect(v6!.header('contact')).toBe('<sip:[::1]:5060>');
    expect(v6!.header('from')).toMatch(/^<sip:shtoom@\[::1\]>;tag=/);
  });

  it('a REGISTER binds the address we send from towards the registrar', () => {
    const p = probe();
    const aor = parseUri('sip:alice@127.0.0.1') as ReturnType<typeof parseUri> & { kind: 'sip' };
    const reg = p.core.register({ registrar: parseUri('sip:127.0.0.1:5070') as typeof aor, aor }, 0);
    p.drain();
    expect(sent(p)[0]!.header('contact')).toBe('<sip:127.0.0.1:5060>;expires=3600');
    expect(reg.contactUri.host).toBe('127.0.0.1');
  });

  it('a name not resolved yet gets the configured address', () => {
    const p = probe();
    p.core.request('OPTIONS', parseUri('sip:pbx.example.com'), {}, 0);
    p.drain();
    expect(sent(p)[0]!.header('via')).toMatch(/^SIP\/2\.0\/UDP 198\.51\.100\.1:5060;/);
  });

  it('our 2xx to an INVITE names the address we send from towards the caller', () => {
    const p = probe();
    p.core.handleDatagram(
      Buffer.from(rawRequest('INVITE', { uri: 'sip:bob@127.0.0.1' }).replace(/\r?\n/g, '\r\n')),
      { transport: 'udp', remote: { address: '127.0.0.1', port: 5099 }, local: { address: '0.0.0.0', port: 5060 } },
      0,
    );
    p.drain();
    const invite = p.events.find((e) => e.type === 'invite');
    expect(invite?.type).toBe('invite');
    if (invite?.type !== 'invite') return;
    invite.invite.accept(0, {});
    const ok = p.drain().find((r) => r.status === 200)!;
    expect(ok.header('contact')).toBe('<sip:127.0.0.1:5060>');
  });

  it('an address set with advertise (a NAT mapping) is used towards everyone', () => {
    const p = probe();
    p.core.advertise('udp', { address: '203.0.113.5', port: 40000 });
    p.core.invite(parseUri('sip:echo@127.0.0.1:5070'), {}, 0);
    p.drain();
    const inv = sent(p)[0]!;
    expect(inv.header('via')).toMatch(/^SIP\/2\.0\/UDP 203\.0\.113\.5:40000;/);
    expect(inv.header('contact')).toBe('<sip:203.0.113.5:40000>');
  });
});
