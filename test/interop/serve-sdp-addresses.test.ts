/**
 * `shtoom serve echo` (the built CLI) refuses offers whose media would go
 * where it must not: a host name in `c=` (a DNS lookup per RTP packet, to a
 * name the caller chose, before), the other IP family (200 OK and no media
 * that could ever flow, before), a multicast group, the broadcast address.
 * Each gets 488 with a Warning saying why; the server goes on serving.
 */
import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { freeSipPort, isListening, runShtoom, startShtoom, stopAllPeers, waitFor } from './support/peers.js';

const COMMON = ['--sip-address', '127.0.0.1', '--rtp-address', '127.0.0.1', '--rtp-clock-realtime', '0'];

afterEach(async () => stopAllPeers());

describe('shtoom serve echo and the connection address of an offer', () => {
  it('a host name, IPv6 to an IPv4 server, multicast, broadcast: 488 with the reason; then a call works', async () => {
    const port = await freeSipPort();
    const serve = startShtoom(['serve', 'echo', '--listen', `udp:127.0.0.1:${port}`, ...COMMON], { timeoutSec: 90 });
    await waitFor(() => isListening(port, 'udp'), 'shtoom serve echo');
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    const local = `127.0.0.1:${s.address().port}`;
    const answers = new Map<string, { status: string; warning: string }>();
    s.on('message', (m) => {
      const text = m.toString();
      const callId = /^Call-ID: (\S+)/im.exec(text)?.[1] ?? '';
      const status = text.split('\r\n')[0]!;
      if (!status.startsWith('SIP/2.0 1'))
        answers.set(callId, { status, warning: /^Warning: (.*)$/im.exec(text)?.[1] ?? '' });
    });
    const cases: [string, RegExp][] = [
      ['IN IP4 media.attacker.invalid', /media\.attacker\.invalid\\" is a host name/],
      ['IN IP6 ::1', /::1 is IPv6, our media address 127\.0\.0\.1 is IPv4/],
      ['IN IP4 239.255.0.1/16', /239\.255\.0\.1 is multicast/],
      ['IN IP4 255.255.255.255', /broadcast/],
    ];
    for (const [i, [c]] of cases.entries()) {
      const sdp = `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=${c}\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n`;
      const invite =
        `INVITE sip:echo@127.0.0.1:${port} SIP/2.0\r\n` +
        `Via: SIP/2.0/UDP ${local};branch=z9hG4bKaddr${i};rport\r\nMax-Forwards: 70\r\n` +
        `From: <sip:mallory@127.0.0.1>;tag=m${i}\r\nTo: <sip:echo@127.0.0.1>\r\nCall-ID: addr-${i}@mallory\r\n` +
        `CSeq: 1 INVITE\r\nContact: <sip:mallory@${local}>\r\nContent-Type: application/sdp\r\n` +
        `Content-Length: ${sdp.length}\r\n\r\n${sdp}`;
      await new Promise<void>((r) => s.send(Buffer.from(invite), port, '127.0.0.1', () => r()));
    }
    await waitFor(() => answers.size === cases.length, 'the answers to the four INVITEs', 10_000);
    s.close();
    for (const [i, [c, why]] of cases.entries()) {
      const a = answers.get(`addr-${i}@mallory`)!;
      expect(a.status, c).toBe('SIP/2.0 488 Not Acceptable Here');
      expect(a.warning, c).toMatch(why);
    }
    const r = await runShtoom(['smoke', `sip:echo@127.0.0.1:${port}`, '--duration', '2s', ...COMMON], {
      timeoutSec: 40,
    });
    expect(r.code, r.stderr).toBe(0);
    await serve.stop();
  });
});
