/**
 * SDP serializer: RFC 8866 field order, CRLF line ends.
 */
import type { Attribute, Connection, MediaDescription, SessionDescription } from './types.js';

const conn = (c: Connection) => `c=${c.netType} ${c.addrType} ${c.address}`;
const attr = (a: Attribute) => (a.value === undefined ? `a=${a.name}` : `a=${a.name}:${a.value}`);

function media(m: MediaDescription, out: string[]): void {
  out.push(
    `m=${m.media} ${m.port}${m.portCount !== undefined ? `/${m.portCount}` : ''} ${m.proto} ${m.formats.join(' ')}`,
  );
  if (m.information !== undefined) out.push(`i=${m.information}`);
  for (const c of m.connections) out.push(conn(c));
  for (const b of m.bandwidths) out.push(`b=${b.type}:${b.value}`);
  if (m.key !== undefined) out.push(`k=${m.key}`);
  for (const a of m.attributes) out.push(attr(a));
}

/**
 * Serialize a session description (CRLF line ends, RFC 8866 order).
 *
 * @example
 * const body = serializeSdp(createOffer({ address: '192.0.2.1', port: 40000, formats }));
 */
export function serializeSdp(d: SessionDescription): string {
  const o = d.origin;
  const out = [
    `v=${d.version}`,
    `o=${o.username} ${o.sessionId} ${o.sessionVersion} ${o.netType} ${o.addrType} ${o.address}`,
    `s=${d.sessionName}`,
  ];
  if (d.information !== undefined) out.push(`i=${d.information}`);
  if (d.uri !== undefined) out.push(`u=${d.uri}`);
  for (const e of d.emails) out.push(`e=${e}`);
  for (const p of d.phones) out.push(`p=${p}`);
  if (d.connection) out.push(conn(d.connection));
  for (const b of d.bandwidths) out.push(`b=${b.type}:${b.value}`);
  for (const t of d.timing) {
    out.push(`t=${t.start} ${t.stop}`);
    for (const r of t.repeats) out.push(`r=${r}`);
  }
  if (d.timeZones !== undefined) out.push(`z=${d.timeZones}`);
  if (d.key !== undefined) out.push(`k=${d.key}`);
  for (const a of d.attributes) out.push(attr(a));
  for (const m of d.media) media(m, out);
  return out.join('\r\n') + '\r\n';
}
