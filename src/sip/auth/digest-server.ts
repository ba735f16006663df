/**
 * The server side of digest authentication (RFC 3261 22.1, RFC 7616 3.3):
 * issue challenges and verify answers, for `shtoom serve` and tests.
 *
 * Nonces carry their creation time and are signed with a per-server secret,
 * so any nonce we issued can be checked without storing it. A nonce older
 * than `nonceLifetime` is stale (the client is asked again with stale=true
 * and retries without bothering its user). Every use of a nonce must carry
 * a larger nonce-count than the last accepted one, so a captured request is
 * never accepted twice. Sans-I/O: time comes in as `now`.
 *
 * @example
 * const server = new DigestServer({ realm: 'shtoom', lookup: (u) => (u === 'alice' ? 'secret' : undefined) });
 * const v = server.verify(request, now);
 * if (!v.ok) respond(401, { headers: server.challenge(now, v.stale).map((c) => ['WWW-Authenticate', c]) });
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SipRequest } from '../message/message.js';
import { CHALLENGE_UNQUOTED, formatAuthHeader, parseAuthHeader } from './auth-header.js';
import { parseUri, uriEquals } from '../message/uri.js';
import { digestResponse, parseAlgorithm, type DigestAlgorithm } from './digest.js';

/** The hash functions digest algorithms are built on (an algorithm and its -sess form share one H(A1)). */
export type DigestHash = 'MD5' | 'SHA-256' | 'SHA-512-256';

/**
 * What the server knows of a user: the password, or H(A1) =
 * H(username:realm:password) per hash function (RFC 7616 3.4.2). With HA1s
 * only, the user can answer only with the algorithms whose HA1 is known: a
 * user stored with a SHA-256 HA1 alone cannot log in with MD5.
 */
export interface DigestSecret {
  readonly password?: string;
  readonly ha1?: Partial<Record<DigestHash, string>>;
}

export interface DigestServerOptions {
  readonly realm: string;
  /** The password (or HA1s) of a user, or undefined when there is no such user. */
  readonly lookup: (username: string, realm: string) => string | DigestSecret | undefined;
  /**
   * Algorithms offered, strongest first (one challenge header each), and the
   * only ones accepted: `['SHA-256']` requires SHA-256 (an MD5 answer, or one
   * naming no algorithm, which means MD5, is refused). Default SHA-256 then MD5.
   */
  readonly algorithms?: readonly DigestAlgorithm[];
  /** How long a nonce stays fresh, ms (default 300 s). */
  readonly nonceLifetime?: number;
  /** Verify Proxy-Authorization (a proxy, 407) instead of Authorization (401). */
  readonly proxy?: boolean;
  /** Secret for signing nonces (default: random per server). */
  readonly secret?: Uint8Array;
  /** Random bytes for nonces (default: crypto). */
  readonly random?: (n: number) => Uint8Array;
}

export type VerifyResult =
  | { readonly ok: true; readonly username: string }
  | {
      readonly ok: false;
      /** The answer used an expired nonce (challenge again with stale=true). */
      readonly stale: boolean;
      /** Why, for logs: `no credentials`, `unknown user`, `wrong response`, `replayed nonce count`… */
      readonly reason: string;
      /**
       * Answering again cannot help (credentials for another Request-URI, an
       * algorithm the user may not use): answer 403 rather than a new challenge.
       */
      readonly forbidden?: boolean;
    };

export class DigestServer {
  readonly realm: string;
  private readonly opts: DigestServerOptions;
  private readonly secret: Uint8Array;
  private readonly random: (n: number) => Uint8Array;
  private readonly lifetime: number;
  /** Highest accepted nonce-count per nonce (pruned when nonces expire). */
  private readonly seen = new Map<string, { nc: number; expires: number }>();

  constructor(opts: DigestServerOptions) {
    this.opts = opts;
    this.realm = opts.realm;
    this.random = opts.random ?? ((n) => randomBytes(n));
    this.secret = opts.secret ?? this.random(32);
    this.lifetime = opts.nonceLifetime ?? 300_000;
  }

  /** The name of the challenge header this server sends. */
  get challengeHeader(): string {
    return this.opts.proxy ? 'Proxy-Authenticate' : 'WWW-Authenticate';
  }

  /** The status to challenge with. */
  get status(): 401 | 407 {
    return this.opts.proxy ? 407 : 401;
  }

  /** Challenge header values (one per algorithm), with a fresh nonce. */
  challenge(now: number, stale = false): string[] {
    const nonce = this.makeNonce(now);
    return (this.opts.algorithms ?? ['SHA-256', 'MD5']).map((algorithm) =>
      formatAuthHeader(
        'Digest',
        [
          ['realm', this.realm],
          ['nonce', nonce],
          ['algorithm', algorithm],
          ['qop', 'auth'],
          ['stale', stale ? 'true' : undefined],
        ],
        CHALLENGE_UNQUOTED,
      ),
    );
  }

