/**
 * What `call`, `serve`, `smoke` and `demo` share: a `Phone` built from the
 * options (`../settings.ts`), the exit code a call's end gives (the calls
 * layer's table of end reasons, `src/app/call-end.ts`), waiting for
 * Ctrl-C, and durations as a clock shows them.
 */
import type { Phone } from '../../app/phone.js';
import type { DougServer } from '../../doug/server.js';
import { UsageError } from '../../errors.js';
import type { Logger } from '../../log/logger.js';
import type { ShtoomOptions } from '../../options/index.js';
import type { Registration } from '../../sip/api/registration.js';

export { exitCodeOfEnd } from '../../app/call-end.js';
export { phoneFrom, phoneOptionsFrom, type PhoneFromOptions } from '../settings.js';

/**
 * Which local SIP port each command binds, as `config show` reports it:
 * - `free-unless-set`: a free (ephemeral) port, unless sip.port was set in
 *   the ini file, the environment or on the command line — a one-shot client
 *   should not collide with a phone already on 5060;
 * - `option`: sip.port (`serve --listen ADDR:PORT` overrides it);
 * - `loopback-free`: a free port on 127.0.0.1 whatever sip.port says.
 * The commands read it from here, so what `config show` says is what runs.
 */
export const SIP_PORT_USE = {
  call: 'free-unless-set',
  smoke: 'free-unless-set',
  ivr: 'free-unless-set',
  options: 'free-unless-set',
  register: 'option',
  serve: 'option',
  demo: 'loopback-free',
} as const satisfies Record<string, 'free-unless-set' | 'option' | 'loopback-free'>;

/** Whether `command` binds a free SIP port unless sip.port was set. */
export function ephemeralSipPort(command: keyof typeof SIP_PORT_USE): boolean {
  return SIP_PORT_USE[command] === 'free-unless-set';
}

/**
 * `--register`: register the phone's account (its AOR, at `--registrar`
 * or the AOR's domain) before calls, kept fresh until the phone closes.
 * Undefined when not asked; a missing AOR is a usage error; a refusal
 * rejects with the SIP failure (for `reportSipFailure`).
 */
export async function registerIfAsked(o: ShtoomOptions, phone: Phone, log: Logger): Promise<Registration | undefined> {
  if (!o.get('call.register')) return undefined;
  if (!o.get('account.aor'))
    throw new UsageError('--register needs the account: --aor sip:user@domain (and --user/--password)');
  const registrar = o.get('account.registrar');
  const reg = await phone.register(registrar ? { registrar } : {});
  log.info(`registered ${reg.aor} at ${reg.registrar} for ${reg.expires} s`);
  return reg;
}

/**
 * `p`, or, once `urgent` aborts (a second Ctrl-C), whatever `p` has become
 * after `graceMs` more: resolves true when `p` settled, false when the
 * grace ran out first. `p`'s rejection is passed on.
 */
export async function settledUnlessHurried(
  p: Promise<unknown>,
  urgent: AbortSignal,
  graceMs: number,
): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const grace = aborted(urgent).then(() => new Promise<false>((r) => (timer = setTimeout(() => r(false), graceMs))));
  try {
    return await Promise.race([p.then(() => true), grace]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/** A Promise that resolves when the command is asked to stop (Ctrl-C, SIGTERM). */
export function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/** `12.3 s` or `1:02:03`. */
export function clockTime(ms: number): string {
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** `stopServing`'s drain from the options (`--drain-timeout`, the 503s' `--retry-after`). */
export function drainOf(o: ShtoomOptions): { maxMs: number; retryAfterS: number } {
  return { maxMs: o.get('serve.drain-timeout'), retryAfterS: o.get('serve.retry-after') / 1000 };
}

/**
 * A server's graceful stop after the first signal: the registration goes
 * first (no new calls are routed here while the others end), then the calls
 * end with BYE unless a second signal hurries it; the totals are logged.
 * With `drain`, the calls first get up to `drain.maxMs` to end by
 * themselves while new ones are refused with 503.
 * `where` says more about the calls (`in 3 room(s)`).
 */
export async function stopServing(
  phone: Phone,
  server: DougServer,
  urgent: AbortSignal,
  log: Logger,
  where?: string,
  drain?: { readonly maxMs: number; readonly retryAfterS: number },
): Promise<void> {
  void phone.unregister().catch((err: Error) => log.warn(`unregister: ${err.message}`));
  if (drain && drain.maxMs > 0 && phone.calls.length > 0) {
    // Draining (behind a load balancer): new calls get 503 and go elsewhere; the calls up finish by themselves.
    phone.drain(drain.retryAfterS);
    log.info(
      `draining: ${phone.calls.length} call(s)${where ? ` ${where}` : ''} may go on for ${drain.maxMs / 1000} s; ` +
        'new calls and OPTIONS get 503 (a second signal ends them now)',
    );
    const left = await Promise.race([server.drain(drain.maxMs), aborted(urgent).then(() => phone.calls.length)]);
    log.info(left === 0 ? 'drained: every call ended by itself' : `drain time over: ${left} call(s) still up`);
  }
  log.info(`stopping: ending ${phone.calls.length} call(s)${where ? ` ${where}` : ''}`);
  await Promise.race([server.close(), aborted(urgent)]);
  log.info(
    `served ${server.stats.calls} call(s); ${server.stats.overloaded} refused at capacity; ` +
      `${server.stats.appErrors} app error(s)`,
  );
}
