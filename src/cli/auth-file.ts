/**
 * The users of `shtoom serve --auth FILE`, an ini file: the realm first,
 * then one section per user, named as the user logs in:
 *
 * ```ini
 * realm = shtoom            ; the digest realm (default shtoom); HA1s are hashed with it
 * [alice]
 * password = secret
 * [bob]                     ; no password on disk: H(bob:realm:password), per hash
 * ha1-sha256 = 5c3c…(64 hex digits)
 * ha1-md5 = 0b2d…(32 hex digits)   ; leave it out to refuse MD5 for bob
 * ```
 *
 * A user given only `ha1-sha256` can log in with SHA-256 only (RFC 8760);
 * one with a password, with any algorithm offered. Anything that cannot
 * work stops the program with one line naming the file and the line (a
 * usage error, exit 2).
 */
import { UsageError } from '../errors.js';
import type { DigestSecret } from '../sip/auth/digest-server.js';
import { iniLines, readIniText } from './ini-lines.js';

export interface AuthFile {
  readonly realm: string;
  readonly users: ReadonlyMap<string, DigestSecret>;
}

const HA1_KEYS = { 'ha1-sha256': ['SHA-256', 64], 'ha1-md5': ['MD5', 32] } as const;

/**
 * Read and check an auth file.
 *
 * @example
 * const { realm, users } = readAuthFile('/etc/shtoom/users.ini');
 */
export function readAuthFile(file: string): AuthFile {
  return parseAuthFile(readIniText('--auth', file), file);
}

/** Parse auth-file text (`file` names it in messages). */
export function parseAuthFile(text: string, file: string): AuthFile {
  let realm = 'shtoom';
  const users = new Map<string, { password?: string; ha1: Partial<Record<'SHA-256' | 'MD5', string>> }>();
  let user: string | undefined;
  for (const l of iniLines(text, file)) {
    const where = l.where;
    if (l.kind === 'section') {
      user = l.name;
      if (user === '' || /[\s"\\:]/.test(user)) throw new UsageError(`${where}: [${user}] is not a user name`);
      if (users.has(user)) throw new UsageError(`${where}: user ${user} is listed twice`);
      users.set(user, { ha1: {} });
      continue;
    }
    if (l.kind === 'other') throw new UsageError(`${where}: not a "key = value" line`);
    const key = l.key.toLowerCase();
    const value = l.value;
    if (user === undefined) {
      if (key !== 'realm') throw new UsageError(`${where}: ${key} before any [user] section (only realm goes there)`);
      if (value === '' || /["\\]/.test(value)) throw new UsageError(`${where}: realm ${value} cannot be used`);
      if (users.size > 0) throw new UsageError(`${where}: realm must come before the users`);
      realm = value;
      continue;
    }
    const u = users.get(user)!;
    if (key === 'password') {
      if (value === '') throw new UsageError(`${where}: ${user} has an empty password`);
      u.password = value;
    } else if (key === 'ha1-sha256' || key === 'ha1-md5') {
      const [hash, digits] = HA1_KEYS[key];
      if (!new RegExp(`^[0-9a-fA-F]{${digits}}$`).test(value))
        throw new UsageError(`${where}: ${key} must be ${digits} hex digits: H(${user}:${realm}:password)`);
      u.ha1[hash] = value.toLowerCase();
    } else {
      throw new UsageError(`${where}: unknown key ${key} (password, ha1-sha256, ha1-md5)`);
    }
  }
  const out = new Map<string, DigestSecret>();
  for (const [name, u] of users) {
    if (u.password === undefined && Object.keys(u.ha1).length === 0)
      throw new UsageError(`${file}: user ${name} has no password, ha1-sha256 or ha1-md5`);
    out.set(name, u.password !== undefined ? { password: u.password } : { ha1: u.ha1 });
  }
  if (out.size === 0) throw new UsageError(`--auth ${file}: no users: nobody could call`);
  return { realm, users: out };
}
