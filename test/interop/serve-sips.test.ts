/**
 * `shtoom serve echo` (the built CLI) and a sips: Request-URI that did not
 * come over TLS (RFC 3261 26.2.2, RFC 5630: TLS on every hop): SIPp sends
 * `INVITE sips:echo@…` over UDP and over TCP and is answered 416 with a
 * Warning saying why; the control, the same scenario with a `sip:` URI, is
 * answered 200 (so the scenario can tell one answer from the other). SIPp
 * here is built without TLS: the sips: INVITE that must pass over TLS is in
 * `test/cli/tls.test.ts` (options and call over sips:) and the TLS interop
 * tests.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freeSipPort, isListening, requireBinary, startShtoom, stopAllPeers, waitFor } from './support/peers.js';
import { runSipp, SIPP_PCMU_OFFER, SippDir } from './support/sip-sipp.js';

/** What the 416's Warning must say (a SIPp regular expression). */
const WARNING = '399 [^ ]+ .a sips: request must arrive over TLS, not (UDP|TCP).';

/** INVITE [scheme]:echo@…; expect `status` (and check its Warning), ACK; after a 200, BYE. */
function uacExpecting(scheme: 'sip' | 'sips', status: 200 | 416): string {
  const uri = `${scheme}:[service]@[remote_ip]:[remote_port]`;
  const headers = `From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
Call-ID: [call_id]
Max-Forwards: 70`;
  const after =
    status === 416
      ? `  <recv response="416">
    <action>
      <ereg regexp="${WARNING}" search_in="hdr" header="Warning:" check_it="true" assign_to="w"/>
    </action>
  </recv>
  <Reference variables="w"/>
  <send><![CDATA[
ACK ${uri} SIP/2.0
[last_Via:]
${headers}
To: <${uri}>[peer_tag_param]
CSeq: 1 ACK
Content-Length: 0

]]></send>`
      : `  <recv response="200" rrs="true"/>
  <send><![CDATA[
ACK ${uri} SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
${headers}
To: <${uri}>[peer_tag_param]
CSeq: 1 ACK
Content-Length: 0

]]></send>
  <pause milliseconds="200"/>
  <send retrans="500"><![CDATA[
BYE ${uri} SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
${headers}
To: <${uri}>[peer_tag_param]
CSeq: 2 BYE
Content-Length: 0

]]></send>
  <recv response="200"/>`;
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="uac ${scheme}: INVITE expecting ${status}">
  <send retrans="500"><![CDATA[
INVITE ${uri} SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
${headers}
To: <${uri}>
CSeq: 1 INVITE
Contact: <sip:sipp@[local_ip]:[local_port];transport=[transport]>
Content-Type: application/sdp
Content-Length: [len]

${SIPP_PCMU_OFFER}

]]></send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
${after}
  <timewait milliseconds="300"/>
</scenario>
`;
}

let dir: SippDir;
beforeAll(() => {
  requireBinary('sipp');
  dir = new SippDir();
});
afterEach(async () => stopAllPeers());
afterAll(() => dir.cleanup());

describe('serve and a sips: request over UDP or TCP', () => {
  it('SIPp INVITE sips: over UDP and TCP: 416 with the Warning; the same INVITE to sip: is answered 200', async () => {
    const port = await freeSipPort();
    const serve = startShtoom(
      [
        'serve',
        'echo',
        '--listen',
        `127.0.0.1:${port}`,
        '--sip-address',
        '127.0.0.1',
        '--rtp-address',
        '127.0.0.1',
        '--rtp-clock-realtime',
        '0',
      ],
      { timeoutSec: 60 },
    );
    await waitFor(() => isListening(port, 'udp') && isListening(port, 'tcp'), 'shtoom serve echo');
    const sips = dir.write('sips.xml', uacExpecting('sips', 416));
    const sip = dir.write('sip.xml', uacExpecting('sip', 200));
    const common = ['-s', 'echo', '-i', '127.0.0.1', '-p', '0', '-m', '1', '-timeout', '20s', '-timeout_error'];
    for (const t of ['u1', 't1']) {
      const refused = await runSipp([`127.0.0.1:${port}`, '-sf', sips, '-t', t, ...common], { timeoutSec: 30 });
      expect(refused.successful, `sips: over ${t}\n${refused.stdout}${refused.stderr}`).toBe(1);
      expect(refused.failed).toBe(0);
    }
    // The control: the same INVITE with sip: is taken (the 416 scenario would fail on its 200).
    const control = await runSipp([`127.0.0.1:${port}`, '-sf', sip, '-t', 'u1', ...common], { timeoutSec: 30 });
    expect(control.successful, control.stdout + control.stderr).toBe(1);
    // And the 416 scenario fails when what it sends is fine (it can fail): sip: over UDP is not refused.
    const fine = dir.write('sip-416.xml', uacExpecting('sip', 416));
    const wrong = await runSipp([`127.0.0.1:${port}`, '-sf', fine, '-t', 'u1', ...common], { timeoutSec: 30 });
    expect(wrong.successful).toBe(0);
    expect(wrong.failed).toBe(1);
    await serve.stop();
  });
});
