/**
 * SDP parser (RFC 8866 5, 9). Strict where a mistake would change meaning,
 * with the offending line in every error:
 * - every line is `<type>=<value>` with a lower-case letter type (RFC 8866 5:
 *   "no whitespace is allowed on either side of the '=' sign");
 * - `v=0`, `o=`, `s=` come first, in that order, and at least one `t=`;
 * - the fields a parser must understand are checked (`o=`, `c=`, `b=`, `t=`,
 *   `m=`) and so are the attributes the offer/answer needs (`rtpmap`,
 *   `fmtp`, `ptime`, `maxptime`, `rtcp`);
 * - lines end in CRLF; a bare LF is accepted (RFC 8866 5: "parsers SHOULD be
 *   tolerant and also accept records terminated with a single newline").
 * - no control characters but HTAB (RFC 8866 9 excludes NUL, CR and LF;
 *   shtoom refuses the others as well). Bytes that are not UTF-8 are read
 *   as U+FFFD by the caller's decoding and accepted: RFC 8866 6.10 lets
 *   `a=charset` name another character set for free text.
 * Unknown attributes are kept as they are. Any other type letter is an
 * error: RFC 8866 5 lets a parser "completely ignore or reject" such a
 * description, and rejecting it tells the peer why.
 */
import { SdpParseError } from './errors.js';
import type {
  Attribute,
  Bandwidth,
  Connection,
  MediaDescription,
  Origin,
  SessionDescription,
  Timing,
} from './types.js';

interface Line {
  readonly n: number;
  readonly type: string;
  readonly value: string;
  readonly text: string;
}

