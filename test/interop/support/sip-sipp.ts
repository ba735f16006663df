/** Running SIPp (sip-tester) scenarios against shtoom on loopback. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeSipPort, startPeer, type Peer } from './peers.js';

export interface SippRun {
  readonly code: number | string;
  readonly stdout: string;
  readonly stderr: string;
  /** "Successful call" and "Failed call" totals from SIPp's final statistics. */
  readonly successful: number;
  readonly failed: number;
}

export class SippDir {
  readonly dir = mkdtempSync(join(tmpdir(), 'shtoom-sipp-'));
  write(name: string, xml: string): string {
    const p = join(this.dir, name);
    writeFileSync(p, xml);
    return p;
  }
  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The final count of a SIPp statistic line such as `Successful call | 0 | 5`. */
export function sippCount(out: string, what: 'Successful call' | 'Failed call'): number {
  const lines = out.split('\n').filter((l) => l.includes(what));
  const last = lines.at(-1);
  if (!last) return -1;
  const nums = last
    .split('|')
    .map((x) => x.trim())
    .filter((x) => /^\d+$/.test(x));
  return nums.length ? Number(nums[nums.length - 1]) : -1;
}

/** Messages SIPp dropped on purpose (-lost): the sum of the "Lost" column of its message table. */
export function sippLost(out: string): number {
  let total = 0;
  for (const line of out.split('\n')) {
    const m = /^\s*(?:[A-Z]+|\d{3}) (?:-+>|<-+)\s+(?:E-RTD\d\s+)?(.*)$/.exec(line);
    if (!m) continue;
    const cols = m[1]!.trim().split(/\s+/).map(Number);
    // Messages, Retrans, Timeout, (Unexp.), Lost: Lost is the last column when it is printed.
    if (cols.length >= 3) total += cols[cols.length - 1]!;
  }
  return total;
}

export function startSipp(args: readonly string[], opts: { cwd?: string; timeoutSec?: number } = {}): Peer {
  return startPeer('sipp', ['-nostdin', ...args], {
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
    timeoutSec: opts.timeoutSec ?? 60,
  });
}

export async function runSipp(
  args: readonly string[],
  opts: { cwd?: string; timeoutSec?: number } = {},
): Promise<SippRun> {
  const p = startSipp(args, opts);
  const code = await p.exited;
  const out = p.stdout() + p.stderr();
  return {
    code,
    stdout: p.stdout(),
    stderr: p.stderr(),
    successful: sippCount(out, 'Successful call'),
    failed: sippCount(out, 'Failed call'),
  };
}

export { freeSipPort };

/** The PCMU offer of the SIPp scenarios here (SIPp fills in the addresses and the media port). */
export const SIPP_PCMU_OFFER = `v=0
o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0
a=rtpmap:0 PCMU/8000`;

/** A UAC's first step: INVITE to [service] with the PCMU offer, retransmitted. */
const INVITE_SEND = `  <send retrans="500"><![CDATA[
INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:sipp@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

${SIPP_PCMU_OFFER}

]]></send>
`;

/** UAC: INVITE to [service], expect 180/200, ACK, then wait for the callee's BYE and answer it. */
export const UAC_WAIT_BYE = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="uac waits for the callee's BYE">
${INVITE_SEND}  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="200" rtd="true"/>
  <send><![CDATA[
ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

]]></send>
  <recv request="BYE"/>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
  <timewait milliseconds="500"/>
</scenario>
`;

/** UAC: INVITE to [service], wait for 180, CANCEL, expect 200 (CANCEL) and 487, ACK the 487. */
export const UAC_CANCEL = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="uac cancels before the answer">
  <send retrans="500"><![CDATA[
INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:sipp@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Length: 0

]]></send>
  <recv response="100" optional="true"/>
  <recv response="180"/>
  <send><![CDATA[
CANCEL sip:[service]@[remote_ip]:[remote_port] SIP/2.0
[last_Via:]
From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 CANCEL
Max-Forwards: 70
Content-Length: 0

]]></send>
  <recv response="200"/>
  <recv response="487"/>
  <send><![CDATA[
ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
[last_Via:]
From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

]]></send>
  <timewait milliseconds="200"/>
</scenario>
`;

/**
 * UAC: INVITE, 401 with a challenge, ACK, INVITE with digest credentials
 * (`-au USER -ap PASSWORD`; SIPp takes MD5 only, and the first challenge
 * it sees: `serve --auth-algorithms MD5`), 200, ACK, half a second, BYE. The ACK of the 401 reuses the INVITE's Via
 * (`[last_Via:]`): an ACK for a non-2xx belongs to the INVITE's transaction.
 */
export const UAC_AUTH = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="shtoom access interop: UAC answering a digest challenge">
  <send retrans="500">
    <![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: sip:sipp@[local_ip]:[local_port]
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0
      a=rtpmap:0 PCMU/8000
    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="401" auth="true"/>
  <send>
    <![CDATA[
      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      [last_Via:]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Max-Forwards: 70
      Content-Length: 0
    ]]>
  </send>
  <send retrans="500">
    <![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 2 INVITE
      Contact: sip:sipp@[local_ip]:[local_port]
      [authentication]
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0
      a=rtpmap:0 PCMU/8000
    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="200" rrs="true"/>
  <send>
    <![CDATA[
      ACK [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 2 ACK
      Max-Forwards: 70
      Content-Length: 0
    ]]>
  </send>
  <pause milliseconds="500"/>
  <send retrans="500">
    <![CDATA[
      BYE [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 3 BYE
      Max-Forwards: 70
      Content-Length: 0
    ]]>
  </send>
  <recv response="200"/>
</scenario>
`;

/**
 * SIPp's built-in `uac`, except that ACK and BYE follow the Record-Route
 * (the built-in one sends them to the proxy's own URI, which a proxy
 * cannot route): INVITE with an SDP offer, 200, ACK, a pause of `-d` ms, BYE.
 */
export const UAC_VIA_PROXY = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="uac through a record-routing proxy">
${INVITE_SEND}  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="200" rtd="true" rrs="true"/>
  <send><![CDATA[
ACK [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 1 ACK
[routes]
Max-Forwards: 70
Content-Length: 0

]]></send>
  <pause/>
  <send retrans="500"><![CDATA[
BYE [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 2 BYE
[routes]
Max-Forwards: 70
Content-Length: 0

]]></send>
  <recv response="200" crlf="true"/>
</scenario>
`;
