/**
 * Who may use a listening SIP core (`shtoom serve`): source address lists,
 * per-source limits and digest authentication of the requests that cost
 * something (calls, messages, subscriptions, transfers).
 *
 * Theory of operation. Every request the core reads goes through
 * `screen(address, now)` first, before any parsing answer:
 * 1. a source in `deny`, or not in `allow` when there is one, is ignored;
 * 2. a source that is serving a ban is ignored;
 * 3. each source has a token bucket of `requestsPerSecond` (burst: twice
 *    that); a source that empties it is banned for `banMs`.
 * Ignored means no answer at all: a scanner learns nothing (not even that
 * a SIP server is there), and a spoofed source cannot make us send to a
 * third party. The first ban of a source is logged, then once per ban.
 *
 * Then a new request outside a dialog whose method is in `methods` must
 * carry valid digest credentials (`authenticate`): without any it is
 * challenged (401, SHA-256 then MD5: RFC 8760 3); wrong ones count as a
 * failed authentication, and `failedAuthPerMinute` of them ban the source;
 * credentials computed for another Request-URI, or with an algorithm the
 * user may not use, are answered 403. `rules` (`--auth-rules`) can open
 * some Request-URIs to anyone: the first rule matching the URI's user
 * decides; a URI no rule matches needs credentials.
 *
 * A source is an IPv4 address or an IPv6 /64. The table of sources is
 * bounded (`maxSources`): past it, the oldest entries that are not banned
 * are forgotten. Sans-I/O: time comes in as `now` (ms).
 */
import type { Logger } from '../../log/logger.js';
import { sourceKey } from '../../util/ip-address.js';
import type { DigestServer } from '../auth/digest-server.js';
import type { SipRequest } from '../message/message.js';
import type { AutoResponse } from '../core/uas-checks.js';
import type { AddressList } from './address-list.js';
import type { AuthRules } from './auth-rules.js';

/** The user each request was authenticated as (by `AccessControl.authenticate`). */
const authenticated = new WeakMap<SipRequest, string>();

/**
 * The user name `req` was authenticated as by digest (`serve --auth`);
 * undefined when it was not (no `--auth`, or a method not challenged).
 */
export function authenticatedUser(req: SipRequest): string | undefined {
  return authenticated.get(req);
}

/**
 * Mark a copy of a request as authenticated as `user`: a media worker's
 * copy of an INVITE the main thread's access control checked.
 */
export function noteAuthenticated(req: SipRequest, user: string): void {
  authenticated.set(req, user);
}

/** Methods that need credentials by default. */
export const AUTH_METHODS = ['INVITE', 'MESSAGE', 'SUBSCRIBE', 'REFER'] as const;

export interface AccessControlOptions {
  /** Only these sources are served (undefined: all but `deny`). */
  readonly allow?: AddressList;
  /** Sources never served (checked before `allow`). */
  readonly deny?: AddressList;
  /** Requests per second one source may send (burst: twice as many); 0: no limit. Default 0. */
  readonly requestsPerSecond?: number;
  /** Failed authentications a source may have in a minute before it is banned; 0: no limit. Default 10. */
  readonly failedAuthPerMinute?: number;
  /**
   * How long a source over a limit is ignored, ms. Default 60 s. A source
   * banned again within `BAN_MEMORY_MS` of its last ban's end is ignored
   * twice as long as the last time (at most `MAX_BAN_MS`).
   */
  readonly banMs?: number;
  /** Authenticate these requests (undefined: no authentication). */
  readonly digest?: DigestServer;
  /** Which Request-URIs need credentials (undefined: all). */
  readonly rules?: AuthRules;
  /** Methods that need credentials outside a dialog. Default INVITE, MESSAGE, SUBSCRIBE, REFER. */
  readonly methods?: readonly string[];
  /** Sources remembered at most. Default 10,000. */
  readonly maxSources?: number;
  readonly log?: Logger;
}

interface SourceState {
  tokens: number;
  refilledAt: number;
  failures: number;
  windowStart: number;
  bannedUntil: number;
  /** Bans in a row (each within BAN_MEMORY_MS of the last one's end): the next lasts banMs × 2^bans. */
  bans: number;
}

/** A ban soon after the last one (within this of its end) lasts twice as long. */
export const BAN_MEMORY_MS = 60 * 60_000;
/** The longest ban: a day. */
export const MAX_BAN_MS = 24 * 60 * 60_000;

/** What the access control did so far. */
export interface AccessStats {
  /** Requests ignored: denied or not allowed sources. */
  refused: number;
  /** Requests ignored from banned sources. */
  ignored: number;
  /** Bans imposed. */
  bans: number;
  /** Challenges sent (401). */
  challenges: number;
  /** Failed authentications (wrong credentials). */
  failures: number;
  /** Requests authenticated. */
  authenticated: number;
  /** Requests let through without credentials by an `open` rule (`--auth-rules`). */
  open: number;
}

export class AccessControl {
  readonly stats: AccessStats = {
    refused: 0,
    ignored: 0,
    bans: 0,
    challenges: 0,
    failures: 0,
    authenticated: 0,
    open: 0,
  };
  private readonly sources = new Map<string, SourceState>();
  private readonly rps: number;
  private readonly failLimit: number;
  private readonly banMs: number;
  private readonly maxSources: number;
  private readonly methods: ReadonlySet<string>;

  constructor(private readonly opts: AccessControlOptions) {
    this.rps = opts.requestsPerSecond ?? 0;
    this.failLimit = opts.failedAuthPerMinute ?? 10;
    this.banMs = opts.banMs ?? 60_000;
    this.maxSources = Math.max(1, opts.maxSources ?? 10_000);
    this.methods = new Set(opts.methods ?? AUTH_METHODS);
  }