  /** Check the request's Authorization (or Proxy-Authorization) for our realm. */
  verify(req: SipRequest, now: number): VerifyResult {
    const field = req.fields(this.opts.proxy ? 'proxy-authorization' : 'authorization').find((f) => {
      try {
        return parseAuthHeader(f.value).params.realm === this.realm;
      } catch {
        return false;
      }
    });
    if (!field) return { ok: false, stale: false, reason: 'no credentials for the realm' };
    const parsed = parseAuthHeader(field.value);
    if (parsed.scheme.toLowerCase() !== 'digest') return { ok: false, stale: false, reason: 'not digest' };
    const p = parsed.params;
    const algorithm = parseAlgorithm(p.algorithm);
    if (!algorithm || !(this.opts.algorithms ?? ['SHA-256', 'MD5']).includes(algorithm)) {
      return { ok: false, stale: false, reason: `algorithm ${p.algorithm} not offered` };
    }
    const { username, nonce, uri, response } = p;
    if (!username || !nonce || !uri || !response) return { ok: false, stale: false, reason: 'incomplete credentials' };
    const issued = this.checkNonce(nonce);
    if (issued === undefined) return { ok: false, stale: false, reason: 'not our nonce' };
    // RFC 7616 3.4.6: "The authenticating server MUST assure that the resource designated by the "uri"
    // parameter is the same as the resource specified in the Request-Line". Without it, a response computed
    // for one Request-URI (sip:echo@...) is accepted on a request for another (a premium number).
    if (!sameResource(uri, req.rawUri))
      return { ok: false, stale: false, forbidden: true, reason: `uri ${uri} is not the Request-URI` };
    const secret = this.opts.lookup(username, this.realm);
    if (secret === undefined) return { ok: false, stale: false, reason: 'unknown user' };
    const hash = algorithm.replace(/-sess$/i, '') as DigestHash;
    const password = typeof secret === 'string' ? secret : secret.password;
    const ha1 = typeof secret === 'string' ? undefined : secret.ha1?.[hash];
    if (password === undefined && ha1 === undefined)
      return { ok: false, stale: false, forbidden: true, reason: `algorithm ${algorithm} not allowed for ${username}` };
    const qop = p.qop?.toLowerCase();
    if (qop !== undefined && qop !== 'auth' && qop !== 'auth-int')
      return { ok: false, stale: false, reason: `qop ${qop}` };
    if (qop && (!p.nc || !/^[0-9a-fA-F]{8}$/.test(p.nc) || !p.cnonce))
      return { ok: false, stale: false, reason: 'qop without nc/cnonce' };
    const expected = digestResponse({
      algorithm,
      username,
      realm: this.realm,
      password: password ?? '',
      ...(ha1 !== undefined && password === undefined ? { ha1 } : {}),
      method: req.method,
      uri,
      nonce,
      ...(qop ? { qop: qop as 'auth' | 'auth-int', nc: p.nc!, cnonce: p.cnonce! } : {}),
      body: req.body,
    });
    const a = Buffer.from(expected);
    const b = Buffer.from(response.toLowerCase());
    if (a.length !== b.length || !timingSafeEqual(a, b))
      return { ok: false, stale: false, reason: 'wrong response (wrong password?)' };
    // Right password: now freshness and replay.
    if (now - issued > this.lifetime) return { ok: false, stale: true, reason: 'nonce expired' };
    const nc = qop ? parseInt(p.nc!, 16) : 0;
    this.prune(now);
    const prev = this.seen.get(nonce);
    if (prev && nc <= prev.nc) return { ok: false, stale: false, reason: `replayed nonce count ${nc}` };
    this.seen.set(nonce, { nc, expires: issued + this.lifetime });
    return { ok: true, username };
  }

  private makeNonce(now: number): string {
    const body = Buffer.concat([
      Buffer.from(Math.floor(now).toString(36) + '.'),
      Buffer.from(this.random(12)).subarray(0, 12),
    ]);
    const mac = createHmac('sha256', this.secret).update(body).digest().subarray(0, 16);
    return Buffer.concat([body, mac]).toString('base64url');
  }

  /** The creation time of a nonce we issued, or undefined when the signature does not match. */
  private checkNonce(nonce: string): number | undefined {
    const raw = Buffer.from(nonce, 'base64url');
    if (raw.length < 17 || raw.toString('base64url') !== nonce) return undefined;
    const body = raw.subarray(0, raw.length - 16);
    const mac = createHmac('sha256', this.secret).update(body).digest().subarray(0, 16);
    if (!timingSafeEqual(mac, raw.subarray(raw.length - 16))) return undefined;
    const dot = body.indexOf(46);
    const t = parseInt(body.subarray(0, dot).toString(), 36);
    return Number.isFinite(t) ? t : undefined;
  }

  private prune(now: number): void {
    if (this.seen.size < 1024) return;
    for (const [n, s] of this.seen) if (s.expires < now) this.seen.delete(n);
  }
}

/**
 * Whether the digest-uri names the Request-URI: the same text, or URIs
 * equal under RFC 3261 19.1.4 (a client may re-serialise: case of the
 * host, order of parameters). A uri that cannot be parsed must match as text.
 */
function sameResource(digestUri: string, requestUri: string): boolean {
  if (digestUri === requestUri) return true;
  try {
    return uriEquals(parseUri(digestUri), parseUri(requestUri));
  } catch {
    return false;
  }
}
