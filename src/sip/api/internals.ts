/** What the public SIP objects need from their UserAgent (not public API). */
import type { Logger } from '../../log/logger.js';
import type { TimerHost } from '../../clock/timers.js';
import type { SipCore } from '../core/sip-core.js';
import type { Dialog as CoreDialog } from '../core/dialog.js';
import type { Dialog } from './dialog.js';
import type { IncomingSubscription, Subscription } from './subscription.js';

export interface UaInternals {
  readonly core: SipCore;
  readonly log: Logger;
  readonly timers: TimerHost;
  /** Run `fn` against the core with the current time, then drain it. */
  act<T>(fn: (now: number) => T): T;
  /** The public Dialog of a core dialog (created on first use). */
  dialog(d: CoreDialog): Dialog;
  /** Whether someone iterates `ua.incoming()` (then nothing is answered by default). */
  readonly iterating: boolean;
  /** Keep a subscription until it ends (so `close()` ends it); returns what forgets it. */
  track(sub: Subscription | IncomingSubscription): () => void;
}
