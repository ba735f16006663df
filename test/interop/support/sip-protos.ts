/**
 * The PROTOS c07-sip test cases (University of Oulu): reading a case file
 * (two length-prefixed messages: the test INVITE and its teardown) and
 * filling its placeholders for a target on loopback.
 */
import { readFileSync } from 'node:fs';

export interface ProtosCase {
  readonly name: string;
  readonly invite: Buffer;
  readonly teardown: Buffer;
}

/** Split a case file into its two messages (`NNN <bytes>` twice). */
export function readCase(path: string, name: string): ProtosCase {
  const b = readFileSync(path);
  const take = (at: number): [Buffer, number] => {
    const sp = b.indexOf(0x20, at);
    const len = Number(b.toString('latin1', at, sp));
    if (!Number.isInteger(len) || sp < 0) throw new Error(`PROTOS case ${name}: bad length prefix at ${at}`);
    return [b.subarray(sp + 1, sp + 1 + len), sp + 1 + len];
  };
  const [invite, next] = take(0);
  const [teardown] = take(next);
  return { name, invite, teardown };
}

export interface Fill {
  readonly to: string;
  readonly from: string;
  readonly address: string;
  readonly localPort: number;
  readonly callId: string;
  readonly cseq: number;
  readonly branch: string;
  readonly teardownMethod: string;
}

/** Replace the placeholders; `<Content-Length>` becomes the length of the filled body. */
export function fill(msg: Buffer, f: Fill): Buffer {
  let s = msg.toString('latin1');
  const rep: [string, string][] = [
    ['<To>', f.to],
    ['<From>', f.from],
    ['<From-Address>', f.address],
    ['<From-IP>', f.address],
    ['<Local-Port>', String(f.localPort)],
    ['<Call-ID>', f.callId],
    ['<CSeq>', String(f.cseq)],
    ['<Branch-ID>', f.branch],
    ['<Teardown-Method>', f.teardownMethod],
  ];
  for (const [k, v] of rep) s = s.split(k).join(v);
  const sep = s.indexOf('\r\n\r\n');
  const bodyLen = sep < 0 ? 0 : Buffer.byteLength(s.slice(sep + 4), 'latin1');
  s = s.split('<Content-Length>').join(String(bodyLen));
  return Buffer.from(s, 'latin1');
}
