/** SIPp scenarios of the calls interop tests. */

/**
 * A UAC that calls `[service]`, streams `file` (raw µ-law) with
 * `rtp_stream` once the call is up, plays SIPp's RFC 2833 captures (absolute
 * paths: play_pcap_audio needs a raw socket, i.e. root) after `dtmfAfterMs`,
 * waits `holdMs` more, and hangs up. `[media_port]` in the SDP: stream and
 * captures then both leave from the media port (PEERS.md 1d).
 *
 * With `delayedOffer` the INVITE has no body: the 200 OK must carry the
 * offer (SIPp checks it has an m=audio line) and the ACK carries SIPp's
 * answer (RFC 3261 13.2.1).
 */
export function uacRtpDtmf(
  file: string,
  pcaps: readonly string[],
  dtmfAfterMs: number,
  holdMs: number,
  delayedOffer = false,
): string {
  const dtmf = pcaps
    .map((p) => `  <nop><action><exec play_pcap_audio="${p}"/></action></nop>\n  <pause milliseconds="500"/>\n`)
    .join('');
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="shtoom calls interop: UAC with RTP and RFC 2833">
  <send retrans="500">
    <![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: <sip:sipp@[local_ip]:[local_port]>
      Max-Forwards: 70
${
  delayedOffer
    ? '      Content-Length: 0\n'
    : `      Content-Type: application/sdp\n      Content-Length: ` + `[len]\n\n${SDP}`
}
    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rtd="true">${
    delayedOffer
      ? '\n    <action><ereg regexp="m=audio [0-9]+ RTP/AVP" ' +
        'search_in="body" check_it="true" assign_to="offer"/></action>\n  '
      : ''
  }</recv>${delayedOffer ? '\n  ' + '<Reference variables="offer"/>' : ''}
  <send>
    <![CDATA[
      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Contact: <sip:sipp@[local_ip]:[local_port]>
      Max-Forwards: 70
${
  delayedOffer
    ? `      Content-Type: application/sdp\n      Content-Length: [len]\n\n${SDP}`
    : '      ' + 'Content-Length: 0\n'
}
    ]]>
    <action>
      <exec rtp_stream="${file},1,0"/>
    </action>
  </send>
  <pause milliseconds="${dtmfAfterMs}"/>
${dtmf}  <pause milliseconds="${holdMs}"/>
  <send retrans="500">
    <![CDATA[
      BYE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 2 BYE
      Contact: <sip:sipp@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <recv response="200" crlf="true"/>
</scenario>
`;
}

/** SIPp's audio SDP: PCMU and telephone-event from its media port. */
const SDP = `      v=0
      o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0 101
      a=rtpmap:0 PCMU/8000
      a=rtpmap:101 telephone-event/8000
      a=fmtp:101 0-15
      a=sendrecv
`;

/** Raw µ-law bytes of a sine (what SIPp's rtp_stream plays): `seconds` long at `freq`. */
export function ulawSine(freq: number, seconds: number, encode: (pcm: Int16Array) => Uint8Array): Uint8Array {
  const pcm = new Int16Array(Math.round(seconds * 8000));
  for (let i = 0; i < pcm.length; i++) pcm[i] = Math.round(8000 * Math.sin((2 * Math.PI * freq * i) / 8000));
  return encode(pcm);
}

/**
 * A UAS that answers the INVITE with 183 Session Progress carrying SDP,
 * streams `file` (raw µ-law) to the caller as early media — an
 * announcement — and then ends the call with `final` (486: the
 * announcement before a busy signal, as networks play them), or answers
 * 200 with the same SDP and waits for the caller's BYE.
 */
export function uasEarlyMedia(file: string, streamMs: number, final: 486 | 200): string {
  const head = `      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:[local_ip]:[local_port];transport=[transport]>`;
  const withSdp = `${head}
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0
      a=rtpmap:0 PCMU/8000
      a=sendrecv
`;
  const end =
    final === 486
      ? `  <send>
    <![CDATA[
      SIP/2.0 486 Busy Here
${head}
      Content-Length: 0

    ]]>
  </send>
  <recv request="ACK"/>`
      : `  <send retrans="500">
    <![CDATA[
      SIP/2.0 200 OK
${withSdp}
    ]]>
  </send>
  <recv request="ACK"/>
  <recv request="BYE"/>
  <send>
    <![CDATA[
      SIP/2.0 200 OK
${head}
      Content-Length: 0

    ]]>
  </send>`;
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="shtoom calls interop: early media">
  <recv request="INVITE" crlf="true"/>
  <send>
    <![CDATA[
      SIP/2.0 183 Session Progress
${withSdp}
    ]]>
  </send>
  <nop><action><exec rtp_stream="${file},1,0"/></action></nop>
  <pause milliseconds="${streamMs}"/>
${end}
</scenario>
`;
}

/** A redirect server: answers the INVITE with 302 Moved Temporarily to `contact` and takes the ACK. */
export function uasRedirect(contact: string): string {
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="shtoom calls interop: redirect">
  <recv request="INVITE" crlf="true"/>
  <send>
    <![CDATA[
      SIP/2.0 302 Moved Temporarily
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <${contact}>
      Content-Length: 0

    ]]>
  </send>
  <recv request="ACK"/>
</scenario>
`;
}
