/**
 * shtoom's SIP stack against SIPp (sip-tester) on loopback: shtoom as UAC
 * against `sipp -sn uas`, and SIPp UAC scenarios against a shtoom UAS
 * (the test fixture in support/sip-uas.ts, built on the public API).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UserAgent } from '../../src/sip/api/user-agent.js';
import { isListening, requireBinary, stopAllPeers, waitFor } from './support/peers.js';
import {
  freeSipPort,
  runSipp,
  SippDir,
  sippLost,
  startSipp,
  UAC_AUTH,
  UAC_CANCEL,
  UAC_WAIT_BYE,
} from './support/sip-sipp.js';
import { startFixtureUas, sdpAnswer, type FixtureUas } from './support/sip-uas.js';

let dir: SippDir;
beforeAll(() => {
  requireBinary('sipp');
  dir = new SippDir();
});
afterAll(() => dir.cleanup());
afterEach(async () => {
  await stopAllPeers();
});

describe('shtoom UAC against sipp -sn uas', () => {
  it('calls, gets 180 and 200 with SDP, ACKs and hangs up; SIPp counts a successful call', async () => {
    const port = await freeSipPort();
    const sipp = startSipp([
      '-sn',
      'uas',
      '-i',
      '127.0.0.1',
      '-p',
      String(port),
      '-m',
      '1',
      '-timeout',
      '20',
      '-timeout_error',
    ]);
    await waitFor(() => isListening(port, 'udp'), 'SIPp UAS');
    const ua = await UserAgent.create({ listen: 'udp:127.0.0.1:0', aor: 'sip:alice@127.0.0.1' });
    try {
      const call = ua.invite(`sip:service@127.0.0.1:${port}`, {
        body: sdpAnswer('127.0.0.1'),
        contentType: 'application/sdp',
      });
      const statuses: number[] = [];
      call.on('progress', (r) => statuses.push(r.status));
      const dialog = await call.answered;
      expect(statuses).toContain(180);
      expect(call.response?.contentType).toBe('application/sdp');
      expect(dialog.state).toBe('confirmed');
      const bye = await dialog.bye();
      expect(bye?.status).toBe(200);
      expect(await sipp.exited).toBe(0);
    } finally {
      await ua.close();
    }
  });
});

describe('SIPp UAC scenarios against a shtoom UAS', () => {
  let uas: FixtureUas;
  beforeAll(async () => {
    uas = await startFixtureUas({ listen: 'udp:127.0.0.1:0', users: { sipp: 'sipppw' }, hangupAfterMs: 300 });
  });
  afterAll(async () => uas.close());
  const target = () => `127.0.0.1:${uas.port}`;

  it('basic calls with BYE from SIPp (sipp -sn uac, 5 calls)', async () => {
    const before = { ...uas.stats };
    const r = await runSipp([
      '-sn',
      'uac',
      target(),
      '-i',
      '127.0.0.1',
      '-p',
      String(await freeSipPort()),
      '-m',
      '5',
      '-r',
      '10',
      '-timeout',
      '30',
      '-timeout_error',
    ]);
    expect(r.code, r.stdout.slice(-2000)).toBe(0);
    expect(r.successful).toBe(5);
    expect(uas.stats.byeReceived - before.byeReceived).toBe(5);
  });

  it('basic call with BYE from shtoom', async () => {
    const before = { ...uas.stats };
    const f = dir.write('uac_wait_bye.xml', UAC_WAIT_BYE);
    const r = await runSipp([
      '-sf',
      f,
      target(),
      '-s',
      'hangup',
      '-i',
      '127.0.0.1',
      '-p',
      String(await freeSipPort()),
      '-m',
      '2',
      '-timeout',
      '30',
      '-timeout_error',
    ]);
    expect(r.code, r.stdout.slice(-2000)).toBe(0);
    expect(r.successful).toBe(2);
    expect(uas.stats.byeSent - before.byeSent).toBe(2);
  });

  it('CANCEL before the answer: 200 to the CANCEL, 487 to the INVITE', async () => {
    const before = { ...uas.stats };
    const f = dir.write('uac_cancel.xml', UAC_CANCEL);
    const r = await runSipp([
      '-sf',
      f,
      target(),
      '-s',
      'ring',
      '-i',
      '127.0.0.1',
      '-p',
      String(await freeSipPort()),
      '-m',
      '3',
      '-timeout',
      '30',
      '-timeout_error',
    ]);
    expect(r.code, r.stdout.slice(-2000)).toBe(0);
    expect(r.successful).toBe(3);
    expect(uas.stats.cancelled - before.cancelled).toBe(3);
  });

  it('401 challenge on INVITE, answered by SIPp with digest credentials', async () => {
    const before = { ...uas.stats };
    const f = dir.write('uac_auth.xml', UAC_AUTH);
    const r = await runSipp([
      '-sf',
      f,
      target(),
      '-s',
      'auth',
      ...['-au', 'sipp', '-ap', 'sipppw'],
      // The digest's uri must name the Request-URI (SIPp puts sip: before it; its default, IP:PORT, is refused).
      '-auth_uri',
      `auth@${target()}`,
      '-i',
      '127.0.0.1',
      '-p',
      String(await freeSipPort()),
      '-m',
      '2',
      '-timeout',
      '30',
      '-timeout_error',
    ]);
    expect(r.code, r.stdout.slice(-2000)).toBe(0);
    expect(r.successful).toBe(2);
    expect(uas.stats.challenged - before.challenged).toBe(2);
    expect(uas.stats.byeReceived - before.byeReceived).toBe(2);
  });

  it('every call completes under SIPp -lost 10 (retransmissions on both sides)', async () => {
    const before = { ...uas.stats };
    const r = await runSipp(
      [
        '-sn',
        'uac',
        target(),
        '-i',
        '127.0.0.1',
        '-p',
        String(await freeSipPort()),
        '-m',
        '20',
        '-r',
        '20',
        '-lost',
        '10',
        '-timeout',
        '50',
        '-timeout_error',
      ],
      { timeoutSec: 60 },
    );
    expect(r.code, r.stdout.slice(-3000)).toBe(0);
    expect(r.successful).toBe(20);
    expect(r.failed).toBe(0);
    // The loss really happened (about 10 of the ~100 messages), so retransmissions did the work.
    expect(sippLost(r.stdout)).toBeGreaterThan(0);
    expect(uas.stats.invites - before.invites).toBe(20);
  });
});
