/**
 * IP addresses as text and as the bytes STUN carries: IPv4 dotted quads and
 * IPv6 (with `::` compression on input, RFC 5952 canonical form on output).
 */

/** A transport address: what STUN's address attributes carry. */
export interface TransportAddress {
  readonly family: 'IPv4' | 'IPv6';
  readonly address: string;
  readonly port: number;
}

/**
 * Text for an address: `192.0.2.1:3478` or `[2001:db8::1]:3478`.
 *
 * @example formatTransportAddress({ family: 'IPv4', address: '192.0.2.1', port: 3478 }) // '192.0.2.1:3478'
 */
export function formatTransportAddress(a: { readonly address: string; readonly port: number }): string {
  return a.address.includes(':') ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}

/** Whether two transport addresses are the same (IPv6 compared in canonical form). */
export function sameTransportAddress(a: TransportAddress, b: TransportAddress): boolean {
  return a.port === b.port && a.family === b.family && canonicalIp(a.address) === canonicalIp(b.address);
}

/** The canonical text of an IP address (RFC 5952 for IPv6), or the input when it is not one. */
export function canonicalIp(ip: string): string {
  const bytes = ipToBytes(ip);
  return bytes ? bytesToIp(bytes) : ip;
}

/** The 4 or 16 bytes of an IP address, or undefined when the text is not one. */
export function ipToBytes(ip: string): Uint8Array | undefined {
  return ip.includes(':') ? ipv6ToBytes(ip) : ipv4ToBytes(ip);
}

function ipv4ToBytes(ip: string): Uint8Array | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^\d{1,3}$/.test(p) || (p.length > 1 && p[0] === '0')) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

function ipv6ToBytes(ip: string): Uint8Array | undefined {
  const zone = ip.indexOf('%');
  const text = zone >= 0 ? ip.slice(0, zone) : ip;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string): string[] | undefined => (s === '' ? [] : s.split(':'));
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return undefined;
  const words: number[] = [];
  const push = (list: string[], isLast: boolean): boolean => {
    for (let i = 0; i < list.length; i++) {
      const g = list[i]!;
      if (isLast && i === list.length - 1 && g.includes('.')) {
        const v4 = ipv4ToBytes(g);
        if (!v4) return false;
        words.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else {
        if (!/^[0-9A-Fa-f]{1,4}$/.test(g)) return false;
        words.push(parseInt(g, 16));
      }
    }
    return true;
  };
  const headWords: number[] = [];
  if (!push(head, halves.length === 1)) return undefined;
  headWords.push(...words.splice(0));
  if (!push(tail, true)) return undefined;
  const tailWords = words;
  const missing = 8 - headWords.length - tailWords.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...headWords, ...new Array<number>(halves.length === 1 ? 0 : missing).fill(0), ...tailWords];
  const out = new Uint8Array(16);
  all.forEach((w, i) => {
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 0xff;
  });
  return out;
}

/** Text of a 4- or 16-byte address (IPv6 in RFC 5952 form: lower case, longest zero run as `::`). */
export function bytesToIp(b: Uint8Array): string {
  if (b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((b[i]! << 8) | b[i + 1]!);
  // RFC 5952 4.2: the longest run of two or more zero words becomes "::" (the first, on a tie).
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}