  /** Whether digest authentication is asked of anyone. */
  get authenticating(): boolean {
    return this.opts.digest !== undefined;
  }

  /** Whether a request from `address` is looked at (false: ignore it, without an answer). */
  screen(address: string, now: number): boolean {
    const { allow, deny } = this.opts;
    if (deny?.has(address) || (allow && !allow.has(address))) {
      this.stats.refused++;
      return false;
    }
    if (this.rps <= 0 && this.failLimit <= 0) return true;
    const key = sourceKey(address);
    const s = this.sources.get(key);
    if (s && s.bannedUntil > now) {
      this.stats.ignored++;
      return false;
    }
    if (this.rps <= 0) return true;
    const st = s ?? this.add(key, now);
    const burst = 2 * this.rps;
    st.tokens = Math.min(burst, st.tokens + ((now - st.refilledAt) * this.rps) / 1000);
    st.refilledAt = now;
    if (st.tokens < 1) {
      this.ban(key, st, now, `over ${this.rps} requests/s (--sip-rate-limit)`);
      this.stats.ignored++;
      return false;
    }
    st.tokens -= 1;
    return true;
  }

  /**
   * Check the credentials of a new request outside a dialog from `address`:
   * undefined when it may go on, else the answer (401 challenge, 403).
   */
  authenticate(req: SipRequest, address: string, now: number): AutoResponse | undefined {
    const digest = this.opts.digest;
    if (!digest || req.toTag !== undefined || !this.methods.has(req.method)) return undefined;
    if (this.opts.rules && !this.opts.rules.needsAuth(req.uri.kind === 'sip' ? req.uri.user : undefined)) {
      this.stats.open++;
      return undefined;
    }
    const v = digest.verify(req, now);
    if (v.ok) {
      this.stats.authenticated++;
      authenticated.set(req, v.username);
      return undefined;
    }
    const fresh = v.reason.startsWith('no credentials');
    if (!fresh && !v.stale) {
      this.stats.failures++;
      this.opts.log?.debug(`authentication failed: ${v.reason}`, { from: address, method: req.method });
      this.failed(address, now);
    }
    // RFC 7616 3.4.6 asks 400 for a uri that is not the Request-URI; credentials that cannot succeed
    // however often they are sent are answered 403 (RFC 3261 21.4.4: "authorization will not help").
    if (v.forbidden) return { status: 403, headers: [], why: v.reason };
    this.stats.challenges++;
    // RFC 3261 22.2: "a UAS ... MUST ... challenge the originator ... by issuing a 401 (Unauthorized)".
    // RFC 8760 2.4: one WWW-Authenticate per algorithm, in order of preference (SHA-256 first).
    return {
      status: digest.status,
      headers: digest.challenge(now, v.stale).map((c) => [digest.challengeHeader, c] as [string, string]),
      why: fresh ? 'challenge' : v.reason,
    };
  }

  /** Whether `address` is serving a ban at `now`. */
  banned(address: string, now: number): boolean {
    return (this.sources.get(sourceKey(address))?.bannedUntil ?? 0) > now;
  }

  private failed(address: string, now: number): void {
    if (this.failLimit <= 0) return;
    const key = sourceKey(address);
    const s = this.sources.get(key) ?? this.add(key, now);
    if (now - s.windowStart >= 60_000) {
      s.windowStart = now;
      s.failures = 0;
    }
    s.failures++;
    if (s.failures >= this.failLimit)
      this.ban(key, s, now, `${s.failures} failed authentications in a minute (--sip-auth-failures)`);
  }

  private ban(key: string, s: SourceState, now: number, why: string): void {
    // A guesser that comes back after each ban would get `failLimit` guesses per ban time for ever
    // (10 a minute: a 4-digit password in under 17 hours). Doubling the ban: 10 guesses, 10 more after
    // 1, 3, 7, 15, 31 … minutes; 100 take 8.5 hours, and with bans capped at a day, 10,000 take 2.7 years.
    if (s.bannedUntil > 0 && now - s.bannedUntil > BAN_MEMORY_MS) s.bans = 0;
    const ms = Math.min(MAX_BAN_MS, this.banMs * 2 ** Math.min(s.bans, 20));
    s.bans++;
    s.bannedUntil = now + ms;
    s.failures = 0;
    s.windowStart = now;
    s.tokens = 2 * this.rps;
    this.stats.bans++;
    const again = s.bans > 1 ? ` (ban ${s.bans} in a row: each twice as long)` : '';
    this.opts.log?.warn(`ignoring ${key} for ${Math.round(ms / 1000)} s: ${why}${again}`);
  }

  private add(key: string, now: number): SourceState {
    if (this.sources.size >= this.maxSources) this.prune(now);
    const s: SourceState = {
      tokens: 2 * this.rps,
      refilledAt: now,
      failures: 0,
      windowStart: now,
      bannedUntil: 0,
      bans: 0,
    };
    this.sources.set(key, s);
    return s;
  }

  /** Forget sources with nothing to remember; if that is not enough, the oldest that are not banned. */
  private prune(now: number): void {
    for (const [k, s] of this.sources)
      if (s.bannedUntil <= now - (s.bans > 0 ? BAN_MEMORY_MS : 0) && s.failures === 0 && s.tokens >= 2 * this.rps - 1)
        this.sources.delete(k);
    for (const [k, s] of this.sources) {
      if (this.sources.size < this.maxSources) break;
      if (s.bannedUntil <= now) this.sources.delete(k);
    }
    // Only banned sources left and still full: the oldest ban goes (the table stays bounded).
    while (this.sources.size >= this.maxSources) this.sources.delete(this.sources.keys().next().value!);
  }
}
