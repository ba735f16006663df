/**
 * The timers of RFC 3261 17 (Table 4 of Appendix A) and RFC 6026, derived
 * from per-instance T1, T2 and T4 — never module globals, so a test or a
 * user agent can run with its own values.
 */
export interface SipTimers {
  /** RTT estimate (default 500 ms). */
  readonly t1: number;
  /** Maximum retransmission interval for non-INVITE requests and INVITE responses (default 4 s). */
  readonly t2: number;
  /** Maximum duration a message stays in the network (default 5 s). */
  readonly t4: number;
}

export const DEFAULT_TIMERS: SipTimers = { t1: 500, t2: 4000, t4: 5000 };

/** Timer values in ms for a transport (`reliable` zeroes the wait timers D, I, J, K). */
export interface TimerValues {
  readonly A: number;
  readonly B: number;
  readonly D: number;
  readonly E: number;
  readonly F: number;
  readonly G: number;
  readonly H: number;
  readonly I: number;
  readonly J: number;
  readonly K: number;
  readonly L: number;
  readonly M: number;
}

/** Values already computed per timer set (and for its T1, T2, T4): the transactions of a user agent share two. */
const computed = new WeakMap<
  SipTimers,
  { t1: number; t2: number; t4: number; reliable?: TimerValues; unreliable?: TimerValues }
>();

export function timerValues(t: SipTimers, reliable: boolean): TimerValues {
  let c = computed.get(t);
  if (!c || c.t1 !== t.t1 || c.t2 !== t.t2 || c.t4 !== t.t4) computed.set(t, (c = { t1: t.t1, t2: t.t2, t4: t.t4 }));
  if (reliable) return (c.reliable ??= compute(t, true));
  return (c.unreliable ??= compute(t, false));
}

function compute(t: SipTimers, reliable: boolean): TimerValues {
  const t64 = 64 * t.t1;
  return {
    A: t.t1,
    B: t64,
    // "Timer D: > 32s for UDP, 0s for TCP/SCTP"
    D: reliable ? 0 : Math.max(32_000, t64),
    E: t.t1,
    F: t64,
    G: t.t1,
    H: t64,
    I: reliable ? 0 : t.t4,
    J: reliable ? 0 : t64,
    K: reliable ? 0 : t.t4,
    // RFC 6026: Timer L and M, 64*T1.
    L: t64,
    M: t64,
  };
}

export function checkTimers(t: SipTimers): void {
  for (const k of ['t1', 't2', 't4'] as const) {
    if (!(Number.isFinite(t[k]) && t[k] > 0))
      throw new RangeError(`SIP timer ${k.toUpperCase()} must be a positive number of ms, got ${t[k]}`);
  }
  if (t.t2 < t.t1) throw new RangeError(`SIP timer T2 (${t.t2} ms) must not be smaller than T1 (${t.t1} ms)`);
}
