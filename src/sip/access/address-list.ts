/**
 * Source address lists for `--allow` / `--deny`: IPv4 and IPv6 addresses
 * and CIDR prefixes (`192.0.2.0/24`, `2001:db8::/32`, `::1`). An
 * IPv4-mapped IPv6 source (`::ffff:192.0.2.1`, from a dual-stack socket)
 * is matched as the IPv4 address it carries.
 *
 * @example
 * const list = parseAddressList('127.0.0.0/8, ::1', '--allow');
 * list.has('127.0.0.2'); // true
 */
import { isIP } from 'node:net';
import { UsageError } from '../../errors.js';
import { ipv6Groups } from '../../util/ip-address.js';

/** An address as 16-bit groups: 2 for IPv4, 8 for IPv6. */
function groupsOf(address: string, family: 4 | 6): number[] | undefined {
  if (family === 6) return ipv6Groups(address);
  const b = address.split('.').map(Number);
  return [(b[0]! << 8) | b[1]!, (b[2]! << 8) | b[3]!];
}

interface Prefix {
  readonly family: 4 | 6;
  readonly groups: readonly number[];
  readonly bits: number;
}

function inPrefix(groups: readonly number[], p: Prefix): boolean {
  let left = p.bits;
  for (let i = 0; left > 0; i++, left -= 16) {
    const mask = left >= 16 ? 0xffff : (0xffff << (16 - left)) & 0xffff;
    if (((groups[i]! ^ p.groups[i]!) & mask) !== 0) return false;
  }
  return true;
}

export class AddressList {
  private readonly prefixes: Prefix[] = [];

  constructor(readonly entries: readonly string[]) {}

  /** Whether `address` (an IP literal) is in the list. */
  has(address: string): boolean {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    const ip = mapped ? mapped[1]! : address;
    const family = isIP(ip);
    if (family === 0) return false;
    const groups = groupsOf(ip, family as 4 | 6);
    return groups !== undefined && this.prefixes.some((p) => p.family === family && inPrefix(groups, p));
  }

  /** @internal */
  add(address: string, bits: number, family: 4 | 6): void {
    const groups = groupsOf(address, family);
    if (groups) this.prefixes.push({ family, groups, bits });
  }
}

/** Parse `A[/N],B[/N],...` (commas or spaces between); throws `UsageError` naming `what` on a bad entry. */
export function parseAddressList(text: string, what: string): AddressList {
  const entries = text
    .split(/[\s,]+/)
    .map((e) => e.trim())
    .filter((e) => e !== '');
  const list = new AddressList(entries);
  for (const e of entries) {
    const m = /^\[?([^\]/]+)\]?(?:\/(\d{1,3}))?$/.exec(e);
    const address = m?.[1] ?? '';
    const family = isIP(address);
    if (!m || family === 0) throw new UsageError(`${what} ${e}: not an IP address or CIDR prefix`);
    const max = family === 4 ? 32 : 128;
    const prefix = m[2] === undefined ? max : Number(m[2]);
    if (prefix > max) throw new UsageError(`${what} ${e}: an IPv${family} prefix is at most /${max}`);
    list.add(address, prefix, family as 4 | 6);
  }
  return list;
}
