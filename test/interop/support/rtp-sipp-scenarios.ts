/** SIPp scenarios written by the media interop tests into their temporary directory. */

/**
 * A UAS that answers one INVITE with PCMU + telephone-event, starts
 * `rtp_stream` of `file` when the ACK arrives, then (after `dtmfAfterMs`)
 * plays the RFC 2833 DTMF captures shipped with SIPp (`dtmfPcaps`, absolute
 * paths; pcap play needs a raw socket, i.e. root), and waits for the BYE.
 * The SDP names `[media_port]` so that the stream and the pcaps both come
 * from the media port.
 */
export function uasRtpStream(file: string, dtmfPcaps: readonly string[] = [], dtmfAfterMs = 3300): string {
  const dtmf = dtmfPcaps.length
    ? `  <pause milliseconds="${dtmfAfterMs}"/>
` +
      dtmfPcaps
        .map(
          (p) => `  <nop><action><exec play_pcap_audio="${p}"/></action></nop>
  <pause milliseconds="400"/>
`,
        )
        .join('')
    : '';
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="shtoom media interop: answer, stream a file, wait for BYE">
  <recv request="INVITE" crlf="true"/>
  <send>
    <![CDATA[
      SIP/2.0 180 Ringing
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:[local_ip]:[local_port];transport=[transport]>
      Content-Length: 0

    ]]>
  </send>
  <send retrans="500">
    <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:[local_ip]:[local_port];transport=[transport]>
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=sipp 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0 101
      a=rtpmap:0 PCMU/8000
      a=rtpmap:101 telephone-event/8000
      a=fmtp:101 0-15
      a=sendrecv

    ]]>
  </send>
  <recv request="ACK" crlf="true">
    <action>
      <exec rtp_stream="${file},1,0"/>
    </action>
  </recv>
${dtmf}  <recv request="BYE"/>
  <send>
    <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

    ]]>
  </send>
  <timewait milliseconds="200"/>
</scenario>
`;
}
