/**
 * RFC 4475 and RFC 5118 torture messages sent to a live shtoom UAS over UDP
 * and TCP on loopback: each valid one is answered as a UAS should (never
 * 400), each invalid one is answered or dropped as the RFC says, and the
 * UAS answers the next request every time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserAgent } from '../../src/sip/api/user-agent.js';
import { startLiveUas, tcpExchange, UdpClient } from './support/live-uas.js';
import { baddnTerminated, vectors } from './support/vectors.js';

/**
 * What the UAS answers each RFC 4475 message with, over UDP. `null` is no
 * answer (responses, unparseable requests). INVITEs that pass get the
 * fixture's 480; REGISTER gets 405 (a UA is not a registrar, RFC 4475 3.3.7).
 */
const UDP_ANSWERS: Record<string, number | null> = {
  wsinv: 481, // a To tag but no such dialog (RFC 3261 12.2.2)
  intmeth: 501,
  esc01: 480,
  escnull: 405,
  esc02: 501,
  lwsdisp: 200,
  longreq: 480,
  dblreq: 405,
  semiuri: 200,
  transports: 200,
  mpart01: 200,
  unreason: null,
  noreason: null,
  badinv01: 400,
  clerr: 400,
  ncl: 400,
  scalar02: 400,
  scalarlg: null,
  quotbal: 400,
  ltgtruri: 400,
  lwsruri: 400,
  lwsstart: 400,
  trws: 400,
  escruri: 400,
  baddate: 480,
  regbadct: 400,
  badaspec: 400,
  baddn: 400,
  badvers: 505,
  mismatch01: 400,
  mismatch02: 501,
  bigcode: null,
  badbranch: 200,
  insuf: 400,
  unkscm: 416,
  novelsc: 416,
  unksm2: 405,
  bext01: 420,
  invut: 415,
  regaut01: 405,
  multi01: 400,
  mcl01: 400,
  bcast: null,
  zeromf: 200,
  cparam01: 405,
  cparam02: 405,
  regescrt: 405,
  sdp01: 406,
  inv2543: 480,
  test: null,
};

// Two UAS instances: the same message sent over UDP and then TCP would otherwise match the UDP copy's
// server transaction (17.2.3 does not look at the transport) and be answered as a retransmission.
let ua: UserAgent;
let tcpUa: UserAgent;
let udp: UdpClient;
beforeAll(async () => {
  ua = await startLiveUas();
  tcpUa = await startLiveUas();
  udp = await UdpClient.open();
});
afterAll(async () => {
  udp.close();
  await ua.close();
  await tcpUa.close();
});
const port = () => ua.localAddress.port;
const tcpPort = () => tcpUa.localAddress.port;

describe('RFC 4475 torture messages to a live UAS over UDP', () => {
  for (const v of vectors('rfc4475')) {
    const want = UDP_ANSWERS[v.name];
    it(`${v.name}: ${want === null ? 'no answer' : want}`, async () => {
      expect(want, `no expectation for ${v.name}`).not.toBeUndefined();
      const got = (await udp.exchange(v.bytes, port())).map((r) => r.status).filter((s) => s !== 100);
      expect(got).toEqual(want === null ? [] : [want]);
    });
  }

  it('400 answers carry a Warning saying what was wrong', async () => {
    const v = vectors('rfc4475').find((x) => x.name === 'scalar02')!;
    const [r] = await udp.exchange(v.bytes, port());
    expect(r!.header('warning')).toMatch(/^399 \S+ ".*CSeq.*"/);
  });

  it('the 405 to REGISTER and 501 to an unknown method list what is allowed', async () => {
    const [r] = await udp.exchange(vectors('rfc4475').find((x) => x.name === 'regaut01')!.bytes, port());
    expect(r!.header('allow')).toContain('INVITE');
    const [s] = await udp.exchange(vectors('rfc4475').find((x) => x.name === 'intmeth')!.bytes, port());
    expect(s!.header('allow')).toContain('OPTIONS');
  });

  it('the 420 lists the unsupported option tags', async () => {
    const [r] = await udp.exchange(vectors('rfc4475').find((x) => x.name === 'bext01')!.bytes, port());
    expect(r!.header('unsupported')).toBe('nothingsupportsthis, nothingsupportsthiseither');
  });
});

