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
import { BlockList, isIP } from 'node:net';
import { UsageError } from '../../errors.js';

export class AddressList {
  private readonly blocks = new BlockList();

  constructor(readonly entries: readonly string[]) {}

  /** Whether `address` (an IP literal) is in the list. */
  has(address: string): boolean {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    const ip = mapped ? mapped[1]! : address;
    const family = isIP(ip);
    if (family === 0) return false;
    return this.blocks.check(ip, family === 4 ? 'ipv4' : 'ipv6');
  }

  /** @internal */
  add(address: string, prefix: number, family: 4 | 6): void {
    this.blocks.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
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
