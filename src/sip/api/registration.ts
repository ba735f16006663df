/** A registration as the application sees it (see `UserAgent.register`). */
import type { NameAddr } from '../message/name-addr.js';
import { formatUri, type SipUri } from '../message/uri.js';
import { getParam } from '../message/params.js';
import type { RegistrationOwner } from '../core/owners.js';
import type { Registration as CoreRegistration, RegistrationState } from '../core/registration.js';
import { SipStateError } from '../errors.js';
import { TypedEmitter, quietPromise } from '../../util/emitter.js';
import { failureOf } from './failure.js';
import type { UaInternals } from './internals.js';

/** One binding the registrar returned. */
export interface Binding {
  readonly uri: string;
  /** Seconds left, when the registrar said. */
  readonly expires?: number;
  readonly q?: number;
}

export type RegistrationEvents = {
  /** A refresh succeeded. */
  refreshed: [expires: number, bindings: readonly Binding[]];
  /** A refresh failed (it is retried); the error says why. */
  failed: [error: Error];
  unregistered: [];
};

export function bindingOf(na: NameAddr): Binding {
  const e = getParam(na.params, 'expires');
  const q = getParam(na.params, 'q');
  return {
    uri: formatUri(na.uri),
    ...(e ? { expires: Number(e) } : {}),
    ...(q && !Number.isNaN(Number(q)) ? { q: Number(q) } : {}),
  };
}

/**
 * @example
 * const reg = await ua.register({ registrar: 'sip:example.com', expires: 600 });
 * console.log(`registered for ${reg.expires} s`, reg.bindings);
 * reg.on('failed', (e) => console.error(e.message));
 * await reg.unregister();
 */
export class Registration extends TypedEmitter<RegistrationEvents> implements RegistrationOwner {
  /** Granted expiry in seconds (updated by refreshes). */
  expires = 0;
  bindings: readonly Binding[] = [];
  /** @internal first outcome */
  readonly first = quietPromise<Registration>();
  private unreg: ReturnType<typeof quietPromise<void>> | undefined;
  private settled = false;
  /** Registered once and not removed since: the registrar may hold our binding. */
  private holding = false;
  private bound: CoreRegistration | undefined;
  private stopWhenBound = false;

  /**
   * @internal The handle exists before its first REGISTER: it owns the
   * registration from the start (a failure reported while the REGISTER is
   * being sent reaches it), and the core's registration is bound to it then.
   */
  constructor(
    private readonly ua: UaInternals,
    private readonly target: { readonly registrar: SipUri; readonly aor: SipUri },
    /** Called once the binding is removed (the user agent stops tracking it). */
    private readonly forget: () => void = () => {},
  ) {
    super();
  }

  /** @internal */
  bind(core: CoreRegistration): void {
    this.bound = core;
    if (this.stopWhenBound) this.ua.act((now) => core.stop(now));
  }

  /** @internal */
  get core(): CoreRegistration {
    if (!this.bound) throw new SipStateError(`REGISTER ${this.aor}: not sent yet`);
    return this.bound;
  }

  get registrar(): string {
    return formatUri(this.target.registrar);
  }
  get aor(): string {
    return formatUri(this.target.aor);
  }
  /** The Contact we registered. */
  get contact(): string {
    return formatUri(this.core.contactUri);
  }

  get registered(): boolean {
    return this.core.state === 'registered';
  }

  /**
   * Whether the registrar may hold our binding: registered once and not
   * removed since — also while a refresh is under way, or after one failed
   * (the binding lives until it expires). What `unregister()` is for.
   */
  get active(): boolean {
    return this.holding;
  }

  /**
   * Send a keep-alive (a double CRLF, RFC 5626 3.5.1) to the registrar
   * every `intervalMs` until `unregister()` or the user agent closes; 0
   * stops them. Behind a NAT, keep the interval below the NAT's UDP
   * timeout, or the registrar can no longer reach us.
   *
   * @example
   * const reg = await ua.register();
   * reg.keepAlive(25_000);
   */
  keepAlive(intervalMs: number): void {
    this.ua.act((now) => this.core.keepAlive(now, intervalMs));
  }

  /**
   * Stop refreshing and leave the binding at the registrar until it expires:
   * neither this handle nor the user agent's `close()` removes it. What a
   * one-shot `shtoom register` does (the expiry it printed is what the
   * registrar keeps).
   */
  release(): void {
    this.holding = false;
    this.forget();
    const core = this.bound;
    if (core) this.ua.act((now) => core.stop(now));
    else this.stopWhenBound = true;
  }

  /** Remove our binding (expires=0) and stop refreshing; with `all`, every binding of the AOR (`Contact: *`). */
  unregister(opts: { all?: boolean } = {}): Promise<void> {
    if (this.unreg) return this.unreg.promise;
    this.unreg = quietPromise<void>();
    this.ua.act((now) => this.core.unregister(now, opts.all ?? false));
    return this.unreg.promise;
  }

  /** @internal */
  onState(s: RegistrationState): void {
    const what = `REGISTER ${this.aor} at ${this.registrar}`;
    if (s.kind === 'registered') {
      this.holding = true;
      this.expires = s.expires;
      this.bindings = s.bindings.map(bindingOf);
      if (!this.settled) {
        this.settled = true;
        this.first.resolve(this);
      } else this.emit('refreshed', s.expires, this.bindings);
    } else if (s.kind === 'failed') {
      const err = failureOf(what, s.outcome);
      if (!this.settled) {
        this.settled = true;
        // No refreshes for a registration that never succeeded.
        const core = this.bound;
        if (core) this.ua.act((now) => core.stop(now));
        else this.stopWhenBound = true;
        this.first.reject(err);
      } else this.emit('failed', err);
    } else if (s.kind === 'unregistered') {
      this.holding = false;
      this.forget();
      this.emit('unregistered');
      const ok = s.outcome.kind === 'response' && s.outcome.response.status < 300;
      if (ok || s.outcome.kind === 'closed') this.unreg?.resolve();
      else this.unreg?.reject(failureOf(`un-REGISTER ${this.aor}`, s.outcome));
    }
  }
}
