import { afterEach, describe, expect, it } from 'vitest';
import { realClock } from '../../src/clock/clock.js';
import { realTimers } from '../../src/clock/timers.js';
import { openUdpRtpChannel } from '../../src/net/rtp-channel.js';
import { RtpLink } from '../../src/net/rtp-link.js';
import { bindRtpPorts } from '../../src/net/rtp-socket.js';
import { MediaStateError } from '../../src/rtp/errors.js';
import { RtpSession } from '../../src/rtp/rtp-session.js';
import type { RtpSessionEvent } from '../../src/rtp/rtp-session-types.js';

// Real UDP sockets on 127.0.0.1; assertions on content, never on timing.
const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 300 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
}

describe('RTP UDP edge: the ports, the channel and the link calls run on', () => {
  it('binds an even RTP port and RTCP on the next, or one port with rtcp-mux', async () => {
    const a = await bindRtpPorts({ address: '127.0.0.1', portMin: 20000, portMax: 40000 });
    open.push(a);
    expect(a.port % 2).toBe(0);
    expect(a.rtp.address().port).toBe(a.port);
    expect(a.rtcp!.address().port).toBe(a.port + 1);
    const b = await bindRtpPorts({ address: '127.0.0.1', portMin: 20000, portMax: 40000, rtcpMux: true });
    open.push(b);
    expect(b.rtcp).toBeUndefined();
    expect(b.rtp.address().port).toBe(b.port);
  });

  it('skips ports in use and fails clearly when the range is full', async () => {
    const a = await bindRtpPorts({ address: '127.0.0.1', portMin: 41000, portMax: 41003, random: () => 0 });
    open.push(a);
    expect(a.port).toBe(41000);
    const b = await bindRtpPorts({ address: '127.0.0.1', portMin: 41000, portMax: 41003, random: () => 0 });
    open.push(b);
    expect(b.port).toBe(41002);
    await expect(bindRtpPorts({ address: '127.0.0.1', portMin: 41000, portMax: 41003 })).rejects.toThrow(
      MediaStateError,
    );
    await expect(bindRtpPorts({ portMin: 41001, portMax: 41001 })).rejects.toThrow(MediaStateError);
  });

  for (const rtcpMux of [false, true]) {
    it(`carries frames, DTMF and the closing BYE between two links (rtcp-mux ${rtcpMux})`, async () => {
      const ca = await openUdpRtpChannel({ address: '127.0.0.1', rtcpMux });
      const cb = await openUdpRtpChannel({ address: '127.0.0.1', rtcpMux });
      open.push(cb, ca);
      const common = { payloadType: 0, clockRate: 8000, telephoneEventPayloadType: 101, rtcpMux, emitPackets: true };
      const eventsB: RtpSessionEvent[] = [];
      const time = { clock: realClock, timers: realTimers };
      const a = new RtpLink(
        new RtpSession({ ...common, remoteRtp: { address: '127.0.0.1', port: cb.port } }),
        ca,
        time,
      );
      const b = new RtpLink(new RtpSession({ ...common, remoteRtp: { address: '127.0.0.1', port: ca.port } }), cb, {
        ...time,
        onEvent: (e) => eventsB.push(e),
      });
      open.push({ close: async () => b.close() });
      a.sendDtmf('7');
      for (let i = 0; i < 30; i++) a.sendFrame(new Uint8Array(160).fill(i), i * 20);
      await until(() => eventsB.some((e) => e.type === 'dtmf'), 'the DTMF digit');
      for (let i = 30; i < 40; i++) a.sendFrame(new Uint8Array(160).fill(i), i * 20);
      await until(() => eventsB.filter((e) => e.type === 'rtp' && e.kind === 'audio').length >= 20, 'audio packets');
      a.close('done');
      expect(a.isClosed).toBe(true);
      await until(() => eventsB.some((e) => e.type === 'bye'), 'the BYE');
      const audio = eventsB.flatMap((e) => (e.type === 'rtp' && e.kind === 'audio' ? [e.packet.payload[0]!] : []));
      // the digit (10 packet times incl. end repeats) replaced audio frames 0-9
      expect(audio).toEqual([...Array(30).keys()].map((i) => i + 10));
      const dtmf = eventsB.find((e) => e.type === 'dtmf');
      expect(dtmf).toMatchObject({ event: { digit: '7', durationMs: 100, endedBy: 'end' } });
      expect(eventsB.find((e) => e.type === 'bye')).toMatchObject({ ssrc: a.session.ssrc, reason: 'done' });
      expect(b.session.stats().received).toMatchObject({ lost: 0, duplicates: 0 });
    });
  }
});
