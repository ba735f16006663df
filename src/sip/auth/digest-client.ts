/**
 * The client side of digest authentication (RFC 3261 22.2-22.4, RFC 7616):
 * answer a 401 or 407 with credentials for each challenged realm, counting
 * nonce uses (nc) and choosing the strongest algorithm offered. A realm
 * challenged again after we answered it means the credentials were refused
 * — unless the server says `stale=true` (RFC 7616 3.3: the nonce expired,
 * retry with the new one without asking the user again).
 *
 * @example
 * const client = new DigestClient([{ username: 'alice', password: 'secret' }], () => 'c0ffee');
 * const r = client.answer(request, response401, new Map());
 * if (r.ok) retryWith(r.fields); // [['Authorization', 'Digest username="alice", …']]
 */
import { SipParseError } from '../errors.js';
import type { SipRequest, SipResponse } from '../message/message.js';
import { parseAuthHeader, formatAuthHeader } from './auth-header.js';
import { algorithmRank, digestResponse, parseAlgorithm, type DigestAlgorithm } from './digest.js';

/** A user name and password, for one realm or (without `realm`) for any realm. */
export interface Credentials {
  readonly username: string;
  readonly password: string;
  readonly realm?: string;
}

export interface Challenge {
  readonly realm: string;
  readonly nonce: string;
  readonly algorithm: DigestAlgorithm;
  readonly qop: readonly string[];
  readonly opaque?: string;
  readonly stale: boolean;
}

export type AnswerResult =
  | {
      readonly ok: true;
      readonly fields: readonly (readonly [string, string])[];
      readonly realms: ReadonlyMap<string, string>;
    }
  | {
      readonly ok: false;
      /**
       * `no-credentials` (none for the realm), `rejected` (ours were refused), `unsupported` (no digest challenge we
       * can answer).
       */
      readonly reason: 'no-credentials' | 'rejected' | 'unsupported';
      readonly realm?: string;
    };

/** The digest challenges of a 401 (WWW-Authenticate) or 407 (Proxy-Authenticate), the best one per realm. */
export function challengesOf(res: SipResponse): Challenge[] {
  const name = res.status === 407 ? 'proxy-authenticate' : 'www-authenticate';
  const best = new Map<string, Challenge>();
  for (const f of res.fields(name)) {
    let h;
    try {
      h = parseAuthHeader(f.value);
    } catch (e) {
      if (e instanceof SipParseError) continue;
      throw e;
    }
    if (h.scheme.toLowerCase() !== 'digest') continue;
    const algorithm = parseAlgorithm(h.params.algorithm);
    const realm = h.params.realm;
    const nonce = h.params.nonce;
    if (!algorithm || realm === undefined || nonce === undefined) continue;
    const c: Challenge = {
      realm,
      nonce,
      algorithm,
      qop: (h.params.qop ?? '')
        .split(',')
        .map((q) => q.trim().toLowerCase())
        .filter(Boolean),
      ...(h.params.opaque !== undefined ? { opaque: h.params.opaque } : {}),
      stale: (h.params.stale ?? '').toLowerCase() === 'true',
    };
    const prev = best.get(realm);
    if (!prev || algorithmRank(c.algorithm) > algorithmRank(prev.algorithm)) best.set(realm, c);
  }
  return [...best.values()];
}

export class DigestClient {
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly credentials: readonly Credentials[],
    /** A fresh client nonce (random, opaque). */
    private readonly cnonce: () => string,
  ) {}

  /** The credentials for `realm`: an exact realm match first, then realm-less ones. */
  find(realm: string): Credentials | undefined {
    return this.credentials.find((c) => c.realm === realm) ?? this.credentials.find((c) => c.realm === undefined);
  }

  /**
   * Answer the challenges of `res` for a retry of `req`. `answered` maps the
   * realms this request already answered to the nonce used; a realm
   * challenged again without stale=true fails with `rejected`.
   */
  answer(req: SipRequest, res: SipResponse, answered: ReadonlyMap<string, string>): AnswerResult {
    const challenges = challengesOf(res);
    if (challenges.length === 0) return { ok: false, reason: 'unsupported' };
    const header = res.status === 407 ? 'Proxy-Authorization' : 'Authorization';
    const fields: [string, string][] = [];
    const realms = new Map<string, string>();
    for (const c of challenges) {
      // RFC 7616 3.3 / RFC 2617 3.2.1: stale=true means "the nonce was stale, the credentials were fine".
      if (answered.has(c.realm) && !c.stale) return { ok: false, reason: 'rejected', realm: c.realm };
      const cred = this.find(c.realm);
      if (!cred) return { ok: false, reason: 'no-credentials', realm: c.realm };
      const qop = c.qop.includes('auth') ? 'auth' : c.qop.includes('auth-int') ? 'auth-int' : undefined;
      const nc = qop ? this.nextCount(c.nonce) : undefined;
      const cnonce = qop || c.algorithm.endsWith('-sess') ? this.cnonce() : undefined;
      const response = digestResponse({
        algorithm: c.algorithm,
        username: cred.username,
        realm: c.realm,
        password: cred.password,
        method: req.method,
        uri: req.rawUri,
        nonce: c.nonce,
        ...(qop ? { qop } : {}),
        ...(nc ? { nc } : {}),
        ...(cnonce ? { cnonce } : {}),
        body: req.body,
      });
      fields.push([
        header,
        formatAuthHeader('Digest', [
          ['username', cred.username],
          ['realm', c.realm],
          ['nonce', c.nonce],
          ['uri', req.rawUri],
          ['response', response],
          ['algorithm', c.algorithm],
          ['cnonce', cnonce],
          ['opaque', c.opaque],
          ['qop', qop],
          ['nc', nc],
        ]),
      ]);
      realms.set(c.realm, c.nonce);
    }
    return { ok: true, fields, realms };
  }

  private nextCount(nonce: string): string {
    const n = (this.counts.get(nonce) ?? 0) + 1;
    this.counts.set(nonce, n);
    if (this.counts.size > 256) this.counts.delete(this.counts.keys().next().value!);
    return n.toString(16).padStart(8, '0');
  }
}

/** The realm of an Authorization / Proxy-Authorization field value. */
export function realmOfAuthorization(value: string): string | undefined {
  try {
    return parseAuthHeader(value).params.realm;
  } catch {
    return undefined;
  }
}
