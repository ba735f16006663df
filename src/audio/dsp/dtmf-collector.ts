/**
 * Collecting DTMF keys the way an IVR does: keys are kept as they arrive
 * (type-ahead: a key pressed during a prompt counts for the next
 * collection), and a collection takes up to `max` of them, stops at a
 * terminator (consumed, not returned), and gives up after a wait for the
 * first key and between keys. Written once for the voice apps (doug's
 * `VoiceCall`) and the IVR simulator the harness tests against.
 */
import type { TimerHandle, TimerHost } from '../../clock/timers.js';

export interface CollectRule {
  /** Keys to collect at most. */
  readonly max: number;
  /** A key that ends the input (consumed, not returned), e.g. `#`. */
  readonly terminator?: string | undefined;
  /** Wait for the first key this long, ms. */
  readonly firstKeyMs: number;
  /** Wait for each next key this long, ms. */
  readonly interKeyMs: number;
}

/**
 * @example
 * const keys = new DtmfCollector(timers);
 * call.on('dtmf', (d) => keys.push(d.digit));
 * const stop = keys.collect({ max: 4, terminator: '#', firstKeyMs: 10_000, interKeyMs: 5000 }, (pin) => use(pin));
 */
export class DtmfCollector {
  private keys = '';
  private readonly listeners = new Set<() => void>();

  constructor(private readonly timers: TimerHost) {}

  /** Keys received and not yet taken. */
  get pending(): string {
    return this.keys;
  }

  /** A key arrived. */
  push(key: string): void {
    this.keys += key;
    for (const l of [...this.listeners]) l();
  }

  /** Take the oldest key, if any. */
  take(): string | undefined {
    const k = this.keys[0];
    if (k !== undefined) this.keys = this.keys.slice(1);
    return k;
  }

  /** Forget the keys received so far. */
  clear(): void {
    this.keys = '';
  }

  /** Call `fn` on every key that arrives; returns the function that stops it. */
  onKey(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /**
   * Collect keys by `rule`, those already received first; `done` is called
   * once with what was collected (possibly nothing, when the time is up),
   * at once when the keys already received suffice. Returns the function
   * that stops collecting (`done` is then never called).
   */
  collect(rule: CollectRule, done: (keys: string) => void): () => void {
    let got = '';
    let timer: TimerHandle | undefined;
    let stopKeys: (() => void) | undefined;
    // Take keys until `max` or the terminator: true when the collection is complete.
    const take = (): boolean => {
      for (let k = this.take(); k !== undefined; k = this.take()) {
        if (rule.terminator !== undefined && k === rule.terminator) return true;
        got += k;
        if (got.length >= rule.max) return true;
      }
      return false;
    };
    const stop = () => {
      if (timer !== undefined) this.timers.clearTimer(timer);
      timer = undefined;
      stopKeys?.();
      stopKeys = undefined;
    };
    const finish = () => {
      stop();
      done(got);
    };
    const wait = (ms: number) => {
      if (timer !== undefined) this.timers.clearTimer(timer);
      timer = this.timers.setTimer(ms, finish);
    };
    if (take()) {
      done(got);
      return () => {};
    }
    wait(rule.firstKeyMs);
    stopKeys = this.onKey(() => {
      if (take()) finish();
      else wait(rule.interKeyMs);
    });
    return stop;
  }
}
