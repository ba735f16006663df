/**
 * Offers whose media could only go where it must not (a host name, the
 * other IP family, a multicast group, the broadcast address) get 488 with
 * a Warning saying why, through the phone's usual path, before any call
 * exists; `allowMulticast` lets a multicast offer through. In virtual time.
 */
import { describe, expect, it } from 'vitest';
import type { UserAgent } from '../../src/sip/api/user-agent.js';
import type { SipRequestFailedError } from '../../src/sip/errors.js';
import type { SipResponse } from '../../src/sip/message/message.js';
import { PhoneWorld } from './support/sim-phones.js';

const A = '10.0.0.1';
const B = '10.0.0.2';

async function invite(ua: UserAgent, body: string): Promise<SipResponse | 'answered'> {
  try {
    const d = await ua.invite(`sip:bob@${B}`, { body, contentType: 'application/sdp' }).answered;
    await d.bye();
    return 'answered';
  } catch (e) {
    return (e as SipRequestFailedError).response!;
  }
}

const offer = (c: string) =>
  `v=0\r\no=- 1 1 IN IP4 ${A}\r\ns=-\r\nc=${c}\r\nt=0 0\r\nm=audio 30000 RTP/AVP 0\r\na=rtcp-mux\r\n`;

describe('offers with connection addresses we do not send to', () => {
  it.each([
    ['IN IP4 victim.example', /victim\.example\\" is a host name/],
    ['IN IP6 2001:db8::1', /2001:db8::1 is IPv6, our media address 10\.0\.0\.2 is IPv4/],
    ['IN IP4 239.0.0.1/32', /239\.0\.0\.1 is multicast/],
    ['IN IP4 255.255.255.255', /the broadcast address/],
  ])('c=%s: 488 with the reason in a Warning; the application never sees the call', async (c, why) => {
    const world = new PhoneWorld(50);
    const alice = await world.phone(A);
    const bob = await world.phone(B);
    let seen = 0;
    bob.on('incoming', (call) => {
      seen++;
      void call.answer();
    });
    const res = await world.until(invite(alice.ua, offer(c)));
    expect(res).not.toBe('answered');
    expect((res as SipResponse).status).toBe(488);
    expect((res as SipResponse).header('warning')).toMatch(why);
    expect(seen).toBe(0);
    await world.until(Promise.all([alice.close(), bob.close()]));
  });

  it('a multicast offer is answered when the phone allows multicast', async () => {
    const world = new PhoneWorld(51);
    const alice = await world.phone(A);
    const bob = await world.phone(B, { media: { allowMulticast: true } });
    bob.on('incoming', (call) => void call.answer());
    expect(await world.until(invite(alice.ua, offer('IN IP4 239.0.0.1/32')))).toBe('answered');
    await world.until(Promise.all([alice.close(), bob.close()]));
  });
});