const TOKEN = /^[!#$%&'*+\-.0-9A-Z^_`a-z{|}~]+$/;

function fail(l: Line, why: string): never {
  throw new SdpParseError(why, l.n, l.text);
}

function lines(text: string): Line[] {
  const raw = text.split('\n');
  // A trailing newline leaves one empty element.
  if (raw.length > 0 && raw[raw.length - 1] === '') raw.pop();
  return raw.map((r, i) => {
    const t = r.endsWith('\r') ? r.slice(0, -1) : r;
    const l = { n: i + 1, type: '', value: '', text: t };
    if (t.length < 2 || t[1] !== '=' || !/^[a-z]$/.test(t[0]!)) fail(l, 'not a "<letter>=<value>" line');
    // RFC 8866 9: no NUL, CR or LF in a value (byte-string). Other control characters (allowed in free text)
    // are refused too: no real description has them, and what a peer wrote reaches logs and terminals.
    const control = /[\x00-\x08\x0a-\x1f\x7f]/.exec(t);
    if (control) fail(l, `control character 0x${control[0].charCodeAt(0).toString(16).padStart(2, '0')} in the line`);
    return { ...l, type: t[0]!, value: t.slice(2) };
  });
}

function origin(l: Line): Origin {
  const f = l.value.split(' ');
  if (f.length !== 6 || f.some((x) => x === ''))
    fail(l, 'o= needs 6 fields: username sess-id sess-version nettype addrtype address');
  const [username, sessionId, sessionVersion, netType, addrType, address] = f as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (!/^\d+$/.test(sessionId) || !/^\d+$/.test(sessionVersion)) fail(l, 'o= session id and version must be numbers');
  return { username, sessionId, sessionVersion, netType, addrType, address };
}

function connection(l: Line): Connection {
  const f = l.value.split(' ');
  if (f.length !== 3 || f.some((x) => x === '')) fail(l, 'c= needs 3 fields: nettype addrtype address');
  const [netType, addrType, address] = f as [string, string, string];
  if (netType === 'IN') {
    const host = address.split('/')[0]!;
    if (addrType === 'IP4' && !/^\d{1,3}(\.\d{1,3}){3}$/.test(host) && !TOKEN.test(host))
      fail(l, `"${host}" is not an IPv4 address or host name`);
    if (addrType === 'IP6' && !/^[0-9A-Fa-f:.]+$/.test(host) && !TOKEN.test(host))
      fail(l, `"${host}" is not an IPv6 address or host name`);
    if (addrType !== 'IP4' && addrType !== 'IP6') fail(l, `address type "${addrType}" is not IP4 or IP6`);
  }
  return { netType, addrType, address };
}

function bandwidth(l: Line): Bandwidth {
  const m = /^([^:\s]+):(\d+)$/.exec(l.value);
  if (!m) fail(l, 'b= must be <type>:<number>');
  return { type: m[1]!, value: Number(m[2]) };
}

function timing(l: Line): Timing {
  const m = /^(\d+) (\d+)$/.exec(l.value);
  if (!m) fail(l, 't= must be <start> <stop> (NTP seconds)');
  return { start: m[1]!, stop: m[2]!, repeats: [] };
}

function attribute(l: Line): Attribute {
  const v = l.value;
  const colon = v.indexOf(':');
  const name = colon < 0 ? v : v.slice(0, colon);
  if (!TOKEN.test(name)) fail(l, `"${name}" is not a valid attribute name`);
  const a: Attribute = colon < 0 ? { name } : { name, value: v.slice(colon + 1) };
  checkAttribute(l, a);
  return a;
}

/** The attributes offer/answer relies on are checked here, so an error can name the line. */
function checkAttribute(l: Line, a: Attribute): void {
  const v = a.value;
  switch (a.name) {
    case 'rtpmap':
      // RFC 8866 6.6: a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>]
      if (v === undefined || !/^\d{1,3} [^/\s]+\/\d+(\/\d+)?$/.test(v) || Number(v.split(' ')[0]) > 127)
        fail(l, 'rtpmap must be "<payload type 0-127> <encoding>/<clock rate>[/<channels>]"');
      break;
    case 'fmtp':
      // RFC 8866 6.15: a=fmtp:<format> <format specific parameters>
      if (v === undefined || !/^\S+ \S/.test(v)) fail(l, 'fmtp must be "<format> <parameters>"');
      break;
    case 'ptime':
    case 'maxptime':
      if (v === undefined || !/^\d+(\.\d+)?$/.test(v) || Number(v) <= 0)
        fail(l, `${a.name} must be a positive number of milliseconds`);
      break;
    case 'rtcp':
      // RFC 3605 2.1: a=rtcp:<port> [<nettype> <addrtype> <connection-address>]
      if (v === undefined || !/^\d{1,5}( \S+ \S+ \S+)?$/.test(v) || Number(v.split(' ')[0]) > 65535)
        fail(l, 'rtcp must be "<port> [<nettype> <addrtype> <address>]" (RFC 3605)');
      break;
  }
}

function mediaLine(l: Line): MediaDescription {
  // RFC 8866 5.14: m=<media> <port>[/<number of ports>] <proto> <fmt> ...
  const f = l.value.split(' ');
  if (f.length < 4 || f.some((x) => x === '')) fail(l, 'm= needs <media> <port> <proto> <format>...');
  const [media, portField, proto, ...formats] = f as [string, string, string, ...string[]];
  const pm = /^(\d+)(?:\/(\d+))?$/.exec(portField);
  if (!pm || Number(pm[1]) > 65535) fail(l, `"${portField}" is not a port (0-65535)`);
  if (!TOKEN.test(media)) fail(l, `"${media}" is not a media type`);
  if (/RTP\//.test(proto) && formats.some((x) => !/^\d{1,3}$/.test(x) || Number(x) > 127))
    fail(l, `${proto} formats must be RTP payload types 0-127`);
  return {
    media,
    port: Number(pm[1]),
    ...(pm[2] !== undefined ? { portCount: Number(pm[2]) } : {}),
    proto,
    formats,
    connections: [],
    bandwidths: [],
    attributes: [],
  };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends readonly (infer U)[] ? U[] : T[K] };

/**
 * Parse a session description.
 *
 * @throws SdpParseError (status 400) naming the bad line.
 * @example
 * const sdp = parseSdp(invite.body);
 * console.log(sdp.media[0]?.port);
 */
export function parseSdp(text: string): SessionDescription {
  if (text.trim() === '') throw new SdpParseError('the body is empty');
  const ls = lines(text);
  const [v, o, s] = ls;
  if (v?.type !== 'v') throw new SdpParseError('the first line must be v=0', 1, ls[0]?.text ?? '');
  if (v.value !== '0') fail(v, `unsupported SDP version "${v.value}"`);
  if (o?.type !== 'o') throw new SdpParseError('the second line must be o= (origin)', 2, o?.text ?? '');
  if (s?.type !== 's') throw new SdpParseError('the third line must be s= (session name)', 3, s?.text ?? '');
  const session: Mutable<SessionDescription> = {
    version: 0,
    origin: origin(o),
    sessionName: s.value,
    emails: [],
    phones: [],
    bandwidths: [],
    timing: [],
    attributes: [],
    media: [],
  };
  let m: Mutable<MediaDescription> | undefined;
  for (const l of ls.slice(3)) {
    if (l.type === 'm') {
      m = mediaLine(l) as Mutable<MediaDescription>;
      session.media.push(m);
      continue;
    }
    if (m) {
      switch (l.type) {
        case 'i':
          m.information = l.value;
          break;
        case 'c':
          m.connections.push(connection(l));
          break;
        case 'b':
          m.bandwidths.push(bandwidth(l));
          break;
        case 'k':
          m.key = l.value;
          break;
        case 'a':
          m.attributes.push(attribute(l));
          break;
        default:
          fail(l, `"${l.type}=" is not allowed in a media description`);
      }
      continue;
    }
    switch (l.type) {
      case 'i':
        session.information = l.value;
        break;
      case 'u':
        session.uri = l.value;
        break;
      case 'e':
        session.emails.push(l.value);
        break;
      case 'p':
        session.phones.push(l.value);
        break;
      case 'c':
        if (session.connection) fail(l, 'only one session-level c= is allowed');
        session.connection = connection(l);
        break;
      case 'b':
        session.bandwidths.push(bandwidth(l));
        break;
      case 't':
        session.timing.push(timing(l));
        break;
      case 'r': {
        const last = session.timing[session.timing.length - 1];
        if (!last) fail(l, 'r= must follow a t= line');
        session.timing[session.timing.length - 1] = { ...last, repeats: [...last.repeats, l.value] };
        break;
      }
      case 'z':
        session.timeZones = l.value;
        break;
      case 'k':
        session.key = l.value;
        break;
      case 'a':
        session.attributes.push(attribute(l));
        break;
      case 'v':
      case 'o':
      case 's':
        fail(l, `a second "${l.type}=" line`);
        break;
      default:
        fail(l, `unknown line type "${l.type}="`);
    }
  }
  if (session.timing.length === 0) throw new SdpParseError('the session has no t= (timing) line');
  if (session.media.length > 0 && !session.connection) {
    // RFC 8866 5.7: a c= at session level or in every media description.
    const bad = session.media.findIndex((md) => md.connections.length === 0 && md.port !== 0);
    if (bad >= 0)
      throw new SdpParseError(
        `media description ${bad + 1} (m=${session.media[bad]!.media}) has no connection address (c=)`,
      );
  }
  return session;
}
