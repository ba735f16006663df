/**
 * Which Request-URIs need digest authentication (`--auth-rules`): an
 * ordered list of `PATTERN:auth` and `PATTERN:open`, the first rule whose
 * pattern matches the Request-URI's user part decides; a URI no rule
 * matches needs authentication. Patterns are globs: `*` any run of
 * characters, `?` one character; `*` also matches a URI without a user
 * part. A voicemail server whose callers leave messages without an
 * account while the owners' menu asks for one:
 *
 * @example
 * const rules = parseAuthRules('voicemail:auth, *:open', '--auth-rules');
 * rules.needsAuth('voicemail'); // true
 * rules.needsAuth('100'); // false
 */
import { UsageError } from '../../errors.js';

export interface AuthRule {
  readonly pattern: string;
  readonly action: 'auth' | 'open';
}

const PATTERN = /^[A-Za-z0-9._~!$&'()+;=%*?-]{1,64}$/;

export class AuthRules {
  private readonly compiled: readonly { readonly re: RegExp; readonly action: 'auth' | 'open' }[];

  constructor(readonly rules: readonly AuthRule[]) {
    this.compiled = rules.map((r) => ({ re: globToRegExp(r.pattern), action: r.action }));
  }

  /** Whether a request to a URI with this user part (undefined: none) needs authentication. */
  needsAuth(user: string | undefined): boolean {
    const u = user ?? '';
    for (const r of this.compiled) if (r.re.test(u)) return r.action === 'auth';
    return true;
  }
}

function globToRegExp(glob: string): RegExp {
  const body = [...glob].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')));
  return new RegExp(`^${body.join('')}$`, 'i');
}

/**
 * `PATTERN:auth|open,…`; a usage error (exit 2) naming `flag` and the rule
 * that cannot be read.
 */
export function parseAuthRules(text: string, flag: string): AuthRules {
  const rules: AuthRule[] = [];
  for (const item of text.split(',').map((s) => s.trim())) {
    if (item === '') continue;
    const colon = item.lastIndexOf(':');
    const pattern = colon > 0 ? item.slice(0, colon).trim() : '';
    const action =
      colon > 0
        ? item
            .slice(colon + 1)
            .trim()
            .toLowerCase()
        : '';
    if (!PATTERN.test(pattern) || (action !== 'auth' && action !== 'open'))
      throw new UsageError(
        `${flag} ${JSON.stringify(item)}: a rule is PATTERN:auth or PATTERN:open (PATTERN a URI user, * and ? ` +
          'as wildcards), e.g. voicemail:auth,*:open',
      );
    rules.push({ pattern, action });
  }
  if (rules.length === 0) throw new UsageError(`${flag}: no rules; e.g. voicemail:auth,*:open`);
  return new AuthRules(rules);
}