/** Over a stream the framing rules differ (RFC 4475 3.1.2.2, 3.1.2.3, 3.3.9; RFC 3261 18.3). */
const TCP_OVERRIDES: Record<string, { answers: number[]; closed?: boolean; ownConnection?: boolean }> = {
  // Content-Length larger than what was sent: wait for the rest (nothing answered, connection kept).
  clerr: { answers: [], ownConnection: true },
  // Unrecoverable framing: 400, then the connection is closed.
  ncl: { answers: [400], closed: true },
  mcl01: { answers: [400], closed: true },
  // The trailing octets are a second, legitimate request on a stream.
  dblreq: { answers: [405, 480] },
  // Without Content-Length a stream message has no body: its "body" lines are read as a new message.
  inv2543: { answers: [480], ownConnection: true },
};

describe('RFC 4475 torture messages to a live UAS over TCP', () => {
  for (const v of vectors('rfc4475')) {
    const o = TCP_OVERRIDES[v.name];
    const want = o?.answers ?? (UDP_ANSWERS[v.name] === null ? [] : [UDP_ANSWERS[v.name]!]);
    const outcome = `${want.length ? want.join(', ') : 'no answer'}${o?.closed ? ', connection closed' : ''}`;
    it(`${v.name}: ${outcome}`, async () => {
      const bytes = v.name === 'baddn' ? baddnTerminated() : v.bytes;
      const r = await tcpExchange(bytes, tcpPort(), { probeSameConnection: !o?.ownConnection && !o?.closed });
      expect(r.responses.map((x) => x.status).filter((s) => s !== 100)).toEqual(want);
      if (o?.closed) expect(r.closed).toBe(true);
    });
  }
});

/** What the UAS answers each RFC 5118 message with (over IPv4 and IPv6 alike). */
const RFC5118_ANSWERS: Record<string, number> = {
  'ipv6-good': 405,
  'ipv6-bad': 400,
  'port-ambiguous': 405,
  'port-unambiguous': 405,
  'via-received-param-with-delim': 481,
  'via-received-param-no-delim': 200,
  'ipv6-in-sdp': 480,
  'mult-ip-in-header': 481,
  'mult-ip-in-sdp': 480,
  'ipv4-mapped-ipv6': 480,
  'ipv6-bug-abnf-3-colons': 200,
  'ipv6-correct-abnf-2-colons': 200,
};

describe('RFC 5118 IPv6 torture messages to a live UAS (UDP and TCP)', () => {
  const want: Record<string, number> = RFC5118_ANSWERS;
  for (const v of vectors('rfc5118', 'wire')) {
    it(`${v.name}: ${want[v.name]}`, async () => {
      expect(want[v.name]).toBeDefined();
      const overUdp = (await udp.exchange(v.bytes, port())).map((r) => r.status).filter((s) => s !== 100);
      expect(overUdp).toEqual([want[v.name]]);
      const overTcp = await tcpExchange(v.bytes, tcpPort());
      expect(overTcp.responses.map((r) => r.status).filter((s) => s !== 100)).toEqual([want[v.name]]);
    });
  }
});

/**
 * The same messages over IPv6 (::1), to a UAS bound to the default wildcard
 * (both families): what they are about — IPv6 references in Via, Contact,
 * Route and SDP — over the network they describe. Each is answered as over
 * IPv4, the answers reach the IPv6 source, and a 2xx's Contact names [::1].
 */
describe('RFC 5118 IPv6 torture messages over IPv6 (::1) to a live UAS on the default wildcard', () => {
  let ua6: UserAgent;
  let tcpUa6: UserAgent;
  let udp6: UdpClient;
  beforeAll(async () => {
    ua6 = await startLiveUas('0.0.0.0');
    tcpUa6 = await startLiveUas('0.0.0.0');
    udp6 = await UdpClient.open('::1');
  });
  afterAll(async () => {
    udp6.close();
    await ua6.close();
    await tcpUa6.close();
  });
  for (const v of vectors('rfc5118', 'wire')) {
    it(`${v.name}: ${RFC5118_ANSWERS[v.name]}`, async () => {
      const want = RFC5118_ANSWERS[v.name];
      expect(want).toBeDefined();
      const overUdp = (await udp6.exchange(v.bytes, ua6.localAddress.port)).filter((r) => r.status !== 100);
      expect(overUdp.map((r) => r.status)).toEqual([want]);
      const overTcp = await tcpExchange(v.bytes, tcpUa6.localAddress.port, { address: '::1' });
      expect(overTcp.responses.map((r) => r.status).filter((s) => s !== 100)).toEqual([want]);
      const contact = overUdp[0]!.header('contact');
      if (contact !== undefined) expect(contact).toMatch(/^<sip:\[::1\]:\d+>$/);
    });
  }
});
