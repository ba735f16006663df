/**
 * The call port on real calls: scenario calls placed by a `Phone` over SIP
 * and RTP (the calls layer). Calls without an account go out from the
 * port's phone; a call step with an `account` goes out from a phone of its
 * own for that account — its AOR in From, its digest credentials, its proxy
 * as the outbound proxy — made on first use, registered when asked, and
 * shared by every later call with the same account.
 */
import { Phone, type PhoneOptions } from '../../app/phone.js';
import type { Clock } from '../../clock/clock.js';
import type { TimerHost } from '../../clock/timers.js';
import { normalizeListen } from '../../sip/api/listen.js';
import type { UserAgentOptions } from '../../sip/api/user-agent.js';
import type { CallAccount, CallLeg, CallPort, CallPortEvent, DialOptions } from '../call-port.js';
import type { EngineEnv } from '../engine/context.js';
import { CallPortError } from '../errors.js';
import { PhoneLeg } from './phone-leg.js';

export interface PhonePortOptions {
  /** The phone calls without an account are placed from (the port does not close it). */
  readonly phone: Phone;
  /**
   * Makes the phone for an account (its AOR, credentials and proxy in the
   * user agent). Default: none — a call with an account then fails.
   * `PhonePort.create` derives it from its phone options.
   */
  readonly phoneFor?: (account: CallAccount) => Promise<Phone>;
}

/** The user-agent settings an account stands for. */
export function accountUserAgent(account: CallAccount): Partial<UserAgentOptions> {
  const user = account.username ?? (account.aor ? /^sips?:([^@;:]+)@/i.exec(account.aor)?.[1] : undefined);
  return {
    ...(account.aor ? { aor: account.aor } : {}),
    ...(account.password !== undefined && user !== undefined
      ? { credentials: [{ username: decodeURIComponent(user), password: account.password }] }
      : {}),
    ...(account.proxy ? { outboundProxy: `sip:${account.proxy};lr` } : {}),
  };
}

/**
 * @example
 * const port = await PhonePort.create({ userAgent: { listen: '127.0.0.1:0' }, media: { address: '127.0.0.1' } });
 * const result = await runScenario(scenario, port.env());
 * await port.close();
 */
export class PhonePort implements CallPort {
  readonly phone: Phone;
  private readonly phoneFor: ((account: CallAccount) => Promise<Phone>) | undefined;
  private readonly accounts = new Map<string, Promise<Phone>>();
  private readonly legs = new Set<PhoneLeg>();
  private owned: Phone | undefined;
  private calls = 0;

  constructor(options: PhonePortOptions) {
    this.phone = options.phone;
    this.phoneFor = options.phoneFor;
  }

  /**
   * A port with a phone of its own made from `options` (closed by `close()`);
   * account phones are made from the same options, on a free port of the
   * same address.
   */
  static async create(given: PhoneOptions = {}): Promise<PhonePort> {
    const options = harnessMedia(given);
    const phone = await Phone.create({ inbandDtmf: 'off', ...options });
    const listen = normalizeListen(options.userAgent?.listen).map((e) => ({ address: e.address, port: 0 }));
    const port = new PhonePort({
      phone,
      phoneFor: (account) =>
        Phone.create({
          inbandDtmf: 'off',
          ...options,
          userAgent: { ...options.userAgent, listen, ...accountUserAgent(account) },
        }),
    });
    port.owned = phone;
    return port;
  }

  /** The clock every event's `at` is on (the phone's). */
  get clock(): Clock {
    return this.phone.platform.clock;
  }

  get timers(): TimerHost {
    return this.phone.platform.timers;
  }

  /** What the engine needs to run on this port: the port, its clock and timers. */
  env(): Pick<EngineEnv, 'port' | 'clock' | 'timers'> {
    return { port: this, clock: this.clock, timers: this.timers };
  }

  dial(target: string, options: DialOptions, onEvent: (event: CallPortEvent) => void): CallLeg {
    const phone = options.account ? this.accountPhone(options.account) : Promise.resolve(this.phone);
    const leg = new PhoneLeg(`call-${++this.calls}`, target, options, onEvent, this.clock, this.timers, phone);
    this.legs.add(leg);
    void leg.finished.then(() => this.legs.delete(leg));
    return leg;
  }

  private accountPhone(account: CallAccount): Promise<Phone> {
    const key = JSON.stringify([
      account.aor,
      account.username,
      account.password,
      account.proxy,
      account.register === true,
    ]);
    let p = this.accounts.get(key);
    if (!p) {
      const make = this.phoneFor;
      p = (async () => {
        if (!make)
          throw new CallPortError('this call port places calls from one phone only: it cannot take an account');
        const phone = await make(account);
        if (account.register) {
          try {
            await phone.register(account.proxy ? { registrar: `sip:${account.proxy}` } : {});
          } catch (e) {
            await phone.close();
            throw e;
          }
        }
        return phone;
      })();
      this.accounts.set(key, p);
      // A phone that could not be made is tried again by the next call.
      p.catch(() => this.accounts.delete(key));
    }
    return p;
  }

  /** Hang up what is still up, close (and unregister) the account phones, and the port's own phone. */
  async close(): Promise<void> {
    await Promise.all([...this.legs].map((l) => l.hangup().catch(() => undefined)));
    const phones = await Promise.all([...this.accounts.values()].map((p) => p.catch(() => undefined)));
    this.accounts.clear();
    await Promise.all(phones.map((p) => p?.close()));
    await this.owned?.close();
  }
}

/**
 * What a test hears must not lose speech nor be spliced: the jitter buffer
 * may fall a second behind before it drops a frame in speech (a phone's
 * default is 60 ms), and cuts or grows its delay only in a pause of at
 * least 200 ms (a phone takes any quiet frame, a stop consonant's closure
 * inside a word too: the start-up delay coming down mid-prompt cut 40 ms
 * out of a word, and the prompt's own text was rejected), waiting up to
 * 10 s for one. Jitter-buffer options the caller sets win; no jitter buffer
 * stays none.
 */
export function harnessMedia(o: PhoneOptions): PhoneOptions {
  const jb = o.media?.rtp?.jitterBuffer;
  if (jb === false) return o;
  const recorder = { maxLagMs: 1000, pauseFrames: 10, quietGraceFrames: 500, ...jb };
  return { ...o, media: { ...o.media, rtp: { ...o.media?.rtp, jitterBuffer: recorder } } };
}
